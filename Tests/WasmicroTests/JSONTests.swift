// JSON parser unit tests: structure, escapes, surrogates, UTF-8 validation, numbers, limits, error offsets.
// Expected values are hand-written documents and compiler-parsed Double literals (correctly rounded).
import Foundation
import Testing

@testable import Wasmicro

/// Relative tolerance for decimal → Double conversion: the parser promises about 1.5 ulp (3.3e-16) in the normal range.
private let decimalConversionRelativeTolerance = 1e-15

private func parse(_ text: String) throws(JSONError) -> JSONValue {
  try JSONValue.parse(Array(text.utf8))
}

private func parseError(_ bytes: [UInt8]) -> JSONError? {
  do throws(JSONError) {
    _ = try JSONValue.parse(bytes)
    return nil
  } catch {
    return error
  }
}

private func parseError(_ text: String) -> JSONError? { parseError(Array(text.utf8)) }

private func relativeError(_ actual: Double, _ expected: Double) -> Double {
  expected == 0 ? abs(actual) : abs(actual - expected) / abs(expected)
}

@Suite("JSONTests")
struct JSONTests {
  @Test func parsesEveryValueKind() throws {
    let value = try parse(#" { "a" : [1, -2.5, true, false, null, "x", [], {}] } "#)
    #expect(
      value
        == .object([
          JSONMember(
            key: "a",
            value: .array([.int(1), .double(-2.5), .bool(true), .bool(false), .null, .string("x"), .array([]), .object([])]))
        ]))
  }

  @Test func unsafeBufferOverloadMatchesArrayOverload() throws {
    let bytes = Array(#"{"k": [1, "v"]}"#.utf8)
    let fromBuffer = try bytes.withUnsafeBytes { buffer in try JSONValue.parse(buffer) }
    #expect(fromBuffer == (try JSONValue.parse(bytes)))
  }

  @Test func objectsKeepOrderAndLastDuplicateWins() throws {
    let value = try parse(#"{"b": 1, "a": 2, "b": 3}"#)
    #expect(value.objectValue?.map(\.key) == ["b", "a", "b"])
    #expect(value["b"] == .int(3))
    #expect(value["a"] == .int(2))
    #expect(value["missing"] == nil)
    #expect(JSONValue.int(1)["a"] == nil)
  }

  @Test func simpleEscapes() throws {
    let value = try parse(#""q\" bs\\ sl\/ b\b f\f n\n r\r t\t""#)
    #expect(value == .string("q\" bs\\ sl/ b\u{08} f\u{0C} n\n r\r t\t"))
  }

  @Test func unicodeEscapesAndSurrogatePairs() throws {
    #expect(try parse(#""\u00e9\u4E2D\u0000""#) == .string("é中\u{0}"))
    let emoji = try parse(#""x\ud83d\ude00y""#)
    #expect(emoji.stringValue.map { Array($0.unicodeScalars.map(\.value)) } == [0x78, 0x1F600, 0x79])
    // Highest scalar: U+10FFFF = \uDBFF\uDFFF.
    #expect(try parse(#""\uDBFF\uDFFF""#).stringValue?.unicodeScalars.first?.value == 0x10FFFF)
  }

  @Test func loneSurrogatesAreErrors() {
    #expect(parseError(#""\ud83d""#) == .invalidSurrogate(offset: 1))
    #expect(parseError(#""ab\ude00""#) == .invalidSurrogate(offset: 3))
    #expect(parseError(#""\ud83d\u0041""#) == .invalidSurrogate(offset: 1))
    #expect(parseError(#""\ud83dx""#) == .invalidSurrogate(offset: 1))
    #expect(parseError(#""\ud83d\ud83d""#) == .invalidSurrogate(offset: 1))
  }

  @Test func badEscapesAreErrors() {
    #expect(parseError(#""a\x""#) == .invalidEscape(offset: 2))
    #expect(parseError(#""\u12G4""#) == .invalidEscape(offset: 1))
    #expect(parseError(#""\u12"#) == .unexpectedEnd(offset: 5))
    #expect(parseError("\"a\nb\"") == .controlCharacterInString(0x0A, offset: 2))
  }

  @Test func rawUTF8IsKeptAndValidated() throws {
    #expect(try parse("\"é中😀\"") == .string("é中😀"))
    #expect(try parse("\"é\\n中\"") == .string("é\n中"))
    #expect(parseError([0x22, 0xC3, 0x28, 0x22]) == .invalidUTF8(offset: 1))  // bad continuation
    #expect(parseError([0x22, 0xC0, 0x80, 0x22]) == .invalidUTF8(offset: 1))  // overlong NUL
    #expect(parseError([0x22, 0xE0, 0x80, 0x80, 0x22]) == .invalidUTF8(offset: 1))  // overlong 3-byte
    #expect(parseError([0x22, 0xED, 0xA0, 0x80, 0x22]) == .invalidUTF8(offset: 1))  // encoded surrogate U+D800
    #expect(parseError([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]) == .invalidUTF8(offset: 1))  // above U+10FFFF
    #expect(parseError([0x22, 0x61, 0xFF, 0x22]) == .invalidUTF8(offset: 2))
    #expect(parseError([0x22, 0x5C, 0x6E, 0x80, 0x22]) == .invalidUTF8(offset: 3))  // slow path (after an escape)
    #expect(parseError([0x22, 0xE4, 0xB8]) == .unexpectedEnd(offset: 3))  // truncated sequence
  }

  @Test func byteOrderMarkIsSkipped() throws {
    #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.int(1)]))
  }

  @Test func integers() throws {
    #expect(try parse("0") == .int(0))
    #expect(try parse("-0") == .int(0))
    #expect(try parse("42") == .int(42))
    #expect(try parse("-17") == .int(-17))
    #expect(try parse("9223372036854775807") == .int(Int.max))
    #expect(try parse("-9223372036854775808") == .int(Int.min))
    // One past Int's range: no longer an .int, but still the right double.
    #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
    #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
    // HF's "unlimited" model_max_length sentinel, int(1e30).
    #expect(try parse("1000000000000000019884624838656") == .double(1e30))
    #expect(try parse("100E0") == .double(100))
  }

  @Test func fastPathDecimalsAreExact() throws {
    // mantissa <= 2^53 and |exponent| <= 22: one correctly rounded operation, so exactly the literal.
    #expect(try parse("1e-12") == .double(1e-12))
    #expect(try parse("0.02") == .double(0.02))
    #expect(try parse("0.1") == .double(0.1))
    #expect(try parse("-2.5e-3") == .double(-2.5e-3))
    #expect(try parse("1E+2") == .double(100))
    #expect(try parse("3.0") == .double(3.0))
    #expect(try parse("-0.0") == .double(-0.0))
    #expect(try parse("0.000001") == .double(1e-6))
  }

  @Test func slowPathDecimalsAreCloseToKnownValues() throws {
    let cases: [(String, Double)] = [
      ("1.7976931348623157e308", 1.7976931348623157e308),
      ("2.2250738585072014e-308", 2.2250738585072014e-308),
      ("6.02214076e23", 6.02214076e23),
      ("1.602176634e-19", 1.602176634e-19),
      ("3.141592653589793238462643383279", 3.141592653589793),
      ("123456789012345678901234567890", 1.2345678901234568e29),
      ("0.000000000000000000000000000001234", 1.234e-30),
      ("1e-300", 1e-300),
      ("9007199254740993", 9007199254740992),  // 2^53 + 1 is an .int, checked separately below
      ("1.00000000000000000000000000001e5", 1e5),
      ("4.4501477170144023e-308", 4.4501477170144023e-308),
    ]
    for (text, expected) in cases {
      let parsed = try parse(text)
      let value = try #require(parsed.doubleValue, "\(text)")
      #expect(relativeError(value, expected) <= decimalConversionRelativeTolerance, "\(text): \(value) vs \(expected)")
    }
    #expect(try parse("9007199254740993") == .int(9_007_199_254_740_993))
  }

  @Test func decimalSweepMatchesStandardLibrary() throws {
    // Deterministic sweep of mantissa shapes × exponents, compared with the stdlib's correctly rounded parser.
    let mantissas = [
      "1", "7", "12345", "0.5", "0.02", "9.999999999999999", "1.0000000000000002", "123456789.987654321",
      "4.9406564584124654", "2.718281828459045235360287", "0.00012345678901234567890123",
    ]
    var checked = 0
    for mantissa in mantissas {
      for exponent in stride(from: -300, through: 300, by: 7) {
        for sign in ["", "-"] {
          let text = "\(sign)\(mantissa)e\(exponent)"
          let expected = try #require(Double(text))
          let value = try #require(try parse(text).doubleValue)
          #expect(relativeError(value, expected) <= decimalConversionRelativeTolerance, "\(text): \(value) vs \(expected)")
          checked += 1
        }
      }
    }
    #expect(checked == 11 * 86 * 2)
  }

  @Test func outOfRangeNumbersSaturate() throws {
    #expect(try parse("1e400") == .double(.infinity))
    #expect(try parse("-1e400") == .double(-.infinity))
    #expect(try parse("1e-400") == .double(0))
    #expect(try parse("1e99999999999999999999") == .double(.infinity))
    #expect(try parse("0e99999") == .double(0))
  }

  @Test func malformedNumbers() {
    #expect(parseError("01") == .invalidNumber(offset: 0))
    #expect(parseError("-01") == .invalidNumber(offset: 0))
    #expect(parseError("-") == .unexpectedEnd(offset: 1))
    #expect(parseError("-a") == .invalidNumber(offset: 0))
    #expect(parseError("1.") == .unexpectedEnd(offset: 2))
    #expect(parseError("1.e5") == .invalidNumber(offset: 0))
    #expect(parseError("1e") == .unexpectedEnd(offset: 2))
    #expect(parseError("1e+") == .unexpectedEnd(offset: 3))
    #expect(parseError("[1e+x]") == .invalidNumber(offset: 1))
    #expect(parseError(".5") == .unexpectedByte(UInt8(ascii: "."), offset: 0))
    #expect(parseError("+1") == .unexpectedByte(UInt8(ascii: "+"), offset: 0))
    #expect(parseError("NaN") == .unexpectedByte(UInt8(ascii: "N"), offset: 0))
  }

  @Test func accessors() {
    #expect(JSONValue.double(3.0).intValue == 3)
    #expect(JSONValue.double(3.5).intValue == nil)
    #expect(JSONValue.double(1e30).intValue == nil)
    #expect(JSONValue.double(.nan).intValue == nil)
    #expect(JSONValue.double(-9_223_372_036_854_775_808.0).intValue == Int.min)
    #expect(JSONValue.double(9_223_372_036_854_775_808.0).intValue == nil)
    #expect(JSONValue.int(7).doubleValue == 7)
    #expect(JSONValue.string("s").intValue == nil)
    #expect(JSONValue.bool(true).boolValue == true)
    #expect(JSONValue.null.isNull)
    #expect(JSONValue.array([.null]).arrayValue == [.null])
  }

  @Test func depthLimit() throws {
    let deepest = JSONValue.maximumDepth
    let accepted = String(repeating: "[", count: deepest) + String(repeating: "]", count: deepest)
    #expect(throws: Never.self) { try parse(accepted) }
    let tooDeep = String(repeating: "[", count: deepest + 1) + String(repeating: "]", count: deepest + 1)
    #expect(parseError(tooDeep) == .depthLimitExceeded(offset: deepest))
    let objects = String(repeating: #"{"a":"#, count: deepest + 1) + "1" + String(repeating: "}", count: deepest + 1)
    #expect(parseError(objects) == .depthLimitExceeded(offset: 5 * deepest))
    // Hostile input: a million open brackets must fail fast, not overflow the stack.
    #expect(parseError(String(repeating: "[", count: 1_000_000)) == .depthLimitExceeded(offset: deepest))
  }

  @Test func trailingGarbage() throws {
    #expect(parseError("{} x") == .trailingData(offset: 3))
    #expect(parseError("1 2") == .trailingData(offset: 2))
    #expect(parseError("truex") == .trailingData(offset: 4))
    #expect(parseError("12a") == .trailingData(offset: 2))
    #expect(try parse(" \t\r\n{}\n ") == .object([]))
  }

  @Test func truncatedInput() {
    #expect(parseError("") == .unexpectedEnd(offset: 0))
    #expect(parseError("   ") == .unexpectedEnd(offset: 3))
    #expect(parseError(#"{"a": [1, 2"#) == .unexpectedEnd(offset: 11))
    #expect(parseError(#"{"a""#) == .unexpectedEnd(offset: 4))
    #expect(parseError(#"{"a":"#) == .unexpectedEnd(offset: 5))
    #expect(parseError(#""abc"#) == .unexpectedEnd(offset: 4))
    #expect(parseError(#""ab\"#) == .unexpectedEnd(offset: 4))
    #expect(parseError("tru") == .unexpectedEnd(offset: 3))
    #expect(parseError("[") == .unexpectedEnd(offset: 1))
  }

  /// Truncations and byte flips of a config-like document: each must parse or throw a typed error, never trap.
  @Test func mutatedDocumentsNeverTrap() {
    let document = Array(
      #"{"a": [1, -2.5e-3, true, null, "\u00e9\ud83d\ude00 é"], "b": {"c": 1e308, "d": 12345678901234567890123}}"#.utf8)
    var generator = SplitMix64(seed: 99)
    var failures = 0
    for iteration in 0..<5000 {
      var bytes = document
      if iteration % 2 == 0 {
        bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
      } else {
        for _ in 0..<(1 + Int(generator.next() % 3)) {
          bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
        }
      }
      if let error = parseError(bytes) {
        failures += 1
        #expect(error.offset >= 0 && error.offset <= bytes.count)
      }
    }
    #expect(failures > 2500)  // every truncation is an error (the document is an object)
  }

  @Test func unexpectedBytes() {
    #expect(parseError(#"{"a" 1}"#) == .unexpectedByte(UInt8(ascii: "1"), offset: 5))
    #expect(parseError("[1,]") == .unexpectedByte(UInt8(ascii: "]"), offset: 3))
    #expect(parseError("[1 2]") == .unexpectedByte(UInt8(ascii: "2"), offset: 3))
    #expect(parseError("{,}") == .unexpectedByte(UInt8(ascii: ","), offset: 1))
    #expect(parseError("{1:2}") == .unexpectedByte(UInt8(ascii: "1"), offset: 1))
    #expect(parseError("nul!") == .unexpectedByte(UInt8(ascii: "!"), offset: 3))
    #expect(parseError("// comment\n1") == .unexpectedByte(UInt8(ascii: "/"), offset: 0))
    #expect(JSONError.trailingData(offset: 9).offset == 9)
  }
}
