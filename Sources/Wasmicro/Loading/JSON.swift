// JSON: a small recursive-descent RFC 8259 parser over bytes, for config files and the safetensors header.
// Scope: parse one complete document into `JSONValue`, or walk one without storing what it does not need
// (`keepsContainers`, the container steps); every error carries the byte offset where it was found.
// Non-goals: serialisation, streaming input, comments/trailing commas, Foundation, `Double(String)` (Embedded cannot link it).
//
// Choices (each one is exercised in JSONTests):
// - Lone surrogates in `\u` escapes are an error (`.invalidSurrogate`): a Swift `String` cannot hold them, and
//   silently turning them into U+FFFD would change key names without telling anyone.
// - Invalid UTF-8 inside a string is an error (`.invalidUTF8`), never repaired.
// - Duplicate object keys are all kept in `.object` (document order); `subscript(key:)` returns the LAST one, as
//   Python's `json` module (which wrote most of these files) does.
// - A number without fraction or exponent that fits `Int` becomes `.int`; anything else becomes `.double`.
//   Magnitudes beyond `Double` saturate to ±infinity and tiny ones underflow to ±0, as Python's `json` does.
// - A leading UTF-8 byte-order mark is skipped (RFC 8259 §8.1 allows ignoring it).
// - Containers nested deeper than `JSONValue.maximumDepth` are an error, so hostile input cannot exhaust the stack.

/// Why a JSON document was rejected; `offset` is the byte offset into the parsed buffer.
public enum JSONError: Error, Equatable {
  /// The input ended inside a value (truncated document, or empty input at offset 0).
  case unexpectedEnd(offset: Int)
  /// A byte that cannot start or continue the value being parsed.
  case unexpectedByte(UInt8, offset: Int)
  /// A malformed number: leading zero, missing digits after `-`, `.` or `e`.
  case invalidNumber(offset: Int)
  /// An unknown escape such as `\x`, or a `\u` not followed by four hex digits.
  case invalidEscape(offset: Int)
  /// A `\u` escape naming a lone or mismatched UTF-16 surrogate.
  case invalidSurrogate(offset: Int)
  /// An unescaped control byte (< 0x20) inside a string.
  case controlCharacterInString(UInt8, offset: Int)
  /// Bytes inside a string that are not well-formed UTF-8 (offset of the sequence's first byte).
  case invalidUTF8(offset: Int)
  /// Arrays/objects nested deeper than `JSONValue.maximumDepth`.
  case depthLimitExceeded(offset: Int)
  /// Non-whitespace bytes after the complete top-level value.
  case trailingData(offset: Int)

  /// A one-line human-readable description, e.g. "unexpected byte 0x7D '}' at byte 12".
  public var message: String { messageText.string }

  /// `message` before it becomes a String (the errors that wrap a JSONError append these bytes).
  var messageText: ByteText {
    // One builder: every message is a description followed by " at byte <offset>" (wasm size).
    var text = ByteText.Interpolation(literalCapacity: 0, interpolationCount: 0)
    switch self {
    case .unexpectedEnd: text.appendLiteral("unexpected end of input")
    case .unexpectedByte(let byte, _):
      text.appendLiteral("unexpected byte ")
      text.appendInterpolation(describing: byte)
    case .invalidNumber: text.appendLiteral("malformed number")
    case .invalidEscape: text.appendLiteral("invalid escape sequence")
    case .invalidSurrogate: text.appendLiteral("lone or mismatched UTF-16 surrogate escape")
    case .controlCharacterInString(let byte, _):
      text.appendLiteral("unescaped control character ")
      text.appendInterpolation(describing: byte)
      text.appendLiteral(" in string")
    case .invalidUTF8: text.appendLiteral("invalid UTF-8 in string")
    case .depthLimitExceeded:
      text.appendLiteral("nesting deeper than ")
      text.appendInterpolation(JSONValue.maximumDepth)
      text.appendLiteral(" levels")
    case .trailingData: text.appendLiteral("unexpected data after the JSON value")
    }
    text.appendLiteral(" at byte ")
    text.appendInterpolation(offset)
    return ByteText(stringInterpolation: text)
  }

  /// The byte offset at which the problem was found.
  public var offset: Int {
    switch self {
    case .unexpectedEnd(let offset), .invalidNumber(let offset), .invalidEscape(let offset),
      .invalidSurrogate(let offset), .invalidUTF8(let offset), .depthLimitExceeded(let offset),
      .trailingData(let offset):
      return offset
    case .unexpectedByte(_, let offset), .controlCharacterInString(_, let offset):
      return offset
    }
  }
}

// Not `indirect`: arrays and objects already live in heap buffers, so scalars need no box of their own (10 MB of JSON
// strings or objects peaks at 128 instead of 209 / 158 MB, and the wasm module is 397 bytes smaller).
/// One parsed JSON value. Objects keep their members in document order.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([JSONMember])
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Equatable, Sendable {
  public var key: String
  public var value: JSONValue

  public init(key: String, value: JSONValue) {
    self.key = key
    self.value = value
  }
}

extension JSONValue {
  /// The deepest nesting of arrays/objects accepted (a top-level object is depth 1).
  ///
  /// Measured on wasm32 at -Osize: each level costs at most ~224 bytes of shadow stack (parseValue 128 +
  /// parseObject 96), so the limit needs ~29 KB, inside wasm-ld's default 64 KB stack. Real configs nest 2–5 deep.
  public static let maximumDepth = 128

  /// Parses one complete JSON document; trailing non-whitespace is an error.
  public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    return try parser.parseDocument()
  }

  /// Parses one complete JSON document held in an array.
  public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
    // `withUnsafeBytes` has an untyped-rethrows signature, so carry the result out as a value.
    let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { buffer in
      var parser = JSONParser(bytes: buffer)
      do throws(JSONError) {
        return .success(try parser.parseDocument())
      } catch {
        return .failure(error)
      }
    }
    switch result {
    case .success(let value): return value
    case .failure(let error): throw error
    }
  }

  /// Object member lookup with byte-wise key comparison; the last duplicate wins. `nil` for non-objects.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    var index = members.count - 1
    while index >= 0 {
      if JSONValue.utf8Equal(members[index].key, key) { return members[index].value }
      index -= 1
    }
    return nil
  }

  /// `.int`, or a `.double` that is integral and inside `Int`'s range.
  public var intValue: Int? {
    switch self {
    case .int(let value):
      return value
    case .double(let value):
      // Int.min = -2^(bits-1) is exact in a Double, so [Int.min, -Int.min) converts without trapping (32-bit
      // Int on wasm32, 64-bit natively).
      let lowest = Double(Int.min)
      guard value >= lowest, value < -lowest else { return nil }
      let integer = Int(value)
      return Double(integer) == value ? integer : nil
    default:
      return nil
    }
  }

  /// `.int` (converted) or `.double`.
  public var doubleValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }

  /// The string of a `.string`.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The flag of a `.bool`.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements of an `.array`.
  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The members of an `.object`, in document order (duplicates included).
  public var objectValue: [JSONMember]? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// Whether this is `.null`.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// Byte-wise string equality: String `==` would pull Unicode normalisation into Embedded builds.
  static func utf8Equal(_ left: String, _ right: String) -> Bool {
    ByteText.equal(left, right)
  }
}

/// `String(describing:)` on the host prints `message` (costs nothing in Embedded builds unless called).
extension JSONError: CustomStringConvertible {
  public var description: String { message }
}

// MARK: - Implementation details

extension ByteText.Interpolation {
  /// "0x7D '}'" for printable ASCII, "0x0A" otherwise (hand-rolled hex: no `String(_:radix:)` in Embedded).
  mutating func appendInterpolation(describing byte: UInt8) {
    let digits: StaticString = "0123456789ABCDEF"
    appendLiteral("0x")
    bytes.append(digits.utf8Start[Int(byte >> 4)])
    bytes.append(digits.utf8Start[Int(byte & 0xF)])
    if byte >= 0x20 && byte < 0x7F {
      appendLiteral(" '")
      bytes.append(byte)
      bytes.append(UInt8(ascii: "'"))
    }
  }
}

/// Recursive-descent parser state: the input and the current byte offset.
struct JSONParser {
  let bytes: UnsafeRawBufferPointer
  var position = 0
  /// When false, arrays and objects are validated but not stored: each reads as an empty one (scalars are always
  /// read). The safetensors header skips the values it does not need this way, holding nothing of them. (A stored
  /// flag, not a parameter: a constant argument would let the optimiser clone the parser for it, KBs of wasm.)
  var keepsContainers = true

  init(bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  @inline(never)
  mutating func parseDocument() throws(JSONError) -> JSONValue {
    startDocument()
    let value = try parseValue(depth: 0)
    skipWhitespace()
    if position != bytes.count { throw .trailingData(offset: position) }
    return value
  }

  /// Steps over a leading byte-order mark and whitespace, up to the top-level value.
  mutating func startDocument() {
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
      position = 3
    }
    skipWhitespace()
  }

  @inline(never)
  mutating func skipWhitespace() {
    while true {
      let byte = currentByte()  // 0 at the end of the input
      guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
      position += 1
    }
  }

  /// The current byte, or `.unexpectedEnd` when the input is exhausted.
  @inline(never)
  func peek() throws(JSONError) -> UInt8 {
    guard position < bytes.count else { throw .unexpectedEnd(offset: position) }
    return bytes[position]
  }

  /// Throws `.unexpectedByte` (or `.unexpectedEnd`) unless `expected` is at `position`; does not step over it.
  @inline(never)
  func expect(_ expected: UInt8) throws(JSONError) {
    let byte = try peek()
    guard byte == expected else { throw .unexpectedByte(byte, offset: position) }
  }

  /// `depth` counts the containers already open around this value.
  @inline(never)
  mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
    let byte = try peek()
    switch byte {
    case UInt8(ascii: "{"), UInt8(ascii: "["): return try parseContainer(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
      let literal: StaticString = byte == UInt8(ascii: "t") ? "true" : byte == UInt8(ascii: "f") ? "false" : "null"
      try expectLiteral(literal)
      return byte == UInt8(ascii: "n") ? .null : .bool(byte == UInt8(ascii: "t"))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber()
    default:
      throw .unexpectedByte(byte, offset: position)
    }
  }

  mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
    let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    for expectedByte in expected {
      try expect(expectedByte)
      position += 1
    }
  }

  /// Parses an array or an object starting at its opening bracket; `depth` includes it.
  ///
  /// One loop serves both: an object member is a key and a colon followed by what an array element is.
  @inline(never)
  mutating func parseContainer(depth: Int) throws(JSONError) -> JSONValue {
    let isObject = bytes[position] == UInt8(ascii: "{")
    let close = try enterContainer(depth: depth)
    var elements: [JSONValue] = []
    var members: [JSONMember] = []
    var count = 0
    while try hasElement(close: close, count: count) {
      let key = isObject ? try parseKey() : ""
      let value = try parseValue(depth: depth)
      if keepsContainers {
        if isObject { members.append(JSONMember(key: key, value: value)) } else { elements.append(value) }
      }
      count += 1
    }
    return isObject ? .object(members) : .array(elements)
  }

  // The steps of `parseContainer`, shared with readers that walk a document without building it (the safetensors
  // header): `enterContainer`, then `hasElement` before each element, and `parseKey` before an object member's value.

  /// Steps over the opening bracket at `position` (`depth` includes it) and returns the byte that closes it.
  @inline(never)
  mutating func enterContainer(depth: Int) throws(JSONError) -> UInt8 {
    if depth > JSONValue.maximumDepth { throw .depthLimitExceeded(offset: position) }
    let close = bytes[position] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
    position += 1
    return close
  }

  /// Whether another element follows, `count` elements into the container that `close` ends: steps over the comma
  /// before it (up to the element), or over `close` when the container ends.
  @inline(never)
  mutating func hasElement(close: UInt8, count: Int) throws(JSONError) -> Bool {
    skipWhitespace()
    if try peek() == close {
      position += 1
      return false
    }
    if count > 0 {
      try expect(UInt8(ascii: ","))
      position += 1
      skipWhitespace()
    }
    return true
  }

  /// Reads an object member's key and the colon after it, up to the member's value.
  @inline(never)
  mutating func parseKey() throws(JSONError) -> String {
    try expect(UInt8(ascii: "\""))
    let key = try parseString()
    skipWhitespace()
    try expect(UInt8(ascii: ":"))
    position += 1
    skipWhitespace()
    return key
  }

  // MARK: Strings

  /// Parses a string starting at its opening quote.
  ///
  /// Runs of plain bytes are validated in place and copied in bulk; a string without escapes is decoded straight
  /// from the input, so `buffer` stays empty (and unallocated) until the first escape.
  @inline(never)
  mutating func parseString() throws(JSONError) -> String {
    position += 1  // opening quote
    var buffer: [UInt8] = []
    var runStart = position  // the first byte of the current run of plain bytes
    while true {
      let byte = try peek()
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
        let run = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[runStart..<position])
        if byte == UInt8(ascii: "\"") {
          position += 1
          // Every escape appends at least one byte, so an empty buffer means there were none.
          if buffer.isEmpty { return decodeUTF8(run) }
          appendBytes(run, to: &buffer)
          return buffer.withUnsafeBufferPointer { decodeUTF8($0) }
        }
        appendBytes(run, to: &buffer)
        try parseEscape(into: &buffer)
        runStart = position
      } else if byte < 0x20 {
        throw .controlCharacterInString(byte, offset: position)
      } else if byte < 0x80 {
        position += 1
      } else {
        try skipUTF8Sequence()
      }
    }
  }

  /// Decodes one escape starting at its backslash and appends its UTF-8 bytes.
  @inline(never)
  mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONError) {
    let escapeStart = position
    position += 1  // backslash
    let letter = try peek()
    position += 1
    let decoded: UInt8
    switch letter {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = letter
    case UInt8(ascii: "b"): decoded = 0x08
    case UInt8(ascii: "f"): decoded = 0x0C
    case UInt8(ascii: "n"): decoded = 0x0A
    case UInt8(ascii: "r"): decoded = 0x0D
    case UInt8(ascii: "t"): decoded = 0x09
    case UInt8(ascii: "u"):
      let first = try parseHex4(escapeStart: escapeStart)
      var scalar = first
      if first >= 0xD800 && first <= 0xDBFF {
        // A high surrogate must be followed at once by `\u` + a low surrogate.
        let pairStart = position
        guard try peek() == UInt8(ascii: "\\") else { throw .invalidSurrogate(offset: escapeStart) }
        position += 1
        guard try peek() == UInt8(ascii: "u") else { throw .invalidSurrogate(offset: escapeStart) }
        position += 1
        let second = try parseHex4(escapeStart: pairStart)
        guard second >= 0xDC00 && second <= 0xDFFF else { throw .invalidSurrogate(offset: escapeStart) }
        scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
      } else if first >= 0xDC00 && first <= 0xDFFF {
        throw .invalidSurrogate(offset: escapeStart)
      }
      UTF8Scalars.append(scalar, to: &buffer)
      return
    default:
      throw .invalidEscape(offset: escapeStart)
    }
    buffer.append(decoded)
  }

  /// Reads the four hex digits of a `\u` escape.
  mutating func parseHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = try peek()
      var digit = UInt32(byte &- UInt8(ascii: "0"))
      if digit >= 10 {
        // Setting the lowercase bit maps "A"..."F" onto "a"..."f" (and no other byte onto them).
        digit = UInt32((byte | 0x20) &- UInt8(ascii: "a")) &+ 10
        guard digit >= 10 && digit < 16 else { throw .invalidEscape(offset: escapeStart) }
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  /// Validates one multi-byte UTF-8 sequence at `position` (lead byte >= 0x80) and steps over it.
  /// Rejects overlong forms, encoded surrogates and values above U+10FFFF (Unicode Table 3-7).
  mutating func skipUTF8Sequence() throws(JSONError) {
    let start = position
    guard bytes[start] >= 0xC2 && bytes[start] <= 0xF4 else { throw .invalidUTF8(offset: start) }
    // The one UTF-8 sequence checker of the core (ByteText.sequenceLength); it stops at the first bad byte.
    let length = ByteText.sequenceLength(bytes.assumingMemoryBound(to: UInt8.self), at: start)
    guard length > 0 else {
      // The sequence broke off at byte start - length: missing (end of input) or not an allowed continuation.
      if start - length >= bytes.count { throw .unexpectedEnd(offset: start - length) }
      throw .invalidUTF8(offset: start)
    }
    position += length
  }

  // MARK: Numbers

  /// The byte at `position`, or 0 at the end of the input (0 never continues a number or whitespace).
  func currentByte() -> UInt8 {
    position < bytes.count ? bytes[position] : 0
  }

  /// Throws unless a digit is at `position`: `.invalidNumber` at `numberStart`, or `.unexpectedEnd`.
  func requireDigit(numberStart: Int) throws(JSONError) {
    guard try peek() &- UInt8(ascii: "0") < 10 else { throw .invalidNumber(offset: numberStart) }
  }

  /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` without `Double(String)`.
  ///
  /// The first 19 significant digits are kept exactly in a `UInt64` mantissa (10^19 - 1 < 2^64); later digits
  /// only shift the decimal exponent (truncation, relative error below 1e-18).
  @inline(never)
  mutating func parseNumber() throws(JSONError) -> JSONValue {
    let start = position
    let negative = bytes[position] == UInt8(ascii: "-")
    if negative { position += 1 }
    var mantissa: UInt64 = 0
    var significantDigits = 0
    var decimalExponent = 0

    // Integer and fraction digits: `mantissa` × 10^`decimalExponent` is the number read so far.
    var fraction = false
    while true {
      try requireDigit(numberStart: start)
      let runStart = position
      while true {
        let digit = currentByte() &- UInt8(ascii: "0")
        guard digit < 10 else { break }
        if mantissa == 0 && digit == 0 {
          // A leading zero is not significant.
        } else if significantDigits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(digit)  // < 10^19 < 2^64: cannot wrap
          significantDigits += 1
        } else {
          decimalExponent += 1  // a dropped digit only shifts the exponent
        }
        position += 1
      }
      if fraction {
        decimalExponent -= position - runStart
        break
      }
      // A leading zero must stand alone.
      if bytes[runStart] == UInt8(ascii: "0") && position - runStart > 1 { throw .invalidNumber(offset: start) }
      guard currentByte() == UInt8(ascii: ".") else { break }
      fraction = true
      position += 1
    }

    // Exponent.
    let marker = currentByte()
    let hasExponent = marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E")
    if hasExponent {
      position += 1
      let sign = currentByte()
      if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
      try requireDigit(numberStart: start)
      var exponent = 0
      while true {
        let digit = currentByte() &- UInt8(ascii: "0")
        guard digit < 10 else { break }
        // Clamp: anything past 10^6 is already far outside Double's range, and this keeps `Int` from overflowing.
        if exponent < 1_000_000 { exponent = exponent * 10 + Int(digit) }
        position += 1
      }
      decimalExponent += sign == UInt8(ascii: "-") ? -exponent : exponent
    }

    // Integers in [Int.min, Int.max]: the magnitude of Int.min wraps to Int.min, and negating it keeps it there.
    if !fraction && !hasExponent && decimalExponent == 0 && mantissa <= UInt64(Int.max) + (negative ? 1 : 0) {
      let magnitude = Int(truncatingIfNeeded: mantissa)
      return .int(negative ? 0 &- magnitude : magnitude)
    }
    return .double(JSONParser.makeDouble(mantissa: mantissa, decimalExponent: decimalExponent, negative: negative))
  }

  /// 10^(22·k) for k = 0 ... 14, each correctly rounded by the compiler's literal parser.
  static let largePowersOfTen: [Double] = [
    1e0, 1e22, 1e44, 1e66, 1e88, 1e110, 1e132, 1e154, 1e176, 1e198, 1e220, 1e242, 1e264, 1e286, 1e308,
  ]

  /// mantissa × 10^decimalExponent, with sign.
  ///
  /// With |exponent| <= 22 and mantissa <= 2^53 this is one correctly rounded operation (Clinger's fast path),
  /// so `0.02` and `1e-12` come out exact. Otherwise it is 10^r (exact) then 10^(22k) (rounded): at most about
  /// 1.5 ulp (~3.3e-16 relative), except deep in the subnormal range where precision is inherently lost.
  static func makeDouble(mantissa: UInt64, decimalExponent: Int, negative: Bool) -> Double {
    var value = Double(mantissa)
    if mantissa != 0 && decimalExponent != 0 {
      let magnitude = decimalExponent < 0 ? -decimalExponent : decimalExponent
      var large = magnitude / 22
      // 10^0 ... 10^21 by repeated multiplication: each one is exact in a Double (5^21 < 2^53), as are the steps.
      var exactPower = 1.0
      for _ in 0..<magnitude % 22 { exactPower *= 10 }
      if decimalExponent > 0 {
        value *= exactPower
        while large > 0 && value.isFinite {
          let step = large < 14 ? large : 14
          value *= largePowersOfTen[step]
          large -= step
        }
      } else {
        value /= exactPower
        while large > 0 && value != 0 {
          let step = large < 14 ? large : 14
          value /= largePowersOfTen[step]
          large -= step
        }
      }
    }
    return negative ? -value : value
  }
}
