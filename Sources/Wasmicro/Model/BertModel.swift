// The BERT encoder: embeddings → N × (self-attention + feed-forward), as HF `BertModel.forward`, plus the pooler
// and the sequence-classification head. Forward-only; one readable `forward`, ops are free functions.

/// The most floats one activation buffer may hold (1 GiB of f32): larger inputs are refused with `.invalidInput`.
public let maximumActivationFloats = 1 << 28

/// A BERT encoder over weights loaded from safetensors.
public struct BertModel {
  public let config: BertConfig
  public let weights: BertWeights
  /// Forward buffers, kept between calls (grown only for a larger input).
  let workspace = EncoderWorkspace()

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
    // Every real token of every sequence, packed into one matrix: linear layers run once over all of them, attention
    // per sequence over its own rows, and padding (mask 0) is never computed. A kept row's result is the same as in a
    // padded pass: HF's masked keys get exp(−max float) = 0 weight, and every other op works row by row.
    var kept: [Int] = []  // [tokens]: flat index sequence · sequenceLength + position of each packed row
    var positions: [Int] = []  // [tokens]: position of each packed row in its sequence
    var starts: [Int] = [0]  // [batchSize + 1]: first packed row of each sequence, then the end
    kept.reserveCapacity(inputIDs.count)
    positions.reserveCapacity(inputIDs.count)
    for sequence in 0..<batchSize {
      for position in 0..<sequenceLength {
        let flat = sequence * sequenceLength + position
        if attentionMask.isEmpty || attentionMask[flat] != 0 {
          kept.append(flat)
          positions.append(position)
        }
      }
      starts.append(kept.count)
    }
    guard
      let hidden = encodeRows(
        inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, source: kept, positions: positions, starts: starts,
        longestSequence: sequenceLength)
    else { return result }
    result.withUnsafeMutableBufferPointer { output in
      for (row, flat) in kept.enumerated() {
        (output.baseAddress! + flat * hiddenSize).update(
          from: hidden.baseAddress! + row * hiddenSize, count: hiddenSize)
      }
    }
    return result
  }

  /// Runs the encoder over sequences laid end to end, without padding: the path of `SentenceEmbedder`.
  ///
  /// - Parameters:
  ///   - inputIDs: every sequence's token ids, one sequence after another
  ///   - tokenTypeIDs: the same layout, or empty for all zeros
  ///   - sequenceLengths: the length of each sequence (they add up to `inputIDs.count`)
  /// - Returns: `[inputIDs.count, hiddenSize]`, row i for token i
  public func forward(packed inputIDs: [Int32], tokenTypeIDs: [Int32] = [], sequenceLengths: [Int]) throws(ModelError)
    -> [Float]
  {
    var starts: [Int] = [0]
    var positions: [Int] = []
    var longest = 0
    for length in sequenceLengths {
      guard length >= 0 else { throw .invalidInput("sequence lengths must be >= 0") }
      for position in 0..<length { positions.append(position) }
      starts.append(positions.count)
      longest = max(longest, length)
    }
    guard positions.count == inputIDs.count else {
      throw .invalidInput("sequence lengths must add up to the number of input ids")
    }
    // Shape and id checks as for one padded batch of the longest sequence (tighter limits are not needed).
    try validate(
      inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, attentionMask: [], batchSize: 1, sequenceLength: inputIDs.count,
      longestSequence: longest)
    guard
      let hidden = encodeRows(
        inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, source: Array(inputIDs.indices), positions: positions,
        starts: starts, longestSequence: longest)
    else { return [] }
    return Array(UnsafeBufferPointer(rebasing: hidden[0..<inputIDs.count * config.hiddenSize]))
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

  /// Embeddings and every layer over the packed rows: row r is token `source[r]` of the id arrays, at `positions[r]` in
  /// its sequence; sequence i is rows `starts[i] ..< starts[i + 1]`. Returns the hidden rows (in the workspace, valid
  /// until the next call), or nil when there are none.
  private func encodeRows(
    inputIDs: [Int32], tokenTypeIDs: [Int32], source: [Int], positions: [Int], starts: [Int], longestSequence: Int
  ) -> UnsafeMutableBufferPointer<Float>? {
    let rows = source.count
    guard rows > 0 else { return nil }
    let hiddenSize = config.hiddenSize
    let scratch = workspace.reserve(
      rows: rows, longestSequence: longestSequence, hiddenSize: hiddenSize, intermediateSize: config.intermediateSize,
      headSize: hiddenSize / config.numAttentionHeads)
    embed(
      inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, source: source, positions: positions, into: scratch.hidden)
    for layer in weights.layers { encode(layer: layer, starts: starts, scratch: scratch, rows: rows) }
    return scratch.hidden
  }

  /// Embeddings: (word + token type) + position, then LayerNorm — HF's order of additions. The word row is
  /// dequantized from whatever format the table is stored in, one row per token; each packed row keeps its position.
  private func embed(
    inputIDs: [Int32], tokenTypeIDs: [Int32], source: [Int], positions: [Int],
    into hidden: UnsafeMutableBufferPointer<Float>
  ) {
    let hiddenSize = config.hiddenSize
    for (row, flat) in source.enumerated() {
      let type = tokenTypeIDs.isEmpty ? 0 : Int(tokenTypeIDs[flat])
      let typeBase = type * hiddenSize
      let positionBase = positions[row] * hiddenSize
      let base = row * hiddenSize
      weights.wordEmbeddings.dequantizeRow(Int(inputIDs[flat]), into: hidden.baseAddress.unsafelyUnwrapped + base)
      for i in 0..<hiddenSize {
        hidden[base + i] =
          (hidden[base + i] + weights.tokenTypeEmbeddings[typeBase + i]) + weights.positionEmbeddings[positionBase + i]
      }
    }
    layerNorm(
      hidden, rows: source.count, width: hiddenSize, gamma: weights.embeddingsLayerNorm.gamma,
      beta: weights.embeddingsLayerNorm.beta, epsilon: config.layerNormEps)
  }

  /// One encoder layer, in place on `scratch.hidden` (`[rows, hiddenSize]`: the packed tokens of every sequence;
  /// sequence i is rows `starts[i] ..< starts[i + 1]`).
  private func encode(layer: BertLayerWeights, starts: [Int], scratch: EncoderScratch, rows: Int) {
    let hidden = UnsafeBufferPointer(scratch.hidden)
    run(layer.query, input: hidden, output: scratch.query, rows: rows, panel: scratch.panel)
    run(layer.key, input: hidden, output: scratch.key, rows: rows, panel: scratch.panel)
    run(layer.value, input: hidden, output: scratch.value, rows: rows, panel: scratch.panel)
    let heads = config.numAttentionHeads
    let width = config.hiddenSize
    for sequence in 0..<starts.count - 1 {
      let range = starts[sequence] * width..<starts[sequence + 1] * width
      guard !range.isEmpty else { continue }
      blockedSelfAttention(
        query: UnsafeBufferPointer(rebasing: scratch.query[range]),
        key: UnsafeBufferPointer(rebasing: scratch.key[range]),
        value: UnsafeBufferPointer(rebasing: scratch.value[range]),
        context: UnsafeMutableBufferPointer(rebasing: scratch.context[range]), scratch: scratch.attention,
        sequenceLength: starts[sequence + 1] - starts[sequence], heads: heads, headSize: width / heads)
    }
    // Attention output: dense + residual + LayerNorm. `query` is free again and holds the sum.
    let attended = scratch.query
    run(
      layer.attentionOutput, input: UnsafeBufferPointer(scratch.context), output: attended, rows: rows,
      panel: scratch.panel)
    addInPlace(
      UnsafeMutableBufferPointer(rebasing: attended[0..<rows * config.hiddenSize]),
      UnsafeBufferPointer(rebasing: hidden[0..<rows * config.hiddenSize]))
    layerNorm(
      attended, rows: rows, width: config.hiddenSize, gamma: layer.attentionLayerNorm.gamma,
      beta: layer.attentionLayerNorm.beta, epsilon: config.layerNormEps)
    // Feed-forward: intermediate + activation, output dense + residual + LayerNorm, back into `hidden`.
    run(
      layer.intermediate, input: UnsafeBufferPointer(attended), output: scratch.intermediate, rows: rows,
      panel: scratch.panel)
    applyActivation(
      UnsafeMutableBufferPointer(rebasing: scratch.intermediate[0..<rows * config.intermediateSize]),
      config.hiddenActivation)
    run(
      layer.output, input: UnsafeBufferPointer(scratch.intermediate), output: scratch.hidden, rows: rows,
      panel: scratch.panel)
    addInPlace(
      UnsafeMutableBufferPointer(rebasing: scratch.hidden[0..<rows * config.hiddenSize]),
      UnsafeBufferPointer(rebasing: attended[0..<rows * config.hiddenSize]))
    layerNorm(
      scratch.hidden, rows: rows, width: config.hiddenSize, gamma: layer.outputLayerNorm.gamma,
      beta: layer.outputLayerNorm.beta, epsilon: config.layerNormEps)
  }

  @inline(never)
  private func run(
    _ weights: LinearWeights, input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>, rows: Int,
    panel: UnsafeMutableBufferPointer<Float>? = nil
  ) {
    linear(input: input, weight: weights.weight, bias: weights.bias, output: output, rows: rows, panel: panel)
  }

  private func apply(_ weights: LinearWeights, to input: [Float], rows: Int) -> [Float] {
    var output = [Float](repeating: 0, count: rows * weights.outFeatures)
    input.withUnsafeBufferPointer { inputBuffer in
      output.withUnsafeMutableBufferPointer { run(weights, input: inputBuffer, output: $0, rows: rows) }
    }
    return output
  }

  /// Checks shapes, ids and sizes. `longestSequence` (default `sequenceLength`) is the longest sequence attention sees,
  /// bounded by the position table; `sequenceLength` × `batchSize` is every token.
  private func validate(
    inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], batchSize: Int, sequenceLength: Int,
    longestSequence: Int? = nil
  ) throws(ModelError) {
    let longest = longestSequence ?? sequenceLength
    guard batchSize >= 0, sequenceLength >= 0 else {
      throw .invalidInput("batch size and sequence length must be >= 0")
    }
    let (count, countOverflow) = batchSize.multipliedReportingOverflow(by: sequenceLength)
    guard !countOverflow, inputIDs.count == count else {
      throw .invalidInput(ByteText("input_ids has \(inputIDs.count) values, expected batch x sequence").string)
    }
    guard tokenTypeIDs.isEmpty || tokenTypeIDs.count == count else {
      throw .invalidInput("token_type_ids must be empty or match input_ids")
    }
    guard attentionMask.isEmpty || attentionMask.count == count else {
      throw .invalidInput("attention_mask must be empty or match input_ids")
    }
    guard longest <= config.maxPositionEmbeddings else {
      throw .invalidInput(
        ByteText("sequence length \(longest) exceeds max_position_embeddings \(config.maxPositionEmbeddings)").string)
    }
    // Activations must be addressable without overflow (Int is 32-bit in wasm) and allocatable: refuse absurd sizes
    // with an error instead of trapping in the allocator. The widest buffer is [tokens, intermediate]; a sequence's
    // attention scores ([length, length + 15]) stay below `maximumActivationFloats` too.
    let (total, overflow) = count.multipliedReportingOverflow(by: max(config.hiddenSize, config.intermediateSize))
    guard !overflow, total <= maximumActivationFloats, longest <= 16_368 else {
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

/// Scratch buffers of the forward pass, sized for the largest call so far and reused by every call and layer: the heap
/// does not change between calls of the same size or smaller. A model runs one forward at a time.
final class EncoderWorkspace {
  private var scratch: EncoderScratch? = nil

  /// Buffers for `rows` packed tokens whose longest sequence has `longestSequence` tokens.
  func reserve(rows: Int, longestSequence: Int, hiddenSize: Int, intermediateSize: Int, headSize: Int) -> EncoderScratch
  {
    if let scratch, scratch.rows >= rows, scratch.longestSequence >= longestSequence { return scratch }
    let grown = EncoderScratch(
      rows: max(rows, scratch?.rows ?? 0), longestSequence: max(longestSequence, scratch?.longestSequence ?? 0),
      hiddenSize: hiddenSize, intermediateSize: intermediateSize, headSize: headSize)
    scratch = grown
    return grown
  }
}

/// One set of forward buffers, carved out of a single allocation.
final class EncoderScratch {
  let rows: Int
  let longestSequence: Int
  private let memory: UnsafeMutableBufferPointer<Float>
  let hidden: UnsafeMutableBufferPointer<Float>  // [rows, hidden]
  let query: UnsafeMutableBufferPointer<Float>  // [rows, hidden]
  let key: UnsafeMutableBufferPointer<Float>  // [rows, hidden]
  let value: UnsafeMutableBufferPointer<Float>  // [rows, hidden]
  let context: UnsafeMutableBufferPointer<Float>  // [rows, hidden]
  let intermediate: UnsafeMutableBufferPointer<Float>  // [rows, intermediate]
  let attention: UnsafeMutableBufferPointer<Float>  // blockedSelfAttention's scratch for the longest sequence
  let panel: UnsafeMutableBufferPointer<Float>  // [4, max(hidden, intermediate)]: decoded weight rows (linear)

  init(rows: Int, longestSequence: Int, hiddenSize: Int, intermediateSize: Int, headSize: Int) {
    self.rows = rows
    self.longestSequence = longestSequence
    let width = rows * hiddenSize
    let attentionFloats = blockedAttentionScratchCount(sequenceLength: longestSequence, headSize: headSize)
    let all = UnsafeMutableBufferPointer<Float>.allocate(
      capacity: 5 * width + rows * intermediateSize + attentionFloats + 4 * max(hiddenSize, intermediateSize))
    all.initialize(repeating: 0)
    memory = all
    var offset = 0
    func take(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
      defer { offset += count }
      return UnsafeMutableBufferPointer(rebasing: all[offset..<offset + count])
    }
    hidden = take(width)
    query = take(width)
    key = take(width)
    value = take(width)
    context = take(width)
    intermediate = take(rows * intermediateSize)
    attention = take(attentionFloats)
    panel = take(4 * max(hiddenSize, intermediateSize))
  }

  deinit { memory.deallocate() }
}

/// In-place activation over `[count]` values.
public func applyActivation(_ values: UnsafeMutableBufferPointer<Float>, _ activation: HiddenActivation) {
  switch activation {
  case .gelu:
    guard let base = values.baseAddress else { return }
    var i = 0
    #if !arch(wasm32)  // the lanes version costs 1.8 KB of the wasm module's budget; wasm runs the scalar twin
      while i + FloatLanes.scalarCount <= values.count {
        let lanes = UnsafeRawPointer(base + i).loadUnaligned(as: FloatLanes.self)
        UnsafeMutableRawPointer(base + i).storeBytes(of: geluExacts(lanes), as: FloatLanes.self)
        i += FloatLanes.scalarCount
      }
    #endif
    while i < values.count {
      values[i] = geluExact(values[i])
      i += 1
    }
  case .geluTanh: for i in values.indices { values[i] = geluTanh(values[i]) }
  case .relu: for i in values.indices where !(values[i] > 0) { values[i] = 0 }
  }
}
