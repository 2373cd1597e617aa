// The BERT encoder: embeddings → N × (self-attention + feed-forward), as HF `BertModel.forward`, plus the pooler
// and the sequence-classification head. Forward-only; one readable `forward`, ops are free functions.

/// The most floats one activation buffer may hold (1 GiB of f32): larger inputs are refused with `.invalidInput`.
public let maximumActivationFloats = 1 << 28

/// A BERT encoder over weights loaded from safetensors.
public struct BertModel {
  public let config: BertConfig
  public let weights: BertWeights

  /// Loads and shape-checks every weight that `config` implies. F32 tensors stay in the host's bytes, which must
  /// outlive the model; other dtypes are widened into `arena`.
  public init(config: BertConfig, file: SafetensorsFile, arena: FloatArena = FloatArena()) throws(ModelError) {
    self.config = config
    self.weights = try BertWeights(file: file, config: config, arena: arena)
  }

  /// Runs the encoder and returns `last_hidden_state`.
  ///
  /// - Parameters:
  ///   - inputIDs: `[batchSize, sequenceLength]`, row-major
  ///   - tokenTypeIDs: `[batchSize, sequenceLength]`, or empty for all zeros
  ///   - attentionMask: `[batchSize, sequenceLength]` (1 = token, 0 = padding), or empty for all ones
  /// - Returns: `[batchSize, sequenceLength, hiddenSize]`
  public func forward(
    inputIDs: [Int32], tokenTypeIDs: [Int32] = [], attentionMask: [Int32] = [], batchSize: Int, sequenceLength: Int
  ) throws(ModelError) -> [Float] {
    try validate(
      inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, attentionMask: attentionMask,
      batchSize: batchSize, sequenceLength: sequenceLength)
    let hiddenSize = config.hiddenSize
    var result = [Float](repeating: 0, count: batchSize * sequenceLength * hiddenSize)
    guard batchSize > 0, sequenceLength > 0 else { return result }
    let scratch = EncoderScratch(
      sequenceLength: sequenceLength, hiddenSize: hiddenSize,
      intermediateSize: config.intermediateSize)
    defer { scratch.deallocate() }
    let ones = [Int32](repeating: 1, count: sequenceLength)
    for sequence in 0..<batchSize {
      let start = sequence * sequenceLength
      let ids = inputIDs[start..<start + sequenceLength]
      let types = tokenTypeIDs.isEmpty ? nil : tokenTypeIDs[start..<start + sequenceLength]
      let mask = attentionMask.isEmpty ? ones[...] : attentionMask[start..<start + sequenceLength]
      embed(ids: ids, types: types, into: scratch.hidden)
      mask.withContiguousStorageIfAvailable { maskBuffer in
        for layer in weights.layers {
          encode(layer: layer, mask: maskBuffer, scratch: scratch, sequenceLength: sequenceLength)
        }
      }
      result.withUnsafeMutableBufferPointer { output in
        let base = start * hiddenSize
        for i in 0..<sequenceLength * hiddenSize { output[base + i] = scratch.hidden[i] }
      }
    }
    return result
  }

  /// HF `BertPooler`: tanh(dense(hidden state of the first token)).
  ///
  /// - Parameter lastHiddenState: `[batchSize, sequenceLength, hiddenSize]`
  /// - Returns: `[batchSize, hiddenSize]`
  public func pooler(lastHiddenState: [Float], batchSize: Int, sequenceLength: Int) throws(ModelError) -> [Float] {
    guard let pooler = weights.pooler else { throw .missingTensor("pooler.dense.weight") }
    let hiddenSize = config.hiddenSize
    guard lastHiddenState.count == batchSize * sequenceLength * hiddenSize, sequenceLength > 0 else {
      throw .invalidInput("pooler input must be [batch, sequence, hidden]")
    }
    var first = [Float](repeating: 0, count: batchSize * hiddenSize)
    for sequence in 0..<batchSize {
      for i in 0..<hiddenSize {
        first[sequence * hiddenSize + i] = lastHiddenState[sequence * sequenceLength * hiddenSize + i]
      }
    }
    var pooled = apply(pooler, to: first, rows: batchSize)
    for i in pooled.indices { pooled[i] = Float(hyperbolicTangent(Double(pooled[i]))) }
    return pooled
  }

  /// `BertForSequenceClassification` logits: classifier(pooler_output).
  ///
  /// - Returns: `[batchSize, labels]`
  public func classificationLogits(lastHiddenState: [Float], batchSize: Int, sequenceLength: Int) throws(ModelError)
    -> [Float]
  {
    guard let classifier = weights.classifier else { throw .notAClassifier }
    let pooled = try pooler(lastHiddenState: lastHiddenState, batchSize: batchSize, sequenceLength: sequenceLength)
    return apply(classifier, to: pooled, rows: batchSize)
  }

  // MARK: - Implementation details

  /// Embeddings: (word + token type) + position, then LayerNorm — HF's order of additions. The word row is
  /// dequantized from whatever format the table is stored in, one row per token.
  private func embed(ids: ArraySlice<Int32>, types: ArraySlice<Int32>?, into hidden: UnsafeMutableBufferPointer<Float>)
  {
    let hiddenSize = config.hiddenSize
    for (position, id) in ids.enumerated() {
      let type = types.map { Int($0[$0.startIndex + position]) } ?? 0
      let typeBase = type * hiddenSize
      let positionBase = position * hiddenSize
      let row = position * hiddenSize
      weights.wordEmbeddings.dequantizeRow(Int(id), into: hidden.baseAddress.unsafelyUnwrapped + row)
      for i in 0..<hiddenSize {
        hidden[row + i] =
          (hidden[row + i] + weights.tokenTypeEmbeddings[typeBase + i]) + weights.positionEmbeddings[positionBase + i]
      }
    }
    layerNorm(
      hidden, rows: ids.count, width: hiddenSize, gamma: weights.embeddingsLayerNorm.gamma,
      beta: weights.embeddingsLayerNorm.beta, epsilon: config.layerNormEps)
  }

  /// One encoder layer, in place on `scratch.hidden` (`[sequenceLength, hiddenSize]`).
  private func encode(
    layer: BertLayerWeights, mask: UnsafeBufferPointer<Int32>, scratch: EncoderScratch, sequenceLength: Int
  ) {
    let rows = sequenceLength
    let hidden = UnsafeBufferPointer(scratch.hidden)
    run(layer.query, input: hidden, output: scratch.query, rows: rows)
    run(layer.key, input: hidden, output: scratch.key, rows: rows)
    run(layer.value, input: hidden, output: scratch.value, rows: rows)
    let heads = config.numAttentionHeads
    selfAttention(
      query: UnsafeBufferPointer(scratch.query), key: UnsafeBufferPointer(scratch.key),
      value: UnsafeBufferPointer(scratch.value), keyMask: mask, context: scratch.context, scores: scratch.scores,
      sequenceLength: rows, heads: heads, headSize: config.hiddenSize / heads)
    // Attention output: dense + residual + LayerNorm. `query` is free again and holds the sum.
    let attended = scratch.query
    run(layer.attentionOutput, input: UnsafeBufferPointer(scratch.context), output: attended, rows: rows)
    addInPlace(
      UnsafeMutableBufferPointer(rebasing: attended[0..<rows * config.hiddenSize]),
      UnsafeBufferPointer(rebasing: hidden[0..<rows * config.hiddenSize]))
    layerNorm(
      attended, rows: rows, width: config.hiddenSize, gamma: layer.attentionLayerNorm.gamma,
      beta: layer.attentionLayerNorm.beta, epsilon: config.layerNormEps)
    // Feed-forward: intermediate + activation, output dense + residual + LayerNorm, back into `hidden`.
    run(layer.intermediate, input: UnsafeBufferPointer(attended), output: scratch.intermediate, rows: rows)
    applyActivation(
      UnsafeMutableBufferPointer(rebasing: scratch.intermediate[0..<rows * config.intermediateSize]),
      config.hiddenActivation)
    run(layer.output, input: UnsafeBufferPointer(scratch.intermediate), output: scratch.hidden, rows: rows)
    addInPlace(
      UnsafeMutableBufferPointer(rebasing: scratch.hidden[0..<rows * config.hiddenSize]),
      UnsafeBufferPointer(rebasing: attended[0..<rows * config.hiddenSize]))
    layerNorm(
      scratch.hidden, rows: rows, width: config.hiddenSize, gamma: layer.outputLayerNorm.gamma,
      beta: layer.outputLayerNorm.beta, epsilon: config.layerNormEps)
  }

  private func run(
    _ weights: LinearWeights, input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>, rows: Int
  ) {
    linear(input: input, weight: weights.weight, bias: weights.bias, output: output, rows: rows)
  }

  private func apply(_ weights: LinearWeights, to input: [Float], rows: Int) -> [Float] {
    var output = [Float](repeating: 0, count: rows * weights.outFeatures)
    input.withUnsafeBufferPointer { inputBuffer in
      output.withUnsafeMutableBufferPointer { run(weights, input: inputBuffer, output: $0, rows: rows) }
    }
    return output
  }

  private func validate(
    inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], batchSize: Int, sequenceLength: Int
  ) throws(ModelError) {
    guard batchSize >= 0, sequenceLength >= 0 else {
      throw .invalidInput("batch size and sequence length must be >= 0")
    }
    let (count, overflow) = batchSize.multipliedReportingOverflow(by: sequenceLength)
    guard !overflow, inputIDs.count == count else {
      throw .invalidInput(ByteText("input_ids has \(inputIDs.count) values, expected batch x sequence").string)
    }
    guard tokenTypeIDs.isEmpty || tokenTypeIDs.count == count else {
      throw .invalidInput("token_type_ids must be empty or match input_ids")
    }
    guard attentionMask.isEmpty || attentionMask.count == count else {
      throw .invalidInput("attention_mask must be empty or match input_ids")
    }
    guard sequenceLength <= config.maxPositionEmbeddings else {
      throw .invalidInput(
        ByteText("sequence length \(sequenceLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
          .string)
    }
    // Activations must be addressable without overflow (Int is 32-bit in wasm) and allocatable: refuse absurd sizes
    // with an error instead of trapping in the allocator.
    let widest = max(config.hiddenSize, config.intermediateSize)
    let (perSequence, overflowA) = sequenceLength.multipliedReportingOverflow(by: widest)
    let (total, overflowB) = count.multipliedReportingOverflow(by: config.hiddenSize)
    guard !overflowA, !overflowB, perSequence <= maximumActivationFloats, total <= maximumActivationFloats else {
      throw .invalidInput(ByteText("batch of \(batchSize) x \(sequenceLength) tokens is too large").string)
    }
    for id in inputIDs where id < 0 || Int(id) >= config.vocabSize {
      throw .invalidInput(ByteText("token id \(Int(id)) is outside the vocabulary of \(config.vocabSize)").string)
    }
    for type in tokenTypeIDs where type < 0 || Int(type) >= config.typeVocabSize {
      throw .invalidInput(ByteText("token type id \(Int(type)) is outside type_vocab_size").string)
    }
  }
}

/// Per-forward scratch buffers, allocated once per call and reused by every layer.
private final class EncoderScratch {
  let hidden: UnsafeMutableBufferPointer<Float>  // [sequence, hidden]
  let query: UnsafeMutableBufferPointer<Float>  // [sequence, hidden]
  let key: UnsafeMutableBufferPointer<Float>  // [sequence, hidden]
  let value: UnsafeMutableBufferPointer<Float>  // [sequence, hidden]
  let context: UnsafeMutableBufferPointer<Float>  // [sequence, hidden]
  let intermediate: UnsafeMutableBufferPointer<Float>  // [sequence, intermediate]
  let scores: UnsafeMutableBufferPointer<Float>  // [sequence]

  init(sequenceLength: Int, hiddenSize: Int, intermediateSize: Int) {
    func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
      let memory = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
      memory.initialize(repeating: 0)
      return memory
    }
    hidden = buffer(sequenceLength * hiddenSize)
    query = buffer(sequenceLength * hiddenSize)
    key = buffer(sequenceLength * hiddenSize)
    value = buffer(sequenceLength * hiddenSize)
    context = buffer(sequenceLength * hiddenSize)
    intermediate = buffer(sequenceLength * intermediateSize)
    scores = buffer(sequenceLength)
  }

  func deallocate() {
    for memory in [hidden, query, key, value, context, intermediate, scores] { memory.deallocate() }
  }
}
/// In-place activation over `[count]` values.
public func applyActivation(_ values: UnsafeMutableBufferPointer<Float>, _ activation: HiddenActivation) {
  switch activation {
  case .gelu: for i in values.indices { values[i] = geluExact(values[i]) }
  case .geluTanh: for i in values.indices { values[i] = geluTanh(values[i]) }
  case .relu: for i in values.indices where !(values[i] > 0) { values[i] = 0 }
  }
}
