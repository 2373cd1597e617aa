// IEEE 754 binary16 ("half", safetensors F16) conversions: exact widening, round-to-nearest-even narrowing, and an
// eight-lane widening for the f16 kernel. Non-goals: half arithmetic (everything computes in f32).

/// Float → binary16 bits, rounding to nearest with ties to even (IEEE 754's default, as numpy's `astype(float16)`).
/// Overflow gives ±infinity; NaN stays NaN (quiet, top payload bits kept); subnormal results are rounded correctly.
public func float16Bits(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
  let exponent = Int((bits >> 23) & 0xFF)
  let mantissa = bits & 0x7F_FFFF
  if exponent == 0xFF {  // infinity or NaN
    return sign | 0x7C00 | (mantissa == 0 ? 0 : UInt16(truncatingIfNeeded: 0x200 | (mantissa >> 13)))
  }
  let halfExponent = exponent - 127 + 15
  if halfExponent >= 0x1F { return sign | 0x7C00 }  // too large: infinity
  if halfExponent <= 0 {
    // Subnormal half (or zero): value = m × 2^-24 with m = full mantissa (implicit 1 included) shifted right.
    if halfExponent < -10 { return sign }  // below half the smallest subnormal: rounds to zero
    let full = mantissa | 0x80_0000
    let shift = UInt32(14 - halfExponent)  // 13 for the 23→10 bits, plus the denormalising shift
    return sign | UInt16(truncatingIfNeeded: roundShiftRightEven(full, by: shift))
  }
  // Normal: round the 23-bit mantissa to 10 bits; a carry out of the mantissa correctly bumps the exponent.
  let combined = UInt32(halfExponent) << 23 | mantissa
  return sign | UInt16(truncatingIfNeeded: roundShiftRightEven(combined, by: 13))
}

/// `value >> shift`, rounded to nearest with ties to even.
@inline(__always)
private func roundShiftRightEven(_ value: UInt32, by shift: UInt32) -> UInt32 {
  let truncated = value >> shift
  let remainder = value & ((1 << shift) - 1)
  let half: UInt32 = 1 << (shift - 1)
  if remainder > half || (remainder == half && truncated & 1 == 1) { return truncated + 1 }
  return truncated
}

/// Eight binary16 values → Float, exactly (normals, subnormals, ±0, infinities and NaN), without branches:
/// the half's exponent and mantissa shifted into a float's place and scaled by 2^112 re-bias normals and subnormals alike.
@inline(__always)
func widenHalves(_ bits: SIMD8<UInt16>) -> SIMD8<Float> {
  let wide = zeroExtended(bits)
  let sign = (wide & 0x8000) &<< 16
  let magnitude = (wide & 0x7FFF) &<< 13
  let scaled = unsafeBitCast(
    unsafeBitCast(magnitude, to: SIMD8<Float>.self) * SIMD8<Float>(repeating: 0x1p112), to: SIMD8<UInt32>.self)
  // Exponent 31 (infinity/NaN) must become exponent 255, which the scaling above cannot produce. The lane select is
  // integer arithmetic: (exponent bits + 0x400) reaches bit 15 only for exponent 31 (a SIMD mask compiles to a
  // per-lane loop here).
  let special = 0 &- (((wide & 0x7C00) &+ 0x0400) &>> 15)
  let unsigned = (scaled & ~special) | ((magnitude | 0x7F80_0000) & special)
  return unsafeBitCast(unsigned | sign, to: SIMD8<Float>.self)
}

/// Eight lanes widened to UInt32 with zero extension. Spelled lane by lane on purpose: the generic
/// `SIMD8<UInt32>(truncatingIfNeeded:)` stays a per-lane loop in the -Osize wasm build (3x slower q8 kernel), while
/// this form becomes the vector extend instructions on every target.
@inline(__always)
func zeroExtended<Lane: FixedWidthInteger & UnsignedInteger>(_ value: SIMD8<Lane>) -> SIMD8<UInt32> {
  SIMD8<UInt32>(
    UInt32(truncatingIfNeeded: value[0]), UInt32(truncatingIfNeeded: value[1]), UInt32(truncatingIfNeeded: value[2]),
    UInt32(truncatingIfNeeded: value[3]), UInt32(truncatingIfNeeded: value[4]), UInt32(truncatingIfNeeded: value[5]),
    UInt32(truncatingIfNeeded: value[6]), UInt32(truncatingIfNeeded: value[7]))
}
