// Scalar math the core needs (exp, erf, tanh), written in Swift so that native and Embedded wasm builds compute
// bit-identical results and the wasm module needs no libm.
// Non-goals: a general libm. Only the functions BERT inference uses, accurate to well below Float precision.

/// ln 2 split into a high part exact in 32 bits of mantissa and a low correction (Cody–Waite range reduction).
private let ln2High: Double = 0.693_147_180_369_123_816_49
private let ln2Low: Double = 1.908_214_929_270_587_700_02e-10
private let inverseLn2: Double = 1.442_695_040_888_963_407_36
private let inverseSqrtPi: Double = 0.564_189_583_547_756_286_95

/// e^x in double precision. Relative error about 1e-16 over the whole finite range.

@inline(never)
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

/// erf(x) for GELU: absolute error below 4e-11 (so exact after rounding to Float in practice), about 3x faster than
/// `errorFunction`, its reference twin (OpsTests holds them together).
///
/// |x| < 1: erf(x) = x·P(2x² − 1), P a degree-10 Chebyshev fit turned into monomials (relative error 6e-16).
/// 1 ≤ |x| < 4: erfc(|x|) = e^{−x²}·Q((2|x| − 5)/3), Q a degree-14 fit on [1, 4] (relative error 2.4e-10 on erfc).
/// |x| ≥ 4: ±1, as float erf rounds there (erfc(4) = 1.5e-8 < 2⁻²⁵). Coefficients fitted with numpy against mpmath
/// (see Sources/WasmicroRuntime/math_impl.h, the C runtime's erff, which uses the same fit).
@inline(never)
public func errorFunctionFast(_ x: Double) -> Double {
  if x != x { return x }
  let magnitude = x < 0 ? -x : x
  if magnitude < 1 {
    let u = 2 * x * x - 1
    var p = 9.192654007450241e-12
    p = p * u - 2.0456531241354241e-10
    p = p * u + 4.115798721321005e-09
    p = p * u - 7.511465628695959e-08
    p = p * u + 1.2233827209497217e-06
    p = p * u - 1.7537169891338792e-05
    p = p * u + 0.00021751715605247362
    p = p * u - 0.0022854855610644543
    p = p * u + 0.019852496688981407
    p = p * u - 0.1405360890227211
    p = p * u + 0.9654687386698675
    return x * p
  }
  if magnitude >= 4 { return x > 0 ? 1 : -1 }
  let u = (2 * magnitude - 5) / 3
  var q = 1.8130125979410696e-06
  q = q * u - 5.058179314807135e-06
  q = q * u + 7.473544848342717e-06
  q = q * u - 2.0489640803833505e-05
  q = q * u + 6.367237153918165e-05
  q = q * u - 0.00016449745134124684
  q = q * u + 0.0004085591500207952
  q = q * u - 0.0010047884622470678
  q = q * u + 0.00240378382725373
  q = q * u - 0.005570928958875097
  q = q * u + 0.012489356649492463
  q = q * u - 0.02700527578357147
  q = q * u + 0.056110494273160436
  q = q * u - 0.11152102074917375
  q = q * u + 0.21080636405462597
  let complement = exponential(-magnitude * magnitude) * q
  return x > 0 ? 1 - complement : complement - 1
}

/// tanh(x) in double precision.
@inline(never)
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
  return Float(value * 0.5 * (1 + errorFunctionFast(value * 0.707_106_781_186_547_524_40)))
}

/// Tanh-approximated GELU (HF `gelu_new`, `gelu_pytorch_tanh`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
@inline(__always)
public func geluTanh(_ x: Float) -> Float {
  let value = Double(x)
  let inner = 0.797_884_560_802_865_355_88 * (value + 0.044_715 * value * value * value)
  return Float(0.5 * value * (1 + hyperbolicTangent(inner)))
}
