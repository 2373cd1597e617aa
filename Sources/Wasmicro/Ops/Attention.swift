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
