// EncoderConfig: config.json of any encoder the core runs — BERT, RoBERTa, XLM-RoBERTa, DistilBERT — selected by
// model_type and read onto the one BertConfig that the forward pass understands, plus the few facts that differ
// (where the position table starts, whether DistilBERT may compute it). Defaults follow transformers 5.23.0's
// BertConfig / RobertaConfig / XLMRobertaConfig / DistilBertConfig.
// Non-goals: decoders (is_decoder), relative position embeddings, DistilBERT options that change the math beyond
// what is listed on `parse`.
//
// Kept apart from BertConfig.parse on purpose: the default wasm module runs BERT only and links BertConfig.parse; this
// entry point (and the loaders behind it) is for a second module, so nothing here may grow the first.

/// Which HF architecture a config.json describes (its model_type).
public enum EncoderArchitecture: Equatable, Sendable {
  /// "bert" (or no model_type).
  case bert
  /// "roberta".
  case roberta
  /// "xlm-roberta": RoBERTa's architecture and tensor names.
  case xlmRoberta
  /// "distilbert".
  case distilBert
}

/// Hyper-parameters of an encoder, in the terms of the one forward pass (`BertModel`).
///
/// How each architecture maps onto `bert`:
/// - BERT: config.json as `BertConfig.parse` reads it.
/// - RoBERTa / XLM-RoBERTa: the same keys and defaults (pad_token_id defaults to 1). HF numbers the positions of a
///   sequence's tokens from pad_token_id + 1 on (`create_position_ids_from_input_ids`); our sequences are right-padded
///   or packed, so token i sits at table row pad + 1 + i. The model therefore sees the table from row `firstPosition`
///   on, and `bert.maxPositionEmbeddings` is the usable length max_position_embeddings − pad_token_id − 1 (512 for
///   XLM-R's 514 rows), which is also what truncation and `SentenceEmbedder` clamp to.
/// - DistilBERT: dim, n_layers, n_heads, hidden_dim, activation → hiddenSize, numHiddenLayers, numAttentionHeads,
///   intermediateSize, hiddenActivation; LayerNorm eps is fixed at 1e-12 in HF's modules; no token-type table, which the
///   loader stands in for with two zero rows (so pair encodings with type ids 0/1 add nothing, as DistilBERT ignores
///   them); `typeVocabSize` is 2 for that reason.
public struct EncoderConfig: Equatable, Sendable {
  public var architecture: EncoderArchitecture
  /// What the forward pass reads (see the type's comment for each architecture).
  public var bert: BertConfig
  /// config.json's max_position_embeddings: the rows of the stored position table.
  public var positionTableRows: Int
  /// The table row of each sequence's first token: 0, or pad_token_id + 1 for RoBERTa / XLM-RoBERTa.
  public var firstPosition: Int
  /// DistilBERT's sinusoidal_pos_embds: when the checkpoint has no position table, HF fills it with its sinusoidal
  /// init (a stored table always wins, even then). False for every other architecture.
  public var sinusoidalPositions: Bool

  /// A BERT config as it is: positions from row 0, the table as long as the config says.
  public init(bert: BertConfig) {
    self.init(
      architecture: .bert, bert: bert, positionTableRows: bert.maxPositionEmbeddings, firstPosition: 0,
      sinusoidalPositions: false)
  }

  public init(
    architecture: EncoderArchitecture, bert: BertConfig, positionTableRows: Int, firstPosition: Int,
    sinusoidalPositions: Bool
  ) {
    self.architecture = architecture
    self.bert = bert
    self.positionTableRows = positionTableRows
    self.firstPosition = firstPosition
    self.sinusoidalPositions = sinusoidalPositions
  }

  /// Parses `config.json` of a BERT, RoBERTa, XLM-RoBERTa or DistilBERT checkpoint, by model_type (absent: BERT).
  ///
  /// Refused with `.unsupported`: any other model_type; is_decoder true (causal attention) for the BERT family;
  /// position_embedding_type other than "absolute"; a hidden_act / activation we do not compute. Refused with
  /// `.invalidField`: sizes that are not positive, hidden size not divisible by the head count, a RoBERTa pad_token_id
  /// that is null or leaves no usable position, a pad_token_id outside the vocabulary.
  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> EncoderConfig {
    try parse(root: try parseConfigObject(bytes))
  }

  @inline(never)
  private static func parse(root: JSONValue) throws(ConfigError) -> EncoderConfig {
    let modelType = try optionalString(root, "model_type") ?? "bert"
    if JSONValue.utf8Equal(modelType, "distilbert") { return try parseDistilBert(root: root) }
    let architecture: EncoderArchitecture
    if JSONValue.utf8Equal(modelType, "bert") {
      architecture = .bert
    } else if JSONValue.utf8Equal(modelType, "roberta") {
      architecture = .roberta
    } else if JSONValue.utf8Equal(modelType, "xlm-roberta") {
      architecture = .xlmRoberta
    } else {
      throw .unsupported(field: "model_type", value: modelType)
    }
    if try optionalBool(root, "is_decoder") == true { throw .unsupported(field: "is_decoder", value: "true") }
    guard architecture != .bert else { return EncoderConfig(bert: try BertConfig.parse(root: root)) }
    // BERT's parser, which checks model_type is "bert" or absent, reads the rest: the keys and defaults are the same.
    // (A parameter for the expected model_type cost the default wasm module bytes; dropping the key costs it none.)
    guard case .object(let members) = root else { throw .invalidField("<root>", expected: "a JSON object") }
    var bert = try BertConfig.parse(root: .object(members.filter { !JSONValue.utf8Equal($0.key, "model_type") }))

    // RoBERTa: positions start after the padding row. HF passes padding_idx = pad_token_id to the embeddings; a null
    // one would fail there (input_ids.ne(None)), so it is refused rather than defaulted.
    var pad = 1
    if let value = root["pad_token_id"] {
      guard let integer = value.intValue, integer >= 0 else {
        throw .invalidField("pad_token_id", expected: "a non-negative integer (RoBERTa positions start after it)")
      }
      pad = integer
    }
    guard pad < bert.vocabSize else {
      throw .invalidField("pad_token_id", expected: ByteText("below vocab_size \(bert.vocabSize)").string)
    }
    let rows = bert.maxPositionEmbeddings
    guard rows > pad + 1 else {
      throw .invalidField(
        "max_position_embeddings", expected: ByteText("more than pad_token_id + 1 = \(pad + 1) rows").string)
    }
    bert.padTokenID = pad
    bert.maxPositionEmbeddings = rows - pad - 1
    return EncoderConfig(
      architecture: architecture, bert: bert, positionTableRows: rows, firstPosition: pad + 1,
      sinusoidalPositions: false)
  }

  /// DistilBertConfig's keys. Sizes are required as BERT's are (save_pretrained always writes them).
  private static func parseDistilBert(root: JSONValue) throws(ConfigError) -> EncoderConfig {
    let vocabSize = try requiredPositiveInt(root, "vocab_size")
    let hiddenSize = try requiredPositiveInt(root, "dim")
    let layers = try requiredPositiveInt(root, "n_layers")
    let heads = try requiredPositiveInt(root, "n_heads")
    let intermediateSize = try requiredPositiveInt(root, "hidden_dim")
    let positions = try requiredPositiveInt(root, "max_position_embeddings")
    if hiddenSize % heads != 0 {
      throw .invalidField("n_heads", expected: ByteText("a divisor of dim \(hiddenSize)").string)
    }
    var activation = HiddenActivation.gelu
    if let name = try optionalString(root, "activation") {
      activation = try HiddenActivation(named: name, field: "activation")
    }
    let sinusoidal = try optionalBool(root, "sinusoidal_pos_embds") ?? false
    var pad = 0
    if let value = try optionalInt(root, "pad_token_id") {
      guard value >= 0, value < vocabSize else {
        throw .invalidField("pad_token_id", expected: ByteText("an integer in 0..<vocab_size \(vocabSize)").string)
      }
      pad = value
    }
    var id2label: [String] = []
    if let labels = root["id2label"], !labels.isNull { id2label = try BertConfig.parseID2Label(labels) }
    let bert = BertConfig(
      vocabSize: vocabSize, hiddenSize: hiddenSize, numHiddenLayers: layers, numAttentionHeads: heads,
      intermediateSize: intermediateSize, maxPositionEmbeddings: positions, typeVocabSize: 2, layerNormEps: 1e-12,
      hiddenActivation: activation, id2label: id2label, padTokenID: pad)
    return EncoderConfig(
      architecture: .distilBert, bert: bert, positionTableRows: positions, firstPosition: 0,
      sinusoidalPositions: sinusoidal)
  }
}
