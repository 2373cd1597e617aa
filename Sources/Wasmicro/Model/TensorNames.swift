// The one place that knows HF BERT tensor names (`encoder.layer.{i}.attention.self.query.weight`, …).
// Accepts bare `BertModel` names and `bert.`-prefixed names from task heads such as BertForSequenceClassification.

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

  /// Every tensor the model reads as a matrix (linear weights and the word-embedding table) that `file` holds:
  /// what the converter quantizes. Pooler and classifier are included when present.
  func matrixNames(layers: Int, file: SafetensorsFile) -> [String] {
    var names = [wordEmbeddings]
    for index in 0..<layers {
      for base in [query(index), key(index), value(index), attentionOutput(index), intermediate(index), output(index)] {
        names.append(ByteText("\(base).weight").string)
      }
    }
    for base in [poolerDense, BertTensorNames.classifier] {
      let name = ByteText("\(base).weight").string
      if file.info(name) != nil { names.append(name) }
    }
    return names
  }

  /// The matrices the q4 recipe keeps in q8: the attention value projections, the most sensitive to 4-bit error
  /// per byte (FORMAT.md has the measurements).
  func q4RecipeQ8Names(layers: Int) -> [String] {
    (0..<layers).map { ByteText("\(value($0)).weight").string }
  }

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
