// Scaled dot-product self-attention for one sequence, all heads. Padding is masked additively with the most negative
// finite Float, as HF does, so a fully masked row degrades to a uniform softmax instead of NaN.
// Non-goals: KV caches, causal masks, cross-attention.

/// context = softmax(Q·Kᵀ/√headSize + mask) · V, per head.
///
/// - Parameters:
///   - query, key, value: `[sequenceLength, heads · headSize]`; head h occupies columns `h·headSize ..< (h+1)·headSize`
///   - keyMask: `[sequenceLength]`, non-zero = attend, 0 = padding; nil = attend to every key
///   - context: `[sequenceLength, heads · headSize]`, overwritten
///   - scores: scratch of at least `[sequenceLength]`
public func selfAttention(
  query: UnsafeBufferPointer<Float>, key: UnsafeBufferPointer<Float>, value: UnsafeBufferPointer<Float>,
  keyMask: UnsafeBufferPointer<Int32>?, context: UnsafeMutableBufferPointer<Float>,
  scores: UnsafeMutableBufferPointer<Float>,
  sequenceLength: Int, heads: Int, headSize: Int
) {
  let width = heads * headSize
  precondition(query.count >= sequenceLength * width && key.count >= sequenceLength * width)
  precondition(value.count >= sequenceLength * width && context.count >= sequenceLength * width)
  precondition((keyMask?.count ?? sequenceLength) >= sequenceLength && scores.count >= sequenceLength)
  guard let q = query.baseAddress, let k = key.baseAddress, let v = value.baseAddress,
    let out = context.baseAddress, let s = scores.baseAddress
  else { return }
  let scale = Float(1 / Double(headSize).squareRoot())
  let maskValue = -Float.greatestFiniteMagnitude
  for head in 0..<heads {
    let column = head * headSize
    for i in 0..<sequenceLength {
      let queryRow = q + i * width + column
      for j in 0..<sequenceLength {
        let raw = dot(queryRow, k + j * width + column, count: headSize) * scale
        s[j] = keyMask.map { $0[j] != 0 } ?? true ? raw : raw + maskValue
      }
      softmax(s, count: sequenceLength)
      let outRow = out + i * width + column
      for t in 0..<headSize { outRow[t] = 0 }
      for j in 0..<sequenceLength where s[j] != 0 {
        addScaled(v + j * width + column, scale: s[j], into: outRow, count: headSize)
      }
    }
  }
}

/// Floats of scratch `blockedSelfAttention` needs for one sequence.
public func blockedAttentionScratchCount(sequenceLength: Int, headSize: Int) -> Int {
  let padded = paddedKeyCount(sequenceLength)
  return sequenceLength * padded + 2 * sequenceLength * headSize + 2 * padded * headSize
}

/// Keys rounded up to whole vectors of the GEMM, so that probability rows need no tail loop (the padding is zeros).
@inline(__always)
func paddedKeyCount(_ sequenceLength: Int) -> Int { (sequenceLength + 15) & ~15 }

/// `selfAttention` without a mask, as two GEMMs per head: the model's path (packed sequences have no padding).
/// Per head, Q and K are gathered into contiguous blocks and V transposed, then scores = Q·Kᵀ by `linear`, scaled and
/// soft-maxed row by row, and context = P·V by `linear` again. `selfAttention` is its plain twin (OpsTests).
///
/// - Parameters:
///   - query, key, value, context: as for `selfAttention`
///   - scratch: `blockedAttentionScratchCount(sequenceLength:headSize:)` floats
public func blockedSelfAttention(
  query: UnsafeBufferPointer<Float>, key: UnsafeBufferPointer<Float>, value: UnsafeBufferPointer<Float>,
  context: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>,
  sequenceLength n: Int, heads: Int, headSize: Int
) {
  let width = heads * headSize
  precondition(query.count >= n * width && key.count >= n * width)
  precondition(value.count >= n * width && context.count >= n * width)
  precondition(scratch.count >= blockedAttentionScratchCount(sequenceLength: n, headSize: headSize))
  guard n > 0, let queries = query.baseAddress, let keys = key.baseAddress, let values = value.baseAddress,
    let out = context.baseAddress, let base = scratch.baseAddress
  else { return }
  let padded = paddedKeyCount(n)
  let probabilities = base  // [n, padded]
  let headQuery = probabilities + n * padded  // [n, headSize]
  let headContext = headQuery + n * headSize  // [n, headSize]
  let headKey = headContext + n * headSize  // [padded, headSize], rows n… zero
  let valueColumns = headKey + padded * headSize  // [headSize, padded], columns n… zero
  headKey.update(repeating: 0, count: 2 * padded * headSize)
  let scale = Float(1 / Double(headSize).squareRoot())
  let noBias = UnsafeBufferPointer<Float>(start: nil, count: 0)
  for head in 0..<heads {
    let column = head * headSize
    for i in 0..<n {
      (headQuery + i * headSize).update(from: queries + i * width + column, count: headSize)
      (headKey + i * headSize).update(from: keys + i * width + column, count: headSize)
      for t in 0..<headSize { valueColumns[t * padded + i] = values[i * width + column + t] }
    }
    linear(
      input: UnsafeBufferPointer(start: headQuery, count: n * headSize),
      weight: WeightMatrix(
        f32: UnsafeBufferPointer(start: headKey, count: padded * headSize), rows: padded, columns: headSize),
      bias: noBias, output: UnsafeMutableBufferPointer(start: probabilities, count: n * padded), rows: n)
    for i in 0..<n {
      let row = probabilities + i * padded
      for j in 0..<n { row[j] *= scale }
      softmax(row, count: n)
    }
    linear(
      input: UnsafeBufferPointer(start: probabilities, count: n * padded),
      weight: WeightMatrix(
        f32: UnsafeBufferPointer(start: valueColumns, count: padded * headSize), rows: headSize, columns: padded),
      bias: noBias, output: UnsafeMutableBufferPointer(start: headContext, count: n * headSize), rows: n)
    for i in 0..<n { (out + i * width + column).update(from: headContext + i * headSize, count: headSize) }
  }
}
