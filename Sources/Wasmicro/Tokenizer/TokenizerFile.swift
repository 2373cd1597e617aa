// TokenizerFile.swift — reads HF's tokenizer.json into the pipeline components `TextTokenizer` runs.
// Scope: the components we implement exactly (tokenizers 0.23.3 semantics), each parsed from its JSON object with every
// key checked: anything else — another component type, an unknown key, an option value we do not implement — is refused
// with `ConfigError.unsupported(field:value:)` naming its path in the file, e.g. "normalizer.normalizers[1].type".
// Ignored on purpose: `decoder` (we never decode ids), `truncation` and `padding` (the caller passes the maximum length;
// batching code pads), `version`.
//
// Supported:
//   added_tokens   special or not, lstrip / rstrip; refused: single_word true, normalized true
//   normalizer     null, Sequence, Replace (String pattern, or a Regex that is a literal or one character repeated
//                  `+` / `{n,}`), Strip, BertNormalizer, Precompiled (Precompiled.swift)
//   pre_tokenizer  null, Sequence, Metaspace, WhitespaceSplit, BertPreTokenizer, ByteLevel (ByteLevel.swift)
//   model          Unigram, WordPiece ("##" prefix), BPE (BytePairModel.swift; ids 0 ..< count without gaps)
//   post_processor null, TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel (ids unchanged), Sequence of
//                  these with at most one that adds tokens
// What a transformers tokenizer class replaces on top of the file is in TokenizerClass.swift.

/// One added token (tokenizer.json `added_tokens`), matched in the raw text before normalization.
struct AddedToken: Sendable {
  var id: Int32
  var content: String
  /// Swallow whitespace (White_Space) before / after a match into it.
  var leftStrip: Bool
  var rightStrip: Bool
}

/// One normalization step over UTF-8 bytes.
enum NormalizerStep: Sendable {
  /// Replace every non-overlapping match, leftmost first, of `pattern` by `content`.
  case replace(ReplacePattern, content: [UInt8])
  /// Remove White_Space scalars at the start / end.
  case strip(left: Bool, right: Bool)
  case bert(BertNormalizer)
  /// sentencepiece's charsmap, per grapheme cluster.
  case precompiled(PrecompiledCharsmap)
}

/// The Replace patterns we implement exactly.
enum ReplacePattern: Sendable {
  /// A literal byte string (String pattern, or a Regex without metacharacters).
  case literal([UInt8])
  /// One scalar (its UTF-8 bytes) repeated at least `minimum` times, greedily: Regex "x+" or "x{n,}".
  case run([UInt8], minimum: Int)
}

/// How Metaspace prepends its replacement character.
enum PrependScheme: Sendable {
  case always, first, never
}

/// One pre-tokenization step: splits (and for Metaspace rewrites) each piece.
enum PreTokenizerStep: Sendable {
  /// HF Metaspace: U+0020 → `replacement`, prepend it (per `scheme`), split before each occurrence when `split`.
  case metaspace(replacement: [UInt8], scheme: PrependScheme, split: Bool)
  /// Split on White_Space, removing it.
  case whitespaceSplit
  /// Split on White_Space (removed) and isolate each BERT punctuation scalar.
  case bert
  /// The GPT-2 regex split, each piece mapped to the byte-level alphabet (`add_prefix_space` per piece, as HF).
  case byteLevel(ByteLevelPreTokenizer)
}

/// HF's WordPiece model over a vocabulary from the file.
struct WordPieceModel: Sendable {
  let vocabulary: Vocabulary
  let unknownID: Int32
  /// Words with more scalars than this become the unknown token.
  let maxInputCharsPerWord: Int
  /// The longest token, in bytes ("##" included): longer candidates are not looked up.
  let longestTokenBytes: Int
}

/// The model that maps one pre-tokenized piece to ids.
enum TokenizerModel: Sendable {
  case unigram(UnigramModel)
  case wordPiece(WordPieceModel)
  case bytePair(BytePairModel)

  /// Number of ids of the model's vocabulary.
  var count: Int {
    switch self {
    case .unigram(let unigram): return unigram.count
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.count
    case .bytePair(let bytePair): return bytePair.vocabularySize
    }
  }

  /// The model's id of the token spelled by `bytes`.
  func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    switch self {
    case .unigram(let unigram): return unigram.id(bytes)
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.lookup(bytes, 0, bytes.count, prefixed: false)
    case .bytePair(let bytePair): return bytePair.id(bytes)
    }
  }
}

/// One element of a post-processing template.
enum TemplatePiece: Sendable {
  /// The first (`$A`) or second (`$B`) sequence.
  case sequence(second: Bool, typeID: Int32)
  /// Special token ids, each with `typeID`.
  case special([Int32], typeID: Int32)
}

/// The post-processor as single and pair templates (empty templates = sequences unchanged).
struct PostTemplate: Sendable {
  var single: [TemplatePiece]
  var pair: [TemplatePiece]

  static let identity = PostTemplate(
    single: [.sequence(second: false, typeID: 0)],
    pair: [.sequence(second: false, typeID: 0), .sequence(second: true, typeID: 1)])

  /// Number of special ids the template adds (what truncation reserves).
  func addedCount(pair isPair: Bool) -> Int {
    var count = 0
    for piece in isPair ? pair : single {
      if case .special(let ids, _) = piece { count += ids.count }
    }
    return count
  }
}

/// JSON helpers for tokenizer.json: typed reads that name the field on error.
enum TokenizerJSON {
  /// The longest vocabulary piece or added token accepted, in UTF-8 bytes. Matching walks at most this far from each
  /// text position, so a file with a huge token cannot make encoding slow (real pieces are under 100 bytes).
  static let maxTokenBytes = 1024

  /// Refuses any key of `object` not in `allowed` (an option we would silently ignore).
  static func checkKeys(_ object: JSONValue, _ field: String, allowed: [StaticString]) throws(ConfigError) {
    guard let members = object.objectValue else { throw .invalidField(field, expected: "an object") }
    for member in members {
      var known = false
      withUTF8Bytes(of: member.key) { key in
        for name in allowed where name.utf8CodeUnitCount == key.count {
          var same = true
          for index in 0..<key.count where name.utf8Start[index] != key[index] { same = false }
          if same { known = true }
        }
      }
      if !known { throw .unsupported(field: ByteText("\(field).\(member.key)").string, value: "present") }
    }
  }

  /// The `type` string of a component object.
  static func type(_ object: JSONValue, _ field: String) throws(ConfigError) -> String {
    guard object.objectValue != nil else { throw .invalidField(field, expected: "an object or null") }
    guard let value = object["type"] else { throw .missingField(ByteText("\(field).type").string) }
    guard let type = value.stringValue else {
      throw .invalidField(ByteText("\(field).type").string, expected: "a string")
    }
    return type
  }

  /// A boolean member, `defaultValue` when absent or null.
  static func bool(_ object: JSONValue, _ key: String, _ field: String, default defaultValue: Bool) throws(ConfigError)
    -> Bool
  {
    guard let value = object[key], !value.isNull else { return defaultValue }
    guard let flag = value.boolValue else {
      throw .invalidField(ByteText("\(field).\(key)").string, expected: "true or false")
    }
    return flag
  }

  /// A required string member.
  static func string(_ object: JSONValue, _ key: String, _ field: String) throws(ConfigError) -> String {
    guard let value = object[key], !value.isNull else { throw .missingField(ByteText("\(field).\(key)").string) }
    guard let text = value.stringValue else {
      throw .invalidField(ByteText("\(field).\(key)").string, expected: "a string")
    }
    return text
  }

  static func equal(_ text: String, _ literal: StaticString) -> Bool {
    var same = false
    withUTF8Bytes(of: text) { bytes in
      guard bytes.count == literal.utf8CodeUnitCount else { return }
      for index in 0..<bytes.count where bytes[index] != literal.utf8Start[index] { return }
      same = true
    }
    return same
  }
}

// MARK: - Components

extension TokenizerJSON {
  /// `added_tokens`: each `{id, content, single_word, lstrip, rstrip, normalized, special}`, inserted into `trie`
  /// (value = index into the returned array).
  ///
  /// HF ignores the ids written in the file: it gives an added token the model's id of its content when the model has
  /// it, else the next free id (the model's size, or one past the largest added id when that is already beyond it). A
  /// file whose ids differ from those is refused (HF would warn and renumber).
  static func addedTokens(_ root: JSONValue, model: TokenizerModel, trie: inout ByteTrie) throws(ConfigError)
    -> [AddedToken]
  {
    guard let list = root["added_tokens"], !list.isNull else { return [] }
    guard let items = list.arrayValue else { throw .invalidField("added_tokens", expected: "an array") }
    var tokens: [AddedToken] = []
    var largest = -1
    for index in 0..<items.count {
      let item = items[index]
      let field = ByteText("added_tokens[\(index)]").string
      try checkKeys(
        item, field, allowed: ["id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"])
      guard let id = item["id"]?.intValue, id >= 0, id < Int(Int32.max) else {
        throw .invalidField(ByteText("\(field).id").string, expected: "a non-negative integer")
      }
      let content = try string(item, "content", field)
      if try bool(item, "single_word", field, default: false) {
        throw .unsupported(field: ByteText("\(field).single_word").string, value: "true")
      }
      // HF's default for `normalized` is true for non-special tokens: refuse unless it is written false.
      let special = try bool(item, "special", field, default: false)
      if try bool(item, "normalized", field, default: !special) {
        throw .unsupported(field: ByteText("\(field).normalized").string, value: "true")
      }
      var bytes: [UInt8] = []
      withUTF8Bytes(of: content) { appendBytes($0, to: &bytes) }
      if bytes.isEmpty || bytes.count > maxTokenBytes {
        throw .invalidField(ByteText("\(field).content").string, expected: "a string of 1 to 1024 bytes")
      }
      let derived = derivedID(bytes, model: model, largest: largest)
      if derived != id {
        throw .invalidField(
          ByteText("\(field).id").string, expected: ByteText("\(derived), the id tokenizers assigns to it").string)
      }
      largest = max(largest, derived)
      let token = AddedToken(
        id: Int32(truncatingIfNeeded: id), content: content, leftStrip: try bool(item, "lstrip", field, default: false),
        rightStrip: try bool(item, "rstrip", field, default: false))
      let previous = bytes.withUnsafeBufferPointer {
        trie.insert($0, 0, $0.count, value: Int32(truncatingIfNeeded: tokens.count))
      }
      if previous >= 0 {
        throw .invalidField(ByteText("\(field).content").string, expected: "a token not added before")
      }
      tokens.append(token)
    }
    return tokens
  }

  /// The id tokenizers gives an added token: the model's id of its content, else the next free id (the model's size,
  /// or one past the largest added id `largest` when that is already beyond it; -1 = none yet).
  static func derivedID(_ bytes: [UInt8], model: TokenizerModel, largest: Int) -> Int {
    if let modelID = bytes.withUnsafeBufferPointer({ model.id($0) }) { return Int(modelID) }
    let modelSize = model.count
    return largest >= 0 && (largest >= modelSize || modelSize == 0) ? largest + 1 : modelSize
  }

  /// `normalizer`, flattened into steps (a Sequence applies its members in order, as the flat list does).
  static func normalizer(_ value: JSONValue?, _ field: String, into steps: inout [NormalizerStep]) throws(ConfigError) {
    guard let value, !value.isNull else { return }
    let type = try type(value, field)
    if equal(type, "Sequence") {
      try checkKeys(value, field, allowed: ["type", "normalizers"])
      guard let members = value["normalizers"]?.arrayValue else {
        throw .invalidField(ByteText("\(field).normalizers").string, expected: "an array")
      }
      for index in 0..<members.count {
        try normalizer(members[index], ByteText("\(field).normalizers[\(index)]").string, into: &steps)
      }
    } else if equal(type, "Replace") {
      try checkKeys(value, field, allowed: ["type", "pattern", "content"])
      let content = ByteText.bytes(of: try string(value, "content", field))
      steps.append(
        .replace(try replacePattern(value["pattern"], ByteText("\(field).pattern").string), content: content))
    } else if equal(type, "Strip") {
      try checkKeys(value, field, allowed: ["type", "strip_left", "strip_right"])
      steps.append(
        .strip(
          left: try bool(value, "strip_left", field, default: true),
          right: try bool(value, "strip_right", field, default: true)))
    } else if equal(type, "BertNormalizer") {
      try checkKeys(
        value, field, allowed: ["type", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"])
      let lowercase = try bool(value, "lowercase", field, default: true)
      var stripAccents = lowercase  // HF: strip_accents null follows lowercase
      if let strip = value["strip_accents"], !strip.isNull {
        guard let flag = strip.boolValue else {
          throw .invalidField(ByteText("\(field).strip_accents").string, expected: "true, false or null")
        }
        stripAccents = flag
      }
      steps.append(
        .bert(
          BertNormalizer(
            cleanText: try bool(value, "clean_text", field, default: true),
            handleChineseChars: try bool(value, "handle_chinese_chars", field, default: true),
            stripAccents: stripAccents, lowercase: lowercase)))
    } else if equal(type, "Precompiled") {
      try checkKeys(value, field, allowed: ["type", "precompiled_charsmap"])
      steps.append(.precompiled(try PrecompiledCharsmap(json: value, field: field)))
    } else {
      throw .unsupported(field: ByteText("\(field).type").string, value: type)
    }
  }

  /// A Replace `pattern`: `{"String": s}` or `{"Regex": r}` with r a literal or `x+` / `x{n,}` for one character x.
  static func replacePattern(_ value: JSONValue?, _ field: String) throws(ConfigError) -> ReplacePattern {
    guard let value, let members = value.objectValue, members.count == 1 else {
      throw .invalidField(field, expected: "{\"String\": …} or {\"Regex\": …}")
    }
    guard let text = members[0].value.stringValue else {
      throw .invalidField(field, expected: "{\"String\": …} or {\"Regex\": …}")
    }
    let bytes = ByteText.bytes(of: text)
    if equal(members[0].key, "String") {
      if bytes.isEmpty { throw .unsupported(field: ByteText("\(field).String").string, value: text) }
      return .literal(bytes)
    }
    guard equal(members[0].key, "Regex") else {
      throw .invalidField(field, expected: "{\"String\": …} or {\"Regex\": …}")
    }
    // Parse: (literal character | \punctuation)+ with an optional quantifier on a single leading character.
    func isMeta(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "."), UInt8(ascii: "|"),
        UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
        return true
      default: return false
      }
    }
    let refused = ConfigError.unsupported(field: ByteText("\(field).Regex").string, value: text)
    var literal: [UInt8] = []
    var characters = 0
    var index = 0
    while index < bytes.count && !(isMeta(bytes[index]) && bytes[index] != UInt8(ascii: "\\")) {
      if bytes[index] == UInt8(ascii: "\\") {
        // Only escaped ASCII punctuation is a literal (\d, \s, \w… are classes).
        guard index + 1 < bytes.count, isMeta(bytes[index + 1]) || bytes[index + 1] == UInt8(ascii: "-")
        else { throw refused }
        literal.append(bytes[index + 1])
        index += 2
      } else {
        let length = bytes.withUnsafeBufferPointer { ByteText.sequenceLength($0, at: index) }
        for offset in 0..<length { literal.append(bytes[index + offset]) }
        index += length
      }
      characters += 1
    }
    if literal.isEmpty { throw refused }
    if index == bytes.count { return .literal(literal) }
    guard characters == 1 else { throw refused }
    // A quantifier on the single character: "+" or "{n,}".
    if bytes[index] == UInt8(ascii: "+") && index + 1 == bytes.count { return .run(literal, minimum: 1) }
    guard bytes[index] == UInt8(ascii: "{") else { throw refused }
    index += 1
    var minimum = 0
    var digits = 0
    while index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 && digits < 6 {
      minimum = minimum * 10 + Int(bytes[index] - 0x30)
      digits += 1
      index += 1
    }
    guard digits > 0, minimum >= 1, index + 2 == bytes.count, bytes[index] == UInt8(ascii: ","),
      bytes[index + 1] == UInt8(ascii: "}")
    else { throw refused }
    return .run(literal, minimum: minimum)
  }

  /// `pre_tokenizer`, flattened into steps. `first` Metaspace is accepted only as the first step with no normalizer:
  /// HF prepends when the piece's first normalized character comes from offset 0 of the original text, which a
  /// normalizer (or an earlier split) can move.
  static func preTokenizer(
    _ value: JSONValue?, _ field: String, into steps: inout [PreTokenizerStep], hasNormalizer: Bool
  ) throws(ConfigError) {
    guard let value, !value.isNull else { return }
    let type = try type(value, field)
    if equal(type, "Sequence") {
      try checkKeys(value, field, allowed: ["type", "pretokenizers"])
      guard let members = value["pretokenizers"]?.arrayValue else {
        throw .invalidField(ByteText("\(field).pretokenizers").string, expected: "an array")
      }
      for index in 0..<members.count {
        try preTokenizer(
          members[index], ByteText("\(field).pretokenizers[\(index)]").string, into: &steps,
          hasNormalizer: hasNormalizer)
      }
    } else if equal(type, "Metaspace") {
      try checkKeys(
        value, field, allowed: ["type", "replacement", "prepend_scheme", "split", "add_prefix_space", "str_rep"])
      let replacement = ByteText.bytes(of: try string(value, "replacement", field))
      let length = replacement.isEmpty ? 0 : replacement.withUnsafeBufferPointer { ByteText.sequenceLength($0, at: 0) }
      guard length == replacement.count, length > 0 else {
        throw .invalidField(ByteText("\(field).replacement").string, expected: "one character")
      }
      var scheme = PrependScheme.always
      var schemeName: String? = nil
      if let name = value["prepend_scheme"], !name.isNull {
        guard let text = name.stringValue else {
          throw .invalidField(ByteText("\(field).prepend_scheme").string, expected: "a string")
        }
        schemeName = text
        if equal(text, "always") {
          scheme = .always
        } else if equal(text, "never") {
          scheme = .never
        } else if equal(text, "first") {
          scheme = .first
        } else {
          throw .unsupported(field: ByteText("\(field).prepend_scheme").string, value: text)
        }
      }
      // Legacy `add_prefix_space` (tokenizers < 0.19): true means "always" unless prepend_scheme says otherwise; false
      // with no prepend_scheme is an error in HF (it contradicts the default "always"). Only false + "never" is taken.
      if let legacy = value["add_prefix_space"], !legacy.isNull {
        guard let flag = legacy.boolValue else {
          throw .invalidField(ByteText("\(field).add_prefix_space").string, expected: "true or false")
        }
        if !flag && scheme != .never {
          throw .unsupported(field: ByteText("\(field).add_prefix_space").string, value: "false")
        }
      }
      if scheme == .first && (hasNormalizer || !steps.isEmpty) {
        throw .unsupported(field: ByteText("\(field).prepend_scheme").string, value: schemeName ?? "first")
      }
      steps.append(
        .metaspace(replacement: replacement, scheme: scheme, split: try bool(value, "split", field, default: true)))
    } else if equal(type, "WhitespaceSplit") {
      try checkKeys(value, field, allowed: ["type"])
      steps.append(.whitespaceSplit)
    } else if equal(type, "BertPreTokenizer") {
      try checkKeys(value, field, allowed: ["type"])
      steps.append(.bert)
    } else if equal(type, "ByteLevel") {
      // trim_offsets only moves offsets; ByteLevelPreTokenizer reads (and requires) it.
      try checkKeys(value, field, allowed: ["type", "add_prefix_space", "trim_offsets", "use_regex"])
      steps.append(.byteLevel(try ByteLevelPreTokenizer(json: value, field: field)))
    } else {
      throw .unsupported(field: ByteText("\(field).type").string, value: type)
    }
  }

  /// `model`.
  static func model(_ value: JSONValue?, hashKey: UInt32) throws(ConfigError) -> TokenizerModel {
    guard let value, !value.isNull else { throw .missingField("model") }
    let type = try type(value, "model")
    if equal(type, "Unigram") { return .unigram(try UnigramModel(json: value, field: "model", hashKey: hashKey)) }
    if equal(type, "WordPiece") { return .wordPiece(try wordPiece(value, hashKey: hashKey)) }
    if equal(type, "BPE") {
      try checkKeys(
        value, "model",
        allowed: [
          "type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk",
          "byte_fallback", "ignore_merges", "vocab", "merges",
        ])
      let model = try BytePairModel(json: value, field: "model", hashKey: hashKey)
      // Added tokens beyond the model take ids from its size on (HF): a gap would let them collide with model ids.
      if model.vocabulary.entryOfID.count != model.vocabularySize {
        throw .invalidField("model.vocab", expected: "ids 0 ..< its size, without gaps")
      }
      return .bytePair(model)
    }
    throw .unsupported(field: "model.type", value: type)
  }

  /// A WordPiece model: `vocab` {token: id} with ids 0..<count each once, `unk_token` in it, prefix "##".
  static func wordPiece(_ value: JSONValue, hashKey: UInt32) throws(ConfigError) -> WordPieceModel {
    try checkKeys(
      value, "model", allowed: ["type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"])
    let prefix = try string(value, "continuing_subword_prefix", "model")
    if !equal(prefix, "##") { throw .unsupported(field: "model.continuing_subword_prefix", value: prefix) }
    var maxChars = 100
    if let limit = value["max_input_chars_per_word"], !limit.isNull {
      guard let number = limit.intValue, number >= 0 else {
        throw .invalidField("model.max_input_chars_per_word", expected: "a non-negative integer")
      }
      maxChars = number
    }
    guard let members = value["vocab"]?.objectValue else {
      throw .invalidField("model.vocab", expected: "an object {token: id}")
    }
    // Place each token at its id: ids must be exactly 0 ..< count.
    var order = [Int32](repeating: -1, count: members.count)
    for index in 0..<members.count {
      guard let id = members[index].value.intValue, id >= 0, id < members.count, order[id] < 0 else {
        throw .invalidField(
          ByteText("model.vocab.\(members[index].key)").string, expected: "a distinct id below the vocabulary size")
      }
      order[id] = Int32(truncatingIfNeeded: index)
    }
    var storage: [UInt8] = []
    var offsets: [Int32] = [0]
    var longest = 0
    for member in order {
      let start = storage.count
      withUTF8Bytes(of: members[Int(member)].key) { appendBytes($0, to: &storage) }
      guard storage.count - start <= maxTokenBytes, storage.count < Int(Int32.max) else {
        throw .invalidField(
          ByteText("model.vocab.\(members[Int(member)].key)").string, expected: "a token of at most 1024 bytes")
      }
      longest = max(longest, storage.count - start)
      offsets.append(Int32(truncatingIfNeeded: storage.count))
    }
    guard let vocabulary = Vocabulary(storage: storage, offsets: offsets, hashKey: hashKey) else {
      throw .invalidField("model.vocab", expected: "distinct non-empty tokens")
    }
    let unknown = try string(value, "unk_token", "model")
    guard let unknownID = vocabulary.id(unknown) else {
      throw .invalidField("model.unk_token", expected: "a token of model.vocab")
    }
    return WordPieceModel(
      vocabulary: vocabulary, unknownID: unknownID, maxInputCharsPerWord: maxChars, longestTokenBytes: longest)
  }

  /// `post_processor` as templates; nil when it adds nothing (null, ByteLevel).
  static func postProcessor(_ value: JSONValue?, _ field: String) throws(ConfigError) -> PostTemplate? {
    guard let value, !value.isNull else { return nil }
    let type = try type(value, field)
    if equal(type, "Sequence") {
      try checkKeys(value, field, allowed: ["type", "processors"])
      guard let members = value["processors"]?.arrayValue else {
        throw .invalidField(ByteText("\(field).processors").string, expected: "an array")
      }
      var result: PostTemplate? = nil
      for index in 0..<members.count {
        let memberField = ByteText("\(field).processors[\(index)]").string
        if let template = try postProcessor(members[index], memberField) {
          if result != nil {
            throw .unsupported(
              field: ByteText("\(memberField).type").string, value: try self.type(members[index], memberField))
          }
          result = template
        }
      }
      return result
    }
    if equal(type, "ByteLevel") {
      // Offsets only: ids unchanged.
      try checkKeys(value, field, allowed: ["type", "add_prefix_space", "trim_offsets", "use_regex"])
      return nil
    }
    if equal(type, "BertProcessing") || equal(type, "RobertaProcessing") {
      let roberta = equal(type, "RobertaProcessing")
      if roberta {
        try checkKeys(value, field, allowed: ["type", "sep", "cls", "trim_offsets", "add_prefix_space"])
      } else {
        try checkKeys(value, field, allowed: ["type", "sep", "cls"])
      }
      let sep = try tokenPair(value["sep"], ByteText("\(field).sep").string)
      let cls = try tokenPair(value["cls"], ByteText("\(field).cls").string)
      if roberta {
        // <s> A </s> and <s> A </s> </s> B </s>, every type id 0.
        return PostTemplate(
          single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
          pair: [
            .special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep, sep], typeID: 0),
            .sequence(second: true, typeID: 0), .special([sep], typeID: 0),
          ])
      }
      return PostTemplate(
        single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
        pair: [
          .special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0),
          .sequence(second: true, typeID: 1), .special([sep], typeID: 1),
        ])
    }
    if equal(type, "TemplateProcessing") {
      try checkKeys(value, field, allowed: ["type", "single", "pair", "special_tokens"])
      let specials = value["special_tokens"] ?? .object([])
      guard specials.objectValue != nil else {
        throw .invalidField(ByteText("\(field).special_tokens").string, expected: "an object")
      }
      return PostTemplate(
        single: try template(value["single"], ByteText("\(field).single").string, specials: specials, field),
        pair: try template(value["pair"], ByteText("\(field).pair").string, specials: specials, field))
    }
    throw .unsupported(field: ByteText("\(field).type").string, value: type)
  }

  /// A ["token", id] pair (Bert/RobertaProcessing); returns the id.
  static func tokenPair(_ value: JSONValue?, _ field: String) throws(ConfigError) -> Int32 {
    guard let items = value?.arrayValue, items.count == 2, items[0].stringValue != nil,
      let id = items[1].intValue, id >= 0, id < Int(Int32.max)
    else { throw .invalidField(field, expected: "a [token, id] pair") }
    return Int32(truncatingIfNeeded: id)
  }

  /// One template: [{"Sequence": {"id": "A"|"B", "type_id": n}} | {"SpecialToken": {"id": name, "type_id": n}}].
  static func template(_ value: JSONValue?, _ field: String, specials: JSONValue, _ processorField: String)
    throws(ConfigError) -> [TemplatePiece]
  {
    guard let items = value?.arrayValue else { throw .invalidField(field, expected: "an array of template pieces") }
    var pieces: [TemplatePiece] = []
    for index in 0..<items.count {
      let pieceField = ByteText("\(field)[\(index)]").string
      guard let members = items[index].objectValue, members.count == 1 else {
        throw .invalidField(pieceField, expected: "{\"Sequence\": …} or {\"SpecialToken\": …}")
      }
      let body = members[0].value
      try checkKeys(body, ByteText("\(pieceField).\(members[0].key)").string, allowed: ["id", "type_id"])
      guard let name = body["id"]?.stringValue, let typeID = body["type_id"]?.intValue, typeID >= 0,
        typeID < Int(Int32.max)
      else { throw .invalidField(pieceField, expected: "an id string and a type_id") }
      let type = Int32(truncatingIfNeeded: typeID)
      if equal(members[0].key, "Sequence") {
        if equal(name, "A") {
          pieces.append(.sequence(second: false, typeID: type))
        } else if equal(name, "B") {
          pieces.append(.sequence(second: true, typeID: type))
        } else {
          throw .invalidField(pieceField, expected: "sequence id \"A\" or \"B\"")
        }
      } else if equal(members[0].key, "SpecialToken") {
        guard let special = specials[name] else {
          throw .invalidField(
            ByteText("\(processorField).special_tokens").string, expected: ByteText("an entry for \"\(name)\"").string)
        }
        let specialField = ByteText("\(processorField).special_tokens.\(name)").string
        try checkKeys(special, specialField, allowed: ["id", "ids", "tokens"])
        guard let idList = special["ids"]?.arrayValue else {
          throw .invalidField(ByteText("\(specialField).ids").string, expected: "an array of ids")
        }
        var ids: [Int32] = []
        for item in idList {
          guard let id = item.intValue, id >= 0, id < Int(Int32.max) else {
            throw .invalidField(ByteText("\(specialField).ids").string, expected: "an array of ids")
          }
          ids.append(Int32(truncatingIfNeeded: id))
        }
        pieces.append(.special(ids, typeID: type))
      } else {
        throw .invalidField(pieceField, expected: "{\"Sequence\": …} or {\"SpecialToken\": …}")
      }
    }
    return pieces
  }
}
