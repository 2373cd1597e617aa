// A weight matrix in whichever format it is stored (f32, f16, q8 or q4 blocks), viewed in place over the host's bytes.
// The byte layout of each format is in FORMAT.md; this file and Blocks.swift are its code. Non-goals: activation
// quantization, formats other than the four below.

/// How a weight matrix is stored. One row per format: dtype of the stored codes, codes per byte, scales or not.
public enum WeightFormat: Equatable, Sendable {
  /// IEEE binary32, row-major `[rows, columns]`.
  case f32
  /// IEEE binary16, row-major `[rows, columns]`.
  case f16
  /// Blocks of 32 signed 8-bit codes with one F16 scale each: weight = code × scale.
  case q8
  /// Blocks of 32 unsigned 4-bit codes (two per byte) with one F16 scale each: weight = (code − 8) × scale.
  case q4

  /// The name used in `__metadata__` (`wasmicro.format`) and on the command line.
  public var name: StaticString {
    switch self {
    case .f32: return "f32"
    case .f16: return "f16"
    case .q8: return "q8"
    case .q4: return "q4"
    }
  }

  /// The format for a name; nil when unknown.
  public init?(name: String) {
    for candidate in [WeightFormat.f32, .f16, .q8, .q4]
    where JSONValue.utf8Equal(ByteText("\(candidate.name)").string, name) {
      self = candidate
      return
    }
    return nil
  }

  /// Whether the format stores codes in blocks with a scale tensor beside them.
  public var isBlockQuantized: Bool { self == .q8 || self == .q4 }
}

/// `[rows, columns]` weights (PyTorch layout: a row per output feature) in any `WeightFormat`, read in place.
///
/// Block-quantized rows are padded with zero codes to a whole number of 32-column blocks (`paddedColumns`); the
/// padding never reaches an output because kernels stop at `columns`.
public struct WeightMatrix {
  public let format: WeightFormat
  /// Output features.
  public let rows: Int
  /// Input features (logical, unpadded).
  public let columns: Int
  /// f32: Float; f16: UInt16 bits; q8: Int8 codes `[rows, paddedColumns]`; q4: bytes `[rows, paddedColumns / 2]`.
  let data: UnsafeRawPointer
  /// q8/q4: F16 scale bits `[rows, paddedColumns / 32]` (read unaligned); nil otherwise.
  let scales: UnsafeRawPointer?

  /// A view over f32 weights.
  public init(f32 values: UnsafeBufferPointer<Float>, rows: Int, columns: Int) {
    precondition(values.count >= rows * columns, "WeightMatrix: f32 buffer too small")
    self.init(format: .f32, rows: rows, columns: columns, data: UnsafeRawPointer(values.baseAddress), scales: nil)
  }

  /// A view over stored bytes; the caller has checked sizes against `storedByteCount` / `scaleCount`.
  init(format: WeightFormat, rows: Int, columns: Int, data: UnsafeRawPointer?, scales: UnsafeRawPointer?) {
    self.format = format
    self.rows = rows
    self.columns = columns
    // An empty matrix may have no storage at all; any non-nil address is never read then.
    self.data = data ?? UnsafeRawPointer(bitPattern: 16)!
    self.scales = scales
  }

  /// Columns rounded up to whole blocks for q8/q4; `columns` otherwise.
  public var paddedColumns: Int { format.isBlockQuantized ? QuantBlock.paddedColumns(columns) : columns }

  /// 32-column blocks per row (q8/q4).
  public var blocksPerRow: Int { paddedColumns / QuantBlock.size }

  /// Stored element count of the data tensor (Float, UInt16, Int8 or packed bytes, by format).
  public static func storedCount(_ format: WeightFormat, rows: Int, columns: Int) -> Int {
    switch format {
    case .f32, .f16: return rows * columns
    case .q8: return rows * QuantBlock.paddedColumns(columns)
    case .q4: return rows * QuantBlock.paddedColumns(columns) / 2
    }
  }

  /// One weight as f32: the plain definition of every format, which the fast kernels must reproduce.
  public func element(_ row: Int, _ column: Int) -> Float {
    switch format {
    case .f32: return data.assumingMemoryBound(to: Float.self)[row * columns + column]
    case .f16:
      return float32FromFloat16Bits(data.loadUnaligned(fromByteOffset: (row * columns + column) * 2, as: UInt16.self))
    case .q8:
      let code = data.assumingMemoryBound(to: Int8.self)[row * paddedColumns + column]
      return Float(code) * scale(row, column / QuantBlock.size)
    case .q4:
      let code = Q4Block.code(data.assumingMemoryBound(to: UInt8.self) + row * paddedColumns / 2, column)
      return Float(Int(code) - Q4Block.zeroCode) * scale(row, column / QuantBlock.size)
    }
  }

  /// The f32 scale of block `block` of row `row` (q8/q4).
  @inline(__always)
  func scale(_ row: Int, _ block: Int) -> Float {
    float32FromFloat16Bits(
      scales.unsafelyUnwrapped.loadUnaligned(fromByteOffset: (row * blocksPerRow + block) * 2, as: UInt16.self))
  }
}
