// Scalar math the core needs (exp, erf, tanh), written in Swift so that native and Embedded wasm builds compute
// bit-identical results and the wasm module needs no libm.
// Non-goals: a general libm. Only the functions BERT inference uses, accurate to well below Float precision.

/// ln 2 split into a high part exact in 32 bits of mantissa and a low correction (Cody–Waite range reduction).
private let ln2High: Double = 0.693_147_180_369_123_816_49
private let ln2Low: Double = 1.908_214_929_270_587_700_02e-10
private let inverseLn2: Double = 1.442_695_040_888_963_407_36
private let inverseSqrtPi: Double = 0.564_189_583_547_756_286_95

/// e^x in double precision. Relative error about 1e-16 over the whole finite range.

public func exponential(_ x: Double) -> Double {
  if x != x { return x }
  if x > 709.782_712_893_384 { return .infinity }
  if x < -745.133_219_101_941_1 { return 0 }
  // x = n·ln2 + r with |r| ≤ ln2/2; then e^x = 2^n · e^r.
  let scaled = x * inverseLn2
  let n = Int(scaled >= 0 ? scaled + 0.5 : scaled - 0.5)
  let r = (x - Double(n) * ln2High) - Double(n) * ln2Low
  // Taylor series of e^r to degree 13: the next term is below 4e-18 for |r| ≤ 0.347.
  var term = 1.0
  var sum = 1.0
  var k = 1.0
  while k <= 13 {
    term *= r / k
    sum += term
    k += 1
  }
  return Double(sign: .plus, exponent: n, significand: sum)
}

/// The error function erf(x) in double precision (absolute error below 1e-15).
///
/// |x| < 3 uses the everywhere-positive series erf(x) = 2/√π · e^{-x²} · Σ xⁿ… (no cancellation);
/// larger |x| uses the continued fraction of erfc.
public func errorFunction(_ x: Double) -> Double {
  if x != x { return x }
  let magnitude = x < 0 ? -x : x
  if magnitude >= 6 { return x < 0 ? -1 : 1 }
  let result: Double
  if magnitude < 3 {
    // erf(z) = 2/√π e^{-z²} Σ_{n≥0} 2ⁿ z^{2n+1} / (1·3·…·(2n+1))
    let twoZSquared = 2 * magnitude * magnitude
    var term = magnitude
    var sum = magnitude
    var n = 1.0
    while term > sum * 1e-17 {
      term *= twoZSquared / (2 * n + 1)
      sum += term
      n += 1
    }
    result = 2 * inverseSqrtPi * exponential(-magnitude * magnitude) * sum
  } else {
    result = 1 - complementaryErrorFunctionTail(magnitude)
  }
  return x < 0 ? -result : result
}

/// erfc(z) for z ≥ 3 from its continued fraction, evaluated bottom-up at a fixed depth (converged to 1e-17 there).
private func complementaryErrorFunctionTail(_ z: Double) -> Double {
  // erfc(z) = e^{-z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + …)))))
  var tail = z
  var k = 60.0
  while k >= 1 {
    tail = z + (k / 2) / tail
    k -= 1
  }
  return inverseSqrtPi * exponential(-z * z) / tail
}

/// tanh(x) in double precision.
public func hyperbolicTangent(_ x: Double) -> Double {
  if x != x { return x }
  if x > 20 { return 1 }
  if x < -20 { return -1 }
  let magnitude = x < 0 ? -x : x
  if magnitude < 1e-5 { return x - x * x * x / 3 }
  // tanh(m) = (1 - e^{-2m}) / (1 + e^{-2m}), no overflow for m ≥ 0.
  let e = exponential(-2 * magnitude)
  let result = (1 - e) / (1 + e)
  return x < 0 ? -result : result
}

/// Exact GELU as in PyTorch's default: x · ½ · (1 + erf(x / √2)).
@inline(__always)
public func geluExact(_ x: Float) -> Float {
  let value = Double(x)
  return Float(value * 0.5 * (1 + errorFunction(value * 0.707_106_781_186_547_524_40)))
}

/// Tanh-approximated GELU (HF `gelu_new`, `gelu_pytorch_tanh`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
@inline(__always)
public func geluTanh(_ x: Float) -> Float {
  let value = Double(x)
  let inner = 0.797_884_560_802_865_355_88 * (value + 0.044_715 * value * value * value)
  return Float(0.5 * value * (1 + hyperbolicTangent(inner)))
}
