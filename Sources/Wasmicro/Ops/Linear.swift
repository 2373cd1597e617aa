// Dense layer kernels: y = x · Wᵀ + b with PyTorch's weight layout [outFeatures, inFeatures], weights in any
// `WeightFormat`. `linear` is the optimised SIMD kernel (one design, a small decoder per format); `linearReference` is
// its plain scalar twin, held together by a test per format. Non-goals: general GEMM, transposed variants, threading.

/// y = x · Wᵀ + b, SIMD kernel, for weights in any `WeightFormat` (decoded in registers, never copied).
///
/// - Parameters:
///   - input: `[rows, weight.columns]`
///   - weight: `[outFeatures, inFeatures]` (PyTorch `nn.Linear` layout, so each output is a contiguous dot product)
///   - bias: `[outFeatures]`, or empty for no bias
///   - output: `[rows, outFeatures]`, overwritten
public func linear(
  input: UnsafeBufferPointer<Float>, weight: WeightMatrix, bias: UnsafeBufferPointer<Float>,
  output: UnsafeMutableBufferPointer<Float>, rows: Int
) {
  precondition(input.count >= rows * weight.columns && output.count >= rows * weight.rows)
  precondition(bias.isEmpty || bias.count >= weight.rows)
  guard let x = input.baseAddress, let y = output.baseAddress, rows > 0 else { return }
  let shape = LinearShape(rows: rows, inFeatures: weight.columns, outFeatures: weight.rows, bias: bias.baseAddress)
  #if hasFeature(Embedded)
    // The wasm module keeps one copy of the kernel (each specialisation costs about 2 KB of its size budget); the
    // format switch per eight weights is a predictable branch.
    linearKernel(AnyFormatRows(weight), x, y, shape)
  #else
    switch weight.format {
    case .f32: linearKernel(F32Rows(weight), x, y, shape)
    case .f16: linearKernel(F16Rows(weight), x, y, shape)
    case .q8: linearKernel(Q8Rows(weight), x, y, shape)
    case .q4: linearKernel(Q4Rows(weight), x, y, shape)
    }
  #endif
  addTailColumns(input: x, weight: weight, output: y, rows: rows)
}

/// Scalar twin of `linear`: same shapes, each weight decoded by `WeightMatrix.element`, sums in Double.
public func linearReference(
  input: UnsafeBufferPointer<Float>, weight: WeightMatrix, bias: UnsafeBufferPointer<Float>,
  output: UnsafeMutableBufferPointer<Float>, rows: Int
) {
  let inFeatures = weight.columns
  let outFeatures = weight.rows
  for row in 0..<rows {
    for out in 0..<outFeatures {
      var sum: Double = bias.isEmpty ? 0 : Double(bias[out])
      for i in 0..<inFeatures {
        sum += Double(input[row * inFeatures + i]) * Double(weight.element(out, i))
      }
      output[row * outFeatures + out] = Float(sum)
    }
  }
}

/// The sizes one `linear` call works on.
struct LinearShape {
  let rows: Int
  let inFeatures: Int
  let outFeatures: Int
  let bias: UnsafePointer<Float>?
}

/// The kernel's whole interface to a weight format: eight consecutive weights of a row, and the block scale.
protocol WeightRows {
  /// Multiplier of 32-column block `block` of `row` (1 for unscaled formats, folded away).
  func scale(_ row: Int, _ block: Int) -> Float
  /// Weights `column ..< column + 8` of `row` before scaling; `column` is a multiple of 8 below the column count.
  func load8(_ row: Int, _ column: Int) -> SIMD8<Float>
}

/// The kernel, once for every format: four input rows share each decoded weight vector, so the loop is bound by
/// weight loads (and their decoding), not arithmetic. It covers the columns below the last multiple of 8;
/// `addTailColumns` adds the rest.
@inline(never)
func linearKernel<Rows: WeightRows>(
  _ decoder: Rows, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ shape: LinearShape
) {
  let inFeatures = shape.inFeatures
  let outFeatures = shape.outFeatures
  let vectorEnd = inFeatures & ~7
  var row = 0
  while row < shape.rows {
    // A last group of fewer than four rows repeats its final row in the spare slots and stores only the real ones.
    let valid = min(4, shape.rows - row)
    let x0 = x + row * inFeatures
    let x1 = x0 + (valid > 1 ? inFeatures : 0)
    let x2 = x0 + (valid > 2 ? 2 * inFeatures : 0)
    let x3 = x0 + (valid > 3 ? 3 * inFeatures : 0)
    for out in 0..<outFeatures {
      var a0 = SIMD8<Float>()
      var a1 = SIMD8<Float>()
      var a2 = SIMD8<Float>()
      var a3 = SIMD8<Float>()
      var i = 0
      while i < vectorEnd {
        let scale = SIMD8<Float>(repeating: decoder.scale(out, i >> 5))
        let blockEnd = min(i + QuantBlock.size, vectorEnd)
        while i < blockEnd {
          let wv = decoder.load8(out, i) * scale
          a0 += loadVector(x0 + i) * wv
          a1 += loadVector(x1 + i) * wv
          a2 += loadVector(x2 + i) * wv
          a3 += loadVector(x3 + i) * wv
          i += 8
        }
      }
      let s0 = a0.sum()
      let s1 = a1.sum()
      let s2 = a2.sum()
      let s3 = a3.sum()
      let biasValue: Float = shape.bias.map { $0[out] } ?? 0
      let base = y + row * outFeatures + out
      base[0] = s0 + biasValue
      if valid > 1 { base[outFeatures] = s1 + biasValue }
      if valid > 2 { base[2 * outFeatures] = s2 + biasValue }
      if valid > 3 { base[3 * outFeatures] = s3 + biasValue }
    }
    row += 4
  }
}

/// y[row, out] += Σ x[row, i] · W[out, i] over the last `columns % 8` columns (only shapes that are not a multiple
/// of 8 wide have any), one format-generic scalar loop for all kernels.
func addTailColumns(
  input x: UnsafePointer<Float>, weight: WeightMatrix, output y: UnsafeMutablePointer<Float>, rows: Int
) {
  let columns = weight.columns
  guard columns & 7 != 0 else { return }
  for row in 0..<rows {
    for out in 0..<weight.rows {
      var sum = y[row * weight.rows + out]
      for i in (columns & ~7)..<columns { sum += x[row * columns + i] * weight.element(out, i) }
      y[row * weight.rows + out] = sum
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

/// Dot product of two `[count]` float vectors, SIMD8.
@inline(never)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var accumulator = SIMD8<Float>()
  var i = 0
  while i + 8 <= count {
    accumulator += loadVector(a + i) * loadVector(b + i)
    i += 8
  }
  var sum = accumulator.sum()
  while i < count {
    sum += a[i] * b[i]
    i += 1
  }
  return sum
}

/// y[0..<count] += alpha · x[0..<count], SIMD8.
@inline(never)
public func addScaled(_ x: UnsafePointer<Float>, scale alpha: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
  let alphaVector = SIMD8<Float>(repeating: alpha)
  var i = 0
  while i + 8 <= count {
    let updated = loadVector(y + i) + loadVector(x + i) * alphaVector
    UnsafeMutableRawPointer(y + i).storeBytes(of: updated, as: SIMD8<Float>.self)
    i += 8
  }
  while i < count {
    y[i] += alpha * x[i]
    i += 1
  }
}

/// Loads eight consecutive floats; the pointer need only be 4-byte aligned.
@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}
