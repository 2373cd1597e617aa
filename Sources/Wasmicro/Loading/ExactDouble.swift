// ExactDouble.swift — correct rounding for JSON numbers outside the exact fast path.
// Scope: given the parser's approximation (within a few ulps) of a decimal number, step it to the correctly rounded
// double (round half to even, as Python's float() and Swift's Double(String) do) by comparing the decimal value with the
// midpoints between neighbouring doubles in exact integer arithmetic. Why: Unigram scores are written with 17
// significant digits, and the approximation was one ulp off for 13% of such numbers; a one-ulp error can flip a Viterbi
// tie. Non-goals: speed (only numbers off the fast path get here), formatting.
//
// Bounds: at most `maxDigits` significant digits take part (any later non-zero digit is a sticky bit: 768 digits are
// enough to decide any double's rounding), and numbers far outside Double's range are decided from their magnitude, so
// the big integers stay under about 4,000 bits whatever the input.

/// An unsigned big integer: little-endian 32-bit limbs.
struct BigDecimalInteger {
  var limbs: [UInt32]

  init(_ value: UInt64) {
    limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
    trim()
  }

  mutating func trim() {
    while let last = limbs.last, last == 0 { limbs.removeLast() }
  }

  /// self = self × factor + addend.
  mutating func multiply(by factor: UInt32, adding addend: UInt32 = 0) {
    var carry = UInt64(addend)
    for index in 0..<limbs.count {
      let product = UInt64(limbs[index]) * UInt64(factor) + carry
      limbs[index] = UInt32(truncatingIfNeeded: product)
      carry = product >> 32
    }
    if carry > 0 { limbs.append(UInt32(truncatingIfNeeded: carry)) }
  }

  /// self × 5^count.
  mutating func multiplyByPowerOfFive(_ count: Int) {
    var remaining = count
    while remaining > 0 {
      let step = min(remaining, 13)  // 5^13 < 2^32
      var factor: UInt32 = 1
      for _ in 0..<step { factor *= 5 }
      multiply(by: factor)
      remaining -= step
    }
  }

  /// self × 2^count.
  mutating func shiftLeft(_ count: Int) {
    if limbs.isEmpty || count == 0 { return }
    let whole = count / 32
    let bits = UInt32(count % 32)
    if bits > 0 {
      var carry: UInt32 = 0
      for index in 0..<limbs.count {
        let limb = limbs[index]
        limbs[index] = limb << bits | carry
        carry = limb >> (32 - bits)
      }
      if carry > 0 { limbs.append(carry) }
    }
    if whole > 0 { limbs.insert(contentsOf: [UInt32](repeating: 0, count: whole), at: 0) }
  }

  /// -1, 0 or 1 as a <, =, > b.
  static func compare(_ a: BigDecimalInteger, _ b: BigDecimalInteger) -> Int {
    if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count ? -1 : 1 }
    var index = a.limbs.count - 1
    while index >= 0 {
      if a.limbs[index] != b.limbs[index] { return a.limbs[index] < b.limbs[index] ? -1 : 1 }
      index -= 1
    }
    return 0
  }
}

enum ExactDouble {
  /// Significant digits that take part in the comparison; later ones only count as "non-zero or not".
  static let maxDigits = 800

  /// The correctly rounded magnitude of digits × 10^exponent (+ a sticky amount below one unit of the last digit when
  /// `sticky`), starting from `approximation` (a few ulps off at most, or ±0 / infinity near the range ends).
  /// `digitCount` is the number of decimal digits of `digits`.
  static func correctlyRounded(
    _ approximation: Double, digits: BigDecimalInteger, digitCount: Int, exponent: Int, sticky: Bool
  ) -> Double {
    if digits.limbs.isEmpty { return 0 }
    // 10^(digitCount - 1 + exponent) ≤ value < 10^(digitCount + exponent).
    if digitCount - 1 + exponent >= 309 { return .infinity }  // ≥ 1e309 > the largest double's rounding limit
    if digitCount + exponent <= -324 { return 0 }  // < 1e-324 < half the smallest subnormal
    var value = approximation.magnitude
    if !value.isFinite { value = .greatestFiniteMagnitude }
    // Each step moves one ulp; the approximation is a few ulps off (more only deep in the subnormals), so this bound
    // is never reached in practice: it only keeps the loop bounded.
    for _ in 0..<4096 {
      let bits = value.bitPattern
      let biased = Int(bits >> 52)
      let fraction = bits & ((1 << 52) - 1)
      // value = significand × 2^binaryExponent with an integer significand.
      let significand = biased == 0 ? fraction : fraction | (1 << 52)
      let binaryExponent = biased == 0 ? -1074 : biased - 1075
      // Upper midpoint: (2·significand + 1) × 2^(binaryExponent - 1).
      let upper = compare(
        digits, exponent, sticky, BigDecimalInteger(2 * significand + 1), binaryExponent - 1)
      if upper > 0 || (upper == 0 && significand & 1 == 1) {
        if value == .greatestFiniteMagnitude { return .infinity }
        value = value.nextUp
        continue
      }
      if value == 0 { return 0 }
      // Lower midpoint; below a power of two the gap to the previous double is half as wide.
      let lower: Int
      if significand == 1 << 52 && biased > 1 {
        lower = compare(digits, exponent, sticky, BigDecimalInteger(4 * significand - 1), binaryExponent - 2)
      } else {
        lower = compare(digits, exponent, sticky, BigDecimalInteger(2 * significand - 1), binaryExponent - 1)
      }
      if lower < 0 || (lower == 0 && significand & 1 == 1) {
        value = value.nextDown
        continue
      }
      return value
    }
    return value
  }

  /// The sign of digits × 10^exponent (+ sticky) − midpoint × 2^binaryExponent.
  static func compare(
    _ digits: BigDecimalInteger, _ exponent: Int, _ sticky: Bool, _ midpoint: BigDecimalInteger, _ binaryExponent: Int
  ) -> Int {
    var left = digits
    var right = midpoint
    // digits · 5^e · 2^e  vs  midpoint · 2^b, with the negative powers moved to the other side.
    var leftTwos = 0
    var rightTwos = 0
    if exponent >= 0 {
      left.multiplyByPowerOfFive(exponent)
      leftTwos += exponent
    } else {
      right.multiplyByPowerOfFive(-exponent)
      rightTwos += -exponent
    }
    if binaryExponent >= 0 { rightTwos += binaryExponent } else { leftTwos += -binaryExponent }
    let common = min(leftTwos, rightTwos)
    left.shiftLeft(leftTwos - common)
    right.shiftLeft(rightTwos - common)
    let order = BigDecimalInteger.compare(left, right)
    // With enough digits kept, a sticky remainder only matters when the kept digits equal the midpoint exactly.
    return order == 0 && sticky ? 1 : order
  }
}
