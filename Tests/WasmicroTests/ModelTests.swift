// Model tests: a tiny random BERT written as safetensors in memory (shapes, errors, batching), and the real
// all-MiniLM-L6-v2 against the committed HF fixture when the model is present.
import Foundation
import Testing
import WasmicroHost

@testable import Wasmicro

/// Builds safetensors bytes from named f32 tensors and optional `__metadata__` pairs (test-only writer; metadata values
/// are written as given, so they must be JSON-escaped already).
func safetensorsBytes(
  _ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [(String, String)] = []
) -> [UInt8] {
  var header = "{"
  if !metadata.isEmpty {
    header += "\"__metadata__\":{" + metadata.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
    if !tensors.isEmpty { header += "," }
  }
  var data: [UInt8] = []
  for (index, tensor) in tensors.enumerated() {
    let begin = data.count
    for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
    header +=
      (index == 0 ? "" : ",")
      + "\"\(tensor.name)\":{\"dtype\":\"F32\",\"shape\":\(tensor.shape),\"data_offsets\":[\(begin),\(data.count)]}"
  }
  header += "}"
  while (header.utf8.count + 8) % 4 != 0 { header += " " }
  var bytes: [UInt8] = []
  withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
  return bytes + Array(header.utf8) + data
}

/// A random BERT with hidden 8, 2 heads, 2 layers, intermediate 12, vocab 20, 16 positions.
struct TinyBert {
  static let hidden = 8, intermediate = 12, vocab = 20, positions = 16, layers = 2

  static func config(classifier: Bool = false) throws -> BertConfig {
    let labels = classifier ? ",\"id2label\":{\"0\":\"neg\",\"1\":\"pos\",\"2\":\"neutral\"}" : ""
    let json = """
      {"model_type":"bert","vocab_size":\(vocab),"hidden_size":\(hidden),"num_hidden_layers":\(layers),
      "num_attention_heads":2,"intermediate_size":\(intermediate),"max_position_embeddings":\(positions),
      "type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu"\(labels)}
      """
    return try BertConfig.parse(Array(json.utf8))
  }

  static func tensors(prefix: String = "", classifier: Bool = false, skip: String? = nil, reshape: String? = nil)
    -> [(name: String, shape: [Int], values: [Float])]
  {
    var generator = SplitMix64(seed: 11)
    var list: [(String, [Int])] = [
      ("embeddings.word_embeddings.weight", [vocab, hidden]),
      ("embeddings.position_embeddings.weight", [positions, hidden]),
      ("embeddings.token_type_embeddings.weight", [2, hidden]), ("embeddings.LayerNorm.weight", [hidden]),
      ("embeddings.LayerNorm.bias", [hidden]), ("pooler.dense.weight", [hidden, hidden]),
      ("pooler.dense.bias", [hidden]),
    ]
    for layer in 0..<layers {
      let base = "encoder.layer.\(layer)."
      for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
        list += [(base + name + ".weight", [hidden, hidden]), (base + name + ".bias", [hidden])]
      }
      list += [
        (base + "attention.output.LayerNorm.weight", [hidden]), (base + "attention.output.LayerNorm.bias", [hidden]),
        (base + "intermediate.dense.weight", [intermediate, hidden]),
        (base + "intermediate.dense.bias", [intermediate]),
        (base + "output.dense.weight", [hidden, intermediate]), (base + "output.dense.bias", [hidden]),
        (base + "output.LayerNorm.weight", [hidden]), (base + "output.LayerNorm.bias", [hidden]),
      ]
    }
    var result = list.filter { $0.0 != skip }.map { name, shape in
      let shape = name == reshape ? [shape[0] + 1] + shape.dropFirst() : shape
      let count = shape.reduce(1, *)
      return (name: prefix + name, shape: shape, values: (0..<count).map { _ in generator.nextFloat() * 0.5 })
    }
    if classifier {
      result.append(
        (name: "classifier.weight", shape: [3, hidden], values: (0..<3 * hidden).map { _ in generator.nextFloat() }))
      result.append((name: "classifier.bias", shape: [3], values: [0.1, -0.2, 0.3]))
    }
    return result
  }

  /// Loads a model over `bytes` and runs `body` while the bytes are alive.
  static func withModel<T>(
    _ bytes: [UInt8], classifier: Bool = false, _ body: (BertModel) throws -> T
  ) throws -> T {
    try bytes.withUnsafeBytes { raw in
      let file = try SafetensorsFile(bytes: raw)
      return try body(try BertModel(config: try config(classifier: classifier), file: file))
    }
  }
}

@Suite struct ModelTests {
  @Test func loadsBareAndPrefixedNamesAlike() throws {
    let ids: [Int32] = [2, 5, 7, 3]
    let bare = try TinyBert.withModel(safetensorsBytes(TinyBert.tensors())) {
      try $0.forward(inputIDs: ids, batchSize: 1, sequenceLength: 4)
    }
    let prefixed = try TinyBert.withModel(safetensorsBytes(TinyBert.tensors(prefix: "bert."))) {
      try $0.forward(inputIDs: ids, batchSize: 1, sequenceLength: 4)
    }
    #expect(bare == prefixed)
    #expect(bare.count == 4 * TinyBert.hidden)
    // LayerNorm output with gamma ~ U(-0.25, 0.25) is bounded; NaN or blow-up would mean a broken op.
    #expect(bare.allSatisfy { $0.isFinite && abs($0) < 10 })
  }

  @Test func missingTensorIsNamed() throws {
    let bytes = safetensorsBytes(TinyBert.tensors(skip: "encoder.layer.1.intermediate.dense.bias"))
    #expect(throws: ModelError.missingTensor("encoder.layer.1.intermediate.dense.bias")) {
      try TinyBert.withModel(bytes) { _ in () }
    }
  }

  @Test func shapeDisagreeingWithConfigIsNamed() throws {
    let bytes = safetensorsBytes(TinyBert.tensors(reshape: "encoder.layer.0.attention.self.key.weight"))
    #expect(
      throws: ModelError.shapeMismatch(
        tensor: "encoder.layer.0.attention.self.key.weight", expected: [8, 8], actual: [9, 8])
    ) { try TinyBert.withModel(bytes) { _ in () } }
  }

  @Test func invalidInputsAreTypedErrors() throws {
    try TinyBert.withModel(safetensorsBytes(TinyBert.tensors())) { model in
      #expect(throws: ModelError.self) { try model.forward(inputIDs: [1, 20], batchSize: 1, sequenceLength: 2) }
      #expect(throws: ModelError.self) { try model.forward(inputIDs: [1, -1], batchSize: 1, sequenceLength: 2) }
      #expect(throws: ModelError.self) { try model.forward(inputIDs: [1, 2, 3], batchSize: 1, sequenceLength: 2) }
      #expect(throws: ModelError.self) {
        try model.forward(inputIDs: [Int32](repeating: 1, count: 17), batchSize: 1, sequenceLength: 17)
      }
      #expect(throws: ModelError.self) {
        try model.forward(inputIDs: [1, 2], tokenTypeIDs: [0, 2], batchSize: 1, sequenceLength: 2)
      }
      let empty = try model.forward(inputIDs: [], batchSize: 0, sequenceLength: 0)
      #expect(empty.isEmpty)
    }
  }

  @Test func paddedBatchEqualsOneAtATime() throws {
    try TinyBert.withModel(safetensorsBytes(TinyBert.tensors())) { model in
      let short: [Int32] = [1, 4, 2]
      let long: [Int32] = [1, 9, 8, 7, 6, 2]
      let alone = try model.forward(inputIDs: short, batchSize: 1, sequenceLength: 3)
      let batch = try model.forward(
        inputIDs: short + [0, 0, 0] + long, attentionMask: [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1], batchSize: 2,
        sequenceLength: 6)
      let hidden = TinyBert.hidden
      for i in 0..<3 * hidden { #expect(abs(batch[i] - alone[i]) < 1e-6) }
      let longAlone = try model.forward(inputIDs: long, batchSize: 1, sequenceLength: 6)
      for i in 0..<6 * hidden { #expect(abs(batch[6 * hidden + i] - longAlone[i]) < 1e-6) }
    }
  }

  @Test func aFileGivenAsModelDirectoryIsNamedAsSuch() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("wasmicro-not-a-directory-\(getpid())")
    try Data("{}".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    do {
      _ = try ModelDirectory(path: file.path)
      Issue.record("a file loaded as a model directory")
    } catch {
      // Not "missing file: …/config.json": the message says what is wrong with the path itself.
      #expect(
        error.description
          == "\(file.path): is a file, not a model directory (config.json, model.safetensors, vocab.txt)")
    }
  }

  @Test func paddingIsNeverComputedAndBuffersAreReused() throws {
    try TinyBert.withModel(safetensorsBytes(TinyBert.tensors())) { model in
      let hidden = TinyBert.hidden
      // Real tokens are packed: the padded rows of the result stay zero, and each real row is bit-identical to the
      // same sequence run alone (same order of sums, masked keys contribute nothing).
      let batch = try model.forward(
        inputIDs: [1, 4, 2, 0, 0, 1, 9, 2, 5, 0], attentionMask: [1, 1, 1, 0, 0, 1, 1, 1, 1, 0], batchSize: 2,
        sequenceLength: 5)
      #expect(batch[3 * hidden..<5 * hidden].allSatisfy { $0 == 0 })
      #expect(batch[9 * hidden..<10 * hidden].allSatisfy { $0 == 0 })
      let first = try model.forward(inputIDs: [1, 4, 2], batchSize: 1, sequenceLength: 3)
      #expect(Array(batch[0..<3 * hidden]) == first)
      // The scratch of the larger call serves the smaller one: no new buffers.
      let large = model.workspace.reserve(
        rows: 7, longestSequence: 5, hiddenSize: hidden, intermediateSize: TinyBert.intermediate, headSize: 8)
      let small = model.workspace.reserve(
        rows: 3, longestSequence: 3, hiddenSize: hidden, intermediateSize: TinyBert.intermediate, headSize: 8)
      #expect(large === small)
    }
  }

  @Test func poolingModes() {
    // Two tokens of width 2 plus one padding row: [1, 2], [3, -4], [100, 100]
    let hidden: [Float] = [1, 2, 3, -4, 100, 100]
    let mask: [Int32] = [1, 1, 0]
    #expect(pool(hidden[...], attentionMask: mask[...], hiddenSize: 2, mode: .mean) == [2, -1])
    #expect(pool(hidden[...], attentionMask: mask[...], hiddenSize: 2, mode: .cls) == [1, 2])
    #expect(pool(hidden[...], attentionMask: mask[...], hiddenSize: 2, mode: .max) == [3, 2])
    let sqrtLength = pool(hidden[...], attentionMask: mask[...], hiddenSize: 2, mode: .meanSqrtLength)
    #expect(abs(sqrtLength[0] - 4 / Float(2).squareRoot()) < 1e-6)
    #expect(pool(hidden[...], attentionMask: [0, 0, 0][...], hiddenSize: 2, mode: .mean) == [0, 0])
  }

  @Test func classifierHeadGivesLabelsFromConfig() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nmovie\n".utf8))
    let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, options: TokenizerOptions())
    try TinyBert.withModel(safetensorsBytes(TinyBert.tensors(classifier: true)), classifier: true) { model in
      let classifier = try SequenceClassifier(tokenizer: tokenizer, model: model)
      #expect(classifier.labels == ["neg", "pos", "neutral"])
      let result = try classifier.classify("good movie")
      #expect(result.logits.count == 3)
      #expect(result.label == classifier.labels[result.labelIndex])
      #expect(abs(result.probabilities.reduce(0, +) - 1) < 1e-6)
      #expect(result.logits.allSatisfy { $0 <= result.logits[result.labelIndex] })
    }
    _ = try TinyBert.withModel(safetensorsBytes(TinyBert.tensors())) { model in
      #expect(throws: ModelError.notAClassifier) { try SequenceClassifier(tokenizer: tokenizer, model: model) }
    }
  }
}

/// A text over `WordPieceTokenizer.maxTextBytes` is a typed error wherever text comes in (issue 11: past 2^28 scalars
/// the wasm instance trapped). web/test/robustness.test.mjs checks the wasm side, and texts at the limit.
@Suite struct TextLimitTests {
  static let tooLong = String(repeating: "x", count: WordPieceTokenizer.maxTextBytes + 1)
  static let problem = "text is 16777217 bytes, over the limit of 16777216"

  @Test func theLimitIsTypedAndExplicit() throws {
    #expect(WordPieceTokenizer.maxTextBytes == 16 * 1024 * 1024)
    #expect(throws: TokenizerError.tooLarge(what: "text", bytes: 16_777_217, limit: 16_777_216)) {
      try WordPieceTokenizer.checkTextLength(WordPieceTokenizer.maxTextBytes + 1)
    }
    try WordPieceTokenizer.checkTextLength(WordPieceTokenizer.maxTextBytes)
    // UTF-8 bytes count, not characters: 2^23 + 1 "é" are 2^24 + 2 bytes.
    #expect(throws: TokenizerError.tooLarge(what: "text", bytes: 16_777_218, limit: 16_777_216)) {
      try WordPieceTokenizer.checkTextLength(String(repeating: "é", count: 1 << 23 + 1).utf8.count)
    }
  }

  @Test func embedderAndClassifierRefuseATextOverTheLimit() throws {
    let vocabulary = try Vocabulary(vocabTxt: Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nmovie\n".utf8))
    let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, options: TokenizerOptions())
    try TinyBert.withModel(safetensorsBytes(TinyBert.tensors(classifier: true)), classifier: true) { model in
      let embedder = SentenceEmbedder(
        tokenizer: tokenizer, model: model, pooling: .mean, normalize: true, maxSequenceLength: 16)
      let expected = ModelError.invalidInput(Self.problem)
      #expect(throws: expected) { try embedder.embed(Self.tooLong) }
      #expect(throws: expected) { try embedder.embedBatch(["good movie", Self.tooLong]) }
      let classifier = try SequenceClassifier(tokenizer: tokenizer, model: model)
      #expect(throws: expected) { try classifier.classify(Self.tooLong) }
      #expect(throws: expected) { try classifier.classify("good", pair: Self.tooLong) }
      #expect(expected.message == "invalid model input: text is 16777217 bytes, over the limit of 16777216")
      #expect(try embedder.embed("good movie").count == model.config.hiddenSize)
    }
  }
}

/// Tier 2: the real model against the committed HF fixture (forward-minilm), through the host loader.
@Suite struct MiniLMFixtureTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let modelPath = root.appendingPathComponent("models/all-MiniLM-L6-v2").path
  static var modelPresent: Bool { FileManager.default.fileExists(atPath: modelPath + "/model.safetensors") }

  @Test(.enabled(if: modelPresent, "all-MiniLM-L6-v2 not fetched: run `make model`"))
  func embeddingMatchesSentenceTransformers() throws {
    let directory = try ModelDirectory(path: Self.modelPath)
    #expect(directory.pooling == .mean && directory.normalize && directory.maxSequenceLength == 256)
    let fixture =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: Self.root.appendingPathComponent("fixtures/forward-minilm.json"))) as! [String: Any]
    let tensors = try MappedFile(path: Self.root.appendingPathComponent("fixtures/forward-minilm.safetensors").path)
    let side = try SafetensorsFile(bytes: tensors.bytes)
    let cases = (fixture["cases"] as! [[String: Any]]).filter { $0["batch"] is NSNull }.prefix(2)
    #expect(cases.count == 2)
    for entry in cases {
      let id = entry["id"] as! String
      let expected = Array(try side.float32(id + ".embedding", arena: FloatArena()).values)
      let ours = try directory.embedder.embed(entry["text"] as! String)
      // sentence-transformers' cosine threshold from fixtures/thresholds.json.
      #expect(cosineSimilarity(ours, expected) >= 0.99999, "\(id)")
      #expect(
        directory.tokenizer.encode(entry["text"] as! String, maxLength: 256).inputIDs
          == (entry["input_ids"] as! [Int]).map(Int32.init))
    }
  }

  @Test(.enabled(if: modelPresent, "all-MiniLM-L6-v2 not fetched: run `make model`"))
  func embedOneTextEqualsItsRowOfAPaddedBatch() throws {
    // `embed` runs a batch of one; `embedBatch` pads to the longest text, and forward packs the real tokens again.
    // Every row is computed in the same order either way, so the vectors are bit-identical.
    let embedder = try ModelDirectory(path: Self.modelPath).embedder
    let texts = [
      "A man is eating food.", "Hi", "Ünïcödé text, with punctuation; and a rather longer tail of words here.",
    ]
    let batch = try embedder.embedBatch(texts)
    #expect(batch.count == texts.count)
    for (index, text) in texts.enumerated() {
      let alone = try embedder.embed(text)
      #expect(alone.count == 384 && batch[index].count == 384)
      #expect(alone == batch[index], "\(text)")
    }
  }

  @Test(.enabled(if: modelPresent, "all-MiniLM-L6-v2 not fetched: run `make model`"))
  func embedderOutlivesItsDirectoryObject() throws {
    // The weights point into the memory-mapped file; the model must keep that mapping alive by itself.
    let embedder = try ModelDirectory(path: Self.modelPath).embedder
    let vector = try embedder.embed("A man is eating food.")
    #expect(vector.count == 384)
    #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
  }
}
