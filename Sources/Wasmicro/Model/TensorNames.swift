// The one place that knows HF BERT tensor names (`encoder.layer.{i}.attention.self.query.weight`, …).
// Accepts bare `BertModel` names and `bert.`-prefixed names from task heads such as BertForSequenceClassification.

/// HF tensor names for a BERT checkpoint whose encoder names start with `prefix` ("" or "bert.").
struct BertTensorNames {
  let prefix: String

  /// Picks the prefix under which the checkpoint stores its word embeddings; nil when neither form is present.
  static func detect(in file: SafetensorsFile) -> BertTensorNames? {
    for prefix in ["", "bert."] where file.info(prefix + "embeddings.word_embeddings.weight") != nil {
      return BertTensorNames(prefix: prefix)
    }
    return nil
  }

  var wordEmbeddings: String { prefix + "embeddings.word_embeddings.weight" }
  var positionEmbeddings: String { prefix + "embeddings.position_embeddings.weight" }
  var tokenTypeEmbeddings: String { prefix + "embeddings.token_type_embeddings.weight" }
  var embeddingsLayerNorm: String { prefix + "embeddings.LayerNorm" }
  var poolerDense: String { prefix + "pooler.dense" }

  func layer(_ index: Int) -> String { prefix + "encoder.layer." + decimal(index) + "." }
  func query(_ index: Int) -> String { layer(index) + "attention.self.query" }
  func key(_ index: Int) -> String { layer(index) + "attention.self.key" }
  func value(_ index: Int) -> String { layer(index) + "attention.self.value" }
  func attentionOutput(_ index: Int) -> String { layer(index) + "attention.output.dense" }
  func attentionLayerNorm(_ index: Int) -> String { layer(index) + "attention.output.LayerNorm" }
  func intermediate(_ index: Int) -> String { layer(index) + "intermediate.dense" }
  func output(_ index: Int) -> String { layer(index) + "output.dense" }
  func outputLayerNorm(_ index: Int) -> String { layer(index) + "output.LayerNorm" }

  /// The classification head of BertForSequenceClassification (never prefixed).
  static let classifier = "classifier"

  /// LayerNorm parameters are `weight`/`bias`; checkpoints converted from TensorFlow may say `gamma`/`beta`.
  static let layerNormScaleSuffixes = [".weight", ".gamma"]
  static let layerNormShiftSuffixes = [".bias", ".beta"]
}

/// Decimal digits of a non-negative Int without `String(describing:)` (unavailable in Embedded Swift).
func decimal(_ value: Int) -> String {
  if value == 0 { return "0" }
  var digits: [UInt8] = []
  var remaining = value < 0 ? -value : value
  while remaining > 0 {
    digits.append(UInt8(48 + remaining % 10))
    remaining /= 10
  }
  if value < 0 { digits.append(45) }
  return String(decoding: digits.reversed(), as: UTF8.self)
}
