// BytePairTests.swift — ByteLevel pre-tokenizer and BPE model: hand-worked cases, then parity with HF tokenizers
// (fixture from reference/make_bpe_cases.py: a byte-level BPE trained on reference/corpus/multilingual.txt, texts,
// tiny option/quirk models with HF's ids or errors, and a sweep over every scalar value).
import Foundation
import Testing

@_spi(WasmicroWasm) @testable import Wasmicro

// MARK: - Helpers

private func fixtureJSON() throws -> JSONValue {
  let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
  let data = try Data(contentsOf: directory.appendingPathComponent("bpe-cases.json"))
  return try JSONValue.parse([UInt8](data))
}

private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

private func ints(_ value: JSONValue?) -> [Int32] {
  (value?.arrayValue ?? []).map { Int32($0.intValue ?? -1) }
}

/// The pre-tokens of `text` as Strings.
private func pieces(_ preTokenizer: ByteLevelPreTokenizer, _ text: String) -> [String] {
  var out: [String] = []
  var bytes = Array(text.utf8)
  bytes.withUnsafeMutableBufferPointer { buffer in
    preTokenizer.split(UnsafeBufferPointer(buffer)) { out.append(String(decoding: $0, as: UTF8.self)) }
  }
  return out
}

/// Pre-tokenizer then model, as HF's `encode(text, add_special_tokens=False).ids` without added tokens.
private func encode(_ preTokenizer: ByteLevelPreTokenizer, _ model: BytePairModel, _ text: String) -> [Int32] {
  var ids: [Int32] = []
  let bytes = Array(text.utf8)
  bytes.withUnsafeBufferPointer { buffer in
    preTokenizer.split(buffer) { model.tokenize($0, into: &ids) }
  }
  return ids
}

/// The model alone on the whole text (a tokenizer.json without pre-tokenizer).
private func tokenizeWhole(_ model: BytePairModel, _ text: String) -> [Int32] {
  var ids: [Int32] = []
  Array(text.utf8).withUnsafeBufferPointer { model.tokenize($0, into: &ids) }
  return ids
}

private func modelError(_ json: JSONValue) -> ConfigError? {
  do throws(ConfigError) {
    _ = try BytePairModel(json: json, field: "model", hashKey: 12345)
    return nil
  } catch {
    return error
  }
}

private func tokens(_ model: BytePairModel, _ ids: [Int32]) -> String {
  ids.map { model.token($0) ?? "?" }.joined(separator: " ")
}

/// FNV-1a 64, as reference/make_bpe_cases.py hashes the sweep.
private struct FNV1a {
  var value: UInt64 = 0xCBF2_9CE4_8422_2325
  mutating func addByte(_ byte: UInt8) { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
  mutating func addID(_ id: Int32) {
    let bits = UInt32(bitPattern: id)
    for shift in stride(from: 0, to: 32, by: 8) { addByte(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
  }
  var hex: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}

// MARK: - Hand-worked cases

@Suite("ByteLevel pre-tokenizer")
struct ByteLevelTests {
  let plain = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)

  @Test func gpt2Regex() {
    #expect(pieces(plain, "hello world") == ["hello", "Ġworld"])
    #expect(pieces(plain, "I'm 'LL 's") == ["I", "'m", "Ġ'", "LL", "Ġ'", "s"])
    #expect(pieces(plain, "''s x's") == ["''", "s", "Ġx", "'s"])
    // A whitespace run gives up its last scalar to a following word; alone before a word it stands alone.
    #expect(pieces(plain, "a   b") == ["a", "ĠĠ", "Ġb"])
    #expect(pieces(plain, "a \tb") == ["a", "Ġ", "ĉ", "b"])
    #expect(pieces(plain, "a\t b") == ["a", "ĉ", "Ġb"])
    #expect(pieces(plain, "x  \n\n y") == ["x", "ĠĠĊĊ", "Ġy"])
    #expect(pieces(plain, "a  ") == ["a", "ĠĠ"])
    #expect(pieces(plain, "ab12cd!!") == ["ab", "12", "cd", "!!"])
    // NBSP is \s (but never the optional leading space); U+001C–001F and U+200B are not.
    #expect(pieces(plain, "a\u{A0}\u{A0}b") == ["a", "Âł", "Âł", "b"])
    #expect(pieces(plain, "a\u{1C}b\u{200B}c") == ["a", "Ĝ", "b", "âĢĭ", "c"])
    #expect(pieces(plain, "Ⅻ½²") == ["âħ«Â½Â²"])
    #expect(pieces(plain, "") == [])
  }

  @Test func options() {
    let prefixed = ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true)
    #expect(pieces(prefixed, "hello") == ["Ġhello"])
    #expect(pieces(prefixed, " x") == ["Ġx"])
    #expect(pieces(prefixed, "\tx") == ["Ġ", "ĉ", "x"])
    #expect(pieces(prefixed, "") == [])
    let whole = ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: false)
    #expect(pieces(whole, "a  b") == ["ĠaĠĠb"])
  }

  @Test func byteAlphabet() {
    // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the 68 others are U+0100 + their rank.
    var mapped: [UInt8] = []
    for byte in 0...255 { ByteLevelPreTokenizer.appendMappedByte(UInt8(byte), to: &mapped) }
    let scalars = Array(String(decoding: mapped, as: UTF8.self).unicodeScalars)
    #expect(scalars.count == 256)
    #expect(Set(scalars).count == 256)
    #expect(scalars[0x20] == "Ġ" && scalars[0x0A] == "Ċ" && scalars[0x7F] == "ġ" && scalars[0xA0] == "ł")
    #expect(scalars[0xAD] == "Ń" && scalars[0x21] == "!" && scalars[0xA1] == "¡" && scalars[0xFF] == "ÿ")
  }

  /// Random bytes (mostly ill-formed UTF-8) never trap, and every input byte comes out as one mapped character.
  @Test func illFormedBytes() throws {
    let model = try BytePairModel(
      json: try parse(#"{"vocab":{"Ã":0,"©":1,"Ã©":2,"a":3},"merges":["Ã ©"],"unk_token":"a"}"#), field: "model",
      hashKey: 3)
    var random = SplitMix64(seed: 12)
    for round in 0..<2000 {
      let count = Int(random.next() % 24)
      let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next() | (round % 2 == 0 ? 0x80 : 0)) }
      var characters = 0
      var ids: [Int32] = []
      bytes.withUnsafeBufferPointer { buffer in
        plain.split(buffer) { piece in
          characters += String(decoding: piece, as: UTF8.self).unicodeScalars.count
          model.tokenize(piece, into: &ids)
        }
        model.tokenize(buffer, into: &ids)  // the model alone on raw bytes
      }
      #expect(characters == count)
    }
  }

  @Test func parsesJSON() throws {
    let json = try parse(#"{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false}"#)
    let parsed = try ByteLevelPreTokenizer(json: json, field: "pre_tokenizer")
    #expect(parsed.addPrefixSpace && parsed.useRegex)
    let noRegex = try parse(#"{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}"#)
    #expect(try ByteLevelPreTokenizer(json: noRegex, field: "pre_tokenizer").useRegex == false)
    func error(_ text: String) throws -> ConfigError? {
      let json = try parse(text)
      do throws(ConfigError) {
        _ = try ByteLevelPreTokenizer(json: json, field: "pre_tokenizer")
        return nil
      } catch { return error }
    }
    // As HF: add_prefix_space and trim_offsets are required booleans.
    #expect(try error(#"{"type":"ByteLevel"}"#) == .missingField("pre_tokenizer.add_prefix_space"))
    #expect(try error(#"{"type":"ByteLevel","add_prefix_space":true}"#) == .missingField("pre_tokenizer.trim_offsets"))
    #expect(
      try error(#"{"type":"ByteLevel","add_prefix_space":null,"trim_offsets":true}"#)
        == .invalidField("pre_tokenizer.add_prefix_space", expected: "true or false"))
    #expect(
      try error(#"{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":null}"#)
        == .invalidField("pre_tokenizer.use_regex", expected: "true or false"))
    #expect(
      try error(#"{"type":"Metaspace","add_prefix_space":true,"trim_offsets":true}"#)
        == .unsupported(field: "pre_tokenizer.type", value: "Metaspace"))
  }
}

@Suite("BPE model")
struct BytePairModelTests {
  @Test func typedErrors() throws {
    let vocab = #""vocab":{"a":0,"b":1,"ab":2}"#
    func error(_ text: String) throws -> ConfigError? { modelError(try parse(text)) }
    #expect(try error(#"{"type":"BPE",\#(vocab)}"#) == .missingField("model.merges"))
    #expect(try error(#"{"type":"BPE","merges":[]}"#) == .missingField("model.vocab"))
    #expect(
      try error(#"{"type":"Unigram",\#(vocab),"merges":[]}"#) == .unsupported(field: "model.type", value: "Unigram"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":["a c"]}"#)
        == .invalidField("model.merges[0]", expected: "tokens of the vocabulary (the right one is not)"))
    #expect(
      try error(#"{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]}"#)
        == .invalidField("model.merges[0]", expected: "a merge whose result is in the vocabulary"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":["a b","a  b"]}"#)
        == .invalidField("model.merges[1]", expected: "two tokens separated by one space"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":[["a","b"],"a b"]}"#)
        == .invalidField("model.merges[1]", expected: "a [left, right] pair of strings, like the first merge"))
    #expect(
      try error(#"{"type":"BPE","vocab":{"a":0,"b":0},"merges":[]}"#)
        == .invalidField(#"model.vocab["b"]"#, expected: #"an id no other token has (0 is also "a")"#))
    #expect(
      try error(#"{"type":"BPE","vocab":{"a":0,"a":1},"merges":[]}"#)
        == .invalidField(#"model.vocab["a"]"#, expected: "a token that appears once"))
    #expect(
      try error(#"{"type":"BPE","vocab":{"a":1.0},"merges":[]}"#)
        == .invalidField(#"model.vocab["a"]"#, expected: "an integer id from 0 to 2147483647"))
    #expect(
      try error(#"{"type":"BPE","vocab":{"a":5000},"merges":[]}"#)
        == .invalidField("model.vocab", expected: "ids below 1026 (2 × its size + 1024)"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":[],"dropout":0.1}"#)
        == .unsupported(field: "model.dropout", value: "non-zero"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":[],"unk_token":"<unk>"}"#)
        == .invalidField("model.unk_token", expected: "null or a token of the vocabulary"))
    #expect(
      try error(#"{"type":"BPE",\#(vocab),"merges":[],"byte_fallback":1}"#)
        == .invalidField("model.byte_fallback", expected: "true, false or null"))
  }

  @Test func idsAndTokens() throws {
    let model = try BytePairModel(
      json: try parse(#"{"type":"BPE","vocab":{"a":0,"b":7,"ab":100},"merges":["a b"]}"#), field: "model",
      hashKey: 99)
    #expect(model.vocabularySize == 3)
    #expect(model.token(7) == "b" && model.token(100) == "ab")
    #expect(model.token(1) == nil && model.token(101) == nil && model.token(-1) == nil)
    #expect(Array("ab".utf8).withUnsafeBufferPointer { model.id($0) } == 100)
    #expect(Array("ba".utf8).withUnsafeBufferPointer { model.id($0) } == nil)
    #expect(tokenizeWhole(model, "abab") == [100, 100])
  }

  /// HF's merge order by hand: "b c" (rank 0) before "a b" (rank 1), so "abc" is a + bc, then "a bc" (rank 2).
  @Test func mergeOrder() throws {
    let model = try BytePairModel(
      json: try parse(#"{"vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5},"merges":["b c","a b"]}"#),
      field: "model", hashKey: 1)
    #expect(tokenizeWhole(model, "abc") == [0, 4])
    #expect(tokenizeWhole(model, "abab") == [3, 3])
    // Leftmost first among equal ranks: "bbb" with "b b" → "bb" + "b".
    let repeated = try BytePairModel(
      json: try parse(#"{"vocab":{"b":0,"bb":1},"merges":["b b"]}"#), field: "model", hashKey: 1)
    #expect(tokenizeWhole(repeated, "bbb") == [1, 0])
    #expect(tokenizeWhole(repeated, "bbbb") == [1, 1])
  }
}

// MARK: - HF parity

@Suite("Byte-level BPE HF parity")
struct BytePairParityTests {
  @Test func fixtureTexts() throws {
    let root = try fixtureJSON()
    let modelJSON = try #require(root["model"])
    let model = try BytePairModel(json: modelJSON, field: "model", hashKey: 0x1234_5677)
    let plain = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)
    let prefixed = ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true)
    let whole = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: false)
    let cases = try #require(root["cases"]?.arrayValue)
    #expect(cases.count >= 300)
    var failures = 0
    for (index, testCase) in cases.enumerated() {
      let text = try #require(testCase["text"]?.stringValue)
      let expectedPieces = (testCase["pieces"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
      let checks: [(String, [Int32], [Int32])] = [
        ("ids", ints(testCase["ids"]), encode(plain, model, text)),
        ("ids_prefix_space", ints(testCase["ids_prefix_space"]), encode(prefixed, model, text)),
        ("ids_no_regex", ints(testCase["ids_no_regex"]), encode(whole, model, text)),
      ]
      let actualPieces = pieces(plain, text)
      if actualPieces != expectedPieces {
        failures += 1
        print("case \(index) \(String(reflecting: text)) pieces: expected \(expectedPieces) actual \(actualPieces)")
      }
      for (name, expected, actual) in checks where expected != actual {
        failures += 1
        print("case \(index) \(String(reflecting: text)) \(name):")
        print("  expected \(expected) \(tokens(model, expected))")
        print("  actual   \(actual) \(tokens(model, actual))")
      }
    }
    print("byte-level BPE: \(cases.count) texts × 3 configurations + pre-tokens, \(failures) mismatches")
    #expect(failures == 0)
  }

  /// Older files write merges as "left right" strings: the same model with them gives the same ids.
  @Test func stringMerges() throws {
    let root = try fixtureJSON()
    guard case .object(var members) = try #require(root["model"]) else { throw ConfigError.missingField("model") }
    let index = try #require(members.firstIndex { $0.key == "merges" })
    let pairs = try #require(members[index].value.arrayValue)
    members[index].value = .array(
      pairs.map { .string(($0.arrayValue ?? []).map { $0.stringValue ?? "" }.joined(separator: " ")) })
    let stringModel = try BytePairModel(json: .object(members), field: "model", hashKey: 77)
    let pairModel = try BytePairModel(json: try #require(root["model"]), field: "model", hashKey: 78)
    let plain = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)
    for testCase in try #require(root["cases"]?.arrayValue) {
      let text = try #require(testCase["text"]?.stringValue)
      #expect(encode(plain, stringModel, text) == encode(plain, pairModel, text), "\(text)")
      #expect(encode(plain, stringModel, text) == ints(testCase["ids"]), "\(text)")
    }
  }

  /// Tiny models: options and quirks, with HF's ids or HF's error (and what we refuse although HF loads it).
  @Test func modelCases() throws {
    let root = try fixtureJSON()
    let cases = try #require(root["model_cases"]?.arrayValue)
    var refusedLikeHF = 0
    var matched = 0
    for testCase in cases {
      let name = try #require(testCase["name"]?.stringValue)
      let json = try parse(try #require(testCase["model"]?.stringValue))
      let error = modelError(json)
      if let hfError = testCase["hf_error"]?.stringValue {
        #expect(error != nil, "\(name): HF refuses (\(hfError)), we load it")
        refusedLikeHF += 1
        continue
      }
      if let reason = testCase["wasmicro_refuses"]?.stringValue {
        #expect(error != nil, "\(name): should be refused (\(reason))")
        continue
      }
      #expect(error == nil, "\(name): HF loads it, we refuse: \(String(describing: error))")
      guard error == nil else { continue }
      let model = try BytePairModel(json: json, field: "model", hashKey: 4242)
      let texts = (testCase["texts"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
      let expected = (testCase["hf_ids"]?.arrayValue ?? []).map { ints($0) }
      for (text, ids) in zip(texts, expected) {
        #expect(tokenizeWhole(model, text) == ids, "\(name): \(String(reflecting: text))")
        matched += 1
      }
    }
    print("BPE model cases: \(cases.count) models, \(matched) texts matched, \(refusedLikeHF) refused like HF")
  }

  /// Every scalar value in "a{c}b {c}": per block of 4096 code points, hashes of the ids and of the pre-tokens.
  /// WASMICRO_BPE_DUMP_BLOCK=N prints "cp ids..." for block N, to diff against
  /// `reference/make_bpe_cases.py --dump-block N`.
  @Test(.enabled(if: sweepsEnabled, sweepsSkipped)) func codePointSweep() throws {
    let root = try fixtureJSON()
    let model = try BytePairModel(json: try #require(root["model"]), field: "model", hashKey: 0x0BAD_5EED)
    let plain = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)
    let sweep = try #require(root["sweep"])
    let blockSize = try #require(sweep["block"]?.intValue)
    let blocks = try #require(sweep["blocks"]?.arrayValue)
    let dumpBlock = ProcessInfo.processInfo.environment["WASMICRO_BPE_DUMP_BLOCK"].flatMap { Int($0) }
    var failures: [Int] = []
    var scalars = 0
    var text: [UInt8] = []
    var ids: [Int32] = []
    for (block, hashes) in blocks.enumerated() {
      var idsHash = FNV1a()
      var piecesHash = FNV1a()
      let first = block * blockSize
      for value in first..<(first + blockSize) {
        guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
        scalars += 1
        let character = Array(String(scalar).utf8)
        text = Array("a".utf8) + character + Array("b ".utf8) + character
        ids.removeAll(keepingCapacity: true)
        text.withUnsafeBufferPointer { buffer in
          plain.split(buffer) { piece in
            for byte in piece { piecesHash.addByte(byte) }
            piecesHash.addByte(0xFF)
            model.tokenize(piece, into: &ids)
          }
        }
        piecesHash.addByte(0xFE)
        for id in ids { idsHash.addID(id) }
        idsHash.addID(-1)
        if block == dumpBlock { print(value, ids.map(String.init).joined(separator: " ")) }
      }
      let expected = (hashes.arrayValue ?? []).map { $0.stringValue ?? "" }
      if expected.count == 2 && !expected[0].isEmpty && [idsHash.hex, piecesHash.hex] != expected {
        failures.append(block)
      }
    }
    print("byte-level BPE sweep: \(scalars) scalars in \(blocks.count) blocks, mismatching blocks: \(failures)")
    #expect(scalars == 0x11_0000 - 0x800)
    #expect(failures.isEmpty)
  }

  /// One huge word: tokenizing 4× the characters takes about 4× the time (n log n), not 16× (quadratic).
  @Test func hugeWordIsNotQuadratic() throws {
    let root = try fixtureJSON()
    let model = try BytePairModel(json: try #require(root["model"]), field: "model", hashKey: 5)
    let plain = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)
    func fastest(_ size: Int) -> (seconds: Double, count: Int) {
      // Letters only: one pre-token of `size` bytes that merges everywhere (and Cyrillic: two-byte characters).
      let unit = Array("the quickbrownfoxпривет".utf8).filter { $0 != 0x20 }
      var text: [UInt8] = []
      while text.count < size { text += unit }
      var best = Double.infinity
      var count = 0
      for _ in 0..<3 {
        var ids: [Int32] = []
        var pieces = 0
        let start = Date()
        text.withUnsafeBufferPointer { buffer in
          plain.split(buffer) {
            pieces += 1
            model.tokenize($0, into: &ids)
          }
        }
        best = min(best, Date().timeIntervalSince(start))
        count = ids.count
        #expect(pieces == 1)
      }
      return (best, count)
    }
    let small = fastest(1 << 18)
    let large = fastest(1 << 20)
    let ratio = large.seconds / small.seconds
    print(
      "huge word: 256 KB \(small.seconds) s (\(small.count) ids), 1 MB \(large.seconds) s (\(large.count) ids),"
        + " ratio \(ratio)")
    #expect(large.count > 3 * small.count)
    // Linear would be 4, n log n a little more; quadratic 16.
    #expect(ratio < 8)
  }
}
