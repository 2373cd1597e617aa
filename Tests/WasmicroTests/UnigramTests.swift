// UnigramTests.swift — TextTokenizer (tokenizer.json) parity with HF tokenizers 0.23.3: the Unigram fixtures of
// reference/make_unigram_cases.py (cases, pairs, truncation, code-point sweeps), WordPiece from all-MiniLM-L6-v2's
// tokenizer.json against the vocab.txt fixtures, hand-worked Unigram cases, refusals, and a linear-time check.
import Foundation
import Testing

@_spi(WasmicroWasm) @testable import Wasmicro

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
private let miniLMTokenizerURL = repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2/tokenizer.json")
private let miniLMAvailable = FileManager.default.fileExists(atPath: miniLMTokenizerURL.path)

private func fixtureData(_ name: String) throws -> Data {
  let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
  return try Data(contentsOf: directory.appendingPathComponent(name))
}

private func jsonObject(_ data: Data) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

private func int32s(_ value: Any?) -> [Int32] {
  ((value as? [Any]) ?? []).map { Int32(($0 as? NSNumber)?.intValue ?? -1) }
}

private func tokenizer(_ object: [String: Any], hashKey: UInt32 = 12345) throws -> TextTokenizer {
  let data = try JSONSerialization.data(withJSONObject: object)
  return try TextTokenizer(json: [UInt8](data), hashKey: hashKey)
}

/// The error thrown for `object`, or nil.
private func loadError(_ object: [String: Any]) -> ConfigError? {
  do {
    _ = try tokenizer(object)
    return nil
  } catch let error as ConfigError {
    return error
  } catch {
    return nil
  }
}

/// FNV-1a 64 over each text's ids then 0xFFFFFFFF, every value as 4 little-endian bytes (as the generator hashes).
private func sweepHash(_ idLists: [[Int32]]) -> String {
  var value: UInt64 = 0xCBF2_9CE4_8422_2325
  for ids in idLists {
    for item in ids.map({ UInt32(bitPattern: $0) }) + [0xFFFF_FFFF] {
      for shift in stride(from: 0, to: 32, by: 8) {
        value = (value ^ UInt64((item >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01B3
      }
    }
  }
  return String(format: "%016llx", value)
}

@Suite("Unigram / tokenizer.json")
struct UnigramTests {
  /// The cases file, read with the core's JSON parser: Foundation's drops a leading U+FEFF from strings.
  static let cases: JSONValue = (try? JSONValue.parse([UInt8](fixtureData("unigram-cases.json")))) ?? .null

  static func variant(_ name: String) throws -> JSONValue {
    let variants = try #require(cases["variants"]?.arrayValue)
    return try #require(variants.first { $0["name"]?.stringValue == name })
  }

  static func variantTokenizer(_ name: String) throws -> TextTokenizer {
    let file = name == "bytefallback" ? "unigram-bytefallback-tokenizer.json" : "unigram-tokenizer.json"
    var root = try JSONValue.parseExact([UInt8](try fixtureData(file)))
    if let overrides = try variant(name)["overrides"]?.objectValue, case .object(var members) = root {
      for override in overrides {
        members.removeAll { $0.key == override.key }
        members.append(override)
      }
      root = .object(members)
    }
    return try TextTokenizer(root: root, hashKey: 4242)
  }

  static func ids(_ value: JSONValue?) -> [Int32] {
    (value?.arrayValue ?? []).map { Int32($0.intValue ?? -1) }
  }

  // MARK: Parity

  /// The XLM-R-shaped file, its byte-fallback cut, the pipeline transformers 5's XLMRobertaTokenizer class builds, and
  /// four component variants (other normalizers, pre-tokenizers, post-processors and added-token flags, on a subset of
  /// the cases, with type ids).
  @Test(arguments: [
    "unigram", "bytefallback", "xlmr-class", "strip-replace-roberta", "first-bert", "bertnormalizer-null",
    "whitespace-template",
  ])
  func casesMatchHF(variant: String) throws {
    let tokenizer = try Self.variantTokenizer(variant)
    let inputs = try #require(Self.cases["cases"]?.arrayValue)
    let recorded = try Self.variant(variant)
    let expected = try #require(recorded["ids"]?.arrayValue)
    let expectedTypes = recorded["type_ids"]?.arrayValue
    let subset = recorded["subset"]?.arrayValue?.map { $0.intValue ?? -1 } ?? Array(0..<inputs.count)
    #expect(subset.count == expected.count && expected.count > 200)
    var mismatches = 0
    for (position, index) in subset.enumerated() {
      let input = inputs[index]
      let text = input["text"]?.stringValue ?? ""
      let maxLength = input["max_length"]?.intValue ?? Int.max
      let encoding =
        if let pair = input["pair"]?.stringValue {
          tokenizer.encode(text, pair, maxLength: maxLength)
        } else {
          tokenizer.encode(text, maxLength: maxLength)
        }
      let want = Self.ids(expected[position])
      let wantTypes = expectedTypes.map { Self.ids($0[position]) } ?? [Int32](repeating: 0, count: want.count)
      if encoding.inputIDs != want || encoding.tokenTypeIDs != wantTypes {
        mismatches += 1
        if mismatches <= 5 {
          Issue.record(
            """
            MISMATCH \(variant) case \(index): \(text.debugDescription) pair \(String(describing: input["pair"])) \
            max \(maxLength)
              expected \(want.map { "\($0):\(tokenizer.token($0) ?? "?")" })
              actual   \(encoding.inputIDs.map { "\($0):\(tokenizer.token($0) ?? "?")" })
              types expected \(wantTypes) actual \(encoding.tokenTypeIDs)
            """)
        }
      }
      #expect(encoding.attentionMask == [Int32](repeating: 1, count: encoding.count))
    }
    #expect(mismatches == 0, "\(mismatches) of \(subset.count) cases differ (\(variant))")
  }

  /// Every scalar value except surrogates in "a{c}b {c}", per block of 256 (hash of the ids). On a failing block, print
  /// HF's ids with `reference/make_unigram_cases.py --show-block 0xBLOCK [--variant NAME]` and diff with ours.
  @Test(.enabled(if: sweepsEnabled, sweepsSkipped), arguments: ["unigram", "bytefallback", "xlmr-class"])
  func codePointSweepMatchesHF(variant: String) throws {
    let tokenizer = try Self.variantTokenizer(variant)
    let hashes = (try Self.variant(variant)["sweep"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
    #expect(hashes.count == 0x110000 / 256)
    var failing: [String] = []
    for block in 0..<hashes.count where !hashes[block].isEmpty {
      var idLists: [[Int32]] = []
      for codePoint in (block * 256)..<((block + 1) * 256) {
        guard let scalar = Unicode.Scalar(UInt32(codePoint)) else { continue }
        let character = String(Character(scalar))
        idLists.append(tokenizer.pieceIDs("a\(character)b \(character)"))
      }
      if sweepHash(idLists) != hashes[block] {
        failing.append(String(format: "0x%X", block))
        if failing.count <= 3 {
          var lines: [String] = []
          for (offset, ids) in idLists.enumerated() {
            lines.append(String(format: "U+%04X ", block * 256 + offset) + ids.map(String.init).joined(separator: " "))
          }
          print("OURS block \(failing.last!):\n" + lines.joined(separator: "\n"))
        }
      }
    }
    #expect(failing.isEmpty, "\(failing.count) blocks differ (\(variant)): \(failing.prefix(20))")
  }

  /// Every score parses to the same f64 as Python's float() (the generator stores the bit patterns).
  @Test func scoresParseCorrectlyRounded() throws {
    let tokenizer = try Self.variantTokenizer("unigram")
    guard case .unigram(let model) = tokenizer.pipeline.model else {
      Issue.record("not a Unigram model")
      return
    }
    // Bit patterns above 2^63 are read as doubles by a JSON parser: compare through Python's decimal text instead.
    let bits = (Self.cases["score_bits"]?.arrayValue ?? []).map { value -> UInt64 in
      if let integer = value.intValue { return UInt64(bitPattern: Int64(integer)) }
      return 0
    }
    #expect(bits.count == model.scores.count)
    var wrong: [Int] = []
    for index in 0..<min(bits.count, model.scores.count) where model.scores[index].bitPattern != bits[index] {
      wrong.append(index)
    }
    #expect(wrong.isEmpty, "\(wrong.count) scores differ from Python's, e.g. ids \(wrong.prefix(10))")
  }

  /// Ids and strings of the model vocabulary and the added tokens (HF: 3680 pieces, <mask> last; the variant adds
  /// "<extra>" beyond the model at 3680 and "the", which keeps the model's id).
  @Test func vocabularyLookups() throws {
    let tokenizer = try Self.variantTokenizer("whitespace-template")
    #expect(tokenizer.vocabularySize == 3681)
    #expect(tokenizer.token(0) == "<s>" && tokenizer.token(3) == "<unk>" && tokenizer.token(3679) == "<mask>")
    #expect(tokenizer.token(3680) == "<extra>" && tokenizer.token(3681) == nil && tokenizer.token(-1) == nil)
    #expect(tokenizer.id("<extra>") == 3680 && tokenizer.id("<mask>") == 3679 && tokenizer.id("▁") != nil)
    #expect(tokenizer.id("the").flatMap { tokenizer.token($0) } == "the" && tokenizer.id("no such piece") == nil)
    #expect(tokenizer.padID == nil)
    #expect(try Self.variantTokenizer("unigram").vocabularySize == 3680)
  }

  // MARK: Hand-worked Unigram cases

  /// A tiny Unigram file: pieces and scores below, Metaspace always, no normalizer, no post-processor.
  static func tiny(_ vocab: [(String, Double)], byteFallback: Bool = false) throws -> TextTokenizer {
    try tokenizer([
      "added_tokens": [],
      "normalizer": NSNull(),
      "pre_tokenizer": ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": true],
      "post_processor": NSNull(),
      "model": ["type": "Unigram", "unk_id": 0, "byte_fallback": byteFallback, "vocab": vocab.map { [$0.0, $0.1] }],
    ])
  }

  @Test func viterbiPicksTheBestPathAndFusesUnknowns() throws {
    // "ab" = -1 beats "a" + "b" = -2; "abc": "ab"+"c" = -1.5 beats "a"+"bc" = -1.7.
    let model = try Self.tiny([("<unk>", 0), ("a", -1), ("b", -1), ("ab", -1), ("c", -0.5), ("bc", -0.7)])
    #expect(model.pieceIDs("ab") == [3])
    #expect(model.pieceIDs("abc") == [3, 4])
    // Unknown characters (x, y) score min - 10 each and a run of them becomes one unknown id.
    #expect(model.pieceIDs("axyb") == [1, 0, 2])
    #expect(model.pieceIDs("xyz") == [0])
  }

  @Test func tiesKeepTheEarliestStart() throws {
    // "aa" + "a" and "a" + "aa" both score -2: the path whose last piece starts earliest ("a" then "aa") wins.
    let model = try Self.tiny([("<unk>", 0), ("a", -1), ("aa", -1)])
    #expect(model.pieceIDs("aaa") == [1, 2])
  }

  @Test func byteFallbackSpellsUnknownStringsInBytes() throws {
    var vocab: [(String, Double)] = [("<unk>", 0), ("a", -1)]
    for byte in [0xC3, 0xA9] { vocab.append((String(format: "<0x%02X>", byte), -5)) }
    let model = try Self.tiny(vocab, byteFallback: true)
    #expect(model.pieceIDs("aé") == [1, 2, 3])
    // "ü" = C3 BC: one byte piece is missing, so the unknown id.
    #expect(model.pieceIDs("ü") == [0])
  }

  // MARK: WordPiece from tokenizer.json

  @Test(
    .enabled(if: miniLMAvailable, "needs models/all-MiniLM-L6-v2"),
    arguments: ["tokenizer-minilm-uncased.json", "tokenizer-pairs-minilm-uncased.json"])
  func wordPieceFromTokenizerJSONMatchesHF(fixture: String) throws {
    let tokenizer = try TextTokenizer(json: [UInt8](Data(contentsOf: miniLMTokenizerURL)), hashKey: 777)
    #expect(tokenizer.padID == 0 && tokenizer.vocabularySize == 30522 && tokenizer.id("[CLS]") == 101)
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/\(fixture)"))
    let cases = try #require(try jsonObject(data)["cases"] as? [[String: Any]])
    var mismatches = 0
    for entry in cases {
      let text = entry["text"] as? String ?? ""
      let maxLength = (entry["max_length"] as? NSNumber)?.intValue ?? 512
      let expected = try #require(entry["expected"] as? [String: Any])
      let encoding =
        if let pair = entry["text_pair"] as? String {
          tokenizer.encode(text, pair, maxLength: maxLength)
        } else {
          tokenizer.encode(text, maxLength: maxLength)
        }
      if encoding.inputIDs != int32s(expected["input_ids"])
        || encoding.tokenTypeIDs != int32s(expected["token_type_ids"])
      {
        mismatches += 1
        if mismatches <= 3 { Issue.record("MISMATCH \(text.debugDescription): \(encoding.inputIDs)") }
      }
    }
    #expect(mismatches == 0 && cases.count > 50, "\(mismatches) of \(cases.count) differ")
  }

  // MARK: Refusals

  static func base() throws -> [String: Any] {
    try jsonObject(try fixtureData("unigram-bytefallback-tokenizer.json"))
  }

  @Test func unsupportedComponentsAreRefusedByPath() throws {
    func refused(_ change: (inout [String: Any]) -> Void) throws -> String {
      var object = try Self.base()
      change(&object)
      return loadError(object)?.message ?? "accepted"
    }
    #expect(
      try refused { $0["normalizer"] = ["type": "Sequence", "normalizers": [["type": "Strip"], ["type": "NFKC"]]] }
        == "unsupported normalizer.normalizers[1].type \"NFKC\"")
    #expect(
      try refused { $0["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": ""] }
        == "field \"normalizer.precompiled_charsmap\" must be a charsmap blob of at least 4 bytes (the trie size)")
    #expect(
      try refused { $0["normalizer"] = ["type": "Replace", "pattern": ["Regex": "\\s+"], "content": " "] }
        == "unsupported normalizer.pattern.Regex \"\\s+\"")
    #expect(
      try refused { $0["normalizer"] = ["type": "Replace", "pattern": ["Regex": "ab{2,}"], "content": " "] }
        == "unsupported normalizer.pattern.Regex \"ab{2,}\"")
    #expect(try refused { $0["normalizer"] = ["type": "Lowercase"] } == "unsupported normalizer.type \"Lowercase\"")
    #expect(
      try refused { $0["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": false] }
        == "missing required field \"pre_tokenizer.trim_offsets\"")
    #expect(
      try refused {
        $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Whitespace"]]]
      } == "unsupported pre_tokenizer.pretokenizers[0].type \"Whitespace\"")
    #expect(
      try refused {
        $0["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true]
      } == "unsupported pre_tokenizer.prepend_scheme \"first\"")  // a normalizer is present
    #expect(
      try refused { $0["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "add_prefix_space": false] }
        == "unsupported pre_tokenizer.add_prefix_space \"false\"")
    #expect(
      try refused { $0["model"] = ["type": "BPE", "vocab": ["a": 0, "b": 2], "merges": []] }
        == "field \"model.vocab\" must be ids 0 ..< its size, without gaps")
    #expect(
      try refused { $0["model"] = ["type": "WordLevel", "vocab": [:], "unk_token": "a"] }
        == "unsupported model.type \"WordLevel\"")
    #expect(
      try refused { $0["post_processor"] = ["type": "Frobnicate"] } == "unsupported post_processor.type \"Frobnicate\"")
    #expect(
      try refused {
        var model = $0["model"] as! [String: Any]
        model["fuse_unk"] = false
        $0["model"] = model
      } == "unsupported model.fuse_unk \"present\"")
    #expect(
      try refused {
        var tokens = $0["added_tokens"] as! [[String: Any]]
        tokens[4]["single_word"] = true
        $0["added_tokens"] = tokens
      } == "unsupported added_tokens[4].single_word \"true\"")
    #expect(
      try refused {
        var tokens = $0["added_tokens"] as! [[String: Any]]
        tokens[0]["normalized"] = true
        $0["added_tokens"] = tokens
      } == "unsupported added_tokens[0].normalized \"true\"")
    #expect(try refused { $0["extra"] = 1 } == "unsupported tokenizer.json.extra \"present\"")
    // HF renumbers added tokens (the model's id of the content, else the next free id); other ids are refused.
    #expect(
      try refused {
        var tokens = $0["added_tokens"] as! [[String: Any]]
        tokens[4]["id"] = 5
        $0["added_tokens"] = tokens
      } == "field \"added_tokens[4].id\" must be 1256, the id tokenizers assigns to it")
    #expect(
      try refused {
        var tokens = $0["added_tokens"] as! [[String: Any]]
        tokens.append(["id": 1300, "content": "<new>", "special": true, "normalized": false])
        $0["added_tokens"] = tokens
      } == "field \"added_tokens[5].id\" must be 1257, the id tokenizers assigns to it")
  }

  @Test func malformedFilesAreRefused() throws {
    #expect(throws: ConfigError.self) { try TextTokenizer(json: Array("{\"model\": ".utf8), hashKey: 1) }
    if case .invalidJSON = loadErrorFromBytes(Array("[1,".utf8)) {
    } else {
      Issue.record("truncated JSON was not refused as invalid JSON")
    }
    func message(_ change: (inout [String: Any]) -> Void) throws -> String {
      var object = try Self.base()
      change(&object)
      return loadError(object)?.message ?? "accepted"
    }
    #expect(try message { $0["model"] = nil } == "missing required field \"model\"")
    #expect(
      try message {
        var model = $0["model"] as! [String: Any]
        var vocab = model["vocab"] as! [Any]
        vocab[3] = ["x"]
        model["vocab"] = vocab
        $0["model"] = model
      } == "field \"model.vocab[3]\" must be a [piece, score] pair")
    #expect(
      try message {
        var model = $0["model"] as! [String: Any]
        model["unk_id"] = 99999
        $0["model"] = model
      } == "field \"model.unk_id\" must be an index into the vocab")
    #expect(
      try message {
        var model = $0["model"] as! [String: Any]
        model["unk_id"] = NSNull()
        $0["model"] = model
      } == "missing required field \"model.unk_id\"")
    #expect(
      try message {
        var model = $0["model"] as! [String: Any]
        var vocab = model["vocab"] as! [Any]
        vocab[5] = vocab[4]
        model["vocab"] = vocab
        $0["model"] = model
      } == "field \"model.vocab[5]\" must be a piece not already at id 4")
    #expect(
      try message {
        var model = $0["model"] as! [String: Any]
        var vocab = model["vocab"] as! [Any]
        vocab[7] = [String(repeating: "a", count: 1025), -3.0]
        model["vocab"] = vocab
        $0["model"] = model
      } == "field \"model.vocab[7]\" must be a piece of at most 1024 bytes")
  }

  // MARK: Linear time

  /// One huge word: Viterbi visits each position once and follows the trie at most (longest piece) bytes, so 4× the
  /// text takes about 4× the time (fastest of three runs; quadratic work would take 16×).
  @Test func oneHugeWordIsLinear() throws {
    let tokenizer = try Self.variantTokenizer("unigram")
    func seconds(_ count: Int) -> Double {
      let text = String(repeating: "Tokenización", count: count)
      var best = Double.infinity
      for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = tokenizer.pieceIDs(text)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        #expect(!ids.isEmpty)
      }
      return best
    }
    let small = seconds(5_000)
    let large = seconds(20_000)
    #expect(large / small < 10, "4x the text took \(large / small)x the time (\(small) s, then \(large) s)")
  }
}

private func loadErrorFromBytes(_ bytes: [UInt8]) -> ConfigError? {
  do {
    _ = try TextTokenizer(json: bytes, hashKey: 1)
    return nil
  } catch {
    return error
  }
}

@Suite("Unigram scores: JSON doubles")
struct UnigramScoreParsingTests {
  /// Parses `texts` as one JSON array and returns those whose double differs from Swift's correctly rounded
  /// `Double(String)` (the same value as Python's float()).
  static func misparsed(_ texts: [String]) throws -> [String] {
    let parsed = try #require(try JSONValue.parseExact(Array("[\(texts.joined(separator: ","))]".utf8)).arrayValue)
    var wrong: [String] = []
    for (text, value) in zip(texts, parsed) where value.doubleValue?.bitPattern != Double(text)?.bitPattern {
      wrong.append(text)
    }
    return wrong
  }

  /// Scores as Python writes them (shortest round-trip repr, up to 17 digits) parse to the same double: a one-ulp error
  /// could flip a Viterbi tie. (Before ExactDouble, 26,463 of these 200,000 were one ulp off.)
  @Test func shortestReprScoresRoundTrip() throws {
    var generator = SplitMix64(seed: 12)
    var texts: [String] = []
    for _ in 0..<200_000 {
      let unit = Double(generator.next() >> 11) / Double(1 << 53)
      texts.append("\(-25 * unit)")
    }
    let wrong = try Self.misparsed(texts)
    #expect(wrong.isEmpty, "\(wrong.count) of \(texts.count) differ, e.g. \(wrong.prefix(5))")
  }

  /// Any finite double's shortest repr, long mantissas (20–60 digits) at every exponent, and the classic hard cases.
  @Test func everyRangeAndHardCasesAreCorrectlyRounded() throws {
    var generator = SplitMix64(seed: 34)
    var texts: [String] = []
    while texts.count < 100_000 {
      let value = Double(bitPattern: generator.next())
      if value.isFinite { texts.append("\(value)") }
    }
    for _ in 0..<20_000 {
      var digits = "\(generator.next() % 9 + 1)"
      for _ in 0..<(20 + Int(generator.next() % 41)) { digits += "\(generator.next() % 10)" }
      let exponent = Int(generator.next() % 700) - 380
      texts.append("\(digits.prefix(1)).\(digits.dropFirst())e\(exponent)")
    }
    texts += [
      "9007199254740993", "9007199254740993.0000000000000000000001", "2.2250738585072011e-308",
      "2.2250738585072012e-308", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
      "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e-400", "-1e-400", "1e400",
      "0.1", "0.30000000000000004", "123456789012345678901234567890", "8.98846567431158e307", "5e-324",
      "2.225073858507201136057409796709131975934819546351645648023426109724822222021076945516529523908135087914149158913039621106870086438694594645527657207407820621743379988141063267329253552286881372149012981122451451889849057222307285255133155755015914397476397983411801999323962548289017107081850690630666655994938275772572015763062690663332647565300009245888316433037779791869612049497390377829704905051080609940730262937128958950003583799967207254304360284078895771796150945516748243471030702609144621572289880258182545180325707018860872113128079512233426288368622321503775666622503982534335974568884423900265498198385487948292206894721689831099698365846814022854243330660339850886445804001034933970427567186443383770486037861622771738545623065874679014086723327636718751234567890123456789012345678901e-308",
    ]
    let wrong = try Self.misparsed(texts)
    #expect(wrong.isEmpty, "\(wrong.count) of \(texts.count) differ, e.g. \(wrong.prefix(3).map { $0.prefix(60) })")
  }

  /// Hostile numbers stay linear: long mantissas are read again only up to 800 digits, and exponents far outside the
  /// range are decided from the magnitude. 4,000 numbers of 1,000 digits near the subnormal limit parse in well under
  /// a second (the big integers stay under 4,000 bits).
  @Test func longMantissasParseInBoundedTime() throws {
    let number = "2." + String(repeating: "4703282292062327", count: 62) + "9e-324"
    let text = "[" + [String](repeating: number, count: 4_000).joined(separator: ",") + "]"
    let start = DispatchTime.now().uptimeNanoseconds
    let parsed = try #require(try JSONValue.parseExact(Array(text.utf8)).arrayValue)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    #expect(parsed.count == 4_000 && parsed[0].doubleValue?.bitPattern == Double(number)?.bitPattern)
    #expect(seconds < 20, "took \(seconds) s")
    print("4,000 numbers of \(number.count) characters: \(seconds) s")
  }
}
