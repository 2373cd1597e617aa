// Dense layer kernels: y = x · Wᵀ + b with PyTorch's weight layout [outFeatures, inFeatures], weights in any
// `WeightFormat`. `linear` is the register-blocked GEMM; `linearReference` is its plain scalar twin, held together by a
// test per format. Non-goals: transposed variants, threading (the host may run batches on threads).
//
// Design (README "Speed"): a micro-kernel computes a tile of 4 input rows (AVX-512; 2 elsewhere) × 4 outputs with one vector
// accumulator per pair, running along the input dimension, so both operands are read as stored: x row-major, W in
// PyTorch layout, no packing and no copy of the model. The tile ends with one transpose-and-add that turns 4 accumulators into the 4 outputs of a
// row. f32 weights are read in place; the other formats decode 4 weight rows at a time into a small panel
// (4 × inFeatures floats, in L1) that every row tile then reads: each weight is decoded once per block of rows, and
// one kernel serves every format.

/// The accumulator vector of this build: the widest the target has (README "Speed" lists how it is chosen).
#if arch(wasm32)
  typealias GemmVector = SIMD4<Float>
#elseif WASMICRO_AVX512
  typealias GemmVector = SIMD16<Float>
#else
  typealias GemmVector = SIMD8<Float>
#endif

/// Which GEMM path this build runs, for `make bench` and `wasmicro --version`-style reports.
#if arch(wasm32)
  public let linearKernelPath: StaticString = "wasm simd128, 2x4 tile, f32x4, mul+add"
#elseif WASMICRO_AVX512
  public let linearKernelPath: StaticString = "avx-512, 4x4 tile, 16 lanes, fma"
#elseif WASMICRO_FMA
  public let linearKernelPath: StaticString = "avx2+fma, 2x4 tile, 8 lanes, fma"
#elseif arch(arm64)
  public let linearKernelPath: StaticString = "neon, 2x4 tile, 8 lanes, fma"
#else
  public let linearKernelPath: StaticString = "portable, 2x4 tile, 8 lanes, mul+add"
#endif

/// Floats of x one block of rows may span: the block stays in L2 while every 4-output panel of W passes over it.
let gemmBlockFloats = 1 << 16

/// Floats of panel scratch `linear` needs for `weight` (0 for f32, read in place).
public func linearPanelCount(_ weight: WeightMatrix) -> Int { weight.format == .f32 ? 0 : 4 * weight.columns }

/// y = x · Wᵀ + b, register-blocked, for weights in any `WeightFormat` (read in place, never copied whole).
///
/// - Parameters:
///   - input: `[rows, weight.columns]`
///   - weight: `[outFeatures, inFeatures]` (PyTorch `nn.Linear` layout)
///   - bias: `[outFeatures]`, or empty for no bias
///   - output: `[rows, outFeatures]`, overwritten
///   - panel: scratch of `linearPanelCount(weight)` floats for decoded weight rows; nil = allocated for this call
@inline(never)
public func linear(
  input: UnsafeBufferPointer<Float>, weight: WeightMatrix, bias: UnsafeBufferPointer<Float>,
  output: UnsafeMutableBufferPointer<Float>, rows: Int, panel: UnsafeMutableBufferPointer<Float>? = nil
) {
  precondition(input.count >= rows * weight.columns && output.count >= rows * weight.rows)
  precondition(bias.isEmpty || bias.count >= weight.rows)
  guard let x = input.baseAddress, let y = output.baseAddress, rows > 0, weight.rows > 0 else { return }
  let needed = linearPanelCount(weight)
  var owned: UnsafeMutablePointer<Float>? = nil
  if needed > 0, (panel?.count ?? 0) < needed { owned = UnsafeMutablePointer<Float>.allocate(capacity: needed) }
  defer { owned?.deallocate() }
  multiply(
    x, rows: rows, weight, bias: bias.baseAddress, into: y, panel: needed == 0 ? nil : owned ?? panel?.baseAddress)
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

/// The blocked loops around the micro-kernel: blocks of rows (x stays in L2), then panels of 4 outputs (W rows in L1,
/// decoded into `panel` unless f32), then tiles of 4 rows.
@inline(never)
func multiply(
  _ x: UnsafePointer<Float>, rows: Int, _ weight: WeightMatrix, bias: UnsafePointer<Float>?,
  into y: UnsafeMutablePointer<Float>, panel: UnsafeMutablePointer<Float>?
) {
  let columns = weight.columns
  let blockRows = max(4, (gemmBlockFloats / max(columns, 1)) & ~3)
  var firstRow = 0
  while firstRow < rows {
    let endRow = min(rows, firstRow + blockRows)
    var out = 0
    while out < weight.rows {
      let outputs = min(4, weight.rows - out)
      let rowsOfW: UnsafePointer<Float>
      if let panel {
        for k in 0..<outputs { weight.dequantizeRow(out + k, into: panel + k * columns) }
        rowsOfW = UnsafePointer(panel)
      } else {
        rowsOfW = weight.data.assumingMemoryBound(to: Float.self) + out * columns
      }
      let tile = GemmPanel(
        weights: rowsOfW, outputs: outputs, columns: columns, bias: bias.map { $0 + out }, output: y + out,
        outputStride: weight.rows)
      multiplyPanel(tile, x: x, firstRow: firstRow, endRow: endRow)
      out += 4
    }
    firstRow = endRow
  }
}

/// Up to 4 consecutive weight rows (f32, `columns` apart) and where their outputs go.
struct GemmPanel {
  let weights: UnsafePointer<Float>
  let outputs: Int
  let columns: Int
  let bias: UnsafePointer<Float>?
  let output: UnsafeMutablePointer<Float>
  let outputStride: Int
}

/// The micro-kernel over rows `firstRow ..< endRow`: tiles of 4 rows × the panel's 4 outputs. A short last tile (rows
/// or outputs) repeats its last real row in the spare slots and stores only the real results.
@inline(never)
func multiplyPanel(_ panel: GemmPanel, x: UnsafePointer<Float>, firstRow: Int, endRow: Int) {
  let columns = panel.columns
  let vectorEnd = columns & ~(GemmVector.scalarCount - 1)
  let w0 = panel.weights
  let w1 = w0 + (panel.outputs > 1 ? columns : 0)
  let w2 = w0 + (panel.outputs > 2 ? 2 * columns : 0)
  let w3 = w0 + (panel.outputs > 3 ? 3 * columns : 0)
  var biasVector = SIMD4<Float>()
  if let bias = panel.bias {
    for k in 0..<panel.outputs { biasVector[k] = bias[k] }
  }
  var row = firstRow
  #if !WASMICRO_AVX512
    // Tiles of 2 rows × 4 outputs: 8 accumulators and 6 operands fit 16 vector registers (AVX2, SSE, V8's wasm
    // SIMD on x86-64) or 32 NEON halves, where a 4 × 4 tile spills (AVX2: 64 → 50 ms at 128 tokens, `make bench`
    // machine); it also keeps the wasm module within its size budget.
    while row < endRow {
      let x0 = x + row * columns
      let x1 = x0 + (endRow - row > 1 ? columns : 0)
      var a00 = GemmVector()
      var a01 = GemmVector()
      var a02 = GemmVector()
      var a03 = GemmVector()
      var a10 = GemmVector()
      var a11 = GemmVector()
      var a12 = GemmVector()
      var a13 = GemmVector()
      var i = 0
      while i < vectorEnd {
        let v0 = loadGemm(w0 + i)
        let v1 = loadGemm(w1 + i)
        let v2 = loadGemm(w2 + i)
        let v3 = loadGemm(w3 + i)
        let u0 = loadGemm(x0 + i)
        let u1 = loadGemm(x1 + i)
        a00 = multiplyAdd(a00, u0, v0)
        a01 = multiplyAdd(a01, u0, v1)
        a02 = multiplyAdd(a02, u0, v2)
        a03 = multiplyAdd(a03, u0, v3)
        a10 = multiplyAdd(a10, u1, v0)
        a11 = multiplyAdd(a11, u1, v1)
        a12 = multiplyAdd(a12, u1, v2)
        a13 = multiplyAdd(a13, u1, v3)
        i += GemmVector.scalarCount
      }
      let base = panel.output + row * panel.outputStride
      storeOutputs(sums(a00, a01, a02, a03) + biasVector, base, panel.outputs)
      if endRow - row > 1 {
        storeOutputs(sums(a10, a11, a12, a13) + biasVector, base + panel.outputStride, panel.outputs)
      }
      row += 2
    }
  #else
    while row < endRow {
      let valid = min(4, endRow - row)
      let x0 = x + row * columns
      let x1 = x0 + (valid > 1 ? columns : 0)
      let x2 = x0 + (valid > 2 ? 2 * columns : 0)
      let x3 = x0 + (valid > 3 ? 3 * columns : 0)
      var a00 = GemmVector()
      var a01 = GemmVector()
      var a02 = GemmVector()
      var a03 = GemmVector()
      var a10 = GemmVector()
      var a11 = GemmVector()
      var a12 = GemmVector()
      var a13 = GemmVector()
      var a20 = GemmVector()
      var a21 = GemmVector()
      var a22 = GemmVector()
      var a23 = GemmVector()
      var a30 = GemmVector()
      var a31 = GemmVector()
      var a32 = GemmVector()
      var a33 = GemmVector()
      var i = 0
      while i < vectorEnd {
        let v0 = loadGemm(w0 + i)
        let v1 = loadGemm(w1 + i)
        let v2 = loadGemm(w2 + i)
        let v3 = loadGemm(w3 + i)
        let u0 = loadGemm(x0 + i)
        a00 = multiplyAdd(a00, u0, v0)
        a01 = multiplyAdd(a01, u0, v1)
        a02 = multiplyAdd(a02, u0, v2)
        a03 = multiplyAdd(a03, u0, v3)
        let u1 = loadGemm(x1 + i)
        a10 = multiplyAdd(a10, u1, v0)
        a11 = multiplyAdd(a11, u1, v1)
        a12 = multiplyAdd(a12, u1, v2)
        a13 = multiplyAdd(a13, u1, v3)
        let u2 = loadGemm(x2 + i)
        a20 = multiplyAdd(a20, u2, v0)
        a21 = multiplyAdd(a21, u2, v1)
        a22 = multiplyAdd(a22, u2, v2)
        a23 = multiplyAdd(a23, u2, v3)
        let u3 = loadGemm(x3 + i)
        a30 = multiplyAdd(a30, u3, v0)
        a31 = multiplyAdd(a31, u3, v1)
        a32 = multiplyAdd(a32, u3, v2)
        a33 = multiplyAdd(a33, u3, v3)
        i += GemmVector.scalarCount
      }
      let base = panel.output + row * panel.outputStride
      storeOutputs(sums(a00, a01, a02, a03) + biasVector, base, panel.outputs)
      if valid > 1 { storeOutputs(sums(a10, a11, a12, a13) + biasVector, base + panel.outputStride, panel.outputs) }
      if valid > 2 { storeOutputs(sums(a20, a21, a22, a23) + biasVector, base + 2 * panel.outputStride, panel.outputs) }
      if valid > 3 { storeOutputs(sums(a30, a31, a32, a33) + biasVector, base + 3 * panel.outputStride, panel.outputs) }
      row += 4
    }
  #endif
}

/// acc + a·b: fused where the build has FMA, a multiply and an add otherwise (wasm SIMD128 has no FMA; the portable
/// x86-64 build would call a library fma per lane).
@inline(__always)
func multiplyAdd(_ acc: GemmVector, _ a: GemmVector, _ b: GemmVector) -> GemmVector {
  #if WASMICRO_FMA || arch(arm64)
    return acc.addingProduct(a, b)
  #else
    return acc + a * b
  #endif
}

@inline(__always)
func loadGemm(_ pointer: UnsafePointer<Float>) -> GemmVector {
  UnsafeRawPointer(pointer).loadUnaligned(as: GemmVector.self)
}

/// The lanes of an accumulator added down to 4 (lane k holds the sum of lanes k, k + 4, …).
@inline(__always)
func foldToFour(_ v: GemmVector) -> SIMD4<Float> {
  #if arch(wasm32)
    return v
  #elseif WASMICRO_AVX512
    let eight = v.lowHalf + v.highHalf
    return eight.lowHalf + eight.highHalf
  #else
    return v.lowHalf + v.highHalf
  #endif
}

/// [Σa, Σb, Σc, Σd]: four accumulators reduced and transposed into one vector of four outputs, with two-source
/// lane shuffles only (each SIMD4 below is one shuffle on every target; wasm has no horizontal add).
@inline(__always)
func sums(_ a: GemmVector, _ b: GemmVector, _ c: GemmVector, _ d: GemmVector) -> SIMD4<Float> {
  let (a, b, c, d) = (foldToFour(a), foldToFour(b), foldToFour(c), foldToFour(d))
  let ab = SIMD4(a[0], b[0], a[1], b[1]) + SIMD4(a[2], b[2], a[3], b[3])  // a0+a2, b0+b2, a1+a3, b1+b3
  let cd = SIMD4(c[0], d[0], c[1], d[1]) + SIMD4(c[2], d[2], c[3], d[3])
  return SIMD4(ab[0], ab[1], cd[0], cd[1]) + SIMD4(ab[2], ab[3], cd[2], cd[3])
}

/// Stores the first `count` (1…4) lanes of `values` at `output`.
@inline(__always)
func storeOutputs(_ values: SIMD4<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int) {
  if count == 4 {
    UnsafeMutableRawPointer(output).storeBytes(of: values, as: SIMD4<Float>.self)
  } else {
    for k in 0..<count { output[k] = values[k] }
  }
}

/// y[row, out] += Σ x[row, i] · W[out, i] over the columns past the last whole vector (only shapes that are not a
/// multiple of the vector width have any), one format-generic scalar loop.
func addTailColumns(
  input x: UnsafePointer<Float>, weight: WeightMatrix, output y: UnsafeMutablePointer<Float>, rows: Int
) {
  let columns = weight.columns
  let vectorEnd = columns & ~(GemmVector.scalarCount - 1)
  guard vectorEnd != columns else { return }
  for row in 0..<rows {
    for out in 0..<weight.rows {
      var sum = y[row * weight.rows + out]
      for i in vectorEnd..<columns { sum += x[row * columns + i] * weight.element(out, i) }
      y[row * weight.rows + out] = sum
    }
  }
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
