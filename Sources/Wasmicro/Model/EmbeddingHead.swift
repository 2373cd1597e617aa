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
  /// `weight` `[rows, dimension]` and `bias` `[rows]`. A malformed head gets one of three typed errors, each stating
  /// everything that is required of the part at fault (few error sites: this runs in the wasm module too).
  public init(file: SafetensorsFile, arena: FloatArena) throws(ModelError) {
    // Every check sets a flag and there is one throw per error: each throw site releases whatever is live at that
    // point, and in the wasm module those cleanups cost more than the checks themselves.
    var isHead = false
    var kind: HeadKind? = nil
    var labels: [String] = []
    var labelsAreStrings = false
    var dimension = 0
    for member in file.metadata {
      guard let value = member.value.stringValue else { continue }
      let key = member.key
      if JSONValue.utf8Equal(key, "format") {
        isHead = JSONValue.utf8Equal(value, EmbeddingHead.formatName)
      } else if JSONValue.utf8Equal(key, "kind") {
        kind =
          JSONValue.utf8Equal(value, "softmax")
          ? .softmax
          : JSONValue.utf8Equal(value, "ovr") ? .oneVsRest : JSONValue.utf8Equal(value, "binary") ? .binary : nil
      } else if JSONValue.utf8Equal(key, "labels") {
        labelsAreStrings = EmbeddingHead.parseLabels(value, into: &labels)
      } else if JSONValue.utf8Equal(key, "dimension") {
        dimension = EmbeddingHead.parsePositive(value)
      }
    }
    guard isHead, let kind, labelsAreStrings, labels.count >= 2, kind != .binary || labels.count == 2, dimension > 0
    else {
      throw .config(
        .invalidField(
          "__metadata__",
          expected:
            #"{"format": "wasmicro-embedding-head", "kind": "softmax", "ovr" or "binary", "labels": a JSON array of at least 2 label strings (2 for binary), "dimension": a positive integer}"#
        ))
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
    var valid = weight.values.count == rows * dimension && weight.shape.count == 2 && bias.values.count == rows
    for value in weight.values where !value.isFinite { valid = false }
    for value in bias.values where !value.isFinite { valid = false }
    guard valid else {
      throw .config(
        .invalidField(
          "weight, bias", expected: "finite [rows, dimension] and [rows] tensors, rows = labels (1 for binary)"))
    }
    self.kind = kind
    self.labels = labels
    self.dimension = dimension
    self.weight = weight.values
    self.bias = bias.values
  }

  /// `text` as a JSON array of strings into `labels`; false when it is anything else.
  @inline(never)
  private static func parseLabels(_ text: String, into labels: inout [String]) -> Bool {
    guard let values = (try? JSONValue.parse(ByteText.bytes(of: text)))?.arrayValue else { return false }
    for value in values {
      guard let label = value.stringValue else { return false }
      labels.append(label)
    }
    return true
  }

  /// `text` as a positive decimal integer (at most 9 digits), else 0.
  @inline(never)
  private static func parsePositive(_ text: String) -> Int {
    var value = 0
    var digits = 0
    withUTF8Bytes(of: text) { bytes in
      for byte in bytes {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 else {
          digits = 10
          return
        }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
        digits += 1
      }
    }
    return digits > 0 && digits < 10 ? value : 0
  }

  /// Classifies one embedding of `dimension` floats (as the embedder produced it: pooled, normalised when its pipeline
  /// normalises). `logits` are the head's raw scores (one for `.binary`), `probabilities` one per label.
  public func classify(_ embedding: [Float]) throws(ModelError) -> Classification {
    guard embedding.count == dimension else {
      throw .shapeMismatch(tensor: "embedding", expected: [dimension], actual: [embedding.count])
    }
    var probabilities = [Float](repeating: 0, count: labels.count)
    var logits = [Float](repeating: 0, count: bias.count)
    let best = embedding.withUnsafeBufferPointer { input in
      probabilities.withUnsafeMutableBufferPointer { output in
        logits.withUnsafeMutableBufferPointer { scores in
          classify(input.baseAddress!, probabilities: output.baseAddress!, logits: scores.baseAddress)
        }
      }
    }
    return Classification(
      labelIndex: best, label: labels[best], score: probabilities[best], logits: logits, probabilities: probabilities)
  }

  /// The buffer form of `classify` (what the wasm export runs): `dimension` floats in, one probability per label out,
  /// the raw scores to `logits` when given. Scores and probabilities are Double until they are stored.
  /// - Returns: the index of the most probable label (the first, on a tie).
  public func classify(
    _ embedding: UnsafePointer<Float>, probabilities: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>?
  ) -> Int {
    let rows = bias.count
    let values = UnsafeMutablePointer<Double>.allocate(capacity: labels.count)
    defer { values.deallocate() }
    var largest = -Double.infinity
    for row in 0..<rows {
      var sum = Double(bias[row])
      for i in 0..<dimension { sum += Double(weight[row * dimension + i]) * Double(embedding[i]) }
      logits?[row] = Float(sum)
      values[row] = sum
      largest = max(largest, sum)
    }
    for row in 0..<rows {
      switch kind {
      case .softmax: values[row] = exponential(values[row] - largest)
      case .oneVsRest, .binary: values[row] = logistic(values[row])
      }
    }
    if kind == .binary {
      values[1] = values[0]
      values[0] = 1 - values[1]
    }
    var total = 0.0
    for index in 0..<labels.count { total += values[index] }
    var best = 0
    var bestProbability = -1.0
    for index in 0..<labels.count {
      // Every one-vs-rest sigmoid underflowed (total 0): equal probabilities, as sklearn gives.
      let probability = total > 0 ? values[index] / total : 1 / Double(labels.count)
      probabilities[index] = Float(probability)
      if probability > bestProbability {
        best = index
        bestProbability = probability
      }
    }
    return best
  }
}

/// 1 / (1 + e^−x), without overflow for large |x|.
func logistic(_ x: Double) -> Double {
  if x >= 0 { return 1 / (1 + exponential(-x)) }
  let e = exponential(x)
  return e / (1 + e)
}

/// A sentence embedder with a classifier head: text → embedding → label (a website classifier without fine-tuning).
public struct EmbeddingClassifier<Tokenizer: SequenceTokenizer> {
  public let embedder: SentenceEmbedder<Tokenizer>
  public let head: EmbeddingHead

  /// Fails when the head expects another embedding width than the embedder produces.
  public init(embedder: SentenceEmbedder<Tokenizer>, head: EmbeddingHead) throws(ModelError) {
    let width = embedder.model.config.hiddenSize
    guard head.dimension == width else {
      throw .config(
        .invalidField(
          "__metadata__.dimension", expected: ByteText("\(width), the embedding width of the model").string))
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
