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
      // At most (2^32 - 1)^2 + 2^32 - 1 < 2^64. Wrapping operators: a checked UInt64 multiply lowers to compiler-rt's
      // __multi3 on wasm32, which the module does not link.
      let product = UInt64(limbs[index]) &* UInt64(factor) &+ carry
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

  /// The correctly rounded value of `number`, the text of one JSON number the parser has already validated (`-? int
  /// frac? exp?`), from the parser's `approximation` of it. Returns `approximation` when that is exact already: one
  /// correctly rounded operation on exact operands (Clinger's fast path: at most 2^53 and |exponent| <= 22), or zero.
  static func correctlyRounded(_ approximation: Double, number: UnsafeRawBufferPointer) -> Double {
    let negative = number.first == UInt8(ascii: "-")
    var digits = BigDecimalInteger(0)
    var digitCount = 0
    var exponent = 0  // number = digits × 10^exponent (+ sticky)
    var sticky = false
    var fraction = false
    var index = negative ? 1 : 0
    while index < number.count {
      let byte = number[index]
      if byte == UInt8(ascii: ".") {
        fraction = true
      } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
        break
      } else {
        let digit = byte &- UInt8(ascii: "0")
        if digitCount == 0 && digit == 0 {
          if fraction { exponent -= 1 }  // a leading zero of the fraction
        } else if digitCount < maxDigits {
          digits.multiply(by: 10, adding: UInt32(digit))
          digitCount += 1
          if fraction { exponent -= 1 }
        } else {
          sticky = sticky || digit != 0
          if !fraction { exponent += 1 }  // a dropped integer digit
        }
      }
      index += 1
    }
    if index < number.count {  // the exponent, clamped as the parser clamps it
      index += 1
      let sign = number[index]
      if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
      var written = 0
      while index < number.count {
        if written < 1_000_000 { written = written * 10 + Int(number[index] &- UInt8(ascii: "0")) }
        index += 1
      }
      exponent += sign == UInt8(ascii: "-") ? -written : written
    }
    if digitCount == 0 { return approximation }
    if !sticky && digitCount <= 16 && exponent >= -22 && exponent <= 22 {
      var small: UInt64 = 0
      for limb in digits.limbs.reversed() { small = small << 32 | UInt64(limb) }
      if small <= 1 << 53 { return approximation }
    }
    let magnitude = correctlyRounded(
      approximation, digits: digits, digitCount: digitCount, exponent: exponent, sticky: sticky)
    return negative ? -magnitude : magnitude
  }

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
        digits, exponent, sticky, BigDecimalInteger(2 &* significand &+ 1), binaryExponent - 1)
      if upper > 0 || (upper == 0 && significand & 1 == 1) {
        if value == .greatestFiniteMagnitude { return .infinity }
        value = value.nextUp
        continue
      }
      if value == 0 { return 0 }
      // Lower midpoint; below a power of two the gap to the previous double is half as wide.
      let lower: Int
      if significand == 1 << 52 && biased > 1 {
        lower = compare(digits, exponent, sticky, BigDecimalInteger(4 &* significand &- 1), binaryExponent - 2)
      } else {
        lower = compare(digits, exponent, sticky, BigDecimalInteger(2 &* significand &- 1), binaryExponent - 1)
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

extension JSONValue {
  /// Parses one complete JSON document with every double correctly rounded, as Python's float() and Swift's
  /// Double(String) round: for tokenizer.json, whose Unigram scores are summed and compared (an ulp off can flip a
  /// Viterbi tie). `parse` stops at an approximation within about 1.5 ulp, which configs need no better.
  ///
  /// A second pass after `parse`, not a mode of the parser: the default wasm module links the parser, and every way of
  /// giving it a mode (a flag, a generic parameter, a function pointer) cost it 400–600 bytes.
  public static func parseExact(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
    let approximate = try parse(bytes)
    var numbers = JSONNumberTokens(bytes)
    return approximate.correctingDoubles(&numbers)
  }

  /// `parseExact` over an array.
  public static func parseExact(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
    let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { buffer in
      do throws(JSONError) {
        return .success(try parseExact(buffer))
      } catch {
        return .failure(error)
      }
    }
    switch result {
    case .success(let value): return value
    case .failure(let error): throw error
    }
  }

  /// This value with each `.double` replaced by the correctly rounded value of its text: the values are visited in
  /// document order, which is the order `numbers` yields their tokens (ints consume theirs unchanged).
  func correctingDoubles(_ numbers: inout JSONNumberTokens) -> JSONValue {
    switch self {
    case .int:
      _ = numbers.next()
      return self
    case .double(let approximation):
      guard let text = numbers.next() else { return self }
      return .double(ExactDouble.correctlyRounded(approximation, number: text))
    case .array(let elements):
      return .array(elements.map { $0.correctingDoubles(&numbers) })
    case .object(let members):
      return .object(members.map { JSONMember(key: $0.key, value: $0.value.correctingDoubles(&numbers)) })
    case .null, .bool, .string:
      return self
    }
  }
}

/// The number tokens of a JSON document that `JSONValue.parse` accepted, in document order: every run of number
/// characters outside a string (keys and string values are stepped over, escapes included; literals hold none).
struct JSONNumberTokens {
  let bytes: UnsafeRawBufferPointer
  var position = 0

  init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  mutating func next() -> UnsafeRawBufferPointer? {
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        while position < bytes.count && bytes[position] != UInt8(ascii: "\"") {
          position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
        }
        position += 1
      } else if byte == UInt8(ascii: "-") || (byte &- UInt8(ascii: "0")) < 10 {
        let start = position
        while position < bytes.count {
          let next = bytes[position]
          let isNumberByte =
            (next &- UInt8(ascii: "0")) < 10 || next == UInt8(ascii: "-") || next == UInt8(ascii: "+")
            || next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
          guard isNumberByte else { break }
          position += 1
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<position])
      } else {
        position += 1
      }
    }
    return nil
  }
}
