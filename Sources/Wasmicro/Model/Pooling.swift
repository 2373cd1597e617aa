// Sentence pooling as sentence-transformers' `Pooling` module does it: mean (mask-aware), CLS, max, mean·√len.

/// Pools one sequence's token states into a sentence vector.
///
/// - Parameters:
///   - hiddenStates: `[sequenceLength, hiddenSize]`
///   - attentionMask: `[sequenceLength]`, 1 = token, 0 = padding
/// - Returns: `[hiddenSize]`
public func pool(
  _ hiddenStates: ArraySlice<Float>, attentionMask: ArraySlice<Int32>, hiddenSize: Int, mode: PoolingMode
) -> [Float] {
  let sequenceLength = attentionMask.count
  let base = hiddenStates.startIndex
  let maskBase = attentionMask.startIndex
  var pooled = [Float](repeating: 0, count: hiddenSize)
  switch mode {
  case .cls:
    for i in 0..<hiddenSize where sequenceLength > 0 { pooled[i] = hiddenStates[base + i] }
  case .max:
    // sentence-transformers sets padded positions to -1e9 before taking the max.
    for i in 0..<hiddenSize {
      var best: Float = -.infinity
      for position in 0..<sequenceLength {
        let value = attentionMask[maskBase + position] != 0 ? hiddenStates[base + position * hiddenSize + i] : -1e9
        if value > best { best = value }
      }
      pooled[i] = sequenceLength > 0 ? best : 0
    }
  case .mean, .meanSqrtLength:
    var tokens = 0.0
    for position in 0..<sequenceLength where attentionMask[maskBase + position] != 0 { tokens += 1 }
    // The token count is clamped at 1e-9 as in sentence-transformers, so an all-padding row gives zeros, not NaN.
    let divisor = mode == .mean ? (tokens > 1e-9 ? tokens : 1e-9) : (tokens > 1e-9 ? tokens : 1e-9).squareRoot()
    for i in 0..<hiddenSize {
      var sum = 0.0
      for position in 0..<sequenceLength where attentionMask[maskBase + position] != 0 {
        sum += Double(hiddenStates[base + position * hiddenSize + i])
      }
      pooled[i] = Float(sum / divisor)
    }
  }
  return pooled
}
