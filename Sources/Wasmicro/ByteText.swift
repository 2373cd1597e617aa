// ByteText: error messages and tensor names assembled as UTF-8 bytes, turned into one String at the end.
// Scope: string literals, Strings, decimal integers and shapes ("[2, 3]"), written with ordinary interpolation syntax:
// `ByteText("tensor \"\(name)\" has \(count) values").string`.
// Why: in Embedded Swift every String `+`, `+=` and `"\(...)"` links the stdlib's String-growing machinery
// (`_StringGuts.append`, encoding repair, UTF-16 breadcrumbs: about 27 KB of wasm). Appending bytes to an array and
// decoding once needs none of it. Non-goals: formatting floats, padding, radix other than 10.

/// UTF-8 text built from literal bytes, Strings and decimal integers; `string` decodes it once.
struct ByteText: ExpressibleByStringInterpolation {
  typealias StringLiteralType = StaticString

  /// The UTF-8 bytes so far.
  var bytes: [UInt8]

  init(stringLiteral literal: StaticString) {
    var interpolation = Interpolation(literalCapacity: 0, interpolationCount: 0)
    interpolation.appendLiteral(literal)
    bytes = interpolation.bytes
  }

  @inline(never)
  init(stringInterpolation: Interpolation) {
    bytes = stringInterpolation.bytes
  }

  /// Appends another text's bytes.
  mutating func append(_ other: ByteText) { appendBytes(of: other.bytes, to: &bytes) }

  /// The text as a String (the bytes are valid UTF-8 whenever every piece was).
  var string: String {
    @inline(never) get { bytes.withUnsafeBufferPointer { decodeUTF8($0) } }
  }

  /// Collects the pieces of an interpolated literal.
  struct Interpolation: StringInterpolationProtocol {
    typealias StringLiteralType = StaticString

    var bytes: [UInt8] = []

    @inline(never)
    init(literalCapacity: Int, interpolationCount: Int) {}

    /// The literal's UTF-8 bytes (string literals always have a pointer representation).
    @inline(never)
    mutating func appendLiteral(_ literal: StaticString) {
      appendBytes(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount), to: &bytes)
    }

    /// The String's UTF-8 bytes.
    @inline(never)
    mutating func appendInterpolation(_ text: String) {
      withUTF8Bytes(of: text) { appendBytes($0, to: &bytes) }
    }

    /// Another ByteText's bytes.
    mutating func appendInterpolation(_ text: ByteText) {
      appendBytes(of: text.bytes, to: &bytes)
    }

    /// Another literal's bytes.
    mutating func appendInterpolation(_ literal: StaticString) {
      appendLiteral(literal)
    }

    /// Decimal digits, with a leading "-" when negative.
    mutating func appendInterpolation(_ value: Int) {
      appendDecimal(UInt64(value.magnitude), negative: value < 0)
    }

    /// Decimal digits.
    mutating func appendInterpolation(_ value: UInt64) {
      appendDecimal(value, negative: false)
    }

    /// A shape as "[2, 3]".
    mutating func appendInterpolation(_ shape: [Int]) {
      bytes.append(UInt8(ascii: "["))
      for index in shape.indices {
        if index > 0 { appendLiteral(", ") }
        appendInterpolation(shape[index])
      }
      bytes.append(UInt8(ascii: "]"))
    }

    @inline(never)
    mutating func appendDecimal(_ magnitude: UInt64, negative: Bool) {
      if negative { bytes.append(UInt8(ascii: "-")) }
      let start = bytes.count
      var remaining = magnitude
      repeat {
        bytes.append(UInt8(truncatingIfNeeded: 48 &+ remaining % 10))
        remaining /= 10
      } while remaining > 0
      // Digits were written least significant first.
      var low = start
      var high = bytes.count - 1
      while low < high {
        bytes.swapAt(low, high)
        low += 1
        high -= 1
      }
    }
  }
}

// MARK: - Appending bytes

/// Appends `source` to `bytes`, one byte at a time (amortised growth, like `append(contentsOf:)`). The one byte-copy
/// loop of the core: the stdlib's generic `append(contentsOf:)` specialises to about 550 bytes of wasm for a buffer
/// source and 270 more for an array source; every text, name and JSON string the core builds goes through here.
@inline(never)
func appendBytes(_ source: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
  for byte in source { bytes.append(byte) }
}

/// Appends the bytes of the array `source` to `bytes`.
func appendBytes(of source: [UInt8], to bytes: inout [UInt8]) {
  source.withUnsafeBufferPointer { appendBytes($0, to: &bytes) }
}

// MARK: - Bytes to String

/// A String from UTF-8 bytes; each maximal ill-formed subsequence becomes U+FFFD (Unicode §3.9, the same result as
/// `String(decoding:as:)` and JS `TextDecoder`). The stdlib's own repairing decoder grows the String in place, which
/// links its String-append and UTF-16 index machinery (about 8 KB of wasm); validating, and repairing into a byte
/// array first, needs none of it.
@_spi(WasmicroWasm)
@inline(never)
public func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
  if let text = String(validating: bytes, as: UTF8.self) { return text }
  var repaired: [UInt8] = []
  repaired.reserveCapacity(bytes.count + 8)
  var index = 0
  while index < bytes.count {
    let length = ByteText.sequenceLength(bytes, at: index)
    if length > 0 {
      appendBytes(UnsafeBufferPointer(rebasing: bytes[index..<index + length]), to: &repaired)
      index += length
    } else {
      repaired.append(0xEF)  // U+FFFD
      repaired.append(0xBF)
      repaired.append(0xBD)
      index -= length
    }
  }
  return repaired.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) } ?? ""  // always valid now
}

extension ByteText {
  /// The length of the well-formed UTF-8 sequence at `index` (> 0), or minus the length of the maximal ill-formed
  /// subpart there (< 0): the lead byte plus the continuation bytes that were still acceptable.
  @inline(never)
  static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
    let lead = bytes[index]
    if lead < 0x80 { return 1 }
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: return -1
    }
    var offset = 1
    while offset < length {
      guard index + offset < bytes.count else { return -offset }
      let byte = bytes[index + offset]
      guard byte >= low && byte <= high else { return -offset }
      low = 0x80
      high = 0xBF
      offset += 1
    }
    return length
  }
}

// MARK: - Reading a String's bytes

/// Calls `body` with `text`'s UTF-8 bytes, in place (no copy) for every native String. Iterating `String.UTF8View`
/// or comparing views with `elementsEqual` instead links the stdlib's index-validation and UTF-16 code (several KB).
/// Not generic on purpose: every result type would get its own copy of the stdlib's access code (about 500 bytes of
/// wasm each), so callers return results through captured variables.
@_spi(WasmicroWasm)
@inline(never)
public func withUTF8Bytes(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
  if text.utf8.withContiguousStorageIfAvailable(body) != nil { return }
  #if hasFeature(Embedded)
    // Embedded Swift has no foreign (bridged) strings, so every String is contiguous UTF-8 and this is unreachable.
    // (`String.withUTF8` here would link `makeContiguousUTF8`, Substring and UTF-16 index code: about 6 KB of wasm.)
    preconditionFailure("non-contiguous String in Embedded Swift")
  #else
    var copy = text  // only foreign (e.g. bridged NSString) strings get here
    copy.withUTF8(body)
  #endif
}

extension ByteText {
  /// Byte-wise equality (String `==` would pull Unicode normalisation into Embedded builds).
  @inline(never)
  static func equal(_ left: String, _ right: String) -> Bool {
    var equal = false
    withUTF8Bytes(of: left) { leftBytes in
      withUTF8Bytes(of: right) { rightBytes in
        guard leftBytes.count == rightBytes.count else { return }
        for index in leftBytes.indices where leftBytes[index] != rightBytes[index] { return }
        equal = true
      }
    }
    return equal
  }

  /// `text`'s UTF-8 bytes as an array.
  @inline(never)
  static func bytes(of text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    withUTF8Bytes(of: text) { appendBytes($0, to: &bytes) }
    return bytes
  }

  /// Number of UTF-8 bytes in `text`.
  @inline(never)
  static func utf8Count(_ text: String) -> Int {
    var count = 0
    withUTF8Bytes(of: text) { count = $0.count }
    return count
  }
}

/// UTF-8 decoding/encoding of scalars held as `UInt32`: the one encoder of the core (tokenizer pieces, JSON `\u` escapes).
enum UTF8Scalars {
  /// Decodes the scalar starting at `bytes[index]` (valid UTF-8) and advances `index` past it.
  @inline(never)
  static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> UInt32 {
    let lead = UInt32(bytes[index])
    if lead < 0x80 {
      index += 1
      return lead
    }
    // 110xxxxx, 1110xxxx, 11110xxx: the lead keeps 7 - count payload bits; each continuation byte adds six.
    let count = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    var scalar = lead & (0x7F >> UInt32(count))
    for offset in 1..<count { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
    index += count
    return scalar
  }

  /// Appends the UTF-8 encoding of `scalar` (a scalar value: never a surrogate, at most U+10FFFF).
  @inline(never)
  static func append(_ scalar: UInt32, to bytes: inout [UInt8]) {
    if scalar < 0x80 {
      bytes.append(UInt8(scalar))
      return
    }
    let count: UInt32 = scalar < 0x800 ? 2 : scalar < 0x1_0000 ? 3 : 4
    // Lead byte: `count` one bits then a zero (0xF00 >> count keeps them in the low byte), then the top payload bits.
    var shift = 6 * (count - 1)
    bytes.append(UInt8(truncatingIfNeeded: 0xF00 >> count | scalar >> shift))
    while shift > 0 {
      shift -= 6
      bytes.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> shift & 0x3F))
    }
  }
}
