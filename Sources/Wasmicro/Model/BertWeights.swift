// BERT weights as f32 views, loaded from a safetensors file and checked against BertConfig.
// Views point into the host's bytes when the tensor is F32 and aligned; F16/BF16 tensors are widened into an arena
// that the weights keep alive. Non-goals: writing checkpoints, weight tying tricks.

/// A dense layer's parameters in PyTorch layout.
public struct LinearWeights {
  public let weight: UnsafeBufferPointer<Float>  // [outFeatures, inFeatures]
  public let bias: UnsafeBufferPointer<Float>  // [outFeatures]
  public let inFeatures: Int
  public let outFeatures: Int
}

/// LayerNorm parameters.
public struct LayerNormWeights {
  public let gamma: UnsafeBufferPointer<Float>  // [width]
  public let beta: UnsafeBufferPointer<Float>  // [width]
}

/// One encoder layer, in HF's module order.
public struct BertLayerWeights {
  public let query: LinearWeights  // [hidden, hidden]
  public let key: LinearWeights  // [hidden, hidden]
  public let value: LinearWeights  // [hidden, hidden]
  public let attentionOutput: LinearWeights  // [hidden, hidden]
  public let attentionLayerNorm: LayerNormWeights  // [hidden]
  public let intermediate: LinearWeights  // [intermediate, hidden]
  public let output: LinearWeights  // [hidden, intermediate]
  public let outputLayerNorm: LayerNormWeights  // [hidden]
}

/// Every weight of a BertModel (plus the optional pooler and classifier head).
public struct BertWeights {
  public let wordEmbeddings: UnsafeBufferPointer<Float>  // [vocab, hidden]
  public let positionEmbeddings: UnsafeBufferPointer<Float>  // [maxPositions, hidden]
  public let tokenTypeEmbeddings: UnsafeBufferPointer<Float>  // [typeVocab, hidden]
  public let embeddingsLayerNorm: LayerNormWeights  // [hidden]
  public let layers: [BertLayerWeights]  // [layers]
  public let pooler: LinearWeights?  // [hidden, hidden], absent in some sentence-transformers exports
  public let classifier: LinearWeights?  // [labels, hidden], BertForSequenceClassification only
  /// Owns the widened copies of non-F32 or misaligned tensors.
  let arena: FloatArena

  /// Reads and shape-checks every tensor the config implies.
  public init(file: SafetensorsFile, config: BertConfig, arena: FloatArena) throws(ModelError) {
    // The work is in static functions: their parameters are borrowed, so a throw there releases only locals, while
    // every throw inside an init also destroys its owned arguments (about 2 KB of wasm for this init's 40 throw edges).
    self = try BertWeights.load(file: file, config: config, arena: arena)
  }

  private init(
    wordEmbeddings: UnsafeBufferPointer<Float>, positionEmbeddings: UnsafeBufferPointer<Float>,
    tokenTypeEmbeddings: UnsafeBufferPointer<Float>, embeddingsLayerNorm: LayerNormWeights, layers: [BertLayerWeights],
    pooler: LinearWeights?, classifier: LinearWeights?, arena: FloatArena
  ) {
    self.wordEmbeddings = wordEmbeddings
    self.positionEmbeddings = positionEmbeddings
    self.tokenTypeEmbeddings = tokenTypeEmbeddings
    self.embeddingsLayerNorm = embeddingsLayerNorm
    self.layers = layers
    self.pooler = pooler
    self.classifier = classifier
    self.arena = arena
  }

  private static func load(
    file: SafetensorsFile, config: BertConfig, arena: FloatArena
  ) throws(ModelError) -> BertWeights {
    guard let names = BertTensorNames.detect(in: file) else {
      throw .missingTensor("embeddings.word_embeddings.weight")
    }
    let loader = WeightLoader(file: file, arena: arena)
    let hidden = config.hiddenSize
    let wordEmbeddings = try loader.tensor(names.wordEmbeddings, [config.vocabSize, hidden])
    let positionEmbeddings = try loader.tensor(names.positionEmbeddings, [config.maxPositionEmbeddings, hidden])
    let tokenTypeEmbeddings = try loader.tensor(names.tokenTypeEmbeddings, [config.typeVocabSize, hidden])
    let embeddingsLayerNorm = try loader.layerNorm(names.embeddingsLayerNorm, width: hidden)
    var layers: [BertLayerWeights] = []
    for index in 0..<config.numHiddenLayers {
      layers.append(try loadLayer(index, names, loader, hidden: hidden, intermediate: config.intermediateSize))
    }
    let poolerWeight = ByteText("\(names.poolerDense).weight").string
    let pooler = file.info(poolerWeight) == nil ? nil : try loader.linear(names.poolerDense, in: hidden, out: hidden)
    let classifierWeight = ByteText("\(BertTensorNames.classifier).weight").string
    var classifier: LinearWeights? = nil
    if let classifierInfo = file.info(classifierWeight) {
      let labels = classifierInfo.shape.first ?? 0
      if !config.id2label.isEmpty && config.id2label.count != labels {
        throw .shapeMismatch(
          tensor: classifierWeight, expected: [config.id2label.count, hidden], actual: classifierInfo.shape)
      }
      classifier = try loader.linear(BertTensorNames.classifier, in: hidden, out: labels)
    }
    return BertWeights(
      wordEmbeddings: wordEmbeddings, positionEmbeddings: positionEmbeddings, tokenTypeEmbeddings: tokenTypeEmbeddings,
      embeddingsLayerNorm: embeddingsLayerNorm, layers: layers, pooler: pooler, classifier: classifier, arena: arena)
  }

  /// Encoder layer `index`: hidden → hidden attention projections, hidden → intermediate → hidden feed-forward.
  private static func loadLayer(
    _ index: Int, _ names: BertTensorNames, _ loader: WeightLoader, hidden: Int, intermediate: Int
  ) throws(ModelError) -> BertLayerWeights {
    BertLayerWeights(
      query: try loader.linear(names.query(index), in: hidden, out: hidden),
      key: try loader.linear(names.key(index), in: hidden, out: hidden),
      value: try loader.linear(names.value(index), in: hidden, out: hidden),
      attentionOutput: try loader.linear(names.attentionOutput(index), in: hidden, out: hidden),
      attentionLayerNorm: try loader.layerNorm(names.attentionLayerNorm(index), width: hidden),
      intermediate: try loader.linear(names.intermediate(index), in: hidden, out: intermediate),
      output: try loader.linear(names.output(index), in: intermediate, out: hidden),
      outputLayerNorm: try loader.layerNorm(names.outputLayerNorm(index), width: hidden))
  }
}

/// Reads named tensors as f32 and checks their shapes.
private struct WeightLoader {
  let file: SafetensorsFile
  let arena: FloatArena

  func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> UnsafeBufferPointer<Float> {
    guard file.info(name) != nil else { throw .missingTensor(name) }
    let loaded: FloatTensor
    do { loaded = try file.float32(name, arena: arena) } catch { throw .safetensors(error) }
    guard loaded.shape == shape else { throw .shapeMismatch(tensor: name, expected: shape, actual: loaded.shape) }
    return loaded.values
  }

  func linear(_ base: String, in inFeatures: Int, out outFeatures: Int) throws(ModelError) -> LinearWeights {
    LinearWeights(
      weight: try tensor(ByteText("\(base).weight").string, [outFeatures, inFeatures]),
      bias: try tensor(ByteText("\(base).bias").string, [outFeatures]),
      inFeatures: inFeatures, outFeatures: outFeatures)
  }

  func layerNorm(_ base: String, width: Int) throws(ModelError) -> LayerNormWeights {
    LayerNormWeights(
      gamma: try tensor(firstPresent(base, BertTensorNames.layerNormScaleSuffixes), [width]),
      beta: try tensor(firstPresent(base, BertTensorNames.layerNormShiftSuffixes), [width]))
  }

  /// The first `base + suffix` the file has, or the first candidate (so the error names the modern spelling).
  private func firstPresent(_ base: String, _ suffixes: [StaticString]) -> String {
    for suffix in suffixes {
      let name = ByteText("\(base)\(suffix)").string
      if file.info(name) != nil { return name }
    }
    return ByteText("\(base)\(suffixes[0])").string
  }
}
