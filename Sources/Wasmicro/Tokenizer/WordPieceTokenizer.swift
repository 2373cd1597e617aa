// WordPieceTokenizer.swift — the BERT tokenizer as HF's `BertTokenizerFast` runs it (transformers 5 / tokenizers 0.23).
// Scope: special tokens matched in the raw text → BertNormalizer → BertPreTokenizer → WordPiece (greedy longest match,
// "##" continuation) → BertProcessing ([CLS] A [SEP] (B [SEP])) with longest-first truncation.
// Non-goals: padding/batching, offsets, decoding ids back to text, added (non-special) tokens, BPE/Unigram models.

/// BERT WordPiece tokenizer over a `Vocabulary`.
public final class WordPieceTokenizer: SequenceTokenizer, Sendable {
  public let vocabulary: Vocabulary
  public let options: TokenizerOptions
  /// Id of `options.unkToken`; emitted for a word that cannot be split into vocabulary pieces.
  public let unkID: Int32
  public let clsID: Int32
  public let sepID: Int32
  public let padID: Int32
  /// Id of `options.maskToken`, when the vocabulary has it (it is then also matched in the text).
  public let maskID: Int32?
  /// `options.maxLength`.
  public var defaultMaxLength: Int { options.maxLength }
  /// Special tokens matched verbatim in the raw text (HF added tokens with `normalized: false`): UTF-8 bytes and id.
  let specialTokens: [SpecialToken]
  let normalizer: BertNormalizer

  struct SpecialToken: Sendable {
    var bytes: [UInt8]
    var id: Int32
  }

  /// The longest text one call takes, in UTF-8 bytes (16 MiB; each text of a pair may have as many). Text entry points
  /// (the CLI, `SentenceEmbedder`, `SequenceClassifier`, the wasm exports) refuse longer ones with a typed error: a call
  /// holds about 12 bytes per input byte, and past 2^28 scalars the wasm32 instance ran out of address space and trapped.
  public static var maxTextBytes: Int { 1 << 24 }

  #if !hasFeature(Embedded)
    /// Throws `.tooLarge` for a text of `byteCount` UTF-8 bytes over `maxTextBytes`.
    public static func checkTextLength(_ byteCount: Int) throws(TokenizerError) {
      if byteCount > maxTextBytes { throw .tooLarge(what: "text", bytes: byteCount, limit: maxTextBytes) }
    }
  #endif

  /// Checks that the unknown, class, separator and padding tokens are in `vocabulary`.
  public convenience init(vocabulary: Vocabulary, options: TokenizerOptions) throws(TokenizerError) {
    // Every check runs before the instance exists (a convenience init allocates only when it delegates): Embedded
    // Swift does not free a class instance whose designated init throws part-way, which leaked 128 bytes of wasm
    // heap per rejected vocabulary (web/test/errors.test.mjs caught it).
    func require(_ token: String) throws(TokenizerError) -> Int32 {
      guard let id = vocabulary.id(token) else { throw .missingSpecialToken(token) }
      return id
    }
    let unkID = try require(options.unkToken)
    let clsID = try require(options.clsToken)
    let sepID = try require(options.sepToken)
    let padID = try require(options.padToken)
    self.init(vocabulary: vocabulary, options: options, unkID: unkID, clsID: clsID, sepID: sepID, padID: padID)
  }

  private init(
    vocabulary: Vocabulary, options: TokenizerOptions, unkID: Int32, clsID: Int32, sepID: Int32, padID: Int32
  ) {
    self.vocabulary = vocabulary
    self.options = options
    self.unkID = unkID
    self.clsID = clsID
    self.sepID = sepID
    self.padID = padID
    maskID = vocabulary.id(options.maskToken)
    // In HF's added-token order; a token spelled like an earlier one is matched once. (Straight-line calls, not a
    // loop over an array of (String, Int32?) tuples: that array type alone cost about 600 bytes of wasm.)
    var specials: [SpecialToken] = []
    WordPieceTokenizer.addSpecial(options.padToken, padID, to: &specials)
    WordPieceTokenizer.addSpecial(options.unkToken, unkID, to: &specials)
    WordPieceTokenizer.addSpecial(options.clsToken, clsID, to: &specials)
    WordPieceTokenizer.addSpecial(options.sepToken, sepID, to: &specials)
    if let maskID { WordPieceTokenizer.addSpecial(options.maskToken, maskID, to: &specials) }
    specialTokens = specials
    normalizer = BertNormalizer(options: options)
  }

  /// Appends `token` as a special token unless one with the same bytes is already there.
  @inline(never)
  private static func addSpecial(_ token: String, _ id: Int32, to specials: inout [SpecialToken]) {
    let bytes = ByteText.bytes(of: token)
    for special in specials where special.bytes == bytes { return }
    specials.append(SpecialToken(bytes: bytes, id: id))
  }

  /// Word-piece strings of `text`, without [CLS]/[SEP] (HF `tokenizer.tokenize(text)`).
  public func tokenize(_ text: String) -> [String] {
    pieceIDs(text).map { vocabulary.tokenString(Int($0)) }
  }

  /// Word-piece ids of `text`, without [CLS]/[SEP] and without truncation.
  public func pieceIDs(_ text: String) -> [Int32] {
    var ids: [Int32] = []
    var workspace = TokenizerWorkspace()
    withUTF8Bytes(of: text) { appendPieceIDs($0, to: &ids, workspace: &workspace) }
    return ids
  }

  /// `[CLS] text [SEP]`, keeping the first `maxLength - 2` pieces (`maxLength ?? options.maxLength`).
  ///
  /// As in HF, a `maxLength` below 2 (too small for the special tokens) disables truncation.
  public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
    var pieces = pieceIDs(text)
    let limit = maxLength ?? options.maxLength
    if limit >= 2 && pieces.count > limit - 2 { pieces.removeLast(pieces.count - (limit - 2)) }
    var ids: [Int32] = [clsID]
    ids.append(contentsOf: pieces)
    ids.append(sepID)
    return makeEncoding(ids, secondStart: ids.count)
  }

  /// `[CLS] first [SEP] second [SEP]` with token types 0…0 1…1, truncated HF "longest_first" style.
  ///
  /// As in transformers, an empty `second` means "no pair": the result is `encode(first, maxLength:)`. A `maxLength`
  /// below 3 disables truncation (HF behaviour).
  public func encode(_ first: String, _ second: String, maxLength: Int? = nil) -> Encoding {
    if second.isEmpty { return encode(first, maxLength: maxLength) }
    var firstPieces = pieceIDs(first)
    var secondPieces = pieceIDs(second)
    let limit = maxLength ?? options.maxLength
    if limit >= 3 {
      let (firstLength, secondLength) = Self.longestFirstLengths(
        firstPieces.count, secondPieces.count, budget: limit - 3)
      firstPieces.removeLast(firstPieces.count - firstLength)
      secondPieces.removeLast(secondPieces.count - secondLength)
    }
    var ids: [Int32] = [clsID]
    ids.append(contentsOf: firstPieces)
    ids.append(sepID)
    let secondStart = ids.count
    ids.append(contentsOf: secondPieces)
    ids.append(sepID)
    return makeEncoding(ids, secondStart: secondStart)
  }

  /// Lengths kept by HF tokenizers' `LongestFirst` truncation of a pair to `budget` pieces in total.
  ///
  /// Not "remove one piece at a time": the shorter sequence keeps min(its length, budget / 2 rounded as below) and the
  /// longer one gets the rest; when both exceed half the budget the first gets budget / 2 and the second the remainder.
  static func longestFirstLengths(_ firstCount: Int, _ secondCount: Int, budget: Int) -> (Int, Int) {
    if firstCount + secondCount <= budget { return (firstCount, secondCount) }
    let swapped = firstCount > secondCount
    var shorter = swapped ? secondCount : firstCount
    var longer: Int
    if shorter > budget {
      longer = shorter
    } else {
      longer = max(shorter, budget - shorter)
    }
    if shorter + longer > budget {
      shorter = budget / 2
      longer = shorter + budget % 2
    }
    let firstLength = swapped ? longer : shorter
    let secondLength = swapped ? shorter : longer
    return (min(firstLength, firstCount), min(secondLength, secondCount))
  }

  func makeEncoding(_ ids: [Int32], secondStart: Int) -> Encoding {
    var types = [Int32](repeating: 0, count: ids.count)
    for index in secondStart..<ids.count { types[index] = 1 }
    return Encoding(
      inputIDs: ids, tokenTypeIDs: types, attentionMask: [Int32](repeating: 1, count: ids.count),
      tokens: ids.map { vocabulary.tokenString(Int($0)) })
  }

  /// Splits the raw UTF-8 text at special tokens (leftmost, then longest match), tokenizing the text between them.
  func appendPieceIDs(_ bytes: UnsafeBufferPointer<UInt8>, to ids: inout [Int32], workspace: inout TokenizerWorkspace) {
    var segmentStart = 0
    var index = 0
    let count = bytes.count
    while index < count {
      // Special tokens start with '[' for BERT, but any byte may start one; check cheaply by first byte.
      var matchLength = 0
      var matchID: Int32 = 0
      for special in specialTokens where special.bytes.count > matchLength && special.bytes[0] == bytes[index] {
        if index + special.bytes.count <= count && matches(special.bytes, bytes, at: index) {
          matchLength = special.bytes.count
          matchID = special.id
        }
      }
      if matchLength > 0 {
        appendSegment(bytes, segmentStart, index, to: &ids, workspace: &workspace)
        ids.append(matchID)
        index += matchLength
        segmentStart = index
      } else {
        index += 1
      }
    }
    appendSegment(bytes, segmentStart, count, to: &ids, workspace: &workspace)
  }

  @inline(never)
  func matches(_ pattern: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
    for offset in 0..<pattern.count where pattern[offset] != bytes[start + offset] { return false }
    return true
  }

  /// Normalizes, pre-tokenizes and WordPiece-splits `bytes[start ..< end]`.
  func appendSegment(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, to ids: inout [Int32],
    workspace: inout TokenizerWorkspace
  ) {
    guard start < end else { return }
    normalizer.normalize(bytes, start, end, into: &workspace.normalizer)
    let scalars = workspace.normalizer.scalars
    BertPreTokenizer.forEachWord(scalars) { wordStart, wordEnd in
      appendWordPieces(scalars, wordStart, wordEnd, to: &ids, workspace: &workspace)
    }
  }

  /// WordPiece on one word `scalars[start ..< end]`: greedy longest-match-first, "##" on non-initial pieces; the whole
  /// word becomes [UNK] when it is longer than `maxInputCharsPerWord` scalars or any position has no match.
  func appendWordPieces(
    _ scalars: [UInt32], _ start: Int, _ end: Int, to ids: inout [Int32], workspace: inout TokenizerWorkspace
  ) {
    let scalarCount = end - start
    if scalarCount > options.maxInputCharsPerWord {
      ids.append(unkID)
      return
    }
    workspace.word.removeAll(keepingCapacity: true)
    workspace.scalarStarts.removeAll(keepingCapacity: true)
    for index in start..<end {
      workspace.scalarStarts.append(workspace.word.count)
      UTF8Scalars.append(scalars[index], to: &workspace.word)
    }
    workspace.scalarStarts.append(workspace.word.count)
    let firstPiece = ids.count
    var lookups = 0
    let found: Bool = workspace.word.withUnsafeBufferPointer { word in
      var pieceStart = 0
      while pieceStart < scalarCount {
        var pieceEnd = scalarCount
        var pieceID: Int32? = nil
        while pieceEnd > pieceStart {
          lookups += 1
          pieceID = vocabulary.lookup(
            word, workspace.scalarStarts[pieceStart], workspace.scalarStarts[pieceEnd], prefixed: pieceStart > 0)
          if pieceID != nil { break }
          pieceEnd -= 1
        }
        guard let pieceID else { return false }
        ids.append(pieceID)
        pieceStart = pieceEnd
      }
      return true
    }
    #if !hasFeature(Embedded)
      workspace.lookups += lookups
    #endif
    if !found {
      ids.removeLast(ids.count - firstPiece)
      ids.append(unkID)
    }
  }
}

/// Buffers reused across the words and segments of one call.
struct TokenizerWorkspace {
  var normalizer = NormalizerWorkspace()
  /// UTF-8 bytes of the current word.
  var word: [UInt8] = []
  /// Byte offset of each scalar of the current word in `word`, plus the end. `[scalarCount + 1]`
  var scalarStarts: [Int] = []
  #if !hasFeature(Embedded)
    /// Vocabulary lookups made by WordPiece: a work count for tests, like `NormalizerWorkspace.orderingSteps`.
    var lookups = 0
  #endif
}
