// TokenizerTests.swift — WordPiece tokenizer: hand-computed rule tests on a tiny vocabulary, then parity with HF
// (fixtures from reference/make_tokenizer_smoke.py) on all-MiniLM-L6-v2's vocab.txt.
import Foundation
import Testing

@_spi(WasmicroWasm) @testable import Wasmicro

// MARK: - Helpers

/// A tiny vocabulary whose ids are the line indices below (hand-computed expectations refer to these ids).
private let tinyVocabularyLines: [String] = [
  "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",  // 0-4
  "a", "b", "ab", "##b", "##c",  // 5-9
  "un", "##aff", "##able", "!", ",",  // 10-14
  "^", "`", "€", "##€", "e",  // 15-19
  "hello", "world", "ᄒ", "##ᅡ", "##ᆫ",  // 20-24
  "か", "i", "σ", "##σ", "ο",  // 25-29
  "##δ", "##ο", "ﬁ", "ß", "中",  // 30-34
  "文", "x", "##x", "##\u{307}", "[",  // 35-39
  "]", "é",  // 40-41
]

private func tinyVocabulary() throws -> Vocabulary {
  try Vocabulary(vocabTxt: Array((tinyVocabularyLines.joined(separator: "\n") + "\n").utf8))
}

private func tinyTokenizer(_ configure: (inout TokenizerOptions) -> Void = { _ in }) throws -> WordPieceTokenizer {
  var options = TokenizerOptions()
  configure(&options)
  return try WordPieceTokenizer(vocabulary: tinyVocabulary(), options: options)
}

/// Repository root, from this file's path (Tests/WasmicroTests/TokenizerTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
private let miniLMVocabularyURL = repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt")
private let miniLMAvailable = FileManager.default.fileExists(atPath: miniLMVocabularyURL.path)

private func miniLMTokenizer() throws -> WordPieceTokenizer {
  let bytes = try [UInt8](Data(contentsOf: miniLMVocabularyURL))
  return try WordPieceTokenizer(vocabulary: Vocabulary(vocabTxt: bytes), options: TokenizerOptions())
}

private func fixture(_ name: String) throws -> [String: Any] {
  let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
  let data = try Data(contentsOf: directory.appendingPathComponent(name))
  return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

private func int32s(_ value: Any?) -> [Int32] {
  ((value as? [Any]) ?? []).map { Int32(($0 as? NSNumber)?.intValue ?? -1) }
}

/// Describes a mismatch: text, expected vs actual ids and tokens, first differing position.
private func mismatchReport(
  _ label: String, _ expected: [Int32], _ actual: [Int32], vocabulary: Vocabulary
) -> String {
  let position =
    (0..<min(expected.count, actual.count)).first { expected[$0] != actual[$0] } ?? min(expected.count, actual.count)
  func tokens(_ ids: [Int32]) -> String {
    ids.prefix(position + 8).map { vocabulary.token($0) ?? "?" }.joined(separator: " ")
  }
  return """
    MISMATCH \(label)
      first difference at position \(position) (expected count \(expected.count), actual \(actual.count))
      expected ids \(Array(expected.prefix(position + 8)))
      actual   ids \(Array(actual.prefix(position + 8)))
      expected tokens \(tokens(expected))
      actual   tokens \(tokens(actual))
    """
}

// MARK: - Vocabulary

@Suite("Tokenizer vocabulary")
struct TokenizerVocabularyTests {
  @Test func parsesLinesWithCRLFAndFinalNewline() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("[PAD]\r\nhello\r\n##lo\n".utf8))
    #expect(vocabulary.count == 3)
    #expect(vocabulary.id("hello") == 1)
    #expect(vocabulary.id("##lo") == 2)
    #expect(vocabulary.id("lo") == nil)
    #expect(vocabulary.token(2) == "##lo")
    #expect(vocabulary.token(3) == nil)
    #expect(vocabulary.token(-1) == nil)
  }

  @Test func withoutFinalNewline() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("a\nb".utf8))
    #expect(vocabulary.count == 2)
    #expect(vocabulary.id("b") == 1)
  }

  @Test func errors() {
    #expect(throws: TokenizerError.emptyVocabulary) { try Vocabulary(vocabTxt: [UInt8]()) }
    #expect(throws: TokenizerError.emptyLine(line: 2)) { try Vocabulary(vocabTxt: Array("a\n\nb\n".utf8)) }
    #expect(throws: TokenizerError.emptyLine(line: 2)) { try Vocabulary(vocabTxt: Array("a\n\r\nb".utf8)) }
    #expect(throws: TokenizerError.emptyLine(line: 1)) { try Vocabulary(vocabTxt: Array("\n".utf8)) }
    #expect(throws: TokenizerError.duplicateToken(line: 3, token: "a")) {
      try Vocabulary(vocabTxt: Array("a\nb\na\n".utf8))
    }
    #expect(throws: TokenizerError.invalidUTF8(line: 2)) { try Vocabulary(vocabTxt: [0x61, 0x0A, 0xFF, 0x0A]) }
    // Overlong NUL, a UTF-16 surrogate, a truncated sequence, above U+10FFFF.
    #expect(throws: TokenizerError.invalidUTF8(line: 1)) { try Vocabulary(vocabTxt: [0xC0, 0x80]) }
    #expect(throws: TokenizerError.invalidUTF8(line: 1)) { try Vocabulary(vocabTxt: [0xED, 0xA0, 0x80]) }
    #expect(throws: TokenizerError.invalidUTF8(line: 1)) { try Vocabulary(vocabTxt: [0xE4, 0xB8]) }
    #expect(throws: TokenizerError.invalidUTF8(line: 1)) { try Vocabulary(vocabTxt: [0xF4, 0x90, 0x80, 0x80]) }
  }

  @Test func errorMessages() {
    #expect(TokenizerError.duplicateToken(line: 7, token: "##s").message == "vocab.txt line 7: duplicate token \"##s\"")
    #expect(TokenizerError.emptyLine(line: 3).message.contains("line 3"))
    #expect("\(TokenizerError.missingSpecialToken("[UNK]"))" == "special token \"[UNK]\" is not in the vocabulary")
  }

  /// 32-bit FNV-1a, the vocabulary's hash before issue 11: what a crafted vocabulary could aim at.
  static func fnv1a(_ bytes: [UInt8]) -> UInt32 {
    var hash: UInt32 = 0x811C_9DC5
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
    return hash
  }

  /// 4,096 tokens that FNV-1a sends into the same 64 of 16,384 slots (a table for 4,100 tokens), plus BERT's specials.
  static func fnvClusteredVocabulary() -> [UInt8] {
    let capacity = 16_384
    var random = SplitMix64(seed: 4)
    var lines = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    var seen = Set<String>()
    while lines.count < 4 + 4_096 {
      var bytes: [UInt8] = []
      for _ in 0..<8 { bytes.append(0x61 + UInt8(random.next() % 26)) }
      guard Int(fnv1a(bytes)) & (capacity - 1) < 64, seen.insert(String(decoding: bytes, as: UTF8.self)).inserted
      else { continue }
      lines.append(String(decoding: bytes, as: UTF8.self))
    }
    return Array((lines.joined(separator: "\n") + "\n").utf8)
  }

  /// Probes of every successful lookup (1 = found in its home slot) and the longest run of occupied slots, which bounds
  /// the probes of any lookup, found or not.
  static func probeStatistics(_ vocabulary: Vocabulary) -> (meanProbes: Double, longestRun: Int) {
    let mask = vocabulary.slots.count - 1
    var probes = 0
    for slot in vocabulary.slots.indices where vocabulary.slots[slot] >= 0 {
      let id = Int(vocabulary.slots[slot])
      let home = vocabulary.storage.withUnsafeBufferPointer {
        Vocabulary.hash(
          vocabulary.hashKey, prefixed: false, $0, Int(vocabulary.offsets[id]), Int(vocabulary.offsets[id + 1]))
          & mask
      }
      probes += (slot - home) & mask + 1
    }
    var longestRun = 0
    var run = 0
    for slot in 0..<(2 * vocabulary.slots.count) {  // twice round: a run may wrap past the end
      run = vocabulary.slots[slot & mask] >= 0 ? run + 1 : 0
      longestRun = max(longestRun, min(run, vocabulary.slots.count))
    }
    return (Double(probes) / Double(vocabulary.count), longestRun)
  }

  /// At a load of at most 1/2 with a hash the vocabulary cannot aim at, a successful lookup takes 1.5 probes on average
  /// (Knuth: (1 + 1/(1 - load)) / 2) and the longest run grows like log n: about 15 for 4k tokens.
  static let meanProbesMax = 2.0
  static let longestRunMax = 64

  /// A vocabulary crafted against the old fixed hash (FNV-1a) took quadratic time to load (mean probes 2,015, one run
  /// of 4,097 occupied slots before the keyed hash). Fixed (random-looking) keys keep the test deterministic; loads use random ones.
  @Test(arguments: [UInt32(0x9E37_79B9), 0x2545_F491, 0xDEAD_BEEF, 0x7F4A_7C15])
  func aVocabularyCraftedAgainstTheHashDoesNotCluster(hashKey: UInt32) throws {
    let vocabulary = try Vocabulary(vocabTxt: Self.fnvClusteredVocabulary(), hashKey: hashKey)
    #expect(vocabulary.count == 4_100)
    let (meanProbes, longestRun) = Self.probeStatistics(vocabulary)
    print(
      "vocabulary crafted against FNV-1a, hash key \(hashKey): \(meanProbes) probes per lookup, longest run \(longestRun)"
    )
    #expect(meanProbes <= Self.meanProbesMax)
    #expect(longestRun <= Self.longestRunMax)
    #expect(vocabulary.id("[UNK]") == 1)
  }

  /// An ordinary vocabulary must not cluster either: BERT's has a token for every single character, with and without
  /// "##" (a hash that left one-byte tokens unmixed put them in 200 adjacent slots, and lookups slowed down threefold).
  @Test(arguments: [UInt32(0x2545_F491), 0x7F4A_7C15])
  func anOrdinaryVocabularyDoesNotCluster(hashKey: UInt32) throws {
    var lines = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    for byte in UInt8(0x21)...0x7E {
      let character = String(decoding: [byte], as: UTF8.self)
      lines.append(character)
      lines.append("##" + character)
      for second in UInt8(0x61)...0x7A { lines.append(character + String(decoding: [second], as: UTF8.self)) }
    }
    let synthetic = try Vocabulary(vocabTxt: Array((lines.joined(separator: "\n") + "\n").utf8), hashKey: hashKey)
    var vocabularies = [("single characters and pairs", synthetic)]
    if miniLMAvailable {
      let bytes = try [UInt8](Data(contentsOf: miniLMVocabularyURL))
      vocabularies.append(("all-MiniLM-L6-v2", try Vocabulary(vocabTxt: bytes, hashKey: hashKey)))
    }
    for (name, vocabulary) in vocabularies {
      let (meanProbes, longestRun) = Self.probeStatistics(vocabulary)
      print("\(name) vocabulary, hash key \(hashKey): \(meanProbes) probes per lookup, longest run \(longestRun)")
      #expect(meanProbes <= Self.meanProbesMax, "\(name)")
      #expect(longestRun <= Self.longestRunMax, "\(name)")
    }
  }

  /// Tokens that differ only by leading NUL bytes: a polynomial hash over the raw bytes would give them all one hash.
  @Test func leadingNulBytesDoNotCollide() throws {
    let lines = (0..<64).map { String(repeating: "\u{0}", count: $0) + "a" }
    let vocabulary = try Vocabulary(vocabTxt: Array((lines.joined(separator: "\n") + "\n").utf8), hashKey: 12_345)
    let hashes = Set(
      (0..<vocabulary.count).map { id in
        vocabulary.storage.withUnsafeBufferPointer {
          Vocabulary.hash(
            vocabulary.hashKey, prefixed: false, $0, Int(vocabulary.offsets[id]), Int(vocabulary.offsets[id + 1]))
        }
      })
    #expect(hashes.count == 64)
    #expect(vocabulary.id("\u{0}\u{0}a") == 2)
  }

  /// A vocab.txt over 2 GiB used to get Int32 offsets that wrapped negative (then an index trapped). It is refused
  /// before any byte is read: the test maps a sparse file of `maxFileBytes + 1` bytes, which costs no memory or disk.
  @Test func aVocabularyOverTheSizeLimitIsRefused() throws {
    #expect(Vocabulary.maxFileBytes == Int(Int32.max))
    let size = Vocabulary.maxFileBytes + 1
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("wasmicro-sparse-vocab-\(getpid()).txt")
      .path
    let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    try #require(descriptor >= 0)
    defer {
      close(descriptor)
      unlink(path)
    }
    try #require(ftruncate(descriptor, off_t(size)) == 0)
    let mapping = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0))
    try #require(mapping != MAP_FAILED)
    defer { munmap(mapping, size) }
    let expected = TokenizerError.tooLarge(what: "vocab.txt", bytes: size, limit: Vocabulary.maxFileBytes)
    #expect(throws: expected) {
      try Vocabulary(vocabTxt: UnsafeRawBufferPointer(start: mapping, count: size), hashKey: 1)
    }
    #expect(expected.message == "vocab.txt is 2147483648 bytes, over the limit of 2147483647")
  }

  @Test func acceptsMultibyteUTF8() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("中\n##한\n🫠\n".utf8))
    #expect(vocabulary.id("##한") == 1)
    #expect(vocabulary.id("🫠") == 2)
  }

  @Test func optionsFromConfig() {
    var config = TokenizerConfig()
    config.doLowerCase = false
    config.stripAccents = true
    config.tokenizeChineseChars = false
    config.modelMaxLength = 256
    config.unkToken = "<unk>"
    let options = TokenizerOptions(config: config)
    #expect(options.lowercase == false && options.stripAccents == true && options.tokenizeChineseChars == false)
    #expect(options.maxLength == 256 && options.unkToken == "<unk>" && options.clsToken == "[CLS]")
    #expect(options.resolvedStripAccents)
    // Absent model_max_length keeps 512; defaults equal TokenizerOptions().
    #expect(TokenizerOptions(config: TokenizerConfig()) == TokenizerOptions())
  }

  @Test func missingSpecialToken() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("[CLS]\n[SEP]\n[PAD]\na\n".utf8))
    #expect(throws: TokenizerError.missingSpecialToken("[UNK]")) {
      try WordPieceTokenizer(vocabulary: vocabulary, options: TokenizerOptions())
    }
  }
}

// MARK: - Rules (hand-computed on the tiny vocabulary)

@Suite("Tokenizer rules")
struct TokenizerRuleTests {
  @Test func specialTokenIDs() throws {
    let tokenizer = try tinyTokenizer()
    #expect((tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID) == (0, 1, 2, 3))
    #expect(tokenizer.maskID == 4)
  }

  @Test func cleanerDeletesControlFormatPrivateUseNulAndReplacement() throws {
    let tokenizer = try tinyTokenizer()
    // NUL, U+FFFD, soft hyphen (Cf), private use (Co), NEL (Cc), ZWSP (Cf), tag character (Cf): neighbours join.
    let text = "a\u{0}b a\u{FFFD}b a\u{AD}b a\u{E000}b a\u{85}b a\u{200B}b a\u{E0001}b"
    #expect(tokenizer.pieceIDs(text) == [7, 7, 7, 7, 7, 7, 7])
    // TAB/LF/CR are whitespace, not deleted.
    #expect(tokenizer.pieceIDs("a\tb\na\rb") == [5, 6, 5, 6])
  }

  @Test func invalidUTF8BecomesReplacementAndIsDeleted() throws {
    let tokenizer = try tinyTokenizer()
    let text = String(decoding: [0x61, 0xFF, 0x62, 0x20, 0xC3, 0x28], as: UTF8.self)  // "a\u{FFFD}b \u{FFFD}("
    #expect(tokenizer.tokenize(text) == ["ab", "[UNK]"])  // "(" is punctuation but not in the tiny vocabulary
  }

  @Test func unassignedScalarsAreKept() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.pieceIDs("a\u{378}b") == [1])  // U+0378 stays inside the word -> no "##\u{378}" -> [UNK]
  }

  @Test func whitespaceIsTheWhiteSpaceProperty() throws {
    let tokenizer = try tinyTokenizer()
    for space in ["\u{2028}", "\u{1680}", "\u{A0}", "\u{3000}", "\u{202F}", "\u{2009}", "\u{85}"] {
      let expected: [Int32] = space == "\u{85}" ? [7] : [5, 6]  // NEL is White_Space but Cc: deleted first
      #expect(tokenizer.pieceIDs("a\(space)b") == expected, "U+\(String(space.unicodeScalars.first!.value, radix: 16))")
    }
    // VT and FF are White_Space too, but also Cc: the cleaner deletes them before the whitespace mapping.
    #expect(tokenizer.pieceIDs("a\u{B}b a\u{C}b") == [7, 7])
  }

  @Test func punctuationSplitsButSymbolsDoNot() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.tokenize("a^b") == ["a", "^", "b"])  // ASCII range, although Unicode calls ^ a symbol
    #expect(tokenizer.tokenize("a`b") == ["a", "`", "b"])
    #expect(tokenizer.tokenize("a€b") == ["a", "##€", "##b"])  // Sc is not punctuation
    #expect(tokenizer.tokenize("a!,b") == ["a", "!", ",", "b"])
  }

  @Test func chineseCharactersAreIsolated() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.tokenize("a中文b") == ["a", "中", "文", "b"])
    #expect(try tinyTokenizer { $0.tokenizeChineseChars = false }.tokenize("a中文b") == ["[UNK]"])
    // HF's range list starts the Extension C/D block at U+2B920, so U+2B820 stays inside the word.
    #expect(tokenizer.pieceIDs("a\u{2B820}b") == [1])
    #expect(tokenizer.pieceIDs("a\u{2B920}b") == [5, 1, 6])
  }

  @Test func accentsAndCase() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.tokenize("É é") == ["e", "e"])
    #expect(tokenizer.tokenize("İ") == ["i"])  // İ -> I + U+0307 (NFD) -> I -> i
    #expect(tokenizer.tokenize("が") == ["か"])  // dakuten U+3099 is Mn
    #expect(tokenizer.pieceIDs("\u{3099}").isEmpty)
    #expect(tokenizer.tokenize("한") == ["ᄒ", "##ᅡ", "##ᆫ"])  // Hangul syllable -> conjoining jamo
    #expect(tokenizer.tokenize("ΟΔΟΣ") == ["ο", "##δ", "##ο", "##σ"])  // per-scalar lowercase: σ, never ς
    #expect(tokenizer.tokenize("ﬁ ß") == ["ﬁ", "ß"])  // NFD is not NFKD
  }

  @Test func stripAccentsFollowsLowercaseWhenUnset() throws {
    // lowercase without accent stripping: É -> é (kept whole), İ -> i + U+0307 (lowercase runs after stripping).
    let noStrip = try tinyTokenizer { $0.stripAccents = false }
    #expect(noStrip.tokenize("É") == ["é"])
    #expect(noStrip.tokenize("İ") == ["i", "##\u{307}"])
    // lowercase = false and stripAccents unset: no stripping, no lowercasing.
    let cased = try tinyTokenizer { $0.lowercase = false }
    #expect(cased.tokenize("é É a") == ["é", "[UNK]", "a"])
    // Stripping without lowercasing.
    let stripOnly = try tinyTokenizer {
      $0.lowercase = false
      $0.stripAccents = true
    }
    #expect(stripOnly.tokenize("é") == ["e"])
  }

  @Test func cleanTextOffKeepsControls() throws {
    let tokenizer = try tinyTokenizer { $0.cleanText = false }
    #expect(tokenizer.pieceIDs("a\u{0}b") == [1])
    #expect(tokenizer.pieceIDs("a\u{2028}b") == [5, 6])  // still split by the pre-tokenizer
  }

  @Test func wordPieceGreedyLongestMatchFirst() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.tokenize("unaffable") == ["un", "##aff", "##able"])
    #expect(tokenizer.tokenize("abc") == ["ab", "##c"])  // "ab" is preferred over "a" + "##b"
    #expect(tokenizer.tokenize("abb") == ["ab", "##b"])
    #expect(tokenizer.tokenize("a abd b") == ["a", "[UNK]", "b"])  // one unmatched piece -> the whole word is [UNK]
  }

  @Test func longWordsBecomeUnknown() throws {
    let tokenizer = try tinyTokenizer()
    let hundred = String(repeating: "x", count: 100)
    #expect(tokenizer.pieceIDs(hundred) == [36] + [Int32](repeating: 37, count: 99))
    #expect(tokenizer.pieceIDs(hundred + "x") == [1])
    // The limit counts scalars after normalization: 100 × "x" + U+0301 is 200 scalars, 100 once accents are stripped.
    #expect(tokenizer.pieceIDs(String(repeating: "x\u{301}", count: 100)) == [36] + [Int32](repeating: 37, count: 99))
    #expect(tokenizer.pieceIDs(String(repeating: "x\u{301}", count: 101)) == [1])
    let shortLimit = try tinyTokenizer { $0.maxInputCharsPerWord = 3 }
    #expect(shortLimit.tokenize("xxx xxxx") == ["x", "##x", "##x", "[UNK]"])
  }

  @Test func specialTokensInTextAreMatchedRaw() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.tokenize("a[SEP]b") == ["a", "[SEP]", "b"])
    #expect(tokenizer.tokenize("hello [MASK] world") == ["hello", "[MASK]", "world"])
    // Matching is case-sensitive and happens before normalization (a ZWSP inside breaks it).
    #expect(tokenizer.tokenize("[sep]") == ["[", "[UNK]", "]"])
    #expect(tokenizer.tokenize("[SE\u{200B}P]") == ["[", "[UNK]", "]"])
    #expect(tokenizer.tokenize("[[CLS]]") == ["[", "[CLS]", "]"])
  }

  @Test func singleEncoding() throws {
    let tokenizer = try tinyTokenizer()
    let encoding = tokenizer.encode("hello world!")
    #expect(encoding.inputIDs == [2, 20, 21, 13, 3])
    #expect(encoding.tokenTypeIDs == [0, 0, 0, 0, 0])
    #expect(encoding.attentionMask == [1, 1, 1, 1, 1])
    #expect(encoding.tokens == ["[CLS]", "hello", "world", "!", "[SEP]"])
    #expect(tokenizer.encode("").inputIDs == [2, 3])
  }

  @Test func singleTruncationKeepsFirstPieces() throws {
    let tokenizer = try tinyTokenizer()
    #expect(tokenizer.encode("a b a b a", maxLength: 4).inputIDs == [2, 5, 6, 3])
    #expect(tokenizer.encode("a b a b a", maxLength: 2).inputIDs == [2, 3])
    // Below the two special tokens HF disables truncation.
    #expect(tokenizer.encode("a b", maxLength: 1).inputIDs == [2, 5, 6, 3])
    var options = TokenizerOptions()
    options.maxLength = 3
    let short = try WordPieceTokenizer(vocabulary: tinyVocabulary(), options: options)
    #expect(short.encode("a b a").inputIDs == [2, 5, 3])
  }

  @Test func pairEncoding() throws {
    let tokenizer = try tinyTokenizer()
    let encoding = tokenizer.encode("a b", "hello")
    #expect(encoding.inputIDs == [2, 5, 6, 3, 20, 3])
    #expect(encoding.tokenTypeIDs == [0, 0, 0, 0, 1, 1])
    #expect(encoding.attentionMask == [1, 1, 1, 1, 1, 1])
    // An empty second text means "no pair" in transformers.
    #expect(tokenizer.encode("a", "") == tokenizer.encode("a"))
    // A whitespace-only second text is a pair with an empty second sequence.
    #expect(tokenizer.encode("a", " ").inputIDs == [2, 5, 3, 3])
  }

  @Test func pairTruncationLongestFirst() throws {
    let tokenizer = try tinyTokenizer()
    // 5 + 2 pieces, budget 7 - 3 = 4: the shorter keeps 2, the longer gets the remaining 2.
    let encoding = tokenizer.encode("a b a b a", "b b", maxLength: 7)
    #expect(encoding.inputIDs == [2, 5, 6, 3, 6, 6, 3])
    #expect(encoding.tokenTypeIDs == [0, 0, 0, 0, 1, 1, 1])
    // Lengths (measured against HF for all lengths 1...11 and max_length 3...19 by reference probes):
    #expect(WordPieceTokenizer.longestFirstLengths(10, 3, budget: 5) == (3, 2))
    #expect(WordPieceTokenizer.longestFirstLengths(3, 10, budget: 5) == (2, 3))
    #expect(WordPieceTokenizer.longestFirstLengths(7, 7, budget: 5) == (2, 3))  // not one-at-a-time (that gives 3, 2)
    #expect(WordPieceTokenizer.longestFirstLengths(2, 2, budget: 10) == (2, 2))
    #expect(WordPieceTokenizer.longestFirstLengths(4, 4, budget: 0) == (0, 0))
    // max_length below 3 disables truncation (HF behaviour).
    #expect(tokenizer.encode("a b", "b", maxLength: 2).inputIDs == [2, 5, 6, 3, 6, 3])
  }
}

// MARK: - HF parity (all-MiniLM-L6-v2)

@Suite("Tokenizer HF parity", .enabled(if: miniLMAvailable, "needs models/all-MiniLM-L6-v2/vocab.txt (make model)"))
struct TokenizerParityTests {
  @Test func smokeFixture() throws {
    let tokenizer = try miniLMTokenizer()
    let root = try fixture("tokenizer-smoke.json")
    let cases = try #require(root["cases"] as? [[String: Any]])
    #expect(cases.count >= 80)
    var failures = 0
    for (index, testCase) in cases.enumerated() {
      let text: String
      var expected = int32s(testCase["input_ids"])
      if let repeated = testCase["repeat"] as? String, let count = testCase["count"] as? Int {
        text = String(repeating: repeated, count: count)
        expected = []
        for run in (testCase["input_ids_rle"] as? [[Int]]) ?? [] {
          expected += [Int32](repeating: Int32(run[0]), count: run[1])
        }
      } else {
        text = try #require(testCase["text"] as? String)
      }
      let maxLength = (testCase["max_length"] as? Int) ?? Int.max
      let encoding: Encoding
      if let second = testCase["text_pair"] as? String {
        encoding = tokenizer.encode(text, second, maxLength: maxLength)
        #expect(encoding.tokenTypeIDs == int32s(testCase["token_type_ids"]), "case \(index) token types")
      } else {
        encoding = tokenizer.encode(text, maxLength: maxLength)
      }
      if encoding.inputIDs != expected {
        failures += 1
        let label = "case \(index) [\(testCase["language"] ?? "")] text \(String(reflecting: String(text.prefix(200))))"
        print(mismatchReport(label, expected, encoding.inputIDs, vocabulary: tokenizer.vocabulary))
      } else if let tokens = testCase["tokens"] as? [String] {
        #expect(encoding.tokens == tokens, "case \(index) tokens")
      }
      #expect(encoding.attentionMask == [Int32](repeating: 1, count: encoding.count))
    }
    print("tokenizer smoke: \(cases.count) cases, \(failures) mismatches")
    #expect(failures == 0, "\(failures) of \(cases.count) smoke cases differ from HF")
  }

  @Test func optionsFromMiniLMConfig() throws {
    let url = miniLMVocabularyURL.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
    let config = try TokenizerConfig.parse([UInt8](Data(contentsOf: url)))
    var expected = TokenizerOptions()
    expected.maxLength = 512
    #expect(TokenizerOptions(config: config) == expected)
  }

  @Test func sweepSubset() throws {
    let tokenizer = try miniLMTokenizer()
    let root = try fixture("sweep-subset.json")
    let context = try #require(root["context"] as? String)
    let cases = try #require(root["cases"] as? [[Any]])
    var failures = 0
    for entry in cases {
      let scalarValue = try #require((entry[0] as? NSNumber)?.uint32Value)
      let scalar = try #require(Unicode.Scalar(scalarValue))
      let text = context.replacingOccurrences(of: "{c}", with: String(scalar))
      let actual = tokenizer.pieceIDs(text)
      let expected = int32s(entry[1])
      if actual != expected {
        failures += 1
        if failures <= 20 {
          let label = "U+\(String(scalarValue, radix: 16, uppercase: true))"
          print(mismatchReport(label, expected, actual, vocabulary: tokenizer.vocabulary))
        }
      }
    }
    print("tokenizer sweep subset: \(cases.count) code points, \(failures) mismatches")
    #expect(failures == 0)
  }

  /// The full code-point sweep (reference/make_tokenizer_smoke.py --sweep FILE; not committed, ~20 MB).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["WASMICRO_TOKENIZER_SWEEP"] != nil))
  func fullSweep() throws {
    let path = try #require(ProcessInfo.processInfo.environment["WASMICRO_TOKENIZER_SWEEP"])
    let tokenizer = try miniLMTokenizer()
    let content = try String(contentsOfFile: path, encoding: .utf8)
    var checked = 0
    var failures = 0
    for line in content.split(separator: "\n") where !line.hasPrefix("#") {
      let fields = line.split(separator: " ").compactMap { Int($0) }
      guard let first = fields.first, let scalar = Unicode.Scalar(UInt32(first)) else { continue }
      let character = String(scalar)
      let actual = tokenizer.pieceIDs("a\(character)b \(character)")
      let expected = fields.dropFirst().map { Int32($0) }
      checked += 1
      if actual != expected {
        failures += 1
        if failures <= 50 {
          let label = "U+\(String(first, radix: 16, uppercase: true))"
          print(mismatchReport(label, expected, actual, vocabulary: tokenizer.vocabulary))
        }
      }
    }
    print("tokenizer full sweep: \(checked) code points, \(failures) mismatches")
    #expect(checked > 1_000_000)
    #expect(failures == 0)
  }

  /// Random mixed-script texts (reference/make_tokenizer_smoke.py --fuzz FILE; not committed).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["WASMICRO_TOKENIZER_FUZZ"] != nil))
  func fuzz() throws {
    let path = try #require(ProcessInfo.processInfo.environment["WASMICRO_TOKENIZER_FUZZ"])
    let vocabulary = try miniLMTokenizer().vocabulary
    let content = try String(contentsOfFile: path, encoding: .utf8)
    var checked = 0
    var failures = 0
    for line in content.split(separator: "\n") {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      let text = try #require(object?["text"] as? String)
      var options = TokenizerOptions()
      if let variant = object?["options"] as? [String: Any] {
        options.cleanText = variant["clean_text"] as? Bool ?? true
        options.tokenizeChineseChars = variant["handle_chinese_chars"] as? Bool ?? true
        options.stripAccents = variant["strip_accents"] as? Bool
        options.lowercase = variant["lowercase"] as? Bool ?? true
      }
      let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, options: options)
      let expected = int32s(object?["input_ids"])
      let actual = tokenizer.encode(text, maxLength: .max).inputIDs
      checked += 1
      if actual != expected {
        failures += 1
        if failures <= 20 {
          print(
            mismatchReport(
              "\(String(reflecting: text)) \(object?["options"] ?? "")", expected, actual, vocabulary: vocabulary))
        }
      }
    }
    print("tokenizer fuzz: \(checked) texts, \(failures) mismatches")
    #expect(checked > 0)
    #expect(failures == 0)
  }
}

// MARK: - Work grows linearly with the text

/// Texts that once took quadratic time, and their neighbours: each family is `prefix` + `unit` × n.
private let textFamilies: [(name: String, prefix: String, unit: String)] = [
  ("mixed-class marks (all Mn, stripped)", "a", "\u{301}\u{316}\u{345}\u{5B0}"),
  ("mixed-class marks kept after stripping (Mc)", "a", "\u{1D16D}\u{1D165}\u{302E}\u{1B44}"),
  ("same-class marks", "a", "\u{301}"),
  ("CJK", "", "中文字"),
  ("Hangul", "", "한국어 "),
  ("emoji ZWJ", "", "👩\u{200D}👩\u{200D}👧"),
  ("one repeated character", "", "a"),
  ("words", "", "hello world, "),
  ("accented words", "", "Grüße aus Hà Nội "),
]

/// The tokenizer's work on `text`: scalars read, canonical-ordering steps and WordPiece vocabulary lookups.
private func tokenizerWork(_ tokenizer: WordPieceTokenizer, _ text: String) -> Int {
  var ids: [Int32] = []
  var workspace = TokenizerWorkspace()
  withUTF8Bytes(of: text) { tokenizer.appendPieceIDs($0, to: &ids, workspace: &workspace) }
  return text.unicodeScalars.count + workspace.normalizer.orderingSteps + workspace.lookups
}

/// Canonical ordering as it was first written, a stable insertion sort by class inside each run of marks, then Mn
/// removal: the reference twin of `BertNormalizer.stripAccents` (quadratic, so for short texts only).
private func referenceStripAccents(_ scalars: [UInt32]) -> [UInt32] {
  var decomposed: [UInt32] = []
  for scalar in scalars { UnicodeData.appendDecomposition(scalar, to: &decomposed) }
  var infos = decomposed.map { UnicodeData.combiningInfo($0) }
  for index in decomposed.indices where infos[index] & 0xFF != 0 {
    var position = index
    while position > 0 && infos[position - 1] & 0xFF > infos[position] & 0xFF {
      decomposed.swapAt(position, position - 1)
      infos.swapAt(position, position - 1)
      position -= 1
    }
  }
  return decomposed.indices.filter { infos[$0] & UnicodeData.nonspacingMarkFlag == 0 }.map { decomposed[$0] }
}

@Suite("Tokenizer work is linear in the text")
struct TokenizerLinearWorkTests {
  /// Random texts of starters, precomposed letters and marks of many classes, Mn or kept (Mc with a class), some of
  /// which decompose into further marks (U+1D15F..U+1D164, U+0F73): the counting sort must order them as the twin does.
  @Test func canonicalOrderingMatchesItsReferenceTwin() {
    let alphabet: [UInt32] = [
      0x61, 0x20, 0xE9, 0x1EC7, 0x1E69, 0xD55C, 0x301, 0x316, 0x345, 0x5B0, 0x334, 0x9BC, 0x3099, 0x1D165, 0x1D16D,
      0x1D16E, 0x302E, 0x1B44, 0xA953, 0x1D15F, 0x1D160, 0x1D164, 0xF73, 0xF71, 0x1DCE, 0x35C, 0x34F, 0x16FF0,
    ]
    var random = SplitMix64(seed: 11)
    var workspace = NormalizerWorkspace()
    for _ in 0..<3_000 {
      var scalars: [UInt32] = []
      for _ in 0..<(1 + Int(random.next() % 24)) {
        scalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
      }
      workspace.scalars = scalars
      BertNormalizer.stripAccents(&workspace)
      let expected = referenceStripAccents(scalars)
      #expect(workspace.scalars == expected, "\(scalars.map { String($0, radix: 16) })")
    }
  }

  /// Doubling the text may at most double the work, up to this factor (the prefix and word boundaries add a constant).
  static let doublingRatioMax = 2.05

  @Test(arguments: textFamilies.indices)
  func workDoublesWithTheText(family: Int) throws {
    let (name, prefix, unit) = textFamilies[family]
    // Uncased (NFD, canonical ordering, Mn removal) and cased (none of it).
    for tokenizer in [try tinyTokenizer(), try tinyTokenizer { $0.lowercase = false }] {
      let small = tokenizerWork(tokenizer, prefix + String(repeating: unit, count: 2_000))
      let large = tokenizerWork(tokenizer, prefix + String(repeating: unit, count: 4_000))
      let ratio = Double(large) / Double(small)
      #expect(ratio <= Self.doublingRatioMax, "\(name): work \(small) -> \(large) (×\(ratio)) when the text doubles")
    }
  }
}
