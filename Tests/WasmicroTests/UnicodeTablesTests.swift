// UnicodeTablesTests.swift — the packed Unicode tables behind the WordPiece tokenizer: hand-checked lookups (values from
// the Unicode 14.0 data files and Rust's std, cited per case) and whole-range invariants of the decoders.
// Non-goals: parity with HF (TokenizerTests' fixtures do that); the exhaustive old-vs-new comparison made when the
// tables were packed lived outside the repository.
import Testing

@testable import Wasmicro

@Suite("Unicode tables")
struct UnicodeTablesTests {
  private func decomposition(_ scalar: UInt32) -> [UInt32] {
    var output: [UInt32] = []
    UnicodeData.appendDecomposition(scalar, to: &output)
    return output
  }

  private func lowercase(_ scalar: UInt32) -> [UInt32] {
    var output: [UInt32] = []
    UnicodeData.appendLowercase(scalar, to: &output)
    return output
  }

  @Test func decompositionsFromUnicodeData() {
    // UnicodeData.txt: 1E09 = 00E7 0301, 00E7 = 0063 0327 (recursive).
    #expect(decomposition(0x1E09) == [0x63, 0x327, 0x301])
    // Greek: 1F82 = 1F02 0345, 1F02 = 1F00 0300, 1F00 = 03B1 0313.
    #expect(decomposition(0x1F82) == [0x3B1, 0x313, 0x300, 0x345])
    // Explicit first components: 01D5 = 00DC 0304 (Ü + macron), FB2C = FB49 05C1.
    #expect(decomposition(0x1D5) == [0x55, 0x308, 0x304])
    #expect(decomposition(0xFB2C) == [0x5E9, 0x5BC, 0x5C1])
    // Outside the BMP: 1D15E = 1D157 1D165, 1112E = 11131 11127.
    #expect(decomposition(0x1_D15E) == [0x1_D157, 0x1_D165])
    #expect(decomposition(0x1_112E) == [0x1_1131, 0x1_1127])
    // CJK compatibility ideographs: F900 -> 8C48, 2F800 -> 4E3D, 2F803 -> 20122 (plane 2); FA0E has none.
    #expect(decomposition(0xF900) == [0x8C48])
    #expect(decomposition(0x2_F800) == [0x4E3D])
    #expect(decomposition(0x2_F803) == [0x2_0122])
    #expect(decomposition(0xFA0E) == [0xFA0E])
    // Hangul, algorithmic: AC00 = 1100 1161, AC01 = 1100 1161 11A8.
    #expect(decomposition(0xAC00) == [0x1100, 0x1161])
    #expect(decomposition(0xAC01) == [0x1100, 0x1161, 0x11A8])
    // HF's NFD data predates 11938 = 11935 11930: kept whole.
    #expect(decomposition(0x1_1938) == [0x1_1938])
    #expect(decomposition(0x41) == [0x41])
  }

  @Test func lowercaseFromRustStd() {
    #expect(lowercase(0x41) == [0x61])
    #expect(lowercase(0x130) == [0x69, 0x307])  // İ: the one two-scalar mapping
    #expect(lowercase(0x100) == [0x101])  // stride-2 run
    #expect(lowercase(0x101) == [0x101])
    #expect(lowercase(0x13A0) == [0xAB70])  // Cherokee: a large positive delta
    #expect(lowercase(0x212A) == [0x6B])  // KELVIN SIGN: a large negative delta
    #expect(lowercase(0xA7DC) == [0x19B])  // Unicode 16 (Rust std), unassigned in 14.0
    #expect(lowercase(0x1_0D50) == [0x1_0D70])
    #expect(lowercase(0x1_E900) == [0x1_E922])  // Adlam
  }

  @Test func propertiesFromUnicodeData() {
    #expect(UnicodeData.isWhitespace(0x3000) && UnicodeData.isWhitespace(0x85) && !UnicodeData.isWhitespace(0x200B))
    #expect(UnicodeData.isDeletedByCleaner(0x85) && UnicodeData.isDeletedByCleaner(0xFFFD))
    #expect(UnicodeData.isDeletedByCleaner(0x10_FFFD) && !UnicodeData.isDeletedByCleaner(0x10_FFFF))
    #expect(UnicodeData.isPunctuation(0xA1) && UnicodeData.isPunctuation(0x166D) && !UnicodeData.isPunctuation(0x2E43))
    #expect(UnicodeData.combiningInfo(0x301) == 230 | UnicodeData.nonspacingMarkFlag)
    #expect(UnicodeData.combiningInfo(0x1_D165) == 216)  // Mc with a combining class: reordered, never stripped
    #expect(UnicodeData.combiningInfo(0x1734) == 9 | UnicodeData.nonspacingMarkFlag)  // Mn before Unicode 14
    #expect(UnicodeData.combiningInfo(0x7FD) == 0)  // Mn with class 220 in 14.0, unknown to HF's tables
    #expect(UnicodeData.combiningInfo(0x10_FFFF) == 0)
  }

  /// Every scalar value: decompositions are complete (each part maps to itself), lowercase mappings yield valid scalar
  /// values, the ASCII/Latin-1 shortcuts hold, and punctuation never overlaps the other properties.
  @Test func wholeRangeInvariants() {
    var decomposable = 0
    var lowered = 0
    for scalar: UInt32 in 0...0x10_FFFF where !(0xD800...0xDFFF).contains(scalar) {
      let parts = decomposition(scalar)
      if parts != [scalar] {
        decomposable += 1
        for part in parts { #expect(decomposition(part) == [part], "U+\(String(scalar, radix: 16))") }
      }
      for lower in lowercase(scalar) {
        #expect(lower <= 0x10_FFFF && !(0xD800...0xDFFF).contains(lower), "U+\(String(scalar, radix: 16))")
      }
      if lowercase(scalar) != [scalar] { lowered += 1 }
      if scalar < UnicodeData.firstDecomposable { #expect(parts == [scalar]) }
      if scalar < UnicodeData.firstCombining { #expect(UnicodeData.combiningInfo(scalar) == 0) }
      // A punctuation scalar is never deleted, whitespace or a combining mark.
      if UnicodeData.isPunctuation(scalar) {
        #expect(!UnicodeData.isDeletedByCleaner(scalar) && !UnicodeData.isWhitespace(scalar))
        #expect(UnicodeData.combiningInfo(scalar) == 0)
      }
    }
    // UnicodeData.txt 14.0 has 2,061 canonical decomposition mappings besides Hangul; HF lacks U+11938's: 2,060,
    // plus the 11,172 Hangul syllables.
    #expect(decomposable == 2_060 + 11_172)
    #expect(lowered > 1_400)
  }
}
