// BERT weights loaded from a safetensors file and checked against BertConfig.
// Matrices (every linear weight and the word-embedding table) stay in place in whatever format they are stored:
// F32, F16, or q8/q4 blocks of a wasmicro bundle (FORMAT.md). Small vectors (biases, LayerNorms, position and
// token-type tables) are f32 views, widened into an arena when stored otherwise. Non-goals: writing checkpoints.

/// A dense layer's parameters in PyTorch layout.
public struct LinearWeights {
  public let weight: WeightMatrix  // [outFeatures, inFeatures], any format
  public let bias: UnsafeBufferPointer<Float>  // [outFeatures]
  public var inFeatures: Int { weight.columns }
  public var outFeatures: Int { weight.rows }
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
  public let wordEmbeddings: WeightMatrix  // [vocab, hidden], any format, dequantized a row at a time
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

  init(
    wordEmbeddings: WeightMatrix, positionEmbeddings: UnsafeBufferPointer<Float>,
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

  static func load(
    file: SafetensorsFile, config: BertConfig, arena: FloatArena
  ) throws(ModelError) -> BertWeights {
    guard let names = BertTensorNames.detect(in: file) else {
      throw .missingTensor("embeddings.word_embeddings.weight")
    }
    let loader = WeightLoader(file: file, arena: arena, bundle: try bundleFormat(file))
    let hidden = config.hiddenSize
    let wordEmbeddings = try loader.matrix(names.wordEmbeddings, rows: config.vocabSize, columns: hidden)
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

/// The weight format a wasmicro bundle declares in `__metadata__`; nil for a plain checkpoint (no such keys).
/// An unknown format or version is refused, naming the key: its blocks could mean anything.
/// (A repeated key counts once, its last value: `metadataValue` reads one pair at a time and keeps nothing else.)
func bundleFormat(_ file: SafetensorsFile) throws(ModelError) -> WeightFormat? {
  guard let name = file.metadataValue(BundleMetadata.formatKey) else { return nil }
  guard let format = WeightFormat(name: name), format != .f32 else {
    throw .unsupportedBundle(key: BundleMetadata.formatKey, value: name)
  }
  let version = file.metadataValue(BundleMetadata.versionKey)
  guard let version, JSONValue.utf8Equal(version, BundleMetadata.version) else {
    throw .unsupportedBundle(key: BundleMetadata.versionKey, value: version ?? "")
  }
  return format
}

/// Reads named tensors, checks their shapes, and views matrices in their stored format.
///
/// A class so that each of the ~40 loader calls passes one reference, not the file's fields one by one (about 500
/// bytes of wasm).
final class WeightLoader {
  let file: SafetensorsFile
  let arena: FloatArena
  /// The bundle's declared format; I8/U8 matrices are read only under the matching declaration.
  let bundle: WeightFormat?

  init(file: SafetensorsFile, arena: FloatArena, bundle: WeightFormat?) {
    self.file = file
    self.arena = arena
    self.bundle = bundle
  }

  /// A `[rows, columns]` matrix: F32 (or BF16, widened) as f32, F16 in place, I8/U8 as q8/q4 blocks with their
  /// `.scales` tensor.
  func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
    guard let info = file.info(name) else { throw .missingTensor(name) }
    let format: WeightFormat
    switch info.dtype {
    case .f32, .bf16:
      return WeightMatrix(f32: try tensor(name, [rows, columns]), rows: rows, columns: columns)
    case .f16: format = .f16
    case .i8: format = .q8
    case .u8: format = .q4
    case .i32, .i64: throw .safetensors(.notFloatingPoint(tensor: name, dtype: info.dtype))
    }
    if format.isBlockQuantized && !(bundle?.isBlockQuantized ?? false) {
      throw .unexpectedDType(tensor: name, dtype: info.dtype, format: bundle)
    }
    let stored = WeightMatrix.storedCount(format, rows: rows, columns: columns)
    let shape = format == .f16 ? [rows, columns] : [rows, stored / max(rows, 1)]
    guard info.shape == shape else { throw .shapeMismatch(tensor: name, expected: shape, actual: info.shape) }
    let data = try raw(name)
    guard format.isBlockQuantized else {
      return WeightMatrix(format: format, rows: rows, columns: columns, data: data.baseAddress, scales: nil)
    }
    let scaleName = ByteText("\(name)\(BundleMetadata.scaleSuffix)").string
    guard let scaleInfo = file.info(scaleName) else { throw .missingTensor(scaleName) }
    guard scaleInfo.dtype == .f16 else {
      throw .unexpectedDType(tensor: scaleName, dtype: scaleInfo.dtype, format: bundle)
    }
    let scaleShape = [rows, QuantBlock.paddedColumns(columns) / QuantBlock.size]
    guard scaleInfo.shape == scaleShape else {
      throw .shapeMismatch(tensor: scaleName, expected: scaleShape, actual: scaleInfo.shape)
    }
    return WeightMatrix(
      format: format, rows: rows, columns: columns, data: data.baseAddress, scales: try raw(scaleName).baseAddress)
  }

  private func raw(_ name: String) throws(ModelError) -> UnsafeRawBufferPointer {
    do { return try file.rawBytes(name) } catch { throw .safetensors(error) }
  }

  func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> UnsafeBufferPointer<Float> {
    guard file.info(name) != nil else { throw .missingTensor(name) }
    let loaded: FloatTensor
    do { loaded = try file.float32(name, arena: arena) } catch { throw .safetensors(error) }
    guard loaded.shape == shape else { throw .shapeMismatch(tensor: name, expected: shape, actual: loaded.shape) }
    return loaded.values
  }

  func linear(_ base: String, in inFeatures: Int, out outFeatures: Int) throws(ModelError) -> LinearWeights {
    LinearWeights(
      weight: try matrix(ByteText("\(base).weight").string, rows: outFeatures, columns: inFeatures),
      bias: try tensor(ByteText("\(base).bias").string, [outFeatures]))
  }

  func layerNorm(_ base: String, width: Int) throws(ModelError) -> LayerNormWeights {
    LayerNormWeights(
      gamma: try tensor(
        firstPresent(base, BertTensorNames.layerNormScaleSuffix, BertTensorNames.layerNormScaleLegacySuffix), [width]),
      beta: try tensor(
        firstPresent(base, BertTensorNames.layerNormShiftSuffix, BertTensorNames.layerNormShiftLegacySuffix), [width]))
  }

  /// `base + legacy` when the file has it and not `base + modern`; otherwise `base + modern` (so an error names the
  /// modern spelling).
  private func firstPresent(_ base: String, _ modern: StaticString, _ legacy: StaticString) -> String {
    let name = ByteText("\(base)\(modern)").string
    if file.info(name) != nil { return name }
    let legacyName = ByteText("\(base)\(legacy)").string
    return file.info(legacyName) != nil ? legacyName : name
  }
}
