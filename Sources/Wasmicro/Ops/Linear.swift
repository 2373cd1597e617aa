// Dense layer kernels: y = x · Wᵀ + b with PyTorch's weight layout [outFeatures, inFeatures].
// `linear` is the optimised SIMD kernel; `linearReference` is its plain scalar twin, held together by a test.
// Non-goals: general GEMM, transposed variants, threading.

/// y = x · Wᵀ + b, SIMD kernel.
///
/// - Parameters:
///   - input: `[rows, inFeatures]`
///   - weight: `[outFeatures, inFeatures]` (PyTorch `nn.Linear` layout, so each output is a contiguous dot product)
///   - bias: `[outFeatures]`, or empty for no bias
///   - output: `[rows, outFeatures]`, overwritten
public func linear(
  input: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
  output: UnsafeMutableBufferPointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int
) {
  precondition(input.count >= rows * inFeatures && weight.count >= outFeatures * inFeatures)
  precondition(output.count >= rows * outFeatures && (bias.isEmpty || bias.count >= outFeatures))
  guard let x = input.baseAddress, let w = weight.baseAddress, let y = output.baseAddress else { return }
  let b = bias.baseAddress
  let vectorEnd = inFeatures & ~7
  var row = 0
  // Four input rows share each weight-row load: the loop is bound by loads, not arithmetic.
  while row + 4 <= rows {
    let x0 = x + row * inFeatures
    let x1 = x0 + inFeatures
    let x2 = x1 + inFeatures
    let x3 = x2 + inFeatures
    for out in 0..<outFeatures {
      let wRow = w + out * inFeatures
      var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
      var i = 0
      while i < vectorEnd {
        let wv = loadVector(wRow + i)
        a0 += loadVector(x0 + i) * wv
        a1 += loadVector(x1 + i) * wv
        a2 += loadVector(x2 + i) * wv
        a3 += loadVector(x3 + i) * wv
        i += 8
      }
      var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
      while i < inFeatures {
        let wv = wRow[i]
        s0 += x0[i] * wv
        s1 += x1[i] * wv
        s2 += x2[i] * wv
        s3 += x3[i] * wv
        i += 1
      }
      let biasValue: Float = b.map { $0[out] } ?? 0
      y[row * outFeatures + out] = s0 + biasValue
      y[(row + 1) * outFeatures + out] = s1 + biasValue
      y[(row + 2) * outFeatures + out] = s2 + biasValue
      y[(row + 3) * outFeatures + out] = s3 + biasValue
    }
    row += 4
  }
  while row < rows {
    let xRow = x + row * inFeatures
    for out in 0..<outFeatures {
      y[row * outFeatures + out] = dot(xRow, w + out * inFeatures, count: inFeatures) + (b.map { $0[out] } ?? 0)
    }
    row += 1
  }
}

/// Scalar twin of `linear`: same shapes, same result up to summation order.
public func linearReference(
  input: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
  output: UnsafeMutableBufferPointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int
) {
  for row in 0..<rows {
    for out in 0..<outFeatures {
      var sum: Double = bias.isEmpty ? 0 : Double(bias[out])
      for i in 0..<inFeatures {
        sum += Double(input[row * inFeatures + i]) * Double(weight[out * inFeatures + i])
      }
      output[row * outFeatures + out] = Float(sum)
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
