// ByteText unit tests: interpolated messages and names built as bytes, and `decodeUTF8`'s U+FFFD repair, which must
// give exactly what the stdlib's `String(decoding:as:)` gives (the behaviour it replaces in the wasm build).
import Testing

@_spi(WasmicroWasm) @testable import Wasmicro

@Suite("ByteText")
struct ByteTextTests {
  @Test func interpolationPieces() {
    let name = "encoder.layer.0"
    #expect(ByteText("tensor \"\(name)\" has \(12) values").string == "tensor \"encoder.layer.0\" has 12 values")
    #expect(ByteText("\(0)|\(-7)|\(Int.max)|\(Int.min)").string == "0|-7|9223372036854775807|-9223372036854775808")
    #expect(ByteText("\(UInt64.max)").string == "18446744073709551615")
    #expect(ByteText("shape \([2, 3]) and \([Int]()) and \([384])").string == "shape [2, 3] and [] and [384]")
    let suffix: StaticString = ".weight"
    #expect(ByteText("\(name)\(suffix)").string == "encoder.layer.0.weight")
    #expect(ByteText("plain literal").string == "plain literal")
    #expect(ByteText("× non-ASCII \("é") ok").string == "× non-ASCII é ok")
  }

  @Test func stringBytesHelpers() {
    #expect(ByteText.equal("abc", "abc"))
    #expect(!ByteText.equal("abc", "abd"))
    #expect(!ByteText.equal("abc", "ab"))
    #expect(ByteText.equal("", ""))
    // Byte-wise: canonically equivalent but differently encoded strings are different.
    #expect(!ByteText.equal("\u{E9}", "e\u{301}"))
    let long = String(repeating: "long text beyond the small-string limit ", count: 4)
    #expect(ByteText.bytes(of: long) == Array(long.utf8))
    #expect(ByteText.utf8Count("héllo") == 6)
  }

  @Test func decodeMatchesStdlibOnEdgeCases() {
    let cases: [[UInt8]] = [
      [], [0x41], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80],
      [0x80], [0xBF, 0x41], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x41], [0xE0, 0x80, 0x80], [0xE0, 0xA0],
      [0xE0, 0xA0, 0x41], [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEF, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80],
      [0xF0, 0x90, 0x80], [0xF0, 0x90, 0x80, 0x41], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
      [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF, 0xFE], [0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62],
    ]
    for bytes in cases {
      let decoded = bytes.withUnsafeBufferPointer { decodeUTF8($0) }
      let expected = String(decoding: bytes, as: UTF8.self)
      #expect(Array(decoded.utf8) == Array(expected.utf8), "bytes \(bytes)")
    }
  }

  @Test func decodeMatchesStdlibOnRandomBytes() {
    // A fixed linear congruential sequence (reproducible), drawing from bytes that start, continue or break sequences.
    var state: UInt32 = 12345
    func next() -> Int {
      state = state &* 1_664_525 &+ 1_013_904_223
      return Int(state >> 28)
    }
    let alphabet: [UInt8] = [
      0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
    ]
    for _ in 0..<5000 {
      let bytes = (0..<(next() % 12)).map { _ in alphabet[next()] }
      let decoded = bytes.withUnsafeBufferPointer { decodeUTF8($0) }
      let expected = String(decoding: bytes, as: UTF8.self)
      #expect(Array(decoded.utf8) == Array(expected.utf8), "bytes \(bytes)")
    }
  }
}
