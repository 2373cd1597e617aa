// TokenizerClass.swift — what transformers 5.23.0 changes on top of tokenizer.json, from tokenizer_config.json.
// Scope: `tokenizer_class` (with or without "Fast"), `model_max_length`, the named special tokens, `added_tokens_decoder`
// and the options the classes below read. Non-goals: choosing a class from config.json's `model_type` (transformers
// does that when `tokenizer_class` is absent), special_tokens_map.json, chat templates, remote code.
//
// What transformers does (tokenization_utils_tokenizers.py, models/*/tokenization_*.py, read for 5.23.0):
// - No class, "PreTrainedTokenizerFast", "TokenizersBackend" (and the classes without their own __init__): the file
//   runs as written. Then the config's `added_tokens_decoder` entries whose content the file lacks, and the named
//   special tokens the config sets that are not added yet, are added (special, no strip; an added token's id is the
//   model's id of its content, else the next free one). An entry whose content the file has keeps the file's flags.
// - A class with its own __init__ builds a new backend from the file's vocabulary (and merges, and the Precompiled
//   charsmap of a top-level normalizer or Sequence member), with the class's normalizer, pre-tokenizer, model options
//   and post-processor. The file's added tokens are dropped: the added tokens are the config's `added_tokens_decoder`
//   (in id order) when it has one, else the file's `added_tokens` (legacy path), then the class's named special tokens
//   (defaults included) that are missing. Those we reproduce:
//     XLMRobertaTokenizer  Unigram(vocab, unk_id 3, byte_fallback false); normalizer Precompiled(charsmap) or none;
//                          Sequence[WhitespaceSplit, Metaspace("▁", always | never by add_prefix_space, default true)];
//                          Template "<s> $A </s>" / "<s> $A </s> </s> $B </s>" (bos / eos, type ids 0)
//     RobertaTokenizer     BPE(vocab, merges, no unk, no prefix/suffix, fuse_unk false); no normalizer;
//                          ByteLevel(add_prefix_space, default false); RobertaProcessing(sep, cls)
//     BertTokenizer        WordPiece(vocab, unk_token, "##", 100 chars); BertNormalizer(clean_text true,
//     (DistilBert-,        tokenize_chinese_chars, strip_accents, do_lower_case); BertPreTokenizer;
//      Electra-)           Template "[CLS] $A [SEP]" / "... $B:1 [SEP]:1"
//   Every other class is refused with `ConfigError.unsupported(field: "tokenizer_config.json tokenizer_class", ...)`:
//   most rebuild their pipelines (57 of transformers' tokenizer classes do) or are Python tokenizers that never read
//   tokenizer.json, and a name transformers does not know would need its registry to tell apart.
// - Legacy path with a named special token missing from the file: its flags would come from special_tokens_map.json,
//   which we do not read: refused.

/// The transformers tokenizer classes whose pipelines we reproduce.
enum TokenizerClass {
  /// Runs tokenizer.json as written (no class, PreTrainedTokenizerFast, TokenizersBackend).
  case file
  case xlmRoberta
  case roberta
  case bert

  /// Keys of the named special tokens (transformers' SPECIAL_TOKENS_ATTRIBUTES).
  static let specialKeys: [StaticString] = [
    "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
  ]

  static func parseJSON(_ bytes: [UInt8]) throws(ConfigError) -> JSONValue {
    do throws(JSONError) {
      return try JSONValue.parseExact(bytes)  // Unigram scores are summed and compared: correctly rounded
    } catch {
      throw .invalidJSON(error)
    }
  }

  /// The class named by `tokenizer_class` (nil: absent).
  static func named(_ name: String?) throws(ConfigError) -> TokenizerClass {
    guard let name else { return .file }
    var bytes = ByteText.bytes(of: name)
    // transformers 5: "XxxFast" is an alias of "Xxx".
    let fast: [UInt8] = [0x46, 0x61, 0x73, 0x74]
    if bytes.count > 4 && Array(bytes[(bytes.count - 4)...]) == fast { bytes.removeLast(4) }
    func equal(_ literal: StaticString) -> Bool {
      guard bytes.count == literal.utf8CodeUnitCount else { return false }
      for index in 0..<bytes.count where bytes[index] != literal.utf8Start[index] { return false }
      return true
    }
    if equal("PreTrainedTokenizer") || equal("TokenizersBackend") { return .file }
    if equal("XLMRobertaTokenizer") { return .xlmRoberta }
    if equal("RobertaTokenizer") { return .roberta }
    if equal("BertTokenizer") || equal("DistilBertTokenizer") || equal("ElectraTokenizer") { return .bert }
    throw .unsupported(field: "tokenizer_config.json tokenizer_class", value: name)
  }

  /// A special token value of the config: a string, or an AddedToken object with a string `content`; nil when absent
  /// or null.
  static func specialToken(_ config: JSONValue, _ key: String) throws(ConfigError) -> String? {
    guard let value = config[key], !value.isNull else { return nil }
    guard let text = value.stringValue ?? value["content"]?.stringValue else {
      throw .invalidField(
        ByteText("tokenizer_config.json \(key)").string, expected: "a string or an object with a string \"content\"")
    }
    return text
  }

  /// A boolean of the config, `defaultValue` when absent or null.
  static func flag(_ config: JSONValue, _ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
    guard let value = config[key], !value.isNull else { return defaultValue }
    guard let flag = value.boolValue else {
      throw .invalidField(ByteText("tokenizer_config.json \(key)").string, expected: "true or false")
    }
    return flag
  }

  /// `model_max_length`: nil when absent, null or HF's "no limit" sentinel (above
  /// `TokenizerConfig.unlimitedThreshold`), as `TokenizerConfig` reads it.
  static func modelMaxLength(_ config: JSONValue) throws(ConfigError) -> Int? {
    guard let value = config["model_max_length"], !value.isNull else { return nil }
    guard let length = value.doubleValue, length > 0 else {
      throw .invalidField("tokenizer_config.json model_max_length", expected: "a positive integer")
    }
    if length > Double(TokenizerConfig.unlimitedThreshold) { return nil }
    guard let integer = value.intValue else {
      throw .invalidField("tokenizer_config.json model_max_length", expected: "a positive integer")
    }
    return integer
  }

  /// `root` with member `key` set to `value` (replaced, or appended).
  static func setting(_ root: JSONValue, _ key: String, _ value: JSONValue) -> JSONValue {
    guard case .object(var members) = root else { return root }
    members.removeAll { ByteText.equal($0.key, key) }
    members.append(JSONMember(key: key, value: value))
    return .object(members)
  }

  static func object(_ members: [(String, JSONValue)]) -> JSONValue {
    var list: [JSONMember] = []
    for (key, value) in members { list.append(JSONMember(key: key, value: value)) }
    return .object(list)
  }

  /// `added_tokens_decoder` {"id": {content, lstrip, ...}} as a tokenizer.json `added_tokens` array in id order; nil
  /// when the config has none.
  static func configAddedTokens(_ config: JSONValue) throws(ConfigError) -> [JSONValue]? {
    guard let value = config["added_tokens_decoder"], !value.isNull else { return nil }
    guard let members = value.objectValue else {
      throw .invalidField("tokenizer_config.json added_tokens_decoder", expected: "an object {id: token}")
    }
    var order: [(Int, Int)] = []
    for index in 0..<members.count {
      var id = 0
      var digits = 0
      withUTF8Bytes(of: members[index].key) { key in
        for byte in key where digits >= 0 {
          if byte >= 0x30 && byte <= 0x39 && digits < 10 {
            id = id * 10 + Int(byte - 0x30)
            digits += 1
          } else {
            digits = -1
          }
        }
      }
      guard digits > 0, id < Int(Int32.max), members[index].value.objectValue != nil else {
        throw .invalidField(
          ByteText("tokenizer_config.json added_tokens_decoder.\(members[index].key)").string,
          expected: "a decimal id and a token object")
      }
      order.append((id, index))
    }
    order.sort { $0.0 < $1.0 }
    var tokens: [JSONValue] = []
    for (id, index) in order {
      var token: [JSONMember] = [JSONMember(key: "id", value: .int(id))]
      for member in members[index].value.objectValue ?? [] where !ByteText.equal(member.key, "__type") {
        token.append(member)
      }
      tokens.append(.object(token))
    }
    return tokens
  }

  /// The top-level Precompiled normalizer of the file (or the first Precompiled member of a top-level Sequence).
  static func precompiled(_ normalizer: JSONValue?) -> JSONValue? {
    guard let normalizer, !normalizer.isNull else { return nil }
    func isPrecompiled(_ value: JSONValue) -> Bool {
      guard let type = value["type"]?.stringValue else { return false }
      return ByteText.equal(type, "Precompiled") && value["precompiled_charsmap"] != nil
    }
    if let type = normalizer["type"]?.stringValue, ByteText.equal(type, "Sequence") {
      for member in normalizer["normalizers"]?.arrayValue ?? [] where isPrecompiled(member) { return member }
      return nil
    }
    return isPrecompiled(normalizer) ? normalizer : nil
  }

  /// The file's model object, required to be of `type` (the class builds that model from its vocabulary).
  static func fileModel(_ root: JSONValue, _ type: StaticString, _ className: String) throws(ConfigError) -> JSONValue {
    guard let model = root["model"], let name = model["type"]?.stringValue, ByteText.equal(name, "\(type)") else {
      throw .unsupported(
        field: "tokenizer_config.json tokenizer_class",
        value: ByteText("\(className) over a tokenizer.json model that is not \(type)").string)
    }
    return model
  }

  /// The pipeline and default length AutoTokenizer builds (see the file header).
  static func build(json: [UInt8], tokenizerConfig: [UInt8]?, hashKey: UInt32) throws(ConfigError) -> (
    pipeline: TextPipeline, defaultMaxLength: Int
  ) {
    var root = try parseJSON(json)
    guard let configBytes = tokenizerConfig else {
      return (try TextPipeline(root: root, hashKey: hashKey), 512)
    }
    let config = try parseJSON(configBytes)
    guard config.objectValue != nil else { throw .invalidField("tokenizer_config.json", expected: "an object") }
    // Read here, not with TokenizerConfig.parse: a second caller changes how the default wasm module (which calls it)
    // is optimized, and costs it bytes.
    let defaultMaxLength = try modelMaxLength(config) ?? 512
    var className: String? = nil
    if let value = config["tokenizer_class"], !value.isNull {
      guard let text = value.stringValue else {
        throw .invalidField("tokenizer_config.json tokenizer_class", expected: "a string")
      }
      className = text
    }
    let kind = try named(className)
    let name = className ?? ""

    // Named special tokens: the class's defaults, then the config's values.
    var specials: [String?] = [nil, nil, nil, nil, nil, nil, nil]
    switch kind {
    case .file: break
    case .xlmRoberta, .roberta: specials = ["<s>", "</s>", "<unk>", "</s>", "<pad>", "<s>", "<mask>"]
    case .bert: specials = [nil, nil, "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]
    }
    for index in 0..<specialKeys.count {
      if let value = try specialToken(config, ByteText("\(specialKeys[index])").string) { specials[index] = value }
    }
    var named: [[UInt8]] = []
    for special in specials { if let special { named.append(ByteText.bytes(of: special)) } }

    let configAdded = try configAddedTokens(config)
    if configAdded == nil {
      // Legacy path: a named token missing from the file would take special_tokens_map.json's flags.
      var present = ByteTrie(hashKey: hashKey &+ 0x85EB_CA6B)
      for item in root["added_tokens"]?.arrayValue ?? [] {
        let content = ByteText.bytes(of: item["content"]?.stringValue ?? "")
        _ = content.withUnsafeBufferPointer { present.insert($0, 0, $0.count, value: 0) }
      }
      for index in 0..<specialKeys.count {
        guard let special = specials[index] else { continue }
        let content = ByteText.bytes(of: special)
        if content.isEmpty || content.withUnsafeBufferPointer({ present.value($0, 0, $0.count) }) < 0 {
          throw .unsupported(
            field: ByteText("tokenizer_config.json \(specialKeys[index]) (not in added_tokens or added_tokens_decoder)")
              .string, value: special)
        }
      }
    }
    if kind == .file {
      // The file's added tokens first; config entries with new content after them, in id order.
      if let configAdded {
        var list = root["added_tokens"]?.arrayValue ?? []
        var present = ByteTrie(hashKey: hashKey &+ 0x85EB_CA6B)
        for item in list {
          let content = ByteText.bytes(of: item["content"]?.stringValue ?? "")
          _ = content.withUnsafeBufferPointer { present.insert($0, 0, $0.count, value: 0) }
        }
        for item in configAdded {
          let content = ByteText.bytes(of: item["content"]?.stringValue ?? "")
          if content.withUnsafeBufferPointer({ present.value($0, 0, $0.count) }) < 0 { list.append(item) }
        }
        root = setting(root, "added_tokens", .array(list))
      }
      return (try TextPipeline(root: root, hashKey: hashKey, namedSpecials: named), defaultMaxLength)
    }

    if let configAdded { root = setting(root, "added_tokens", .array(configAdded)) }
    root = setting(root, "post_processor", .null)
    switch kind {
    case .file: break
    case .xlmRoberta:
      let model = try fileModel(root, "Unigram", name)
      root = setting(
        root, "model",
        object([
          ("type", .string("Unigram")), ("unk_id", .int(3)), ("vocab", model["vocab"] ?? .null),
          ("byte_fallback", .bool(false)),
        ]))
      root = setting(root, "normalizer", precompiled(root["normalizer"]) ?? .null)
      let prefix = try flag(config, "add_prefix_space", default: true)
      root = setting(
        root, "pre_tokenizer",
        object([
          ("type", .string("Sequence")),
          (
            "pretokenizers",
            .array([
              object([("type", .string("WhitespaceSplit"))]),
              object([
                ("type", .string("Metaspace")), ("replacement", .string("▁")),
                ("prepend_scheme", .string(prefix ? "always" : "never")), ("split", .bool(true)),
              ]),
            ])
          ),
        ]))
    case .roberta:
      let model = try fileModel(root, "BPE", name)
      root = setting(
        root, "model",
        object([
          ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null),
          ("continuing_subword_prefix", .string("")), ("end_of_word_suffix", .string("")), ("fuse_unk", .bool(false)),
          ("byte_fallback", .bool(false)), ("ignore_merges", .bool(false)), ("vocab", model["vocab"] ?? .null),
          ("merges", model["merges"] ?? .null),
        ]))
      root = setting(root, "normalizer", .null)
      let prefix = try flag(config, "add_prefix_space", default: false)
      root = setting(
        root, "pre_tokenizer",
        object([
          ("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)), ("trim_offsets", .bool(true)),
          ("use_regex", .bool(true)),
        ]))
    case .bert:
      let model = try fileModel(root, "WordPiece", name)
      root = setting(
        root, "model",
        object([
          ("type", .string("WordPiece")), ("unk_token", .string(specials[2] ?? "[UNK]")),
          ("continuing_subword_prefix", .string("##")), ("max_input_chars_per_word", .int(100)),
          ("vocab", model["vocab"] ?? .null),
        ]))
      var stripAccents = JSONValue.null
      if let value = config["strip_accents"], !value.isNull {
        stripAccents = .bool(try flag(config, "strip_accents", default: false))
      }
      root = setting(
        root, "normalizer",
        object([
          ("type", .string("BertNormalizer")), ("clean_text", .bool(true)),
          ("handle_chinese_chars", .bool(try flag(config, "tokenize_chinese_chars", default: true))),
          ("strip_accents", stripAccents), ("lowercase", .bool(try flag(config, "do_lower_case", default: true))),
        ]))
      root = setting(root, "pre_tokenizer", object([("type", .string("BertPreTokenizer"))]))
    }
    var pipeline = try TextPipeline(root: root, hashKey: hashKey, namedSpecials: named)
    // The class's post-processor, with the ids its tokens have now.
    func id(_ index: Int) throws(ConfigError) -> Int32 {
      let bytes = ByteText.bytes(of: specials[index] ?? "")
      guard let id = bytes.withUnsafeBufferPointer({ pipeline.id($0) }) else {
        throw .invalidField(ByteText("tokenizer_config.json \(specialKeys[index])").string, expected: "a token")
      }
      return id
    }
    switch kind {
    case .file: break
    case .xlmRoberta:
      let bos = try id(0)
      let eos = try id(1)
      pipeline.template = PostTemplate(
        single: [.special([bos], typeID: 0), .sequence(second: false, typeID: 0), .special([eos], typeID: 0)],
        pair: [
          .special([bos], typeID: 0), .sequence(second: false, typeID: 0), .special([eos, eos], typeID: 0),
          .sequence(second: true, typeID: 0), .special([eos], typeID: 0),
        ])
    case .roberta:
      let sep = try id(3)
      let cls = try id(5)
      pipeline.template = PostTemplate(
        single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
        pair: [
          .special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep, sep], typeID: 0),
          .sequence(second: true, typeID: 0), .special([sep], typeID: 0),
        ])
    case .bert:
      let sep = try id(3)
      let cls = try id(5)
      pipeline.template = PostTemplate(
        single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
        pair: [
          .special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0),
          .sequence(second: true, typeID: 1), .special([sep], typeID: 1),
        ])
    }
    return (pipeline, defaultMaxLength)
  }
}
