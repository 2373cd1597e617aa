// Row-wise ops of the encoder: LayerNorm, softmax, activations, residual adds, L2 normalisation.
// Each works in place on a plain buffer and states its shape. Reductions accumulate in Double so that results
// stay within a few Float ulps of PyTorch whatever the summation order.
// Ops called from several places are `@inline(never)`: each inlined copy costs wasm bytes (the measured savings are in
// the git log), while one call per row is nothing next to the row's work.

/// In-place LayerNorm over the last axis: x = (x - mean) / sqrt(var + eps) · gamma + beta (biased variance, as PyTorch).
///
/// - Parameters:
///   - values: `[rows, width]`
///   - gamma, beta: `[width]`
@inline(never)
public func layerNorm(
  _ values: UnsafeMutableBufferPointer<Float>, rows: Int, width: Int,
  gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>, epsilon: Float
) {
  for row in 0..<rows {
    let base = row * width
    var sum = 0.0
    for i in 0..<width { sum += Double(values[base + i]) }
    let mean = sum / Double(width)
    var squares = 0.0
    for i in 0..<width {
      let centered = Double(values[base + i]) - mean
      squares += centered * centered
    }
    let inverseDeviation = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
    for i in 0..<width {
      let normalized = (Double(values[base + i]) - mean) * inverseDeviation
      values[base + i] = Float(normalized * Double(gamma[i]) + Double(beta[i]))
    }
  }
}

/// In-place softmax of one row `[count]`. A row whose entries are all equal (e.g. fully masked) becomes uniform, as in PyTorch.
@inline(never)
public func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
  guard count > 0 else { return }
  var maximum = row[0]
  for i in 1..<count where row[i] > maximum { maximum = row[i] }
  let shift = Double(maximum)
  var total = 0.0
  var i = 0
  #if !arch(wasm32)  // lanes: 1.1 KB of the wasm module's budget; wasm runs the scalar loop below
    while i + FloatLanes.scalarCount <= count {
      // Several exponentials at a time (`exponentials`); the sum stays in order, so the result is `softmaxReference`'s.
      let e = exponentials(widened(UnsafeRawPointer(row + i).loadUnaligned(as: FloatLanes.self)) - shift)
      UnsafeMutableRawPointer(row + i).storeBytes(of: narrowed(e), as: FloatLanes.self)
      for lane in 0..<FloatLanes.scalarCount { total += e[lane] }
      i += FloatLanes.scalarCount
    }
  #endif
  while i < count {
    let e = exponential(Double(row[i]) - shift)
    row[i] = Float(e)
    total += e
    i += 1
  }
  let inverse = 1 / total
  for i in 0..<count { row[i] = Float(Double(row[i]) * inverse) }
}

/// Scalar twin of `softmax`.
public func softmaxReference(_ row: UnsafeMutablePointer<Float>, count: Int) {
  guard count > 0 else { return }
  var maximum = row[0]
  for i in 1..<count where row[i] > maximum { maximum = row[i] }
  var total = 0.0
  for i in 0..<count {
    let e = exponential(Double(row[i]) - Double(maximum))
    row[i] = Float(e)
    total += e
  }
  let inverse = 1 / total
  for i in 0..<count { row[i] = Float(Double(row[i]) * inverse) }
}

/// values += other, elementwise over `[count]`.
public func addInPlace(_ values: UnsafeMutableBufferPointer<Float>, _ other: UnsafeBufferPointer<Float>) {
  for i in values.indices { values[i] += other[i] }
}

/// In-place L2 normalisation of `[count]` values, as `torch.nn.functional.normalize` (norm clamped at 1e-12).
public func l2Normalize(_ values: inout [Float]) {
  var squares = 0.0
  for value in values { squares += Double(value) * Double(value) }
  let norm = squares.squareRoot()
  let divisor = norm > 1e-12 ? norm : 1e-12
  for i in values.indices { values[i] = Float(Double(values[i]) / divisor) }
}

/// Cosine similarity of two equal-length vectors, accumulated and returned in Double (for reports near 1);
/// 0 when either is all zeros or the lengths differ.
public func cosine(_ a: [Float], _ b: [Float]) -> Double {
  guard a.count == b.count, !a.isEmpty else { return 0 }
  var dotProduct = 0.0
  var normA = 0.0
  var normB = 0.0
  for i in a.indices {
    dotProduct += Double(a[i]) * Double(b[i])
    normA += Double(a[i]) * Double(a[i])
    normB += Double(b[i]) * Double(b[i])
  }
  guard normA > 0, normB > 0 else { return 0 }
  return dotProduct / (normA.squareRoot() * normB.squareRoot())
}

/// Cosine similarity as a Float; see `cosine`.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float { Float(cosine(a, b)) }
