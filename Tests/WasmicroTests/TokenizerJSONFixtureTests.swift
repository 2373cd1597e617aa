// TokenizerJSONFixtureTests.swift — TextTokenizer(json:tokenizerConfig:hashKey:) against AutoTokenizer (transformers
// 5.23.0, tokenizers 0.23.3) on the repository fixtures made by reference/generate.py: the XLM-R-shaped Unigram file
// (XLMRobertaTokenizer rebuilds its pipeline), the RoBERTa-shaped byte-level BPE file, and all-MiniLM-L6-v2's WordPiece
// file — every case and pair (ids, type ids, mask), and the code-point sweeps (sha256 per block of 4096).
import Foundation
import Testing
import WasmicroHost

@testable import Wasmicro

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// A fixture name's model directory (relative to the repository root), for the three tokenizer.json fixtures.
private func modelDirectory(_ model: String) -> URL {
  switch model {
  case "json-minilm-uncased": return repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
  default: return repositoryRoot.appendingPathComponent("fixtures/models/\(model)")
  }
}

private func available(_ model: String) -> Bool {
  FileManager.default.fileExists(atPath: modelDirectory(model).appendingPathComponent("tokenizer.json").path)
}

/// The tokenizer AutoTokenizer builds for the model directory.
private func loadTokenizer(_ model: String) throws -> TextTokenizer {
  let directory = modelDirectory(model)
  let json = try Data(contentsOf: directory.appendingPathComponent("tokenizer.json"))
  let config = try? Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json"))
  return try TextTokenizer(json: [UInt8](json), tokenizerConfig: config.map { [UInt8]($0) }, hashKey: 0x1234_5677)
}

/// A fixture file read with the core's JSON parser (Foundation's drops a leading U+FEFF from strings).
private func fixture(_ name: String) throws -> JSONValue {
  try JSONValue.parse([UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/\(name).json"))))
}

private func ids(_ value: JSONValue?) -> [Int32] {
  (value?.arrayValue ?? []).map { Int32($0.intValue ?? -1) }
}

@Suite("tokenizer.json fixtures (AutoTokenizer)")
struct TokenizerJSONFixtureTests {
  static let models = ["unigram-xlmr", "bpe-roberta", "json-minilm-uncased"]

  /// Every case of fixtures/tokenizer-{model}.json and tokenizer-pairs-{model}.json: ids, type ids and mask.
  @Test(arguments: models)
  func casesMatchAutoTokenizer(model: String) throws {
    guard available(model) else { return }
    let tokenizer = try loadTokenizer(model)
    var total = 0
    var mismatches = 0
    for name in ["tokenizer-\(model)", "tokenizer-pairs-\(model)"] {
      let file = try fixture(name)
      let cases = try #require(file["cases"]?.arrayValue)
      #expect(cases.count > 50)
      for item in cases {
        total += 1
        let text = item["text"]?.stringValue ?? ""
        let maxLength = item["max_length"]?.intValue
        let encoding =
          if let pair = item["text_pair"]?.stringValue {
            tokenizer.encode(text, pair, maxLength: maxLength)
          } else {
            tokenizer.encode(text, maxLength: maxLength)
          }
        let expected = item["expected"]
        let wantIDs = ids(expected?["input_ids"])
        let wantTypes = expected?["token_type_ids"].map { ids($0) } ?? [Int32](repeating: 0, count: wantIDs.count)
        let wantMask = ids(expected?["attention_mask"])
        if encoding.inputIDs != wantIDs || encoding.tokenTypeIDs != wantTypes || encoding.attentionMask != wantMask {
          mismatches += 1
          if mismatches <= 5 {
            Issue.record(
              """
              MISMATCH \(name) \(item["id"]?.stringValue ?? "?"): \(text.debugDescription) \
              pair \(String(describing: item["text_pair"]?.stringValue)) max \(String(describing: maxLength))
                expected \(wantIDs.map { "\($0):\(tokenizer.token($0) ?? "?")" })
                actual   \(encoding.inputIDs.map { "\($0):\(tokenizer.token($0) ?? "?")" })
                types expected \(wantTypes) actual \(encoding.tokenTypeIDs)
              """)
          }
        }
      }
    }
    print("tokenizer.json fixtures \(model): \(total) cases, \(mismatches) mismatches")
    #expect(mismatches == 0, "\(mismatches) of \(total) cases differ (\(model))")
  }

  /// fixtures/tokenizer-sweep-{model}.json: every scalar value but surrogates in "a{c}b {c}", with special tokens and
  /// truncation at 512; per block of 4096 code points the sha256 of the lines `",".join(ids) + "\n"`. On a failing
  /// block, `python reference/generate.py --sweep-ids DIR 0xFIRST 0xLAST` prints HF's lines.
  @Test(.enabled(if: sweepsEnabled, sweepsSkipped), arguments: models)
  func codePointSweepMatchesAutoTokenizer(model: String) throws {
    guard available(model) else { return }
    let tokenizer = try loadTokenizer(model)
    let file = try fixture("tokenizer-sweep-\(model)")
    let template = try #require(file["sweep"]?["template"]?.stringValue)
    #expect(template == "a{c}b {c}")
    let maxLength = file["sweep"]?["max_length"]?.intValue ?? 512
    let blocks = try #require(file["blocks"]?.arrayValue)
    var failing: [String] = []
    var codePoints = 0
    for block in blocks {
      let first = try #require(block["first"]?.intValue)
      let last = try #require(block["last"]?.intValue)
      var lines: [UInt8] = []
      for codePoint in first...last {
        guard let scalar = Unicode.Scalar(UInt32(codePoint)) else { continue }
        codePoints += 1
        let character = String(Character(scalar))
        let encoding = tokenizer.encode("a\(character)b \(character)", maxLength: maxLength)
        lines.append(contentsOf: Array(encoding.inputIDs.map { String($0) }.joined(separator: ",").utf8))
        lines.append(0x0A)
      }
      if lines.withUnsafeBytes { sha256Hex($0) } != block["sha256"]?.stringValue {
        failing.append(String(format: "0x%X-0x%X", first, last))
      }
    }
    print("tokenizer.json sweep \(model): \(blocks.count) blocks, \(codePoints) code points, \(failing.count) differ")
    #expect(codePoints == 1_112_064)
    #expect(failing.isEmpty, "\(failing.count) blocks differ (\(model)): \(failing.prefix(20))")
  }

  /// The class policy: defaults, refusals, and the vocab.txt wrapper.
  @Test func classPolicy() throws {
    guard available("unigram-xlmr") else { return }
    let directory = modelDirectory("unigram-xlmr")
    let json = [UInt8](try Data(contentsOf: directory.appendingPathComponent("tokenizer.json")))
    func refusal(_ config: String) -> ConfigError? {
      do {
        _ = try TextTokenizer(json: json, tokenizerConfig: Array(config.utf8), hashKey: 7)
        return nil
      } catch {
        return error
      }
    }
    #expect(
      refusal(#"{"tokenizer_class": "LlamaTokenizerFast"}"#)
        == .unsupported(field: "tokenizer_config.json tokenizer_class", value: "LlamaTokenizerFast"))
    #expect(refusal(#"{"tokenizer_class": "RobertaTokenizer"}"#) != nil)  // a Unigram file
    #expect(refusal(#"{"tokenizer_class": 3}"#) != nil)
    // No class: the file as written (its Replace keeps a final "▁" for trailing whitespace; the class drops it).
    let asWritten = try TextTokenizer(json: json, tokenizerConfig: Array(#"{"model_max_length": 64}"#.utf8), hashKey: 7)
    let plain = try TextTokenizer(json: json, hashKey: 7)
    let rebuilt = try TextTokenizer(
      json: json, tokenizerConfig: Array(#"{"tokenizer_class": "XLMRobertaTokenizerFast"}"#.utf8), hashKey: 7)
    #expect(asWritten.defaultMaxLength == 64 && plain.defaultMaxLength == 512 && rebuilt.defaultMaxLength == 512)
    #expect(asWritten.encode("trailing space ").inputIDs == plain.encode("trailing space ").inputIDs)
    #expect(rebuilt.encode("trailing space ").inputIDs != plain.encode("trailing space ").inputIDs)
    // add_prefix_space false: no "▁" before the first word.
    let noPrefix = try TextTokenizer(
      json: json,
      tokenizerConfig: Array(#"{"tokenizer_class": "XLMRobertaTokenizer", "add_prefix_space": false}"#.utf8),
      hashKey: 7)
    #expect(noPrefix.encode("man").tokens.dropFirst().first?.hasPrefix("▁") == false)
    #expect(rebuilt.encode("man").tokens.dropFirst().first?.hasPrefix("▁") == true)
  }

  /// Every model directory of fixtures/ with a tokenizer.json loads with its tokenizer_config.json (the encoders'
  /// fixtures: tiny XLM-R, RoBERTa, DistilBERT, multilingual MiniLM).
  @Test func everyFixtureModelDirectoryLoads() throws {
    let models = repositoryRoot.appendingPathComponent("fixtures/models")
    var loaded = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: models.path).sorted() {
      let directory = models.appendingPathComponent(name)
      guard let json = try? Data(contentsOf: directory.appendingPathComponent("tokenizer.json")) else { continue }
      let config = try? Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json"))
      do {
        let tokenizer = try TextTokenizer(json: [UInt8](json), tokenizerConfig: config.map { [UInt8]($0) }, hashKey: 9)
        #expect(tokenizer.encode("Hello world").count >= 3, "\(name)")
        loaded += 1
      } catch {
        Issue.record("\(name): \(error)")
      }
    }
    #expect(loaded >= 6)
  }

  /// FIPS 180-4 test vectors.
  @Test func sha256KnownAnswers() {
    #expect(
      Array("abc".utf8).withUnsafeBytes { sha256Hex($0) }
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      [UInt8]().withUnsafeBytes { sha256Hex($0) } == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8).withUnsafeBytes { sha256Hex($0) }
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  /// `TextTokenizer(wordPiece:)` gives the vocab.txt tokenizer's results.
  @Test func wrapsWordPiece() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n".utf8))
    var options = TokenizerOptions()
    options.maxLength = 6
    let wordPiece = try WordPieceTokenizer(vocabulary: vocabulary, options: options)
    let tokenizer = TextTokenizer(wordPiece: wordPiece)
    #expect(tokenizer.defaultMaxLength == 6 && tokenizer.vocabularySize == 8 && tokenizer.padID == 0)
    #expect(tokenizer.encode("Hello worlds") == wordPiece.encode("Hello worlds"))
    #expect(tokenizer.encode("hello", "world", maxLength: nil) == wordPiece.encode("hello", "world"))
    #expect(tokenizer.encode("hello world hello world").count == 6)
    #expect(tokenizer.id("##s") == 7 && tokenizer.token(5) == "hello" && tokenizer.pieceIDs("worlds") == [6, 7])
  }
}
