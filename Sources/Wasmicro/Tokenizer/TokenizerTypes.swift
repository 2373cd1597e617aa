// TokenizerTypes.swift — the tokenizer's error enum, options and the `Encoding` result.
// Scope: plain value types shared by Vocabulary and WordPieceTokenizer. Non-goals: padding/batching (done elsewhere).
// Equality is written by hand and compares strings byte-wise: a synthesized `==` would use `String ==`, which pulls the
// stdlib's normalisation tables into an Embedded build.

/// Errors from building a vocabulary or a tokenizer. Line numbers are 1-based lines of vocab.txt.
public enum TokenizerError: Error, Equatable, Sendable {
  /// vocab.txt holds no token at all.
  case emptyVocabulary
  /// An empty line before the end of vocab.txt (a token would be empty and every later id would shift).
  case emptyLine(line: Int)
  /// The same token appears twice; `line` is the second occurrence.
  case duplicateToken(line: Int, token: String)
  /// The line is not valid UTF-8.
  case invalidUTF8(line: Int)
  /// A special token required by the tokenizer (e.g. "[UNK]") is not in the vocabulary.
  case missingSpecialToken(String)
  #if !hasFeature(Embedded)
    /// An input is over its size limit: vocab.txt over `Vocabulary.maxFileBytes`, a text over
    /// `WordPieceTokenizer.maxTextBytes`. Not in the wasm build, where neither reaches the core: a wasm32 buffer is
    /// under 2 GiB, and the exports refuse an over-limit text first, with their own message (the module's size budget
    /// has no room for this case: about 190 bytes).
    case tooLarge(what: String, bytes: Int, limit: Int)
  #endif

  /// A one-line human-readable description, e.g. "vocab.txt line 7: duplicate token \"##s\"".
  public var message: String {
    // One interpolation for the three "vocab.txt line N: …" messages (each costs module bytes).
    let line: Int
    let problem: StaticString
    switch self {
    case .emptyVocabulary: return "vocab.txt holds no tokens"
    case .emptyLine(let at):
      line = at
      problem = "empty line (every line must hold one token)"
    case .duplicateToken(let at, let token):
      return ByteText("vocab.txt line \(at): duplicate token \"\(token)\"").string
    case .invalidUTF8(let at):
      line = at
      problem = "not valid UTF-8"
    case .missingSpecialToken(let token): return ByteText("special token \"\(token)\" is not in the vocabulary").string
    #if !hasFeature(Embedded)
      case .tooLarge(let what, let bytes, let limit):
        return ByteText("\(what) is \(bytes) bytes, over the limit of \(limit)").string
    #endif
    }
    return ByteText("vocab.txt line \(line): \(problem)").string
  }

  public static func == (lhs: TokenizerError, rhs: TokenizerError) -> Bool {
    switch (lhs, rhs) {
    case (.emptyVocabulary, .emptyVocabulary): return true
    case (.emptyLine(let a), .emptyLine(let b)): return a == b
    case (.duplicateToken(let a, let x), .duplicateToken(let b, let y)): return a == b && TokenizerText.equal(x, y)
    case (.invalidUTF8(let a), .invalidUTF8(let b)): return a == b
    case (.missingSpecialToken(let x), .missingSpecialToken(let y)): return TokenizerText.equal(x, y)
    #if !hasFeature(Embedded)
      case (.tooLarge(let x, let a, let c), .tooLarge(let y, let b, let d)):
        return TokenizerText.equal(x, y) && a == b && c == d
    #endif
    default: return false
    }
  }
}

/// `String(describing:)` on the host prints `message` (costs nothing in Embedded builds unless called).
extension TokenizerError: CustomStringConvertible {
  public var description: String { message }
}

/// Byte-wise string comparisons for the tokenizer (no Unicode normalisation, unlike `String ==`).
enum TokenizerText {
  static func equal(_ a: String, _ b: String) -> Bool {
    ByteText.equal(a, b)
  }

  static func equal(_ a: [String], _ b: [String]) -> Bool {
    guard a.count == b.count else { return false }
    for index in 0..<a.count where !equal(a[index], b[index]) { return false }
    return true
  }
}

/// Settings of the BERT pipeline (BertNormalizer, WordPiece, truncation), with HF's defaults.
public struct TokenizerOptions: Equatable, Sendable {
  /// Lowercase every scalar (Rust `char::to_lowercase`), after accent stripping.
  public var lowercase = true
  /// NFD + removal of non-spacing marks; `nil` means "same as `lowercase`" (HF's rule).
  public var stripAccents: Bool? = nil
  /// Surround CJK ideographs with spaces so each becomes its own word.
  public var tokenizeChineseChars = true
  /// Delete control/format/private-use scalars, NUL and U+FFFD; map whitespace to a space.
  public var cleanText = true
  /// Default sequence length limit for `encode`, special tokens included.
  public var maxLength = 512
  /// Words with more scalars than this become a single unknown token.
  public var maxInputCharsPerWord = 100
  public var unkToken = "[UNK]"
  public var clsToken = "[CLS]"
  public var sepToken = "[SEP]"
  public var padToken = "[PAD]"
  public var maskToken = "[MASK]"

  public init() {}

  /// Options from `tokenizer_config.json`: do_lower_case, strip_accents, tokenize_chinese_chars, the special tokens, and
  /// `model_max_length` as the default `maxLength` (512 when absent or "unlimited").
  public init(config: TokenizerConfig) {
    self = config.options
    if let length = config.modelMaxLength { maxLength = length }
  }

  /// Whether accents are stripped once `stripAccents == nil` is resolved.
  public var resolvedStripAccents: Bool { stripAccents ?? lowercase }

  public static func == (lhs: TokenizerOptions, rhs: TokenizerOptions) -> Bool {
    lhs.lowercase == rhs.lowercase && lhs.stripAccents == rhs.stripAccents
      && lhs.tokenizeChineseChars == rhs.tokenizeChineseChars && lhs.cleanText == rhs.cleanText
      && lhs.maxLength == rhs.maxLength && lhs.maxInputCharsPerWord == rhs.maxInputCharsPerWord
      && TokenizerText.equal(lhs.unkToken, rhs.unkToken) && TokenizerText.equal(lhs.clsToken, rhs.clsToken)
      && TokenizerText.equal(lhs.sepToken, rhs.sepToken) && TokenizerText.equal(lhs.padToken, rhs.padToken)
      && TokenizerText.equal(lhs.maskToken, rhs.maskToken)
  }
}

/// What the embedder and the classifiers need of a tokenizer: a text, or a pair, as model inputs of at most `maxLength`
/// tokens (`nil`: `defaultMaxLength`). `WordPieceTokenizer` (vocab.txt) and `TextTokenizer` (tokenizer.json) conform;
/// the pipelines are generic over it, so a wasm module links only the tokenizer its exports use.
public protocol SequenceTokenizer: AnyObject {
  func encode(_ text: String, maxLength: Int?) -> Encoding
  func encode(_ first: String, _ second: String, maxLength: Int?) -> Encoding
  /// tokenizer_config.json's `model_max_length`, else 512.
  var defaultMaxLength: Int { get }
}

/// The model inputs for one sequence (or pair): all arrays have the same length `[sequenceLength]`.
public struct Encoding: Equatable, Sendable {
  /// Token ids: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`.
  public var inputIDs: [Int32]
  /// 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
  public var tokenTypeIDs: [Int32]
  /// All ones (padding is added by batching code, not here).
  public var attentionMask: [Int32]
  /// The vocabulary string of each id.
  public var tokens: [String]

  public init(inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], tokens: [String]) {
    self.inputIDs = inputIDs
    self.tokenTypeIDs = tokenTypeIDs
    self.attentionMask = attentionMask
    self.tokens = tokens
  }

  /// Number of tokens.
  public var count: Int { inputIDs.count }

  public static func == (lhs: Encoding, rhs: Encoding) -> Bool {
    lhs.inputIDs == rhs.inputIDs && lhs.tokenTypeIDs == rhs.tokenTypeIDs && lhs.attentionMask == rhs.attentionMask
      && TokenizerText.equal(lhs.tokens, rhs.tokens)
  }
}
