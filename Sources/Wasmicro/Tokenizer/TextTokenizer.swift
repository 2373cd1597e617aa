// TextTokenizer.swift — a tokenizer built from HF's tokenizer.json, run as tokenizers 0.23.3 runs it.
// Scope: added tokens matched in the raw text (leftmost-longest, lstrip/rstrip) → normalizer steps → pre-tokenizer
// steps → model (Unigram, WordPiece, BPE) → post-processor template, with HF's longest-first truncation that reserves the
// template's special tokens. All work is on UTF-8 bytes. The components and what is refused are listed in
// TokenizerFile.swift. Non-goals: offsets, decoding, padding/batching, the file's truncation/padding settings (the
// caller passes the maximum length).

/// A tokenizer read from a tokenizer.json file (or wrapping a vocab.txt `WordPieceTokenizer`), as a user of transformers
/// 5.23.0's `AutoTokenizer` gets it.
///
/// `encode(text, maxLength:)` equals transformers' `tokenizer(text, truncation=True, max_length=maxLength)`.
/// `init(json:tokenizerConfig:hashKey:)` applies what the `tokenizer_class` of tokenizer_config.json changes on top of
/// the file (TokenizerClass.swift: e.g. `XLMRobertaTokenizer` replaces the normalizer and pre-tokenizer); the inits
/// without a config run the file as written, as `PreTrainedTokenizerFast` / `TokenizersBackend` do.
public final class TextTokenizer: SequenceTokenizer, Sendable {
  /// What runs: a tokenizer.json pipeline, or the vocab.txt WordPiece tokenizer.
  enum Engine: Sendable {
    case file(TextPipeline)
    case wordPiece(WordPieceTokenizer)
  }

  let engine: Engine
  /// tokenizer_config.json's `model_max_length`, else 512.
  public let defaultMaxLength: Int

  /// The tokenizer.json pipeline (callers that know the engine is one).
  var pipeline: TextPipeline {
    guard case .file(let pipeline) = engine else { preconditionFailure("a WordPiece (vocab.txt) TextTokenizer") }
    return pipeline
  }

  /// Parses tokenizer.json and runs it as written. `hashKey` keys the vocabulary hash tables (random and secret per
  /// load, below 2^31 - 2, as for `Vocabulary`); any value gives the same ids.
  public convenience init(json bytes: UnsafeRawBufferPointer, hashKey: UInt32) throws(ConfigError) {
    let root: JSONValue
    do throws(JSONError) {
      root = try JSONValue.parseExact(bytes)
    } catch {
      throw .invalidJSON(error)
    }
    // Everything is checked before the instance exists (see WordPieceTokenizer.init on Embedded Swift).
    self.init(engine: .file(try TextPipeline(root: root, hashKey: hashKey)), defaultMaxLength: 512)
  }

  /// Parses tokenizer.json held in an array and runs it as written.
  public convenience init(json bytes: [UInt8], hashKey: UInt32) throws(ConfigError) {
    let root = try TokenizerClass.parseJSON(bytes)
    self.init(engine: .file(try TextPipeline(root: root, hashKey: hashKey)), defaultMaxLength: 512)
  }

  /// The tokenizer transformers 5.23.0's `AutoTokenizer` builds from a model directory's tokenizer.json (`json`) and
  /// tokenizer_config.json (`tokenizerConfig`, nil when the directory has none): the file's pipeline, or the one the
  /// config's `tokenizer_class` rebuilds from the file's vocabulary (BertTokenizer, DistilBertTokenizer,
  /// ElectraTokenizer, RobertaTokenizer, XLMRobertaTokenizer); `defaultMaxLength` from `model_max_length`.
  ///
  /// A `tokenizer_class` that transformers rebuilds in a way not reproduced here is refused:
  /// `ConfigError.unsupported(field: "tokenizer_config.json tokenizer_class", value: name)`. When the class is absent,
  /// transformers picks one from config.json's `model_type`; this runs the file as written (what `TokenizersBackend`
  /// does), so pass a config that names the class when the model type has its own tokenizer class.
  public convenience init(json: [UInt8], tokenizerConfig: [UInt8]?, hashKey: UInt32) throws(ConfigError) {
    let built = try TokenizerClass.build(json: json, tokenizerConfig: tokenizerConfig, hashKey: hashKey)
    self.init(engine: .file(built.pipeline), defaultMaxLength: built.defaultMaxLength)
  }

  /// Builds the tokenizer from an already parsed tokenizer.json, run as written.
  public convenience init(root: JSONValue, hashKey: UInt32) throws(ConfigError) {
    self.init(engine: .file(try TextPipeline(root: root, hashKey: hashKey)), defaultMaxLength: 512)
  }

  /// A TextTokenizer that runs the vocab.txt tokenizer `wordPiece` unchanged (its options, special tokens and
  /// `defaultMaxLength`), so callers can hold one tokenizer type for every model directory.
  public convenience init(wordPiece: WordPieceTokenizer) {
    self.init(engine: .wordPiece(wordPiece), defaultMaxLength: wordPiece.defaultMaxLength)
  }

  init(engine: Engine, defaultMaxLength: Int) {
    self.engine = engine
    self.defaultMaxLength = defaultMaxLength
  }

  /// Number of ids: the model's vocabulary and the added tokens beyond it (HF `get_vocab_size(with_added_tokens=True)`).
  public var vocabularySize: Int {
    switch engine {
    case .file(let pipeline): return pipeline.vocabularySize
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.count
    }
  }

  /// `padding.pad_id` of the file when it sets padding; otherwise nil (take the pad token from tokenizer_config.json
  /// and look it up with `id(_:)`). For a vocab.txt tokenizer: its pad token's id.
  public var padID: Int32? {
    switch engine {
    case .file(let pipeline): return pipeline.padID
    case .wordPiece(let wordPiece): return wordPiece.padID
    }
  }

  /// The id of `token`: an added token first, then the model's vocabulary (HF `token_to_id`).
  public func id(_ token: String) -> Int32? {
    switch engine {
    case .file(let pipeline):
      var id: Int32? = nil
      withUTF8Bytes(of: token) { id = pipeline.id($0) }
      return id
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.id(token)
    }
  }

  /// The string of `id` (HF `id_to_token`), or nil when out of range.
  public func token(_ id: Int32) -> String? {
    switch engine {
    case .file(let pipeline): return pipeline.token(id)
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.token(id)
    }
  }

  /// Model ids of `text` without special tokens and without truncation (HF `encode(text, add_special_tokens=False)`).
  public func pieceIDs(_ text: String) -> [Int32] {
    switch engine {
    case .file(let pipeline):
      var ids: [Int32] = []
      var workspace = TextWorkspace()
      withUTF8Bytes(of: text) { pipeline.appendSequence($0, to: &ids, workspace: &workspace) }
      return ids
    case .wordPiece(let wordPiece): return wordPiece.pieceIDs(text)
    }
  }

  /// The post-processor's single template around `text`, the text's pieces cut to `maxLength` (nil:
  /// `defaultMaxLength`) minus the template's special tokens. As in transformers, a `maxLength` below that number of
  /// special tokens truncates nothing.
  public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
    switch engine {
    case .file(let pipeline):
      var first = pieceIDs(text)
      var second: [Int32] = []
      pipeline.truncate(&first, &second, pair: false, maxLength: maxLength ?? defaultMaxLength)
      return pipeline.assemble(first, second, pair: false)
    case .wordPiece(let wordPiece): return wordPiece.encode(text, maxLength: maxLength)
    }
  }

  /// The pair template around `first` and `second`, truncated longest-first to `maxLength` (nil: `defaultMaxLength`;
  /// HF `LongestFirst`). As in transformers, an empty `second` means no pair: the result is `encode(first, maxLength:)`.
  public func encode(_ first: String, _ second: String, maxLength: Int? = nil) -> Encoding {
    switch engine {
    case .file(let pipeline):
      if second.isEmpty { return encode(first, maxLength: maxLength) }
      var firstIDs = pieceIDs(first)
      var secondIDs = pieceIDs(second)
      pipeline.truncate(&firstIDs, &secondIDs, pair: true, maxLength: maxLength ?? defaultMaxLength)
      return pipeline.assemble(firstIDs, secondIDs, pair: true)
    case .wordPiece(let wordPiece): return wordPiece.encode(first, second, maxLength: maxLength)
    }
  }
}

#if !hasFeature(Embedded)
  extension TextTokenizer {
    /// Parses tokenizer.json with a hash key from the system's random source.
    public convenience init(json bytes: [UInt8]) throws(ConfigError) {
      try self.init(json: bytes, hashKey: .random(in: 0..<0x7FFF_FFFE))
    }
  }
#endif

/// Buffers reused across the segments and pieces of one call.
struct TextWorkspace {
  /// Normalized bytes of the current segment, and scratch for the next normalization step.
  var normalized: [UInt8] = []
  var scratch: [UInt8] = []
  var bert = NormalizerWorkspace()
  /// Pre-tokenized pieces: bytes, and (start, end) pairs into them; `next*` receive the next step's output.
  var pieceBytes: [UInt8] = []
  var pieceRanges: [Int] = []
  var nextBytes: [UInt8] = []
  var nextRanges: [Int] = []
  var unigram = UnigramWorkspace()
  /// Byte offset of each scalar of a WordPiece word, plus its end.
  var scalarStarts: [Int] = []
}

/// The parsed pipeline (a value, so a throwing parse leaves nothing half-built).
struct TextPipeline: Sendable {
  let addedTokens: [AddedToken]
  /// Added token contents, value = index into `addedTokens`.
  let addedTrie: ByteTrie
  /// Contents of the added tokens beyond the model's vocabulary: id = model.count + index. (Those ids are dense, and an
  /// added token with a smaller id spells the model's piece of that id: TokenizerJSON.addedTokens checks both.)
  let extraTokens: [String]
  let normalizers: [NormalizerStep]
  let preTokenizers: [PreTokenizerStep]
  let model: TokenizerModel
  var template: PostTemplate
  let vocabularySize: Int
  let padID: Int32?

  /// `namedSpecials`: special tokens transformers adds when they are not among the added tokens yet (in this order,
  /// special, no strip, the id `TokenizerJSON.derivedID` gives).
  init(root: JSONValue, hashKey: UInt32, namedSpecials: [[UInt8]] = []) throws(ConfigError) {
    try TokenizerJSON.checkKeys(
      root, "tokenizer.json",
      allowed: [
        "version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "model", "post_processor",
        "decoder",
      ])
    let model = try TokenizerJSON.model(root["model"], hashKey: hashKey)
    self.model = model
    var addedTrie = ByteTrie(hashKey: hashKey &+ 0x9E37_79B9)
    var added = try TokenizerJSON.addedTokens(root, model: model, trie: &addedTrie)
    var largest = -1
    for token in added { largest = max(largest, Int(token.id)) }
    for content in namedSpecials where !content.isEmpty && content.count <= TokenizerJSON.maxTokenBytes {
      let index = Int32(truncatingIfNeeded: added.count)
      let previous = content.withUnsafeBufferPointer { addedTrie.insert($0, 0, $0.count, value: index) }
      if previous >= 0 { continue }  // already added (insert keeps the existing value)
      let id = TokenizerJSON.derivedID(content, model: model, largest: largest)
      guard id < Int(Int32.max) else { throw .invalidField("added_tokens", expected: "fewer than 2^31 ids") }
      largest = max(largest, id)
      added.append(
        AddedToken(
          id: Int32(truncatingIfNeeded: id), content: content.withUnsafeBufferPointer { decodeUTF8($0) },
          leftStrip: false, rightStrip: false))
    }
    addedTokens = added
    self.addedTrie = addedTrie
    var extra: [String] = []
    for token in added where Int(token.id) >= model.count { extra.append(token.content) }
    extraTokens = extra
    var normalizers: [NormalizerStep] = []
    try TokenizerJSON.normalizer(root["normalizer"], "normalizer", into: &normalizers)
    self.normalizers = normalizers
    var preTokenizers: [PreTokenizerStep] = []
    try TokenizerJSON.preTokenizer(
      root["pre_tokenizer"], "pre_tokenizer", into: &preTokenizers, hasNormalizer: !normalizers.isEmpty)
    self.preTokenizers = preTokenizers
    template = try TokenizerJSON.postProcessor(root["post_processor"], "post_processor") ?? PostTemplate.identity
    let size = model.count + extraTokens.count
    vocabularySize = size
    for pieces in [template.single, template.pair] {
      for piece in pieces {
        guard case .special(let ids, _) = piece else { continue }
        for id in ids where Int(id) >= size {
          throw .invalidField("post_processor", expected: ByteText("special token ids below \(size)").string)
        }
      }
    }
    if let padding = root["padding"], !padding.isNull {
      guard let id = padding["pad_id"]?.intValue, id >= 0, id < size else {
        throw .invalidField("padding.pad_id", expected: "an id of the vocabulary")
      }
      padID = Int32(truncatingIfNeeded: id)
    } else {
      padID = nil
    }
  }

  func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    let added = addedTrie.value(bytes, 0, bytes.count)
    if added >= 0 { return addedTokens[Int(added)].id }
    return model.id(bytes)
  }

  func token(_ id: Int32) -> String? {
    guard id >= 0 else { return nil }
    let index = Int(id)
    if index >= model.count {
      return index - model.count < extraTokens.count ? extraTokens[index - model.count] : nil
    }
    switch model {
    case .unigram(let unigram): return unigram.piece(index)
    case .wordPiece(let wordPiece): return wordPiece.vocabulary.tokenString(index)
    case .bytePair(let bytePair): return bytePair.token(id)
    }
  }

  // MARK: Truncation and templates

  /// HF's truncation: the template's special tokens are reserved; one sequence is cut to the budget, a pair longest
  /// first (`WordPieceTokenizer.longestFirstLengths`). A budget below zero means no truncation (transformers).
  func truncate(_ first: inout [Int32], _ second: inout [Int32], pair: Bool, maxLength: Int) {
    let added = template.addedCount(pair: pair)
    guard maxLength >= added else { return }
    let budget = maxLength - added
    if !pair {
      if first.count > budget { first.removeLast(first.count - budget) }
      return
    }
    let (firstLength, secondLength) = WordPieceTokenizer.longestFirstLengths(first.count, second.count, budget: budget)
    first.removeLast(first.count - firstLength)
    second.removeLast(second.count - secondLength)
  }

  func assemble(_ first: [Int32], _ second: [Int32], pair: Bool) -> Encoding {
    var ids: [Int32] = []
    var types: [Int32] = []
    for piece in pair ? template.pair : template.single {
      switch piece {
      case .sequence(let isSecond, let typeID):
        for id in isSecond ? second : first {
          ids.append(id)
          types.append(typeID)
        }
      case .special(let specialIDs, let typeID):
        for id in specialIDs {
          ids.append(id)
          types.append(typeID)
        }
      }
    }
    var tokens: [String] = []
    for id in ids { tokens.append(token(id) ?? "") }
    return Encoding(
      inputIDs: ids, tokenTypeIDs: types, attentionMask: [Int32](repeating: 1, count: ids.count), tokens: tokens)
  }

  // MARK: Added tokens

  /// The longest added token starting at `position`: (index into `addedTokens`, end), or nil.
  func addedMatch(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> (Int, Int)? {
    var node = ByteTrie.root
    var index = position
    var best: (Int, Int)? = nil
    while index < bytes.count {
      node = addedTrie.child(node, bytes[index])
      if node < 0 { break }
      index += 1
      let value = addedTrie.values[Int(node)]
      if value >= 0 { best = (Int(value), index) }
    }
    return best
  }

  /// Splits one sequence at added tokens (HF `AddedVocabulary::find_matches`, leftmost-longest, non-overlapping over
  /// the raw text) and runs the rest of the pipeline on the text between them.
  func appendSequence(_ bytes: UnsafeBufferPointer<UInt8>, to ids: inout [Int32], workspace: inout TextWorkspace) {
    var startOffset = 0
    var position = 0
    // The end of the White_Space run last scanned by rstrip, and where that scan began (reused for linear time).
    var scannedFrom = -1
    var scannedEnd = -1
    while position < bytes.count {
      guard let (tokenIndex, matchEnd) = addedMatch(bytes, at: position) else {
        position += 1
        continue
      }
      let token = addedTokens[tokenIndex]
      var start = position
      var stop = matchEnd
      if token.leftStrip {
        // Back over White_Space, but never before the end of the previous split.
        var newStart = start
        while newStart > startOffset {
          var previous = newStart - 1
          while previous > 0 && bytes[previous] & 0xC0 == 0x80 { previous -= 1 }
          var cursor = previous
          if !UnicodeData.isWhitespace(UTF8Scalars.decode(bytes, &cursor)) { break }
          newStart = previous
        }
        start = max(newStart, startOffset)
      }
      if token.rightStrip {
        if stop >= scannedFrom && stop <= scannedEnd && scannedFrom >= 0 {
          stop = scannedEnd
        } else {
          scannedFrom = stop
          var cursor = stop
          while cursor < bytes.count {
            var next = cursor
            if !UnicodeData.isWhitespace(UTF8Scalars.decode(bytes, &next)) { break }
            cursor = next
          }
          scannedEnd = cursor
          stop = cursor
        }
      }
      if startOffset < start { appendSegment(bytes, startOffset, start, to: &ids, workspace: &workspace) }
      ids.append(token.id)
      startOffset = stop
      position = matchEnd
    }
    if startOffset < bytes.count { appendSegment(bytes, startOffset, bytes.count, to: &ids, workspace: &workspace) }
  }

  // MARK: Normalization, pre-tokenization, model

  /// Normalizes `bytes[start ..< end]`, pre-tokenizes it and appends the model's ids of each piece.
  func appendSegment(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, to ids: inout [Int32],
    workspace: inout TextWorkspace
  ) {
    workspace.normalized.removeAll(keepingCapacity: true)
    appendBytes(UnsafeBufferPointer(rebasing: bytes[start..<end]), to: &workspace.normalized)
    for step in normalizers {
      workspace.scratch.removeAll(keepingCapacity: true)
      workspace.normalized.withUnsafeBufferPointer { input in
        Self.normalize(step, input, into: &workspace.scratch, bert: &workspace.bert)
      }
      swap(&workspace.normalized, &workspace.scratch)
    }
    workspace.pieceBytes.removeAll(keepingCapacity: true)
    workspace.pieceRanges.removeAll(keepingCapacity: true)
    appendBytes(of: workspace.normalized, to: &workspace.pieceBytes)
    if !workspace.normalized.isEmpty {
      workspace.pieceRanges.append(0)
      workspace.pieceRanges.append(workspace.normalized.count)
    }
    for step in preTokenizers {
      workspace.nextBytes.removeAll(keepingCapacity: true)
      workspace.nextRanges.removeAll(keepingCapacity: true)
      var rangeIndex = 0
      while rangeIndex < workspace.pieceRanges.count {
        let pieceStart = workspace.pieceRanges[rangeIndex]
        let pieceEnd = workspace.pieceRanges[rangeIndex + 1]
        rangeIndex += 2
        workspace.pieceBytes.withUnsafeBufferPointer { piece in
          Self.preTokenize(
            step, UnsafeBufferPointer(rebasing: piece[pieceStart..<pieceEnd]), atTextStart: start == 0,
            bytes: &workspace.nextBytes, ranges: &workspace.nextRanges)
        }
      }
      swap(&workspace.pieceBytes, &workspace.nextBytes)
      swap(&workspace.pieceRanges, &workspace.nextRanges)
    }
    var rangeIndex = 0
    while rangeIndex < workspace.pieceRanges.count {
      let pieceStart = workspace.pieceRanges[rangeIndex]
      let pieceEnd = workspace.pieceRanges[rangeIndex + 1]
      rangeIndex += 2
      let pieceBytes = workspace.pieceBytes
      pieceBytes.withUnsafeBufferPointer { all in
        let word = UnsafeBufferPointer(rebasing: all[pieceStart..<pieceEnd])
        switch model {
        case .unigram(let unigram): unigram.tokenize(word, into: &ids, workspace: &workspace.unigram)
        case .wordPiece(let wordPiece):
          Self.wordPieces(wordPiece, word, into: &ids, scalarStarts: &workspace.scalarStarts)
        case .bytePair(let bytePair): bytePair.tokenize(word, into: &ids)
        }
      }
    }
  }

  /// One normalizer step from `input` into `output` (valid UTF-8 in, valid UTF-8 out).
  static func normalize(
    _ step: NormalizerStep, _ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
    bert: inout NormalizerWorkspace
  ) {
    switch step {
    case .replace(.literal(let pattern), let content):
      var index = 0
      while index < input.count {
        if index + pattern.count <= input.count && matches(pattern, input, at: index) {
          appendBytes(of: content, to: &output)
          index += pattern.count
        } else {
          output.append(input[index])
          index += 1
        }
      }
    case .replace(.run(let character, let minimum), let content):
      var index = 0
      while index < input.count {
        var repeats = 0
        var end = index
        while end + character.count <= input.count && matches(character, input, at: end) {
          repeats += 1
          end += character.count
        }
        if repeats == 0 {
          output.append(input[index])
          index += 1
        } else {
          if repeats >= minimum {
            appendBytes(of: content, to: &output)
          } else {
            appendBytes(UnsafeBufferPointer(rebasing: input[index..<end]), to: &output)
          }
          index = end
        }
      }
    case .strip(let left, let right):
      // The first and last non-White_Space scalars bound what is kept on the stripped sides.
      var contentStart = input.count
      var contentEnd = 0
      var index = 0
      while index < input.count {
        let scalarStart = index
        if !UnicodeData.isWhitespace(UTF8Scalars.decode(input, &index)) {
          contentStart = min(contentStart, scalarStart)
          contentEnd = index
        }
      }
      let first = left ? contentStart : 0
      let last = right ? contentEnd : input.count
      if first < last { appendBytes(UnsafeBufferPointer(rebasing: input[first..<last]), to: &output) }
    case .bert(let normalizer):
      normalizer.normalize(input, 0, input.count, into: &bert)
      for scalar in bert.scalars { UTF8Scalars.append(scalar, to: &output) }
    case .precompiled(let charsmap):
      charsmap.normalize(input, into: &output)
    }
  }

  static func matches(_ pattern: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
    for offset in 0..<pattern.count where pattern[offset] != bytes[start + offset] { return false }
    return true
  }

  /// One pre-tokenizer step on one piece: appends the resulting pieces' bytes and (start, end) ranges.
  /// `atTextStart`: the piece begins at offset 0 of the original sequence (Metaspace "first").
  static func preTokenize(
    _ step: PreTokenizerStep, _ piece: UnsafeBufferPointer<UInt8>, atTextStart: Bool, bytes: inout [UInt8],
    ranges: inout [Int]
  ) {
    switch step {
    case .metaspace(let replacement, let scheme, let split):
      let base = bytes.count
      let startsWithReplacement =
        piece.count >= replacement.count && matches(replacement, piece, at: 0)
        || (piece.count > 0 && piece[0] == 0x20 && replacement.count > 0)
      let prepend: Bool
      switch scheme {
      case .always: prepend = true
      case .first: prepend = atTextStart
      case .never: prepend = false
      }
      if prepend && !startsWithReplacement && piece.count > 0 { appendBytes(of: replacement, to: &bytes) }
      for byte in piece {
        if byte == 0x20 { appendBytes(of: replacement, to: &bytes) } else { bytes.append(byte) }
      }
      let end = bytes.count
      guard end > base else { return }
      if !split {
        ranges.append(base)
        ranges.append(end)
        return
      }
      // MergedWithNext: each occurrence of the replacement starts a new piece.
      var pieceStart = base
      var index = base
      while index < end {
        if index > pieceStart && index + replacement.count <= end
          && bytes.withUnsafeBufferPointer({ matches(replacement, $0, at: index) })
        {
          ranges.append(pieceStart)
          ranges.append(index)
          pieceStart = index
        }
        index += 1
      }
      ranges.append(pieceStart)
      ranges.append(end)
    case .byteLevel(let byteLevel):
      // HF runs it on each piece: the prefix space goes before every piece that lacks one.
      byteLevel.split(piece) { mapped in
        let base = bytes.count
        appendBytes(mapped, to: &bytes)
        ranges.append(base)
        ranges.append(bytes.count)
      }
    case .whitespaceSplit, .bert:
      let isBert: Bool
      if case .bert = step { isBert = true } else { isBert = false }
      let base = bytes.count
      appendBytes(piece, to: &bytes)
      var wordStart = 0
      var index = 0
      while index < piece.count {
        let scalarStart = index
        let scalar = UTF8Scalars.decode(piece, &index)
        if UnicodeData.isWhitespace(scalar) {
          if scalarStart > wordStart {
            ranges.append(base + wordStart)
            ranges.append(base + scalarStart)
          }
          wordStart = index
        } else if isBert && UnicodeData.isPunctuation(scalar) {
          if scalarStart > wordStart {
            ranges.append(base + wordStart)
            ranges.append(base + scalarStart)
          }
          ranges.append(base + scalarStart)
          ranges.append(base + index)
          wordStart = index
        }
      }
      if piece.count > wordStart {
        ranges.append(base + wordStart)
        ranges.append(base + piece.count)
      }
    }
  }

  /// HF WordPiece on one word: greedy longest match, "##" on non-initial pieces; the whole word is the unknown token
  /// when it has more than `maxInputCharsPerWord` scalars or some position matches nothing.
  static func wordPieces(
    _ model: WordPieceModel, _ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scalarStarts: inout [Int]
  ) {
    scalarStarts.removeAll(keepingCapacity: true)
    var index = 0
    while index < word.count {
      scalarStarts.append(index)
      _ = UTF8Scalars.decode(word, &index)
    }
    let scalarCount = scalarStarts.count
    scalarStarts.append(word.count)
    if scalarCount > model.maxInputCharsPerWord {
      ids.append(model.unknownID)
      return
    }
    let firstPiece = ids.count
    var pieceStart = 0
    while pieceStart < scalarCount {
      // Start from the longest candidate that fits in the longest token (HF tries longer ones, which never match).
      let budget = model.longestTokenBytes - (pieceStart > 0 ? 2 : 0)
      var pieceEnd = pieceStart
      while pieceEnd < scalarCount && scalarStarts[pieceEnd + 1] - scalarStarts[pieceStart] <= budget { pieceEnd += 1 }
      var pieceID: Int32? = nil
      while pieceEnd > pieceStart {
        pieceID = model.vocabulary.lookup(
          word, scalarStarts[pieceStart], scalarStarts[pieceEnd], prefixed: pieceStart > 0)
        if pieceID != nil { break }
        pieceEnd -= 1
      }
      guard let pieceID else {
        ids.removeLast(ids.count - firstPiece)
        ids.append(model.unknownID)
        return
      }
      ids.append(pieceID)
      pieceStart = pieceEnd
    }
  }
}

extension BertNormalizer {
  /// A BertNormalizer with its switches given directly (tokenizer.json's BertNormalizer object).
  init(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool) {
    self.cleanText = cleanText
    self.handleChineseChars = handleChineseChars
    self.stripAccents = stripAccents
    self.lowercase = lowercase
  }
}
