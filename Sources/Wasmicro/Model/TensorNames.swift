// The one place that knows HF tensor names: BERT's (`encoder.layer.{i}.attention.self.query.weight`, …), which
// RoBERTa and XLM-RoBERTa share, and DistilBERT's (`transformer.layer.{i}.attention.q_lin.weight`, …). Accepts bare
// base-model names and the prefixed names of task heads ("bert.", "roberta.", "distilbert."), and names each
// architecture's sequence-classification head.

/// HF tensor names for a BERT checkpoint whose encoder names start with `prefix` ("" or "bert.").
struct BertTensorNames {
  let prefix: String

  /// Picks the prefix under which the checkpoint stores its word embeddings; nil when neither form is present.
  static func detect(in file: SafetensorsFile) -> BertTensorNames? {
    // Two tries, not a loop over a [String] literal (its allocation and element copies cost wasm bytes).
    let bare = BertTensorNames(prefix: "")
    if file.info(bare.wordEmbeddings) != nil { return bare }
    let prefixed = BertTensorNames(prefix: "bert.")
    return file.info(prefixed.wordEmbeddings) != nil ? prefixed : nil
  }

  var wordEmbeddings: String { named("embeddings.word_embeddings.weight") }
  var positionEmbeddings: String { named("embeddings.position_embeddings.weight") }
  var tokenTypeEmbeddings: String { named("embeddings.token_type_embeddings.weight") }
  var embeddingsLayerNorm: String { named("embeddings.LayerNorm") }
  var poolerDense: String { named("pooler.dense") }

  func query(_ index: Int) -> String { layer(index, "attention.self.query") }
  func key(_ index: Int) -> String { layer(index, "attention.self.key") }
  func value(_ index: Int) -> String { layer(index, "attention.self.value") }
  func attentionOutput(_ index: Int) -> String { layer(index, "attention.output.dense") }
  func attentionLayerNorm(_ index: Int) -> String { layer(index, "attention.output.LayerNorm") }
  func intermediate(_ index: Int) -> String { layer(index, "intermediate.dense") }
  func output(_ index: Int) -> String { layer(index, "output.dense") }
  func outputLayerNorm(_ index: Int) -> String { layer(index, "output.LayerNorm") }

  /// `prefix` + `name` (names are built as bytes: String concatenation costs ~27 KB of wasm, see ByteText).
  private func named(_ name: StaticString) -> String { ByteText("\(prefix)\(name)").string }

  /// `{prefix}encoder.layer.{index}.{module}`.
  private func layer(_ index: Int, _ module: StaticString) -> String {
    ByteText("\(prefix)encoder.layer.\(index).\(module)").string
  }

  /// The classification head of BertForSequenceClassification (never prefixed). Computed, like the suffixes below:
  /// a stored global would be initialised lazily (swift_once) at each use in the wasm.
  static var classifier: String { "classifier" }

  // LayerNorm parameters are `weight`/`bias`; checkpoints converted from TensorFlow may say `gamma`/`beta`.
  static var layerNormScaleSuffix: StaticString { ".weight" }
  static var layerNormScaleLegacySuffix: StaticString { ".gamma" }
  static var layerNormShiftSuffix: StaticString { ".bias" }
  static var layerNormShiftLegacySuffix: StaticString { ".beta" }
}

/// HF tensor names for every encoder `EncoderConfig` describes, under the prefix the checkpoint uses: BERT's layout for
/// BERT, RoBERTa and XLM-RoBERTa (task models prefix "bert." / "roberta."), DistilBERT's own (task models prefix
/// "distilbert."). The sequence-classification head is named per architecture (`headDense`, `headOutput`).
struct EncoderTensorNames {
  let architecture: EncoderArchitecture
  let prefix: String

  /// Picks the prefix under which the checkpoint stores its word embeddings: bare, or the task models' prefix; nil
  /// when neither form is present.
  static func detect(in file: SafetensorsFile, architecture: EncoderArchitecture) -> EncoderTensorNames? {
    let bare = EncoderTensorNames(architecture: architecture, prefix: "")
    if file.info(bare.wordEmbeddings) != nil { return bare }
    let prefixed = EncoderTensorNames(architecture: architecture, prefix: taskPrefix(architecture))
    return file.info(prefixed.wordEmbeddings) != nil ? prefixed : nil
  }

  /// `base_model_prefix` of the HF task models (BertFor…, RobertaFor… and XLMRobertaFor…, DistilBertFor…).
  static func taskPrefix(_ architecture: EncoderArchitecture) -> String {
    switch architecture {
    case .bert: return "bert."
    case .roberta, .xlmRoberta: return "roberta."
    case .distilBert: return "distilbert."
    }
  }

  private var isDistilBert: Bool { architecture == .distilBert }
  /// BERT's names under this prefix (for every architecture but DistilBERT).
  private var bert: BertTensorNames { BertTensorNames(prefix: prefix) }

  // Embeddings: the same three names in both layouts; DistilBERT has no token-type table.
  var wordEmbeddings: String { bert.wordEmbeddings }
  var positionEmbeddings: String { bert.positionEmbeddings }
  var tokenTypeEmbeddings: String? { isDistilBert ? nil : bert.tokenTypeEmbeddings }
  var embeddingsLayerNorm: String { bert.embeddingsLayerNorm }
  /// BertPooler / RobertaPooler (`pooler.dense`, tanh on the first token); DistilBERT has none.
  var poolerDense: String? { isDistilBert ? nil : bert.poolerDense }

  func query(_ index: Int) -> String { isDistilBert ? distil(index, "attention.q_lin") : bert.query(index) }
  func key(_ index: Int) -> String { isDistilBert ? distil(index, "attention.k_lin") : bert.key(index) }
  func value(_ index: Int) -> String { isDistilBert ? distil(index, "attention.v_lin") : bert.value(index) }
  func attentionOutput(_ index: Int) -> String {
    isDistilBert ? distil(index, "attention.out_lin") : bert.attentionOutput(index)
  }
  func attentionLayerNorm(_ index: Int) -> String {
    isDistilBert ? distil(index, "sa_layer_norm") : bert.attentionLayerNorm(index)
  }
  func intermediate(_ index: Int) -> String { isDistilBert ? distil(index, "ffn.lin1") : bert.intermediate(index) }
  func output(_ index: Int) -> String { isDistilBert ? distil(index, "ffn.lin2") : bert.output(index) }
  func outputLayerNorm(_ index: Int) -> String {
    isDistilBert ? distil(index, "output_layer_norm") : bert.outputLayerNorm(index)
  }

  /// The first linear of the sequence-classification head, applied to the first token before the activation (never
  /// prefixed): BERT has none of its own (its head reads the pooler), RobertaClassificationHead's `classifier.dense`
  /// (tanh), DistilBertForSequenceClassification's `pre_classifier` (ReLU).
  var headDense: String? {
    switch architecture {
    case .bert: return nil
    case .roberta, .xlmRoberta: return "classifier.dense"
    case .distilBert: return "pre_classifier"
    }
  }

  /// The head's projection to the labels (never prefixed).
  var headOutput: String {
    switch architecture {
    case .bert, .distilBert: return BertTensorNames.classifier
    case .roberta, .xlmRoberta: return "classifier.out_proj"
    }
  }

  /// Every tensor the model reads as a matrix (linear weights and the word-embedding table) that `file` holds: what
  /// the converter quantizes. Pooler and head are included when present.
  func matrixNames(layers: Int, file: SafetensorsFile) -> [String] {
    var names = [wordEmbeddings]
    for index in 0..<layers {
      for base in [query(index), key(index), value(index), attentionOutput(index), intermediate(index), output(index)] {
        names.append(ByteText("\(base).weight").string)
      }
    }
    var optional = [headOutput]
    if let poolerDense { optional.append(poolerDense) }
    if let headDense { optional.append(headDense) }
    for base in optional {
      let name = ByteText("\(base).weight").string
      if file.info(name) != nil { names.append(name) }
    }
    return names
  }

  /// The matrices the q4 recipe keeps in q8: the attention value projections, the most sensitive to 4-bit error per
  /// byte (FORMAT.md has the measurements).
  func q4RecipeQ8Names(layers: Int) -> [String] {
    (0..<layers).map { ByteText("\(value($0)).weight").string }
  }

  /// `{prefix}transformer.layer.{index}.{module}`: DistilBERT's layer names.
  private func distil(_ index: Int, _ module: StaticString) -> String {
    ByteText("\(prefix)transformer.layer.\(index).\(module)").string
  }
}
