// Text → sentence embedding: tokenizer + BERT + pooling (+ L2 normalisation), the sentence-transformers pipeline.

/// Refuses a text over `WordPieceTokenizer.maxTextBytes` (the embedder and the classifier take texts from outside).
///
/// Not in the wasm build: there the exports check each text's byte length before decoding it (JS then never copies an
/// over-limit text into wasm memory).
@inline(__always)
func checkTextLength(_ text: String) throws(ModelError) {
  #if !hasFeature(Embedded)
    do throws(TokenizerError) {
      try WordPieceTokenizer.checkTextLength(text.utf8.count)
    } catch {
      throw .invalidInput(error.message)
    }
  #endif
}

/// A sentence-transformers style embedder, over any `SequenceTokenizer` (WordPiece from vocab.txt, or tokenizer.json).
public final class SentenceEmbedder<Tokenizer: SequenceTokenizer> {
  public let tokenizer: Tokenizer
  public let model: BertModel
  public let pooling: PoolingMode
  public let normalize: Bool
  /// Texts are truncated to this many tokens including [CLS] and [SEP] (256 for all-MiniLM-L6-v2).
  public let maxSequenceLength: Int

  /// `maxSequenceLength` is clamped to the model's position table.
  public init(
    tokenizer: Tokenizer, model: BertModel, pooling: PoolingMode, normalize: Bool, maxSequenceLength: Int
  ) {
    self.tokenizer = tokenizer
    self.model = model
    self.pooling = pooling
    self.normalize = normalize
    self.maxSequenceLength = max(2, min(maxSequenceLength, model.config.maxPositionEmbeddings))
  }

  /// Embeds one text: `embedBatch` of one, the same path. - Returns: `[hiddenSize]`
  public func embed(_ text: String) throws(ModelError) -> [Float] {
    try checkTextLength(text)
    return try embed(encodings: [tokenizer.encode(text, maxLength: maxSequenceLength)])[0]
  }

  /// Embeds texts as one batch: the real tokens of all of them go through each layer as one matrix (no padding), and
  /// each vector equals that text embedded alone, bit for bit (ModelTests). - Returns: `[texts.count][hiddenSize]`
  public func embedBatch(_ texts: [String]) throws(ModelError) -> [[Float]] {
    guard !texts.isEmpty else { return [] }
    for text in texts { try checkTextLength(text) }
    return try embed(encodings: texts.map { tokenizer.encode($0, maxLength: maxSequenceLength) })
  }

  /// Embeds already-tokenized encodings (e.g. from a fixture); padding in an encoding's attention mask is dropped.
  /// - Returns: `[encodings.count][hiddenSize]`
  public func embed(encodings: [Encoding]) throws(ModelError) -> [[Float]] {
    var vectors: [[Float]] = []
    try embed(encodings: encodings) { vectors.append($0) }
    return vectors
  }

  /// `embedBatch` into `output`, `texts.count × hiddenSize` floats: no array per vector (the wasm export's path).
  public func embedBatch(_ texts: [String], into output: UnsafeMutablePointer<Float>) throws(ModelError) {
    for text in texts { try checkTextLength(text) }
    var next = output
    try embed(encodings: texts.map { tokenizer.encode($0, maxLength: maxSequenceLength) }) { vector in
      next.update(from: vector, count: vector.count)
      next += vector.count
    }
  }

  /// The encodings' vectors in order, each handed to `body`.
  private func embed(encodings: [Encoding], _ body: ([Float]) -> Void) throws(ModelError) {
    var ids: [Int32] = []
    var types: [Int32] = []
    var lengths: [Int] = []
    for encoding in encodings {
      var length = 0
      for index in encoding.inputIDs.indices where encoding.attentionMask[index] != 0 {
        ids.append(encoding.inputIDs[index])
        types.append(encoding.tokenTypeIDs[index])
        length += 1
      }
      lengths.append(length)
    }
    let hidden = try model.forward(packed: ids, tokenTypeIDs: types, sequenceLengths: lengths)
    let hiddenSize = model.config.hiddenSize
    let ones = [Int32](repeating: 1, count: lengths.reduce(0) { max($0, $1) })
    var start = 0
    for length in lengths {
      if length == 0 {  // a fully masked encoding pools one zero row that is masked out, as in a padded batch
        body(sentenceVector([Float](repeating: 0, count: hiddenSize)[...], attentionMask: [0][...]))
        continue
      }
      body(sentenceVector(hidden[start * hiddenSize..<(start + length) * hiddenSize], attentionMask: ones[0..<length]))
      start += length
    }
  }

  /// One sequence's token vectors `[sequence, hiddenSize]` pooled (and L2-normalised when `normalize`). - Returns: `[hiddenSize]`
  func sentenceVector(_ hidden: ArraySlice<Float>, attentionMask: ArraySlice<Int32>) -> [Float] {
    var vector = pool(hidden, attentionMask: attentionMask, hiddenSize: model.config.hiddenSize, mode: pooling)
    if normalize { l2Normalize(&vector) }
    return vector
  }
}

/// The label, its probability and all logits of one classification.
public struct Classification: Equatable {
  public let labelIndex: Int
  public let label: String
  public let score: Float
  public let logits: [Float]
  public let probabilities: [Float]
}

/// A `BertForSequenceClassification` checkpoint with its tokenizer: text → label.
public struct SequenceClassifier<Tokenizer: SequenceTokenizer> {
  public let tokenizer: Tokenizer
  public let model: BertModel
  public let maxSequenceLength: Int
  /// Label names by class id: config.json `id2label`, or `LABEL_i` when absent.
  public let labels: [String]

  /// Fails with `.notAClassifier` when the checkpoint has no classifier head or pooler.
  public init(tokenizer: Tokenizer, model: BertModel, maxSequenceLength: Int? = nil) throws(ModelError) {
    guard let classifier = model.weights.classifier, classifier.outFeatures > 0, model.weights.pooler != nil else {
      throw .notAClassifier
    }
    self.tokenizer = tokenizer
    self.model = model
    self.maxSequenceLength = max(
      2, min(maxSequenceLength ?? tokenizer.defaultMaxLength, model.config.maxPositionEmbeddings))
    var labels = model.config.id2label
    if labels.count != classifier.outFeatures {
      labels = (0..<classifier.outFeatures).map { ByteText("LABEL_\($0)").string }
    }
    self.labels = labels
  }

  /// Classifies one text (or a text pair, for NLI-style heads).
  public func classify(_ text: String, pair: String? = nil) throws(ModelError) -> Classification {
    try checkTextLength(text)
    if let pair { try checkTextLength(pair) }
    let encoding =
      pair.map { tokenizer.encode(text, $0, maxLength: maxSequenceLength) }
      ?? tokenizer.encode(text, maxLength: maxSequenceLength)
    let length = encoding.inputIDs.count
    let hidden = try model.forward(
      inputIDs: encoding.inputIDs, tokenTypeIDs: encoding.tokenTypeIDs, attentionMask: encoding.attentionMask,
      batchSize: 1, sequenceLength: length)
    let logits = try model.classificationLogits(lastHiddenState: hidden, batchSize: 1, sequenceLength: length)
    var best = 0
    for i in logits.indices where logits[i] > logits[best] { best = i }
    var probabilities = logits
    probabilities.withUnsafeMutableBufferPointer { buffer in
      if let base = buffer.baseAddress { softmax(base, count: buffer.count) }
    }
    return Classification(
      labelIndex: best, label: labels[best], score: probabilities[best], logits: logits, probabilities: probabilities)
  }
}
