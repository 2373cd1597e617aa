// Configs: typed views of the Hugging Face / sentence-transformers JSON files next to a BERT checkpoint.
// Scope: config.json (BertConfig), tokenizer_config.json, 1_Pooling/config.json, modules.json,
// sentence_bert_config.json; defaults follow transformers' BertConfig / BertTokenizer and sentence-transformers.
// Non-goals: other architectures (BertConfig.parse takes model_type "bert"; EncoderConfig.swift reads RoBERTa,
// XLM-RoBERTa and DistilBERT configs onto BertConfig), relative position embeddings, writing configs.
//
// Choices: a field set to `null` is treated as absent (its default applies); unknown keys are ignored; every value
// we cannot honour faithfully is rejected with `.unsupported` rather than silently approximated. Keys nothing reads
// are not parsed at all (`architectures` cost 2 KB of wasm for a value no caller used): the model is identified by
// model_type and by the tensors it has.

/// Why a config file was rejected. Field names are the JSON keys (`modules[1].path` for array elements).
public enum ConfigError: Error, Equatable {
  case invalidJSON(JSONError)
  case missingField(String)
  case invalidField(String, expected: String)
  case unsupported(field: String, value: String)
}

extension ConfigError {
  /// A one-line human-readable description, e.g. `unsupported hidden_act "swish"`.
  public var message: String { messageText.string }

  /// `message` as UTF-8 bytes (the wasm exports copy these into their error buffer without making a String).
  @_spi(WasmicroWasm) public var messageBytes: [UInt8] { messageText.bytes }

  /// `message` before it becomes a String: each case returns its bytes, decoded once by `message` (wasm size).
  var messageText: ByteText {
    switch self {
    case .invalidJSON(let error): return "not valid JSON: \(error.messageText)"
    case .missingField(let field): return "missing required field \"\(field)\""
    case .invalidField(let field, let expected): return "field \"\(field)\" must be \(expected)"
    case .unsupported(let field, let value): return "unsupported \(field) \"\(value)\""
    }
  }
}

/// `String(describing:)` on the host prints `message` (costs nothing in Embedded builds unless called).
extension ConfigError: CustomStringConvertible {
  public var description: String { message }
}

/// The feed-forward activation named by `hidden_act`.
public enum HiddenActivation: Equatable, Sendable {
  /// "gelu": x·Φ(x) with the exact erf.
  case gelu
  /// "gelu_new", "gelu_pytorch_tanh": the tanh approximation.
  case geluTanh
  /// "relu".
  case relu

  /// The activation DistilBERT's `activation` names (`field` names the key in the error): the same names as BERT's
  /// hidden_act. BertConfig.parse keeps its own copy of this mapping inline: calling this from it cost the default
  /// wasm module 10 bytes, which it does not have to spare.
  init(named name: String, field: String) throws(ConfigError) {
    if JSONValue.utf8Equal(name, "gelu") {
      self = .gelu
    } else if JSONValue.utf8Equal(name, "gelu_new") || JSONValue.utf8Equal(name, "gelu_pytorch_tanh") {
      self = .geluTanh
    } else if JSONValue.utf8Equal(name, "relu") {
      self = .relu
    } else {
      throw .unsupported(field: field, value: name)
    }
  }
}

/// BERT encoder hyper-parameters from `config.json`.
public struct BertConfig: Equatable, Sendable {
  public var vocabSize: Int
  public var hiddenSize: Int
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int
  public var intermediateSize: Int
  public var maxPositionEmbeddings: Int
  /// Default 2.
  public var typeVocabSize: Int
  /// Default 1e-12.
  public var layerNormEps: Float
  /// Default `.gelu`.
  public var hiddenActivation: HiddenActivation
  /// Index = class id; [] when absent.
  public var id2label: [String]
  /// Default 0.
  public var padTokenID: Int

  /// Per-head width: hiddenSize / numAttentionHeads (exact, `parse` checks divisibility).
  public var headDimension: Int { hiddenSize / numAttentionHeads }

  public init(
    vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int,
    maxPositionEmbeddings: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
    hiddenActivation: HiddenActivation = .gelu, id2label: [String] = [], padTokenID: Int = 0
  ) {
    self.vocabSize = vocabSize
    self.hiddenSize = hiddenSize
    self.numHiddenLayers = numHiddenLayers
    self.numAttentionHeads = numAttentionHeads
    self.intermediateSize = intermediateSize
    self.maxPositionEmbeddings = maxPositionEmbeddings
    self.typeVocabSize = typeVocabSize
    self.layerNormEps = layerNormEps
    self.hiddenActivation = hiddenActivation
    self.id2label = id2label
    self.padTokenID = padTokenID
  }

  /// Parses `config.json`; rejects model_type != "bert", position_embedding_type != "absolute", unknown
  /// hidden_act, non-positive sizes and hidden_size not divisible by num_attention_heads.
  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> BertConfig {
    try parse(root: try parseConfigObject(bytes))
  }

  /// The fields of a parsed config.json. The root is borrowed, and the config is assembled from plain locals at the
  /// end: a throw then has nothing to release, where each of the 17 throws used to destroy the root and a partly built
  /// config (about 600 bytes of wasm).
  /// (`EncoderConfig.parse` reads RoBERTa configs, which have BERT's keys and defaults, through it.)
  @inline(never)
  static func parse(root: JSONValue) throws(ConfigError) -> BertConfig {
    try requireValue(root, "model_type", "bert")
    try requireValue(root, "position_embedding_type", "absolute")

    let vocabSize = try requiredPositiveInt(root, "vocab_size")
    let hiddenSize = try requiredPositiveInt(root, "hidden_size")
    let numHiddenLayers = try requiredPositiveInt(root, "num_hidden_layers")
    let numAttentionHeads = try requiredPositiveInt(root, "num_attention_heads")
    let intermediateSize = try requiredPositiveInt(root, "intermediate_size")
    let maxPositionEmbeddings = try requiredPositiveInt(root, "max_position_embeddings")
    if hiddenSize % numAttentionHeads != 0 {
      throw .invalidField("num_attention_heads", expected: ByteText("a divisor of hidden_size \(hiddenSize)").string)
    }
    var typeVocabSize = 2
    if let value = try optionalInt(root, "type_vocab_size") {
      guard value > 0 else { throw .invalidField("type_vocab_size", expected: "a positive integer") }
      typeVocabSize = value
    }
    var layerNormEps: Float = 1e-12
    if let epsValue = root["layer_norm_eps"], !epsValue.isNull {
      guard let eps = epsValue.doubleValue, eps > 0, eps < 1 else {
        throw .invalidField("layer_norm_eps", expected: "a number in (0, 1)")
      }
      layerNormEps = Float(eps)
    }
    var hiddenActivation = HiddenActivation.gelu
    if let activation = try optionalString(root, "hidden_act") {
      if JSONValue.utf8Equal(activation, "gelu") {
        hiddenActivation = .gelu
      } else if JSONValue.utf8Equal(activation, "gelu_new") || JSONValue.utf8Equal(activation, "gelu_pytorch_tanh") {
        hiddenActivation = .geluTanh
      } else if JSONValue.utf8Equal(activation, "relu") {
        hiddenActivation = .relu
      } else {
        throw .unsupported(field: "hidden_act", value: activation)
      }
    }
    var id2label: [String] = []
    if let labels = root["id2label"], !labels.isNull {
      id2label = try parseID2Label(labels)
    }
    var padTokenID = 0
    if let value = try optionalInt(root, "pad_token_id") {
      guard value >= 0 else { throw .invalidField("pad_token_id", expected: "a non-negative integer") }
      padTokenID = value
    }
    return BertConfig(
      vocabSize: vocabSize, hiddenSize: hiddenSize, numHiddenLayers: numHiddenLayers,
      numAttentionHeads: numAttentionHeads, intermediateSize: intermediateSize,
      maxPositionEmbeddings: maxPositionEmbeddings, typeVocabSize: typeVocabSize, layerNormEps: layerNormEps,
      hiddenActivation: hiddenActivation, id2label: id2label, padTokenID: padTokenID)
  }

  /// {"0": "NEG", "1": "POS"} → ["NEG", "POS"]; keys must be exactly the ids 0..<count.
  static func parseID2Label(_ value: JSONValue) throws(ConfigError) -> [String] {
    guard let members = value.objectValue else { throw id2labelError }
    // positions[id] = the member whose key is `id`: n distinct ids, each < n, so every slot gets filled.
    var positions = [Int](repeating: -1, count: members.count)
    for index in members.indices {
      guard let id = parseDecimalID(members[index].key), id < members.count, positions[id] < 0 else {
        throw id2labelError
      }
      positions[id] = index
    }
    var labels: [String] = []
    for position in positions {
      guard let label = members[position].value.stringValue else { throw id2labelError }
      labels.append(label)
    }
    return labels
  }

  private static var id2labelError: ConfigError {
    .invalidField("id2label", expected: "an object mapping every id 0..<n to a label string")
  }

  /// A non-empty run of ASCII digits (at most 9, so no overflow) → its value.
  private static func parseDecimalID(_ text: String) -> Int? {
    var value = 0
    var digits = 0
    withUTF8Bytes(of: text) { bytes in
      for byte in bytes {
        guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), digits < 9 else {
          digits = 10  // not an id
          return
        }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
        digits += 1
      }
    }
    return digits > 0 && digits < 10 ? value : nil
  }
}

/// Tokenizer settings from `tokenizer_config.json` (BertTokenizer defaults when a key is absent).
///
/// The settings the file shares with the tokenizer live in `options` (one copy to hand over, no field-by-field mapping);
/// the named properties below read and write them.
public struct TokenizerConfig: Equatable, Sendable {
  /// do_lower_case, strip_accents, tokenize_chinese_chars and the special tokens; `options.maxLength` is not read from
  /// the file (see `modelMaxLength`), and cleanText / maxInputCharsPerWord keep BertTokenizer's defaults.
  public var options = TokenizerOptions()
  /// nil when absent or set to HF's "no limit" sentinel (any value above `TokenizerConfig.unlimitedThreshold`).
  public var modelMaxLength: Int? = nil

  public var doLowerCase: Bool {
    get { options.lowercase }
    set { options.lowercase = newValue }
  }
  /// nil: follow `doLowerCase` (HF's rule); true/false: force.
  public var stripAccents: Bool? {
    get { options.stripAccents }
    set { options.stripAccents = newValue }
  }
  public var tokenizeChineseChars: Bool {
    get { options.tokenizeChineseChars }
    set { options.tokenizeChineseChars = newValue }
  }
  public var unkToken: String {
    get { options.unkToken }
    set { options.unkToken = newValue }
  }
  public var clsToken: String {
    get { options.clsToken }
    set { options.clsToken = newValue }
  }
  public var sepToken: String {
    get { options.sepToken }
    set { options.sepToken = newValue }
  }
  public var padToken: String {
    get { options.padToken }
    set { options.padToken = newValue }
  }
  public var maskToken: String {
    get { options.maskToken }
    set { options.maskToken = newValue }
  }

  /// model_max_length values above this mean "unlimited" (HF writes int(1e30) = 1000000000000000019884624838656).
  public static let unlimitedThreshold = 1_000_000

  public init() {}

  /// Parses `tokenizer_config.json`; special tokens may be strings or `{"content": ...}` objects.
  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> TokenizerConfig {
    try parse(root: try parseConfigObject(bytes))
  }

  /// The fields of a parsed tokenizer_config.json; the root is borrowed and the config made after the plain fields,
  /// so fewer throws have anything to release (wasm size, as in `BertConfig.parse(root:)`).
  @inline(never)
  private static func parse(root: JSONValue) throws(ConfigError) -> TokenizerConfig {
    let lowercase = try optionalBool(root, "do_lower_case")
    let stripAccents = try optionalBool(root, "strip_accents")
    let tokenizeChineseChars = try optionalBool(root, "tokenize_chinese_chars")
    var modelMaxLength: Int? = nil
    if let value = root["model_max_length"], !value.isNull {
      guard let length = value.doubleValue, length > 0 else {
        throw .invalidField("model_max_length", expected: "a positive integer")
      }
      if length <= Double(unlimitedThreshold) {
        guard let integer = value.intValue else {
          throw .invalidField("model_max_length", expected: "a positive integer")
        }
        modelMaxLength = integer
      }
    }
    var config = TokenizerConfig()
    if let lowercase { config.options.lowercase = lowercase }
    config.options.stripAccents = stripAccents
    if let tokenizeChineseChars { config.options.tokenizeChineseChars = tokenizeChineseChars }
    config.modelMaxLength = modelMaxLength
    try readSpecialToken(root, "unk_token", into: &config.options.unkToken)
    try readSpecialToken(root, "cls_token", into: &config.options.clsToken)
    try readSpecialToken(root, "sep_token", into: &config.options.sepToken)
    try readSpecialToken(root, "pad_token", into: &config.options.padToken)
    try readSpecialToken(root, "mask_token", into: &config.options.maskToken)
    return config
  }

  /// "[UNK]" or {"content": "[UNK]", "lstrip": false, ...} into `token`; absent or null leaves the default.
  /// (Writes through `inout`: returning an optional String that each caller stores cost ~300 bytes of wasm per token.)
  @inline(never)
  private static func readSpecialToken(_ root: JSONValue, _ key: String, into token: inout String) throws(ConfigError) {
    guard let value = root[key], !value.isNull else { return }
    guard let text = value.stringValue ?? value["content"]?.stringValue else {
      throw .invalidField(key, expected: "a string or an object with a string \"content\"")
    }
    token = text
  }
}

/// How token vectors become one sentence vector. The raw values are how a mode crosses the wasm boundary
/// (`wasmicro_embedder_new`, `wasmicro_embedder_info`; web/wasmicro.js `POOLING_MODES` lists them in this order).
public enum PoolingMode: Int, Equatable, Sendable {
  /// Masked mean over tokens.
  case mean = 0
  /// The first ([CLS]) token.
  case cls = 1
  /// Masked element-wise max.
  case max = 2
  /// Masked sum divided by sqrt(token count).
  case meanSqrtLength = 3
}

/// `1_Pooling/config.json` of a sentence-transformers model.
public struct PoolingConfig: Equatable, Sendable {
  public var mode: PoolingMode
  /// `word_embedding_dimension`, when present.
  public var dimension: Int?

  public init(mode: PoolingMode, dimension: Int? = nil) {
    self.mode = mode
    self.dimension = dimension
  }

  /// Parses the boolean `pooling_mode_*` flags (exactly one must be true) or the newer `"pooling_mode": "mean"` key
  /// (which wins when both are present).
  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> PoolingConfig {
    try parse(root: try parseConfigObject(bytes))
  }

  /// The fields of a parsed pooling config; the root is borrowed, so a throw does not release it (wasm size).
  @inline(never)
  private static func parse(root: JSONValue) throws(ConfigError) -> PoolingConfig {
    var dimension: Int? = nil
    if let value = try optionalInt(root, "word_embedding_dimension") {
      guard value > 0 else { throw .invalidField("word_embedding_dimension", expected: "a positive integer") }
      dimension = value
    }
    if let name = try optionalString(root, "pooling_mode") {
      let mode: PoolingMode
      if JSONValue.utf8Equal(name, "mean") {
        mode = .mean
      } else if JSONValue.utf8Equal(name, "cls") {
        mode = .cls
      } else if JSONValue.utf8Equal(name, "max") {
        mode = .max
      } else if JSONValue.utf8Equal(name, "mean_sqrt_len_tokens") {
        mode = .meanSqrtLength
      } else {
        throw .unsupported(field: "pooling_mode", value: name)
      }
      return PoolingConfig(mode: mode, dimension: dimension)
    }
    // The flags, in the order they are checked: two modes sentence-transformers knows but we do not implement, then
    // the ones we do, in `modes` order; exactly one must be true. (StaticString keys: a [String] literal array plus
    // String joins cost about 1 KB of wasm here.)
    let flags: [StaticString] = [
      "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken", "pooling_mode_cls_token",
      "pooling_mode_mean_tokens", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
    ]
    let modes: [PoolingMode] = [.cls, .mean, .max, .meanSqrtLength]
    var selected = PoolingMode.mean
    var selectedCount = 0
    var selectedKeys = ByteText(stringLiteral: "")  // the true flags, joined with "+"
    for index in flags.indices {
      let key = ByteText("\(flags[index])").string
      guard try optionalBool(root, key) == true else { continue }
      if index < 2 { throw .unsupported(field: key, value: "true") }
      selected = modes[index - 2]
      selectedKeys = selectedCount == 0 ? "\(flags[index])" : "\(selectedKeys)+\(flags[index])"
      selectedCount += 1
    }
    if selectedCount == 1 { return PoolingConfig(mode: selected, dimension: dimension) }
    throw .unsupported(field: "pooling_mode", value: selectedCount == 0 ? "none" : selectedKeys.string)
  }
}

/// The module pipeline from sentence-transformers' `modules.json`.
public struct SentenceTransformersModules: Equatable, Sendable {
  /// Folder of the Pooling module (e.g. "1_Pooling"); nil when the pipeline has none.
  public var poolingPath: String?
  /// Whether a Normalize module (L2 normalisation) ends the pipeline.
  public var normalize: Bool
  /// Types other than Transformer / Pooling / Normalize (e.g. Dense): the host should refuse such a model, since
  /// skipping a module would silently change the embeddings. [] for plain BERT sentence encoders.
  public var otherModules: [String]

  public init(poolingPath: String?, normalize: Bool, otherModules: [String] = []) {
    self.poolingPath = poolingPath
    self.normalize = normalize
    self.otherModules = otherModules
  }

  /// Parses `modules.json`: an array of {"type": ..., "path": ...} objects.
  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> SentenceTransformersModules {
    try parse(root: try parseJSONRoot(bytes))
  }

  /// The modules of a parsed modules.json; a field name for an error (`modules[1].type`) is built only when one is
  /// thrown (building them per entry cost about 1 KB of wasm).
  private static func parse(root: JSONValue) throws(ConfigError) -> SentenceTransformersModules {
    guard let modules = root.arrayValue else { throw .invalidField("modules", expected: "a JSON array") }
    var result = SentenceTransformersModules(poolingPath: nil, normalize: false)
    for index in modules.indices {
      let type = try moduleString(modules[index], index, "type")
      if JSONValue.utf8Equal(type, "sentence_transformers.models.Pooling") {
        result.poolingPath = try moduleString(modules[index], index, "path")
      } else if JSONValue.utf8Equal(type, "sentence_transformers.models.Normalize") {
        result.normalize = true
      } else if !JSONValue.utf8Equal(type, "sentence_transformers.models.Transformer") {
        result.otherModules.append(type)
      }
    }
    return result
  }

  /// modules[index][key] as a string. Absent, null, another type, or an entry that is not an object all get the one
  /// error, naming the entry and the key: `field "modules[1].type" must be a string`.
  @inline(never)
  private static func moduleString(_ module: JSONValue, _ index: Int, _ key: String) throws(ConfigError) -> String {
    if let text = module[key]?.stringValue { return text }
    throw .invalidField(ByteText("modules[\(index)].\(key)").string, expected: "a string")
  }
}

/// `sentence_bert_config.json`.
public struct SentenceBertConfig: Equatable, Sendable {
  /// The encoder's truncation length; nil when absent.
  public var maxSeqLength: Int?

  public init(maxSeqLength: Int? = nil) {
    self.maxSeqLength = maxSeqLength
  }

  public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> SentenceBertConfig {
    let root = try parseConfigObject(bytes)
    guard let length = try optionalInt(root, "max_seq_length") else { return SentenceBertConfig() }
    guard length > 0 else { throw .invalidField("max_seq_length", expected: "a positive integer") }
    return SentenceBertConfig(maxSeqLength: length)
  }
}

// MARK: - Implementation details

/// Parses a config file's JSON.
@inline(never)
private func parseJSONRoot(_ bytes: [UInt8]) throws(ConfigError) -> JSONValue {
  do throws(JSONError) {
    return try JSONValue.parse(bytes)
  } catch {
    throw .invalidJSON(error)
  }
}

/// Parses a config file whose root must be a JSON object.
@inline(never)
func parseConfigObject(_ bytes: [UInt8]) throws(ConfigError) -> JSONValue {
  let root = try parseJSONRoot(bytes)
  guard case .object = root else { throw .invalidField("<root>", expected: "a JSON object") }
  return root
}

/// An integer field (integral floats accepted); nil when absent or null.
@inline(never)
func optionalInt(_ object: JSONValue, _ key: String) throws(ConfigError) -> Int? {
  guard let value = object[key], !value.isNull else { return nil }
  guard let integer = value.intValue else { throw .invalidField(key, expected: "an integer") }
  return integer
}

@inline(never)
func requiredPositiveInt(_ object: JSONValue, _ key: String) throws(ConfigError) -> Int {
  guard let value = try optionalInt(object, key) else { throw .missingField(key) }
  guard value > 0 else { throw .invalidField(key, expected: "a positive integer") }
  return value
}

/// Rejects a string field set to anything but `supported` (absent or null is fine).
@inline(never)
func requireValue(_ object: JSONValue, _ key: String, _ supported: String) throws(ConfigError) {
  if let value = try optionalString(object, key), !JSONValue.utf8Equal(value, supported) {
    throw .unsupported(field: key, value: value)
  }
}

@inline(never)
func optionalBool(_ object: JSONValue, _ key: String) throws(ConfigError) -> Bool? {
  guard let value = object[key], !value.isNull else { return nil }
  guard let flag = value.boolValue else { throw .invalidField(key, expected: "true or false") }
  return flag
}

/// A string field; nil when absent or null. `field` names it in errors (defaults to `key`).
@inline(never)
func optionalString(_ object: JSONValue, _ key: String, field: String? = nil) throws(ConfigError) -> String? {
  guard let value = object[key], !value.isNull else { return nil }
  guard let text = value.stringValue else { throw .invalidField(field ?? key, expected: "a string") }
  return text
}
