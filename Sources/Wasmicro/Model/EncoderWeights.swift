// Loading RoBERTa, XLM-RoBERTa and DistilBERT checkpoints into BertWeights, so that the one BERT forward runs them.
// Every architecture difference is settled here, in the weights, not in `BertModel.forward`:
// - RoBERTa / XLM-RoBERTa position table: viewed from row pad_token_id + 1 (`EncoderConfig.firstPosition`), so the
//   forward's position i reads HF's position id pad + 1 + i. Zero copies, zero new code in the forward.
// - DistilBERT: no token-type table, so two zero rows of hiddenSize floats stand in for it (x + 0 = x: the sum is
//   HF's word + position exactly); its position table is computed with HF's sinusoidal formula when the config asks
//   for it and the checkpoint has none (HF's `_init_weights` does the same; a stored table always wins).
// - Classification heads: RobertaClassificationHead (dense + tanh on the first token, then out_proj) is BERT's pooler
//   + classifier in shape, so it is loaded into those slots. DistilBertForSequenceClassification's head is dense + ReLU,
//   which the BERT pooler (tanh) cannot run: loading a checkpoint that has one is refused (see `load`).
// Non-goals: anything the default wasm module links. It runs BERT through `BertWeights.init(file:config:arena:)` only.

extension BertWeights {
  /// Reads and shape-checks every tensor `encoder` implies, for any architecture `EncoderConfig.parse` accepts.
  public init(file: SafetensorsFile, encoder: EncoderConfig, arena: FloatArena) throws(ModelError) {
    if encoder.architecture == .bert {
      self = try BertWeights.load(file: file, config: encoder.bert, arena: arena)
    } else {
      self = try BertWeights.load(file: file, encoder: encoder, arena: arena)
    }
  }

  /// The rows of a position table computed from the sinusoidal formula at most (a config asking for more is refused:
  /// the table is allocated, not read from the file).
  public static var maximumSinusoidalPositions: Int { 1 << 16 }

  private static func load(
    file: SafetensorsFile, encoder: EncoderConfig, arena: FloatArena
  ) throws(ModelError) -> BertWeights {
    let config = encoder.bert
    guard let names = EncoderTensorNames.detect(in: file, architecture: encoder.architecture) else {
      throw .missingTensor(EncoderTensorNames(architecture: encoder.architecture, prefix: "").wordEmbeddings)
    }
    let loader = WeightLoader(file: file, arena: arena, bundle: try bundleFormat(file))
    let hidden = config.hiddenSize
    let wordEmbeddings = try loader.matrix(names.wordEmbeddings, rows: config.vocabSize, columns: hidden)

    // [positionTableRows, hidden] as stored (or computed), seen from row `firstPosition` on:
    // [maxPositionEmbeddings, hidden].
    let table: UnsafeBufferPointer<Float>
    if file.info(names.positionEmbeddings) == nil && encoder.sinusoidalPositions {
      table = try sinusoidalTable(rows: encoder.positionTableRows, width: hidden, arena: arena)
    } else {
      table = try loader.tensor(names.positionEmbeddings, [encoder.positionTableRows, hidden])
    }
    let firstPosition = encoder.firstPosition * hidden
    precondition(firstPosition + config.maxPositionEmbeddings * hidden == table.count, "EncoderConfig positions")
    let positionEmbeddings = UnsafeBufferPointer(rebasing: table[firstPosition...])

    let tokenTypeEmbeddings: UnsafeBufferPointer<Float>  // [typeVocab, hidden]
    if let name = names.tokenTypeEmbeddings {
      tokenTypeEmbeddings = try loader.tensor(name, [config.typeVocabSize, hidden])
    } else {
      tokenTypeEmbeddings = UnsafeBufferPointer(arena.allocate(config.typeVocabSize * hidden))  // zeros
    }
    let embeddingsLayerNorm = try loader.layerNorm(names.embeddingsLayerNorm, width: hidden)
    var layers: [BertLayerWeights] = []
    for index in 0..<config.numHiddenLayers {
      layers.append(try loadLayer(index, names, loader, hidden: hidden, intermediate: config.intermediateSize))
    }

    // The first-token dense layer: the sequence-classification head's when the checkpoint has one, else the pooler.
    var pooler: LinearWeights? = nil
    var classifier: LinearWeights? = nil
    if let headDense = names.headDense, file.info(ByteText("\(headDense).weight").string) != nil {
      guard encoder.architecture != .distilBert else {
        throw .config(.unsupported(field: "pre_classifier", value: "DistilBertForSequenceClassification head (ReLU)"))
      }
      pooler = try loader.linear(headDense, in: hidden, out: hidden)
    } else if let poolerDense = names.poolerDense, file.info(ByteText("\(poolerDense).weight").string) != nil {
      pooler = try loader.linear(poolerDense, in: hidden, out: hidden)
    }
    let outputWeight = ByteText("\(names.headOutput).weight").string
    if let info = file.info(outputWeight) {
      let labels = info.shape.first ?? 0
      if !config.id2label.isEmpty && config.id2label.count != labels {
        throw .shapeMismatch(tensor: outputWeight, expected: [config.id2label.count, hidden], actual: info.shape)
      }
      classifier = try loader.linear(names.headOutput, in: hidden, out: labels)
    }
    return BertWeights(
      wordEmbeddings: wordEmbeddings, positionEmbeddings: positionEmbeddings, tokenTypeEmbeddings: tokenTypeEmbeddings,
      embeddingsLayerNorm: embeddingsLayerNorm, layers: layers, pooler: pooler, classifier: classifier, arena: arena)
  }

  /// Encoder layer `index` under either layout: the same eight modules in HF's order.
  private static func loadLayer(
    _ index: Int, _ names: EncoderTensorNames, _ loader: WeightLoader, hidden: Int, intermediate: Int
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

  /// HF DistilBERT's `_create_sinusoidal_embeddings`: `[rows, width]` with angle(pos, j) = pos / 10000^(2·⌊j/2⌋/width)
  /// in double precision, sin of it in even columns and cos in odd ones, then rounded to Float.
  static func sinusoidalTable(rows: Int, width: Int, arena: FloatArena) throws(ModelError) -> UnsafeBufferPointer<
    Float
  > {
    guard rows <= maximumSinusoidalPositions, width <= maximumActivationFloats / maximumSinusoidalPositions else {
      throw .config(
        .invalidField(
          "max_position_embeddings",
          expected: ByteText("at most \(maximumSinusoidalPositions) rows for a computed sinusoidal table").string))
    }
    let table = arena.allocate(rows * width)
    let logBase = 9.210_340_371_976_184  // ln 10000
    for j in 0..<width {
      // numpy: np.power(10000, 2 * (j // 2) / dim), a double power; here e^(x·ln 10000), within an ulp or two of it.
      let divisor = exponential(Double(2 * (j / 2)) / Double(width) * logBase)
      for position in 0..<rows {
        let angle = Double(position) / divisor
        table[position * width + j] = Float(j % 2 == 0 ? sine(angle) : cosine(angle))
      }
    }
    return UnsafeBufferPointer(table)
  }
}

extension BertModel {
  /// Loads any encoder `EncoderConfig.parse` accepts (BERT, RoBERTa, XLM-RoBERTa, DistilBERT): the same model and
  /// forward as `init(config:file:arena:)`, with `config` = `encoder.bert`. F32 tensors stay in the host's bytes, which
  /// must outlive the model; other dtypes, DistilBERT's stand-in token-type rows and a computed sinusoidal table live
  /// in `arena`.
  public init(encoder: EncoderConfig, file: SafetensorsFile, arena: FloatArena = FloatArena()) throws(ModelError) {
    self.config = encoder.bert
    self.weights = try BertWeights(file: file, encoder: encoder, arena: arena)
  }
}
