// Scalar math the core needs (exp, erf, tanh, sin/cos), written in Swift so that native and Embedded wasm builds
// compute bit-identical results and the wasm module needs no libm.
// Non-goals: a general libm. Only the functions encoder inference uses, accurate to well below Float precision.

/// ln 2 split into a high part exact in 32 bits of mantissa and a low correction (Cody–Waite range reduction).
private let ln2High: Double = 0.693_147_180_369_123_816_49
private let ln2Low: Double = 1.908_214_929_270_587_700_02e-10
private let inverseLn2: Double = 1.442_695_040_888_963_407_36
private let inverseSqrtPi: Double = 0.564_189_583_547_756_286_95

/// The lanes of the vectorised math (exp, erf, GELU, softmax): eight natively; two in wasm, one f64x2 register, where
/// eight lanes would quadruple the code of every operation against the module's size budget.
#if arch(wasm32)
  typealias DoubleLanes = SIMD2<Double>
  typealias DoubleBits = SIMD2<UInt64>
  typealias DoubleSignedBits = SIMD2<Int64>
  typealias FloatLanes = SIMD2<Float>
#else
  typealias DoubleLanes = SIMD8<Double>
  typealias DoubleBits = SIMD8<UInt64>
  typealias DoubleSignedBits = SIMD8<Int64>
  typealias FloatLanes = SIMD8<Float>
#endif

/// Added to x/ln2 and subtracted again, rounds it to the nearest integer (ties to even) while |x/ln2| < 2^51; the sum's
/// low bits are that integer, from which 2^n is built without a conversion.
private let roundingShift: Double = 0x1.8p52

/// e^x in double precision. Relative error about 1e-16 over the whole finite range.
///
/// x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite), e^r by its Taylor polynomial of degree 13 (next term below 4e-18),
/// times 2^n. `exponentials` is the eight-lane twin for x ≤ 0, bit for bit (OpsTests holds them together).
@inline(never)
public func exponential(_ x: Double) -> Double {
  if x != x { return x }
  if x > 709.782_712_893_384 { return .infinity }
  if x < -745.133_219_101_941_1 { return 0 }
  let shifted = x * inverseLn2 + roundingShift
  let n = shifted - roundingShift
  let r = (x - n * ln2High) - n * ln2Low
  let sum = taylorExponential(r)
  if n >= -1022 && n <= 1023 {
    return sum * Double(bitPattern: (shifted.bitPattern &- roundingShift.bitPattern &+ 1023) &<< 52)
  }
  return Double(sign: .plus, exponent: Int(n), significand: sum)
}

/// e^x for `DoubleLanes` with x ≤ 0 (NaN lanes give NaN): `exponential` lane by lane, except that x < −708 gives 0
/// where `exponential` gives at most e^-708 ≈ 3.3e-308 (every caller rounds such values to a Float 0 anyway).
@inline(__always)
func exponentials(_ x: DoubleLanes) -> DoubleLanes {
  // Lanes below the cut are computed at the cut and cleared at the end; the select is integer arithmetic (a SIMD
  // mask compiles to a per-lane loop).
  let cut: Double = -708
  let magnitude = unsafeBitCast(x, to: DoubleBits.self) & 0x7FFF_FFFF_FFFF_FFFF
  let beyondCut = allOnesWhereNegative(cut.magnitude.bitPattern &- magnitude)
  let notANumber = allOnesWhereNegative(Double.infinity.bitPattern &- magnitude)
  let tooSmall = beyondCut & ~notANumber
  let clamped = unsafeBitCast(
    (unsafeBitCast(x, to: DoubleBits.self) & ~tooSmall) | (cut.bitPattern & tooSmall), to: DoubleLanes.self)
  let shifted = clamped * inverseLn2 + roundingShift
  let n = shifted - roundingShift
  let r = (clamped - n * ln2High) - n * ln2Low
  let sum = taylorExponential(r)
  let power = (unsafeBitCast(shifted, to: DoubleBits.self) &- roundingShift.bitPattern &+ 1023) &<< 52
  let result = sum * unsafeBitCast(power, to: DoubleLanes.self)
  return unsafeBitCast(unsafeBitCast(result, to: DoubleBits.self) & ~tooSmall, to: DoubleLanes.self)
}

/// All ones in the lanes whose value, read as signed, is negative; zeros elsewhere.
@inline(__always)
func allOnesWhereNegative(_ value: DoubleBits) -> DoubleBits {
  unsafeBitCast(unsafeBitCast(value, to: DoubleSignedBits.self) &>> 63, to: DoubleBits.self)
}

/// p·x + c for a polynomial evaluation: one fused multiply-add where the build has FMA (AVX2/AVX-512 builds, arm64),
/// a multiply and an add elsewhere (the portable x86-64 build would call a library fma; wasm has none). Scalar and
/// lanes use the same rule, so the twins stay equal bit for bit in every build.
@inline(__always)
func hornerStep(_ p: Double, _ x: Double, _ c: Double) -> Double {
  #if WASMICRO_FMA || arch(arm64)
    return c.addingProduct(p, x)
  #else
    return p * x + c
  #endif
}

@inline(__always)
func hornerStep(_ p: DoubleLanes, _ x: DoubleLanes, _ c: Double) -> DoubleLanes {
  #if WASMICRO_FMA || arch(arm64)
    return DoubleLanes(repeating: c).addingProduct(p, x)
  #else
    return p * x + c
  #endif
}

/// Σ_{k=0}^{13} r^k / k! by Horner's rule (scalar and lanes, the same operations in the same order).
@inline(__always)
private func taylorExponential(_ r: Double) -> Double {
  var p = 1.0 / 6_227_020_800
  p = hornerStep(p, r, 1.0 / 479_001_600)
  p = hornerStep(p, r, 1.0 / 39_916_800)
  p = hornerStep(p, r, 1.0 / 3_628_800)
  p = hornerStep(p, r, 1.0 / 362_880)
  p = hornerStep(p, r, 1.0 / 40_320)
  p = hornerStep(p, r, 1.0 / 5_040)
  p = hornerStep(p, r, 1.0 / 720)
  p = hornerStep(p, r, 1.0 / 120)
  p = hornerStep(p, r, 1.0 / 24)
  p = hornerStep(p, r, 1.0 / 6)
  p = hornerStep(p, r, 0.5)
  p = hornerStep(p, r, 1)
  return hornerStep(p, r, 1)
}

@inline(__always)
private func taylorExponential(_ r: DoubleLanes) -> DoubleLanes {
  var p = DoubleLanes(repeating: 1.0 / 6_227_020_800)
  p = hornerStep(p, r, 1.0 / 479_001_600)
  p = hornerStep(p, r, 1.0 / 39_916_800)
  p = hornerStep(p, r, 1.0 / 3_628_800)
  p = hornerStep(p, r, 1.0 / 362_880)
  p = hornerStep(p, r, 1.0 / 40_320)
  p = hornerStep(p, r, 1.0 / 5_040)
  p = hornerStep(p, r, 1.0 / 720)
  p = hornerStep(p, r, 1.0 / 120)
  p = hornerStep(p, r, 1.0 / 24)
  p = hornerStep(p, r, 1.0 / 6)
  p = hornerStep(p, r, 0.5)
  p = hornerStep(p, r, 1)
  return hornerStep(p, r, 1)
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
    p = hornerStep(p, u, -2.0456531241354241e-10)
    p = hornerStep(p, u, 4.115798721321005e-09)
    p = hornerStep(p, u, -7.511465628695959e-08)
    p = hornerStep(p, u, 1.2233827209497217e-06)
    p = hornerStep(p, u, -1.7537169891338792e-05)
    p = hornerStep(p, u, 0.00021751715605247362)
    p = hornerStep(p, u, -0.0022854855610644543)
    p = hornerStep(p, u, 0.019852496688981407)
    p = hornerStep(p, u, -0.1405360890227211)
    p = hornerStep(p, u, 0.9654687386698675)
    return x * p
  }
  if magnitude >= 4 { return x > 0 ? 1 : -1 }
  let u = (2 * magnitude - 5) / 3
  var q = 1.8130125979410696e-06
  q = hornerStep(q, u, -5.058179314807135e-06)
  q = hornerStep(q, u, 7.473544848342717e-06)
  q = hornerStep(q, u, -2.0489640803833505e-05)
  q = hornerStep(q, u, 6.367237153918165e-05)
  q = hornerStep(q, u, -0.00016449745134124684)
  q = hornerStep(q, u, 0.0004085591500207952)
  q = hornerStep(q, u, -0.0010047884622470678)
  q = hornerStep(q, u, 0.00240378382725373)
  q = hornerStep(q, u, -0.005570928958875097)
  q = hornerStep(q, u, 0.012489356649492463)
  q = hornerStep(q, u, -0.02700527578357147)
  q = hornerStep(q, u, 0.056110494273160436)
  q = hornerStep(q, u, -0.11152102074917375)
  q = hornerStep(q, u, 0.21080636405462597)
  let complement = exponential(-magnitude * magnitude) * q
  return x > 0 ? 1 - complement : complement - 1
}

/// `errorFunctionFast` for `DoubleLanes`, bit for bit (OpsTests holds them together): both polynomials are evaluated in
/// every lane and the lane's region picks one, with integer selects (a SIMD mask compiles to a per-lane loop).
@inline(__always)
func errorFunctionsFast(_ x: DoubleLanes) -> DoubleLanes {
  let bits = unsafeBitCast(x, to: DoubleBits.self)
  let signBit = bits & 0x8000_0000_0000_0000
  let magnitudeBits = bits & 0x7FFF_FFFF_FFFF_FFFF
  let magnitude = unsafeBitCast(magnitudeBits, to: DoubleLanes.self)
  // |x| < 1
  let u = 2 * x * x - 1
  var p = DoubleLanes(repeating: 9.192654007450241e-12)
  p = hornerStep(p, u, -2.0456531241354241e-10)
  p = hornerStep(p, u, 4.115798721321005e-09)
  p = hornerStep(p, u, -7.511465628695959e-08)
  p = hornerStep(p, u, 1.2233827209497217e-06)
  p = hornerStep(p, u, -1.7537169891338792e-05)
  p = hornerStep(p, u, 0.00021751715605247362)
  p = hornerStep(p, u, -0.0022854855610644543)
  p = hornerStep(p, u, 0.019852496688981407)
  p = hornerStep(p, u, -0.1405360890227211)
  p = hornerStep(p, u, 0.9654687386698675)
  let small = x * p
  // 1 ≤ |x| < 4
  let v = (2 * magnitude - 5) / 3
  var q = DoubleLanes(repeating: 1.8130125979410696e-06)
  q = hornerStep(q, v, -5.058179314807135e-06)
  q = hornerStep(q, v, 7.473544848342717e-06)
  q = hornerStep(q, v, -2.0489640803833505e-05)
  q = hornerStep(q, v, 6.367237153918165e-05)
  q = hornerStep(q, v, -0.00016449745134124684)
  q = hornerStep(q, v, 0.0004085591500207952)
  q = hornerStep(q, v, -0.0010047884622470678)
  q = hornerStep(q, v, 0.00240378382725373)
  q = hornerStep(q, v, -0.005570928958875097)
  q = hornerStep(q, v, 0.012489356649492463)
  q = hornerStep(q, v, -0.02700527578357147)
  q = hornerStep(q, v, 0.056110494273160436)
  q = hornerStep(q, v, -0.11152102074917375)
  q = hornerStep(q, v, 0.21080636405462597)
  let complement = exponentials(-magnitude * magnitude) * q
  let large = unsafeBitCast(1 - complement, to: DoubleBits.self) | signBit
  // |x| ≥ 4: ±1; NaN: itself
  let one = (1.0).bitPattern | signBit
  let isSmall = allOnesWhereNegative(magnitudeBits &- (1.0).bitPattern)
  let isLarge = allOnesWhereNegative(magnitudeBits &- (4.0).bitPattern) & ~isSmall
  let isNaN = allOnesWhereNegative(Double.infinity.bitPattern &- magnitudeBits)
  let isOne = ~(isSmall | isLarge | isNaN)
  let chosen =
    (unsafeBitCast(small, to: DoubleBits.self) & isSmall) | (large & isLarge) | (one & isOne) | (bits & isNaN)
  return unsafeBitCast(chosen, to: DoubleLanes.self)
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

/// `geluExact` for `FloatLanes`, bit for bit.
@inline(__always)
func geluExacts(_ x: FloatLanes) -> FloatLanes {
  let value = widened(x)
  return narrowed(value * 0.5 * (1 + errorFunctionsFast(value * 0.707_106_781_186_547_524_40)))
}

/// Float lanes → Double lanes. Spelled lane by lane, like `zeroExtended`: the generic conversion stays a per-lane loop
/// in the -Osize wasm build.
@inline(__always)
func widened(_ x: FloatLanes) -> DoubleLanes {
  #if arch(wasm32)
    DoubleLanes(Double(x[0]), Double(x[1]))
  #else
    DoubleLanes(
      Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]), Double(x[4]), Double(x[5]), Double(x[6]), Double(x[7]))
  #endif
}

/// Double lanes → Float lanes, rounded to nearest.
@inline(__always)
func narrowed(_ x: DoubleLanes) -> FloatLanes {
  #if arch(wasm32)
    FloatLanes(Float(x[0]), Float(x[1]))
  #else
    FloatLanes(Float(x[0]), Float(x[1]), Float(x[2]), Float(x[3]), Float(x[4]), Float(x[5]), Float(x[6]), Float(x[7]))
  #endif
}

/// π/2 in three parts of which the first two have 33 significant bits, so n · part is exact for |n| < 2^20 (Cody–Waite
/// reduction; the parts add up to π/2 within 1e-37). Computed with mpmath at 300 bits.
private let halfPiHigh: Double = 0x1.921f_b544_0000_0p+0
private let halfPiMiddle: Double = 0x1.0b46_11a6_0000_0p-34
private let halfPiLow: Double = 0x1.3198_a2e0_3707_3p-69
private let twoOverPi: Double = 0.636_619_772_367_581_4

/// The largest |x| `sine` and `cosine` take: n = x·2/π stays below 2^20, where the reduction is exact.
public let maximumTrigonometricArgument: Double = 1_000_000

/// sin(x) in double precision (absolute error about 1e-16) for |x| ≤ `maximumTrigonometricArgument`.
public func sine(_ x: Double) -> Double { quarterTurnSine(x, quarterTurns: 0) }

/// cos(x) = sin(x + π/2), with the quarter turn added after the reduction (exactly). Same domain and error as `sine`.
public func cosine(_ x: Double) -> Double { quarterTurnSine(x, quarterTurns: 1) }

/// sin(x + quarterTurns·π/2): x = n·π/2 + r with |r| ≤ π/4, then ±sin r or ±cos r by (n + quarterTurns) mod 4.
private func quarterTurnSine(_ x: Double, quarterTurns: Int) -> Double {
  precondition(!(abs(x) > maximumTrigonometricArgument), "sine: argument outside the reduced range")
  guard x.isFinite else { return .nan }
  let n = (x * twoOverPi).rounded(.toNearestOrEven)
  let r = ((x - n * halfPiHigh) - n * halfPiMiddle) - n * halfPiLow
  switch (Int(n) + quarterTurns) & 3 {
  case 0: return sineKernel(r)
  case 1: return cosineKernel(r)
  case 2: return -sineKernel(r)
  default: return -cosineKernel(r)
  }
}

/// sin r for |r| ≤ π/4: the Taylor series to r^19 (the next term is below 1e-21 there), by Horner's rule in r².
private func sineKernel(_ r: Double) -> Double {
  let s = r * r
  var p = 1.0 / 121_645_100_408_832_000  // 1/19!
  for denominator: Double in [
    -355_687_428_096_000, 1_307_674_368_000, -6_227_020_800, 39_916_800, -362_880, 5_040,
    -120, 6,
  ] {
    p = p * s + 1 / denominator
  }
  // p = 1/3! − r²/5! + … + r^16/19!, the signs folded into the denominators (±k!): sin r = r − r³·p.
  return r - r * s * p
}

/// cos r for |r| ≤ π/4: the Taylor series to r^20, by Horner's rule in r².
private func cosineKernel(_ r: Double) -> Double {
  let s = r * r
  var p = 1.0 / 2_432_902_008_176_640_000  // 1/20!
  for denominator: Double in [
    -6_402_373_705_728_000, 20_922_789_888_000, -87_178_291_200, 479_001_600, -3_628_800,
    40_320, -720, 24, -2,
  ] {
    p = p * s + 1 / denominator
  }
  return 1 + s * p
}
