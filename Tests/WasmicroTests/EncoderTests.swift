// XLM-RoBERTa, RoBERTa and DistilBERT through `EncoderConfig` and `BertModel(encoder:)`: config parsing and its typed
// refusals, tensor names, forward parity against transformers 5.23.0 on tiny random checkpoints
// (reference/make_encoder_cases.py → Fixtures/encoders/), padded, packed and one sequence at a time, the RoBERTa
// classification head, the sinusoidal table, and q8/q4/f16 bundles of the new layouts.
//
// Known divergence (not a fixture): RoBERTa gives a real token whose id equals pad_token_id (a literal "<pad>" in the
// text) the padding position and does not count it; we number every real token pad + 1 + i. See EncoderWeights.swift.
import Foundation
import Testing

@testable import Wasmicro

/// Max |ours − HF| over last_hidden_state: the project's parity threshold for hidden states (float32 summation order
/// over ≤ 37-term dot products and two LayerNorms of O(1) values is ~1e-6; 1e-4 leaves room and still catches any
/// wrong position row, which moves values by O(0.1)).
let encoderHiddenStateMaxAbs: Float = 1e-4

/// One fixture folder: config.json, model.safetensors and HF's outputs.
struct EncoderCase {
  let name: String
  let config: [UInt8]
  let weights: [UInt8]
  let inputIDs: [[Int32]]  // [batch, longest], right-padded
  let attentionMask: [[Int32]]
  let lengths: [Int]
  let lastHiddenState: [[Float]]  // per sequence: [length · hidden]
  let logits: [[Float]]?

  init(_ name: String) throws {
    self.name = name
    let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
      .appendingPathComponent("encoders").appendingPathComponent(name)
    config = [UInt8](try Data(contentsOf: directory.appendingPathComponent("config.json")))
    weights = [UInt8](try Data(contentsOf: directory.appendingPathComponent("model.safetensors")))
    let expected = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        as? [String: Any])
    func int32Rows(_ key: String) -> [[Int32]] {
      ((expected[key] as? [[NSNumber]]) ?? []).map { $0.map { Int32($0.intValue) } }
    }
    func floatRows(_ key: String) -> [[Float]]? {
      (expected[key] as? [[NSNumber]]).map { $0.map { $0.map { $0.floatValue } } }
    }
    inputIDs = int32Rows("input_ids")
    attentionMask = int32Rows("attention_mask")
    lengths = ((expected["lengths"] as? [NSNumber]) ?? []).map { $0.intValue }
    lastHiddenState = floatRows("last_hidden_state") ?? []
    logits = floatRows("logits")
  }

  /// Runs `body` with the parsed config and a model loaded from the case's weights (alive during `body`).
  func withModel<T>(_ body: (EncoderConfig, BertModel) throws -> T) throws -> T {
    let encoder = try EncoderConfig.parse(config)
    return try withFile(weights) { file in try body(encoder, try BertModel(encoder: encoder, file: file)) }
  }
}

func maxAbsDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
  guard a.count == b.count else { return .infinity }
  return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Every case whose forward the tests compare with HF.
let encoderCases = [
  "xlm-roberta", "roberta", "roberta-classifier", "distilbert", "distilbert-sinusoidal", "distilbert-sinusoidal-absent",
]

@Suite struct EncoderConfigTests {
  @Test func xlmRobertaConfigMapsPositionsAfterThePadding() throws {
    let config = try EncoderConfig.parse(try EncoderCase("xlm-roberta").config)
    #expect(config.architecture == .xlmRoberta)
    #expect(config.positionTableRows == 24 && config.firstPosition == 2 && config.bert.maxPositionEmbeddings == 22)
    #expect(config.bert.padTokenID == 1 && config.bert.typeVocabSize == 1 && config.bert.layerNormEps == 1e-5)
    #expect(config.bert.hiddenSize == 32 && config.bert.intermediateSize == 37 && !config.sinusoidalPositions)
  }

  @Test func robertaConfigKeepsItsActivationAndTokenTypes() throws {
    let config = try EncoderConfig.parse(try EncoderCase("roberta").config)
    #expect(config.architecture == .roberta)
    #expect(config.bert.hiddenActivation == .geluTanh && config.bert.typeVocabSize == 2)
    #expect(try EncoderConfig.parse(try EncoderCase("roberta-classifier").config).bert.id2label.count == 3)
  }

  @Test func distilBertConfigMapsItsOwnKeys() throws {
    let config = try EncoderConfig.parse(try EncoderCase("distilbert").config)
    #expect(config.architecture == .distilBert && !config.sinusoidalPositions)
    #expect(config.bert.hiddenSize == 32 && config.bert.numHiddenLayers == 2 && config.bert.numAttentionHeads == 4)
    #expect(config.bert.intermediateSize == 37 && config.bert.maxPositionEmbeddings == 24)
    #expect(config.firstPosition == 0 && config.positionTableRows == 24)
    // HF's DistilBERT LayerNorms use eps=1e-12 whatever the config says; token types are two zero rows.
    #expect(config.bert.layerNormEps == 1e-12 && config.bert.typeVocabSize == 2)
    #expect(try EncoderConfig.parse(try EncoderCase("distilbert-sinusoidal").config).sinusoidalPositions)
    let classifier = try EncoderConfig.parse(try EncoderCase("distilbert-classifier").config)
    // save_pretrained leaves id2label out for the default two labels.
    #expect(classifier.bert.hiddenActivation == .relu && classifier.bert.id2label.isEmpty)
  }

  @Test func bertThroughEncoderConfigIsBertConfig() throws {
    let bytes = Array(
      #"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 12}"#
        .utf8)
    let config = try EncoderConfig.parse(bytes)
    #expect(config == EncoderConfig(bert: try BertConfig.parse(bytes)))
    #expect(config.firstPosition == 0 && config.positionTableRows == 12)
  }

  /// config.json with `changes` applied to the xlm-roberta / distilbert fixture's (nil removes a key).
  static func edited(_ name: String, _ changes: [String: Any?]) throws -> [UInt8] {
    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(try EncoderCase(name).config)) as? [String: Any])
    for (key, value) in changes { object[key] = value ?? nil }
    for (key, value) in changes where value == nil { object.removeValue(forKey: key) }
    return [UInt8](try JSONSerialization.data(withJSONObject: object))
  }

  @Test func unsupportedFieldsAreTypedErrors() throws {
    #expect(throws: ConfigError.unsupported(field: "model_type", value: "gpt2")) {
      try EncoderConfig.parse(try Self.edited("xlm-roberta", ["model_type": "gpt2"]))
    }
    #expect(throws: ConfigError.unsupported(field: "is_decoder", value: "true")) {
      try EncoderConfig.parse(try Self.edited("roberta", ["is_decoder": true]))
    }
    #expect(throws: ConfigError.unsupported(field: "position_embedding_type", value: "relative_key")) {
      try EncoderConfig.parse(try Self.edited("xlm-roberta", ["position_embedding_type": "relative_key"]))
    }
    #expect(throws: ConfigError.unsupported(field: "hidden_act", value: "silu")) {
      try EncoderConfig.parse(try Self.edited("roberta", ["hidden_act": "silu"]))
    }
    #expect(throws: ConfigError.unsupported(field: "activation", value: "quick_gelu")) {
      try EncoderConfig.parse(try Self.edited("distilbert", ["activation": "quick_gelu"]))
    }
    // The default module's BERT parser still takes BERT only.
    #expect(throws: ConfigError.unsupported(field: "model_type", value: "xlm-roberta")) {
      try BertConfig.parse(try EncoderCase("xlm-roberta").config)
    }
    #expect(throws: ConfigError.unsupported(field: "model_type", value: "distilbert")) {
      try BertConfig.parse(try EncoderCase("distilbert").config)
    }
  }

  @Test func invalidFieldsAreTypedErrors() throws {
    #expect(
      throws: ConfigError.invalidField(
        "pad_token_id", expected: "a non-negative integer (RoBERTa positions start after it)")
    ) {
      try EncoderConfig.parse(try Self.edited("xlm-roberta", ["pad_token_id": NSNull()]))
    }
    #expect(
      throws: ConfigError.invalidField("max_position_embeddings", expected: "more than pad_token_id + 1 = 2 rows")
    ) {
      try EncoderConfig.parse(try Self.edited("xlm-roberta", ["max_position_embeddings": 2]))
    }
    #expect(throws: ConfigError.invalidField("pad_token_id", expected: "below vocab_size 61")) {
      try EncoderConfig.parse(try Self.edited("roberta", ["pad_token_id": 61]))
    }
    #expect(throws: ConfigError.invalidField("n_heads", expected: "a divisor of dim 32")) {
      try EncoderConfig.parse(try Self.edited("distilbert", ["n_heads": 5]))
    }
    #expect(throws: ConfigError.missingField("dim")) {
      try EncoderConfig.parse(try Self.edited("distilbert", ["dim": nil]))
    }
    #expect(throws: ConfigError.invalidField("sinusoidal_pos_embds", expected: "true or false")) {
      try EncoderConfig.parse(try Self.edited("distilbert", ["sinusoidal_pos_embds": "yes"]))
    }
    // RoBERTa's pad_token_id defaults to 1 (RobertaConfig), not BERT's 0.
    let defaulted = try EncoderConfig.parse(try Self.edited("roberta", ["pad_token_id": nil]))
    #expect(defaulted.firstPosition == 2 && defaulted.bert.padTokenID == 1)
  }
}

@Suite struct EncoderTensorNameTests {
  @Test func distilBertNames() {
    let names = EncoderTensorNames(architecture: .distilBert, prefix: "distilbert.")
    #expect(names.wordEmbeddings == "distilbert.embeddings.word_embeddings.weight")
    #expect(names.positionEmbeddings == "distilbert.embeddings.position_embeddings.weight")
    #expect(names.embeddingsLayerNorm == "distilbert.embeddings.LayerNorm")
    #expect(names.tokenTypeEmbeddings == nil && names.poolerDense == nil)
    #expect(names.query(1) == "distilbert.transformer.layer.1.attention.q_lin")
    #expect(names.key(0) == "distilbert.transformer.layer.0.attention.k_lin")
    #expect(names.value(0) == "distilbert.transformer.layer.0.attention.v_lin")
    #expect(names.attentionOutput(0) == "distilbert.transformer.layer.0.attention.out_lin")
    #expect(names.attentionLayerNorm(0) == "distilbert.transformer.layer.0.sa_layer_norm")
    #expect(names.intermediate(0) == "distilbert.transformer.layer.0.ffn.lin1")
    #expect(names.output(0) == "distilbert.transformer.layer.0.ffn.lin2")
    #expect(names.outputLayerNorm(0) == "distilbert.transformer.layer.0.output_layer_norm")
    #expect(names.headDense == "pre_classifier" && names.headOutput == "classifier")
  }

  @Test func robertaNamesAreBertsUnderItsPrefix() {
    let names = EncoderTensorNames(architecture: .xlmRoberta, prefix: "roberta.")
    #expect(names.query(0) == "roberta.encoder.layer.0.attention.self.query")
    #expect(names.outputLayerNorm(1) == "roberta.encoder.layer.1.output.LayerNorm")
    #expect(names.tokenTypeEmbeddings == "roberta.embeddings.token_type_embeddings.weight")
    #expect(names.poolerDense == "roberta.pooler.dense")
    #expect(names.headDense == "classifier.dense" && names.headOutput == "classifier.out_proj")
    let bert = EncoderTensorNames(architecture: .bert, prefix: "")
    #expect(bert.headDense == nil && bert.headOutput == "classifier")
  }

  @Test(arguments: [
    ("xlm-roberta", ""), ("roberta-classifier", "roberta."), ("distilbert", ""),
    ("distilbert-classifier", "distilbert."),
  ])
  func detectFindsThePrefix(name: String, prefix: String) throws {
    let test = try EncoderCase(name)
    let config = try EncoderConfig.parse(test.config)
    let detected = try withFile(test.weights) { EncoderTensorNames.detect(in: $0, architecture: config.architecture) }
    #expect(detected?.prefix == prefix)
  }

  /// Every 2-D tensor of each checkpoint except the position and token-type tables is a matrix the converter
  /// quantizes: the list misses none of the new layouts' linears or heads.
  @Test(arguments: encoderCases + ["distilbert-classifier"])
  func matrixNamesCoverEveryLinear(name: String) throws {
    let test = try EncoderCase(name)
    let config = try EncoderConfig.parse(test.config)
    try withFile(test.weights) { file in
      let names = try #require(EncoderTensorNames.detect(in: file, architecture: config.architecture))
      let matrices = Set(names.matrixNames(layers: config.bert.numHiddenLayers, file: file))
      let expected = Set(
        file.tensors.filter { $0.shape.count == 2 && !$0.name.contains("position_") && !$0.name.contains("token_type") }
          .map(\.name))
      #expect(matrices == expected)
    }
  }
}

@Suite struct EncoderForwardTests {
  /// The padded batch HF ran, through `forward(inputIDs:attentionMask:)`; every real row against HF's.
  @Test(arguments: encoderCases)
  func paddedBatchMatchesTransformers(name: String) throws {
    let test = try EncoderCase(name)
    try test.withModel { encoder, model in
      let longest = test.inputIDs[0].count
      let hidden = try model.forward(
        inputIDs: test.inputIDs.flatMap { $0 }, attentionMask: test.attentionMask.flatMap { $0 },
        batchSize: test.inputIDs.count, sequenceLength: longest)
      let width = encoder.bert.hiddenSize
      for (row, length) in test.lengths.enumerated() {
        let ours = hidden[row * longest * width..<(row * longest + length) * width]
        let worst = maxAbsDifference(ours, test.lastHiddenState[row])
        #expect(worst <= encoderHiddenStateMaxAbs, "\(name) sequence \(row): max abs \(worst)")
      }
    }
  }

  /// The packed path `SentenceEmbedder` uses (sequences of lengths 5, 22, 1, 9 end to end), and each sequence alone.
  @Test(arguments: encoderCases)
  func packedAndSingleSequencesMatchTransformers(name: String) throws {
    let test = try EncoderCase(name)
    try test.withModel { encoder, model in
      let width = encoder.bert.hiddenSize
      var ids: [Int32] = []
      for (row, length) in test.lengths.enumerated() { ids += test.inputIDs[row][0..<length] }
      let packed = try model.forward(packed: ids, sequenceLengths: test.lengths)
      var start = 0
      for (row, length) in test.lengths.enumerated() {
        let worst = maxAbsDifference(packed[start * width..<(start + length) * width], test.lastHiddenState[row])
        #expect(worst <= encoderHiddenStateMaxAbs, "\(name) packed sequence \(row): max abs \(worst)")
        let alone = try model.forward(
          inputIDs: Array(test.inputIDs[row][0..<length]), batchSize: 1, sequenceLength: length)
        #expect(alone == Array(packed[start * width..<(start + length) * width]), "\(name) sequence \(row) alone")
        start += length
      }
    }
  }

  @Test func robertaClassifierLogitsMatchTransformers() throws {
    let test = try EncoderCase("roberta-classifier")
    let expected = try #require(test.logits)
    try test.withModel { _, model in
      #expect(model.weights.classifier?.outFeatures == 3)
      for (row, length) in test.lengths.enumerated() {
        let ids = Array(test.inputIDs[row][0..<length])
        let hidden = try model.forward(inputIDs: ids, batchSize: 1, sequenceLength: length)
        let logits = try model.classificationLogits(lastHiddenState: hidden, batchSize: 1, sequenceLength: length)
        let worst = maxAbsDifference(logits, expected[row])
        #expect(worst <= encoderHiddenStateMaxAbs, "sequence \(row): \(logits) vs \(expected[row])")
      }
    }
  }

  @Test func robertaRefusesASequenceLongerThanItsUsablePositions() throws {
    try EncoderCase("xlm-roberta").withModel { _, model in
      let ids = [Int32](repeating: 5, count: 23)  // 24 rows − pad 1 − 1 = 22 usable
      #expect(throws: ModelError.self) { try model.forward(packed: ids, sequenceLengths: [23]) }
      _ = try model.forward(packed: Array(ids[0..<22]), sequenceLengths: [22])
    }
  }

  @Test func distilBertClassifierHeadIsRefusedByName() throws {
    let test = try EncoderCase("distilbert-classifier")
    let encoder = try EncoderConfig.parse(test.config)
    #expect(
      throws: ModelError.config(
        .unsupported(field: "pre_classifier", value: "DistilBertForSequenceClassification head (ReLU)"))
    ) {
      try withFile(test.weights) { _ = try BertModel(encoder: encoder, file: $0) }
    }
  }

  @Test func absentPositionTableWithoutSinusoidsIsAMissingTensor() throws {
    let test = try EncoderCase("distilbert-sinusoidal-absent")
    let encoder = try EncoderConfig.parse(try EncoderConfigTests.edited(test.name, ["sinusoidal_pos_embds": false]))
    #expect(throws: ModelError.missingTensor("embeddings.position_embeddings.weight")) {
      try withFile(test.weights) { _ = try BertModel(encoder: encoder, file: $0) }
    }
  }

  @Test func sineAndCosineAgreeWithTheSystemLibrary() {
    var generator = SplitMix64(seed: 7)
    var worst = 0.0
    for step in 0..<200_000 {
      let x =
        step < 100_000
        ? Double(generator.nextFloat()) * 4 : Double(generator.nextFloat()) * maximumTrigonometricArgument
      worst = max(worst, abs(sine(x) - Foundation.sin(x)), abs(cosine(x) - Foundation.cos(x)))
    }
    // Both within about an ulp of the true value (|values| ≤ 1, so an ulp is ≤ 1.1e-16).
    #expect(worst <= 4e-16, "max |ours − libm| \(worst)")
    #expect(sine(0) == 0 && cosine(0) == 1)
  }

  @Test func sinusoidalTableIsHuggingFacesInit() throws {
    // The fixture's HF run asserted its table equals the formula; here the formula's large-argument end, where
    // range reduction matters, against the system library in double precision.
    let arena = FloatArena()
    let table = try BertWeights.sinusoidalTable(rows: 512, width: 768, arena: arena)
    var worst: Float = 0
    for position in stride(from: 0, to: 512, by: 7) {
      for j in 0..<768 {
        let angle = Double(position) / Foundation.pow(10000, Double(2 * (j / 2)) / 768)
        let expected = Float(j % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
        worst = max(worst, abs(table[position * 768 + j] - expected))
      }
    }
    #expect(worst <= 1.2e-7, "max abs \(worst)")  // at most one float32 ulp of a value in [-1, 1]
    #expect(throws: ModelError.self) {
      _ = try BertWeights.sinusoidalTable(rows: BertWeights.maximumSinusoidalPositions + 1, width: 8, arena: arena)
    }
  }
}

@Suite struct EncoderBundleTests {
  /// Cosine between f32 and bundle hidden states per token, at least: f16 rounds each weight by ≤ 2⁻¹¹ relative (the
  /// output moves by ~1e-3 of its size), q8 by ≤ 1/254 of a block's largest weight, q4 by ≤ 1/14 of it.
  static func minimumCosine(_ format: WeightFormat) -> Float {
    switch format {
    case .f16: return 0.9999
    case .q8: return 0.999
    default: return 0.95
    }
  }

  @Test(
    arguments: ["xlm-roberta", "roberta-classifier", "distilbert-sinusoidal-absent"], [WeightFormat.f16, .q8, .q4])
  func bundleLoadsAndStaysCloseToF32(name: String, format: WeightFormat) throws {
    let test = try EncoderCase(name)
    let encoder = try EncoderConfig.parse(test.config)
    let bundle = try withFile(test.weights) { file in
      let writer = try BundleWriter(file: file, encoder: encoder, format: format)
      var output = writer.header
      for index in writer.entries.indices { try writer.bytes(of: index) { output += $0 } }
      return output
    }
    var ids: [Int32] = []
    for (row, length) in test.lengths.enumerated() { ids += test.inputIDs[row][0..<length] }
    let reference = try test.withModel { _, model in try model.forward(packed: ids, sequenceLengths: test.lengths) }
    let quantized = try withFile(bundle) { file in
      let model = try BertModel(encoder: encoder, file: file)
      // Every matrix is stored in the bundle's format (the q4 recipe keeps value projections in q8).
      #expect(model.weights.wordEmbeddings.format == format)
      for layer in model.weights.layers {
        for linear in [layer.query, layer.key, layer.attentionOutput, layer.intermediate, layer.output] {
          #expect(linear.weight.format == format)
        }
        #expect(layer.value.weight.format == (format == .q4 ? .q8 : format))
      }
      if let classifier = model.weights.classifier { #expect(classifier.weight.format == format) }
      return try model.forward(packed: ids, sequenceLengths: test.lengths)
    }
    let width = encoder.bert.hiddenSize
    var worst: Float = 1
    for token in 0..<ids.count {
      let a = reference[token * width..<(token + 1) * width]
      let b = quantized[token * width..<(token + 1) * width]
      let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
      let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
      worst = min(worst, dot / norms)
    }
    #expect(worst >= Self.minimumCosine(format), "\(name) \(format.name): min cosine \(worst)")
  }
}
