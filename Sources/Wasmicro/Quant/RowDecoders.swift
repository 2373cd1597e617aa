// Row decoders: eight weights of a stored row as f32, one small struct per `WeightFormat`. They turn rows into f32
// (the GEMM's weight panels, the embedding lookup) exactly as `WeightMatrix.element` defines them.
// Non-goals: decoding whole matrices (weights are used in place; only a few rows are ever decoded at once).

/// A weight format's decoding interface: eight consecutive weights of a row, and the block scale.
protocol WeightRows {
  /// Multiplier of 32-column block `block` of `row` (1 for unscaled formats, folded away).
  func scale(_ row: Int, _ block: Int) -> Float
  /// Weights `column ..< column + 8` of `row` before scaling; `column` is a multiple of 8 below the column count.
  func load8(_ row: Int, _ column: Int) -> SIMD8<Float>
}

extension WeightMatrix {
  /// Writes row `row` as f32 into `output[0..<columns]`: the embedding lookup and the GEMM's weight panels. Equal,
  /// bit for bit, to `element` per column (a test holds them together).
  public func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
    precondition(row >= 0 && row < rows, "WeightMatrix.dequantizeRow: row out of range")
    #if hasFeature(Embedded)
      // One copy of the decoder loop in the size-constrained (wasm) build.
      decodeRow(AnyFormatRows(self), row, into: output)
    #else
      switch format {
      case .f32: (output).update(from: data.assumingMemoryBound(to: Float.self) + row * columns, count: columns)
      case .f16: decodeRow(F16Rows(self), row, into: output)
      case .q8: decodeRow(Q8Rows(self), row, into: output)
      case .q4: decodeRow(Q4Rows(self), row, into: output)
      }
    #endif
  }

  /// Decodes a 32-column block at a time (one scale, four vectors of scale × code: one rounding, as `element`), then
  /// eight columns at a time, then the last `columns % 8` one by one.
  @inline(__always)
  func decodeRow<Rows: WeightRows>(_ decoder: Rows, _ row: Int, into output: UnsafeMutablePointer<Float>) {
    let vectorEnd = columns & ~7
    var column = 0
    #if !hasFeature(Embedded)  // natively, one scale per block; the wasm build keeps the smaller loop below only
      while column + QuantBlock.size <= vectorEnd {
        let scale = SIMD8<Float>(repeating: decoder.scale(row, column >> 5))
        for part in 0..<4 {
          let values = decoder.load8(row, column + 8 * part) * scale
          UnsafeMutableRawPointer(output + column + 8 * part).storeBytes(of: values, as: SIMD8<Float>.self)
        }
        column += QuantBlock.size
      }
    #endif
    while column < vectorEnd {
      let values = decoder.load8(row, column) * SIMD8<Float>(repeating: decoder.scale(row, column >> 5))
      UnsafeMutableRawPointer(output + column).storeBytes(of: values, as: SIMD8<Float>.self)
      column += 8
    }
    while column < columns {
      output[column] = element(row, column)
      column += 1
    }
  }
}

/// Any format, switched per call: the decoder of the size-constrained (wasm) build.
struct AnyFormatRows: WeightRows {
  let weight: WeightMatrix
  init(_ weight: WeightMatrix) { self.weight = weight }
  @inline(__always) func scale(_ row: Int, _ block: Int) -> Float {
    weight.format.isBlockQuantized ? weight.scale(row, block) : 1
  }
  @inline(__always) func load8(_ row: Int, _ column: Int) -> SIMD8<Float> {
    switch weight.format {
    case .f32: return F32Rows(weight).load8(row, column)
    case .f16: return F16Rows(weight).load8(row, column)
    case .q8: return Q8Rows(weight).load8(row, column)
    case .q4: return Q4Rows(weight).load8(row, column)
    }
  }
}

/// f32 rows, loaded as they are.
struct F32Rows: WeightRows {
  let base: UnsafePointer<Float>
  let stride: Int
  init(_ weight: WeightMatrix) {
    base = weight.data.assumingMemoryBound(to: Float.self)
    stride = weight.columns
  }
  @inline(__always) func scale(_ row: Int, _ block: Int) -> Float { 1 }
  @inline(__always) func load8(_ row: Int, _ column: Int) -> SIMD8<Float> { loadVector(base + row * stride + column) }
}

/// f16 rows, widened eight at a time.
struct F16Rows: WeightRows {
  let base: UnsafeRawPointer
  let stride: Int
  init(_ weight: WeightMatrix) {
    base = weight.data
    stride = weight.columns * 2
  }
  @inline(__always) func scale(_ row: Int, _ block: Int) -> Float { 1 }
  @inline(__always) func load8(_ row: Int, _ column: Int) -> SIMD8<Float> {
    widenHalves((base + row * stride + column * 2).loadUnaligned(as: SIMD8<UInt16>.self))
  }
}

/// q8 rows: signed codes converted to f32; the block scale is applied by the kernel.
struct Q8Rows: WeightRows {
  let base: UnsafeRawPointer
  let stride: Int
  let weight: WeightMatrix
  init(_ weight: WeightMatrix) {
    base = weight.data
    stride = weight.paddedColumns
    self.weight = weight
  }
  @inline(__always) func scale(_ row: Int, _ block: Int) -> Float { weight.scale(row, block) }
  @inline(__always) func load8(_ row: Int, _ column: Int) -> SIMD8<Float> {
    // Flipping the sign bit turns code c into the unsigned c + 128.
    let biased = (base + row * stride + column).loadUnaligned(as: SIMD8<UInt8>.self) ^ 0x80
    return floats(fromSmallUnsigned: biased, minus: 128)
  }
}

/// q4 rows: the eight codes of one half of a block's bytes (low nibbles for weights 0–15, high for 16–31), minus 8.
struct Q4Rows: WeightRows {
  let base: UnsafeRawPointer
  let stride: Int
  let weight: WeightMatrix
  init(_ weight: WeightMatrix) {
    base = weight.data
    stride = weight.paddedColumns / 2
    self.weight = weight
  }
  @inline(__always) func scale(_ row: Int, _ block: Int) -> Float { weight.scale(row, block) }
  @inline(__always) func load8(_ row: Int, _ column: Int) -> SIMD8<Float> {
    let within = column & (QuantBlock.size - 1)
    let start = base + row * stride + (column - within) / 2 + (within & 15)
    let bytes = start.loadUnaligned(as: SIMD8<UInt8>.self)
    let codes = within < 16 ? bytes & 0x0F : bytes &>> 4
    return floats(fromSmallUnsigned: codes, minus: Float(Q4Block.zeroCode))
  }
}

/// Float(value − offset) for eight bytes, exactly, with integer and float lane operations only: a byte placed in the
/// low mantissa bits of 2^23 · 1.5 is that float plus the byte. (The generic SIMD integer-to-float conversion is
/// scalarised per lane in the -Osize wasm build: ten times slower.)
@inline(__always)
func floats(fromSmallUnsigned value: SIMD8<UInt8>, minus offset: Float) -> SIMD8<Float> {
  let magic: Float = 0x1.8p23
  let placed = zeroExtended(value) | magic.bitPattern
  return unsafeBitCast(placed, to: SIMD8<Float>.self) - SIMD8<Float>(repeating: magic + offset)
}
