// Embedding heads: a linear classifier over sentence embeddings (scikit-learn's LogisticRegression, as SetFit and most
// web teams train one), read from a head file (FORMAT.md, "Embedding heads") and applied to an embedder's output.
// Scope: the three probability rules of LogisticRegression — multinomial softmax, one-vs-rest sigmoids normalised to
// sum 1, and binary sigmoid. Non-goals: training, other estimators (reference/export_head.py refuses them).
//
// Choices: logits and probabilities are computed in Double from the stored float32 weights, so the only difference from
// sklearn's float64 `predict_proba` is the float32 rounding of the weights and the embedding (fixture: ≤ 1e-5).

/// How a head turns its scores into probabilities (`kind` in the head file's metadata).
public enum HeadKind: Int, Equatable, Sendable {
  /// "softmax": probabilities = softmax(W·e + b) (multinomial LogisticRegression).
  case softmax = 0
  /// "ovr": p_k = sigmoid(w_k·e + b_k), divided by their sum (one-vs-rest, as sklearn's predict_proba does).
  case oneVsRest = 1
  /// "binary": one row; p(labels[1]) = sigmoid(w·e + b), p(labels[0]) = 1 − that.
  case binary = 2
}

/// A classifier head over sentence embeddings, its weights viewed in place in the head file's bytes (F32) or converted.
public struct EmbeddingHead {
  public let kind: HeadKind
  /// Label names in class order (sklearn's `classes_`).
  public let labels: [String]
  /// The embedding width the head expects.
  public let dimension: Int
  /// `[rows, dimension]`: one row per label, or one row for `.binary`.
  let weight: UnsafeBufferPointer<Float>
  /// `[rows]`.
  let bias: UnsafeBufferPointer<Float>

  /// The metadata value that marks a head file.
  public static let formatName = "wasmicro-embedding-head"

  /// Reads a head file: `__metadata__` format, kind, labels (a JSON array of strings) and dimension, and the tensors
  /// `weight` `[rows, dimension]` and `bias` `[rows]`. Every mismatch is a typed error naming the field or tensor.
  public init(file: SafetensorsFile, arena: FloatArena) throws(ModelError) {
    func metadata(_ key: String) throws(ModelError) -> String {
      for member in file.metadata where JSONValue.utf8Equal(member.key, key) {
        if let text = member.value.stringValue { return text }
      }
      throw .config(.missingField(ByteText("__metadata__.\(key)").string))
    }
    let format = try metadata("format")
    guard JSONValue.utf8Equal(format, EmbeddingHead.formatName) else {
      throw .config(.unsupported(field: "__metadata__.format", value: format))
    }
    let kindName = try metadata("kind")
    let kind: HeadKind
    if JSONValue.utf8Equal(kindName, "softmax") {
      kind = .softmax
    } else if JSONValue.utf8Equal(kindName, "ovr") {
      kind = .oneVsRest
    } else if JSONValue.utf8Equal(kindName, "binary") {
      kind = .binary
    } else {
      throw .config(.unsupported(field: "__metadata__.kind", value: kindName))
    }
    let labelsError = ModelError.config(
      .invalidField("__metadata__.labels", expected: "a JSON array of at least 2 label strings"))
    var labels: [String] = []
    let labelsText = ByteText.bytes(of: try metadata("labels"))
    guard let parsed = try? JSONValue.parse(labelsText), let values = parsed.arrayValue else { throw labelsError }
    for value in values {
      guard let label = value.stringValue else { throw labelsError }
      labels.append(label)
    }
    guard labels.count >= 2, kind != .binary || labels.count == 2 else { throw labelsError }
    let dimensionText = ByteText.bytes(of: try metadata("dimension"))
    guard let dimension = (try? JSONValue.parse(dimensionText))?.intValue, dimension > 0 else {
      throw .config(.invalidField("__metadata__.dimension", expected: "a positive integer"))
    }
    let rows = kind == .binary ? 1 : labels.count
    let weight: FloatTensor
    let bias: FloatTensor
    do throws(SafetensorsError) {
      weight = try file.float32("weight", arena: arena)
      bias = try file.float32("bias", arena: arena)
    } catch {
      throw .safetensors(error)
    }
    guard weight.shape == [rows, dimension] else {
      throw .shapeMismatch(tensor: "weight", expected: [rows, dimension], actual: weight.shape)
    }
    guard bias.shape == [rows] else { throw .shapeMismatch(tensor: "bias", expected: [rows], actual: bias.shape) }
    for value in weight.values where !value.isFinite {
      throw .config(.invalidField("weight", expected: "finite numbers"))
    }
    for value in bias.values where !value.isFinite { throw .config(.invalidField("bias", expected: "finite numbers")) }
    self.kind = kind
    self.labels = labels
    self.dimension = dimension
    self.weight = weight.values
    self.bias = bias.values
  }

  /// Classifies one embedding of `dimension` floats (as the embedder produced it: pooled, normalised when its pipeline
  /// normalises). `logits` are the head's raw scores (one for `.binary`), `probabilities` one per label.
  public func classify(_ embedding: [Float]) throws(ModelError) -> Classification {
    guard embedding.count == dimension else {
      throw .shapeMismatch(tensor: "embedding", expected: [dimension], actual: [embedding.count])
    }
    let rows = bias.count
    var scores = [Double](repeating: 0, count: rows)
    for row in 0..<rows {
      var sum = Double(bias[row])
      for i in 0..<dimension { sum += Double(weight[row * dimension + i]) * Double(embedding[i]) }
      scores[row] = sum
    }
    var probabilities: [Double]
    switch kind {
    case .softmax:
      var largest = scores[0]
      for score in scores where score > largest { largest = score }
      probabilities = scores.map { exponential($0 - largest) }
    case .oneVsRest:
      probabilities = scores.map(logistic)
    case .binary:
      let positive = logistic(scores[0])
      probabilities = [1 - positive, positive]
    }
    var total = 0.0
    for probability in probabilities { total += probability }
    if total == 0 {  // every one-vs-rest sigmoid underflowed: equal probabilities, as sklearn gives
      probabilities = probabilities.map { _ in 1 }
      total = Double(rows)
    }
    var best = 0
    for index in probabilities.indices {
      probabilities[index] /= total
      if probabilities[index] > probabilities[best] { best = index }
    }
    return Classification(
      labelIndex: best, label: labels[best], score: Float(probabilities[best]), logits: scores.map { Float($0) },
      probabilities: probabilities.map { Float($0) })
  }
}

/// 1 / (1 + e^−x), without overflow for large |x|.
func logistic(_ x: Double) -> Double {
  if x >= 0 { return 1 / (1 + exponential(-x)) }
  let e = exponential(x)
  return e / (1 + e)
}

/// A sentence embedder with a classifier head: text → embedding → label (a website classifier without fine-tuning).
public struct EmbeddingClassifier {
  public let embedder: SentenceEmbedder
  public let head: EmbeddingHead

  /// Fails with `.shapeMismatch` when the head expects another embedding width than the embedder produces.
  public init(embedder: SentenceEmbedder, head: EmbeddingHead) throws(ModelError) {
    let width = embedder.model.config.hiddenSize
    guard head.dimension == width else {
      throw .shapeMismatch(
        tensor: "weight", expected: [head.bias.count, width], actual: [head.bias.count, head.dimension])
    }
    self.embedder = embedder
    self.head = head
  }

  public var labels: [String] { head.labels }

  /// Classifies one text.
  public func classify(_ text: String) throws(ModelError) -> Classification {
    try head.classify(try embedder.embed(text))
  }

  /// Classifies texts as one embedding batch (each result equals `classify` of that text alone).
  public func classifyBatch(_ texts: [String]) throws(ModelError) -> [Classification] {
    var results: [Classification] = []
    for vector in try embedder.embedBatch(texts) { results.append(try head.classify(vector)) }
    return results
  }
}
