// Quantization blocks: the layouts of FORMAT.md as structs with a size check, and the round-to-nearest quantizers
// the converter uses. Weights are quantized in blocks of 32 along the input dimension, one F16 scale per block.
// Non-goals: per-tensor or per-channel scales, asymmetric (offset) blocks: measured in FORMAT.md, not worth their bytes.

/// Facts shared by every block format.
public enum QuantBlock {
  /// Weights per block, along a row (the input dimension).
  public static let size = 32

  /// `columns` rounded up to a whole number of blocks.
  public static func paddedColumns(_ columns: Int) -> Int { (columns + size - 1) / size * size }
}

/// A q8 block as stored: 32 signed codes, weight = code × scale. Codes lie in −127…127 (−128 never occurs, so the
/// format is symmetric). The block's scale lives in the `.scales` tensor, not in the block.
public struct Q8Block {
  public var codes: SIMD32<Int8>
  /// Stored bytes per block (FORMAT.md).
  public static let byteCount = 32

  /// Quantizes 32 weights: scale = max|w| / 127 rounded to F16, code = round(w / scale), ties away from zero.
  /// - Returns: the block and its scale's F16 bits.
  public static func quantize(_ weights: UnsafePointer<Float>) -> (block: Q8Block, scale: UInt16) {
    var largest: Float = 0
    for i in 0..<QuantBlock.size { largest = max(largest, abs(weights[i])) }
    let scaleBits = float16Bits(largest / 127)
    let scale = float32FromFloat16Bits(scaleBits)
    var codes = SIMD32<Int8>()
    if scale > 0 {
      for i in 0..<QuantBlock.size { codes[i] = Int8(roundedCode(weights[i] / scale, lowest: -127, highest: 127)) }
    }
    return (Q8Block(codes: codes), scaleBits)
  }
}

/// A q4 block as stored: 16 bytes; byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
/// weight = (code − 8) × scale, codes 0…15. Splitting at 16 (not interleaving neighbours) lets a kernel decode eight
/// consecutive weights with one mask or one shift.
public struct Q4Block {
  public var bytes: SIMD16<UInt8>
  /// Stored bytes per block (FORMAT.md).
  public static let byteCount = 16
  /// The code of weight 0.
  public static let zeroCode = 8

  /// Code of weight `index` (0…31 within its block, or any column: blocks follow each other) in packed `bytes`.
  @inline(__always)
  static func code(_ bytes: UnsafePointer<UInt8>, _ column: Int) -> UInt8 {
    let block = bytes + (column / QuantBlock.size) * byteCount
    let within = column % QuantBlock.size
    return within < 16 ? block[within] & 0x0F : block[within - 16] >> 4
  }

  /// Quantizes 32 weights with the scale (rounded to F16) that minimises the block's squared error, searched over
  /// candidate scales max|w| / k around the symmetric range; codes round to nearest, ties away from zero.
  /// - Returns: the block and its scale's F16 bits.
  public static func quantize(_ weights: UnsafePointer<Float>) -> (block: Q4Block, scale: UInt16) {
    var largest: Float = 0
    for i in 0..<QuantBlock.size { largest = max(largest, abs(weights[i])) }
    guard largest > 0 else { return (Q4Block(bytes: SIMD16(repeating: 0x88)), 0) }
    var bestBits: UInt16 = 0
    var bestError = Double.infinity
    // k = 8 maps the largest weight onto −8 or (clipped) 7; smaller k trade range for resolution. 0.1 steps from
    // 6.0 to 9.0 cover every useful choice (measured: wider grids change no MiniLM block's choice).
    for step in 0...30 {
      let divisor = 6.0 + Float(step) * 0.1
      let bits = float16Bits(largest / divisor)
      let scale = float32FromFloat16Bits(bits)
      guard scale > 0 else { continue }
      var error = 0.0
      for i in 0..<QuantBlock.size {
        let code = roundedCode(weights[i] / scale, lowest: -8, highest: 7)
        let difference = Double(weights[i]) - Double(Float(code) * scale)
        error += difference * difference
      }
      if error < bestError {
        bestError = error
        bestBits = bits
      }
    }
    let scale = float32FromFloat16Bits(bestBits)
    var bytes = SIMD16<UInt8>()
    for j in 0..<16 {
      let low = UInt8(roundedCode(weights[j] / scale, lowest: -8, highest: 7) + zeroCode)
      let high = UInt8(roundedCode(weights[j + 16] / scale, lowest: -8, highest: 7) + zeroCode)
      bytes[j] = low | high << 4
    }
    return (Q4Block(bytes: bytes), bestBits)
  }
}

/// round(value) with ties away from zero, clamped to `lowest…highest` (NaN gives 0).
@inline(__always)
func roundedCode(_ value: Float, lowest: Int, highest: Int) -> Int {
  guard value == value else { return 0 }
  if value >= Float(highest) { return highest }
  if value <= Float(lowest) { return lowest }
  // Truncate, then step away from zero when the dropped fraction is at least one half (exact: |value| < 2^23).
  let truncated = Int(value)
  let fraction = value - Float(truncated)
  if fraction >= 0.5 { return truncated + 1 }
  if fraction <= -0.5 { return truncated - 1 }
  return truncated
}
