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

/// A sentence-transformers style embedder.
public final class SentenceEmbedder {
  public let tokenizer: WordPieceTokenizer
  public let model: BertModel
  public let pooling: PoolingMode
  public let normalize: Bool
  /// Texts are truncated to this many tokens including [CLS] and [SEP] (256 for all-MiniLM-L6-v2).
  public let maxSequenceLength: Int

  /// `maxSequenceLength` is clamped to the model's position table.
  public init(
    tokenizer: WordPieceTokenizer, model: BertModel, pooling: PoolingMode, normalize: Bool, maxSequenceLength: Int
  ) {
    self.tokenizer = tokenizer
    self.model = model
    self.pooling = pooling
    self.normalize = normalize
    self.maxSequenceLength = max(2, min(maxSequenceLength, model.config.maxPositionEmbeddings))
  }

  /// Embeds one text (a batch of one: no padding). - Returns: `[hiddenSize]`
  public func embed(_ text: String) throws(ModelError) -> [Float] {
    // Not `embedBatch([text])[0]`: the padded-batch machinery is the larger part of the embed path in the wasm module,
    // which embeds one text per call. ModelTests checks that both paths give the same vectors.
    try checkTextLength(text)
    let encoding = tokenizer.encode(text, maxLength: maxSequenceLength)
    let hidden = try model.forward(
      inputIDs: encoding.inputIDs, tokenTypeIDs: encoding.tokenTypeIDs, attentionMask: encoding.attentionMask,
      batchSize: 1, sequenceLength: encoding.count)
    return sentenceVector(hidden[...], attentionMask: encoding.attentionMask[...])
  }

  /// Embeds texts as one padded batch; each result equals `embed` of that text alone (up to float rounding).
  /// - Returns: `[texts.count][hiddenSize]`
  public func embedBatch(_ texts: [String]) throws(ModelError) -> [[Float]] {
    guard !texts.isEmpty else { return [] }
    for text in texts { try checkTextLength(text) }
    let encodings = texts.map { tokenizer.encode($0, maxLength: maxSequenceLength) }
    return try embed(encodings: encodings)
  }

  /// Embeds already-tokenized encodings (e.g. from a fixture). - Returns: `[encodings.count][hiddenSize]`
  public func embed(encodings: [Encoding]) throws(ModelError) -> [[Float]] {
    let batch = PaddedBatch(encodings, padID: tokenizer.padID)
    let hidden = try model.forward(
      inputIDs: batch.inputIDs, tokenTypeIDs: batch.tokenTypeIDs, attentionMask: batch.attentionMask,
      batchSize: batch.batchSize, sequenceLength: batch.sequenceLength)
    let hiddenSize = model.config.hiddenSize
    var vectors: [[Float]] = []
    for sequence in 0..<batch.batchSize {
      let tokens = sequence * batch.sequenceLength
      vectors.append(
        sentenceVector(
          hidden[tokens * hiddenSize..<(tokens + batch.sequenceLength) * hiddenSize],
          attentionMask: batch.attentionMask[tokens..<tokens + batch.sequenceLength]))
    }
    return vectors
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
public struct SequenceClassifier {
  public let tokenizer: WordPieceTokenizer
  public let model: BertModel
  public let maxSequenceLength: Int
  /// Label names by class id: config.json `id2label`, or `LABEL_i` when absent.
  public let labels: [String]

  /// Fails with `.notAClassifier` when the checkpoint has no classifier head or pooler.
  public init(tokenizer: WordPieceTokenizer, model: BertModel, maxSequenceLength: Int? = nil) throws(ModelError) {
    guard let classifier = model.weights.classifier, classifier.outFeatures > 0, model.weights.pooler != nil else {
      throw .notAClassifier
    }
    self.tokenizer = tokenizer
    self.model = model
    self.maxSequenceLength = max(2, min(maxSequenceLength ?? tokenizer.options.maxLength, model.config.maxPositionEmbeddings))
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
