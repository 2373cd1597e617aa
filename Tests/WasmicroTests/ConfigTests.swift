// Config parsing tests: the real all-MiniLM-L6-v2 files (when fetched), inline copies of HF-style files, and every
// rejection path (missing field, unsupported model_type / hidden_act / pooling, malformed id2label).
import Foundation
import Testing

@testable import Wasmicro

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func bertError(_ text: String) -> ConfigError? {
  do throws(ConfigError) {
    _ = try BertConfig.parse(bytes(text))
    return nil
  } catch {
    return error
  }
}

/// A minimal valid config.json body with `extra` members spliced in (later duplicates win).
private func bertJSON(_ extra: String = "") -> String {
  let base =
    #""vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 16"#
  return extra.isEmpty ? "{\(base)}" : "{\(base), \(extra)}"
}

private let modelDirectory = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("models/all-MiniLM-L6-v2")

private func modelFileBytes(_ name: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: modelDirectory.appendingPathComponent(name)))
}

private let modelIsPresent = FileManager.default.fileExists(
  atPath: modelDirectory.appendingPathComponent("config.json").path)

@Suite("ConfigTests")
struct ConfigTests {
  // MARK: Real files

  @Test(.enabled(if: modelIsPresent, "model not fetched: run `make model`"))
  func realBertConfig() throws {
    let config = try BertConfig.parse(try modelFileBytes("config.json"))
    #expect(
      config
        == BertConfig(
          vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536,
          maxPositionEmbeddings: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenActivation: .gelu,
          id2label: [], padTokenID: 0))
    #expect(config.headDimension == 32)
  }

  @Test(.enabled(if: modelIsPresent, "model not fetched: run `make model`"))
  func realSentenceTransformersFiles() throws {
    var expectedTokenizer = TokenizerConfig()
    expectedTokenizer.modelMaxLength = 512
    #expect(try TokenizerConfig.parse(try modelFileBytes("tokenizer_config.json")) == expectedTokenizer)
    #expect(
      try PoolingConfig.parse(try modelFileBytes("1_Pooling/config.json")) == PoolingConfig(mode: .mean, dimension: 384)
    )
    #expect(
      try SentenceTransformersModules.parse(try modelFileBytes("modules.json"))
        == SentenceTransformersModules(poolingPath: "1_Pooling", normalize: true, otherModules: []))
    #expect(
      try SentenceBertConfig.parse(try modelFileBytes("sentence_bert_config.json"))
        == SentenceBertConfig(maxSeqLength: 256))
  }

  // MARK: BertConfig

  @Test func bertDefaults() throws {
    let config = try BertConfig.parse(bytes(bertJSON()))
    #expect(config.typeVocabSize == 2)
    #expect(config.layerNormEps == 1e-12)
    #expect(config.hiddenActivation == .gelu)
    #expect(config.id2label == [])
    #expect(config.padTokenID == 0)
  }

  @Test func bertOptionalFields() throws {
    let config = try BertConfig.parse(
      bytes(
        bertJSON(
          #""model_type": "bert", "position_embedding_type": "absolute", "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "id2label": {"1": "POS", "0": "NEG"}, "hidden_act": "gelu_new", "initializer_range": 0.02, "max_position_embeddings": 512.0"#
        )))
    #expect(config.typeVocabSize == 1)
    #expect(config.layerNormEps == 1e-5)
    #expect(config.padTokenID == 1)
    #expect(config.id2label == ["NEG", "POS"])
    #expect(config.hiddenActivation == .geluTanh)
    #expect(config.maxPositionEmbeddings == 512)  // an integral float is accepted
    #expect(try BertConfig.parse(bytes(bertJSON(#""hidden_act": "gelu_pytorch_tanh""#))).hiddenActivation == .geluTanh)
    #expect(try BertConfig.parse(bytes(bertJSON(#""hidden_act": "relu""#))).hiddenActivation == .relu)
    #expect(
      try BertConfig.parse(bytes(bertJSON(#""pad_token_id": null, "position_embedding_type": null"#))).padTokenID == 0)
  }

  @Test func bertMissingAndInvalidFields() {
    #expect(bertError(#"{"vocab_size": 100}"#) == .missingField("hidden_size"))
    #expect(bertError(bertJSON(#""hidden_size": null"#)) == .missingField("hidden_size"))
    #expect(bertError(bertJSON(#""hidden_size": "384""#)) == .invalidField("hidden_size", expected: "an integer"))
    #expect(bertError(bertJSON(#""hidden_size": 32.5"#)) == .invalidField("hidden_size", expected: "an integer"))
    #expect(
      bertError(bertJSON(#""num_hidden_layers": 0"#))
        == .invalidField("num_hidden_layers", expected: "a positive integer"))
    #expect(
      bertError(bertJSON(#""num_attention_heads": 5"#))
        == .invalidField("num_attention_heads", expected: "a divisor of hidden_size 32"))
    #expect(
      bertError(bertJSON(#""layer_norm_eps": -1"#)) == .invalidField("layer_norm_eps", expected: "a number in (0, 1)"))
    #expect(bertError(bertJSON(#""model_type": 7"#)) == .invalidField("model_type", expected: "a string"))
    #expect(bertError("[]") == .invalidField("<root>", expected: "a JSON object"))
    #expect(bertError("{") == .invalidJSON(.unexpectedEnd(offset: 1)))
  }

  @Test func bertUnsupportedValues() {
    #expect(bertError(bertJSON(#""model_type": "roberta""#)) == .unsupported(field: "model_type", value: "roberta"))
    #expect(bertError(bertJSON(#""hidden_act": "swish""#)) == .unsupported(field: "hidden_act", value: "swish"))
    #expect(
      bertError(bertJSON(#""position_embedding_type": "relative_key""#))
        == .unsupported(field: "position_embedding_type", value: "relative_key"))
  }

  @Test func id2labelMustCoverEveryID() {
    let expectation = "an object mapping every id 0..<n to a label string"
    for labels in [
      #"{"0": "a", "2": "b"}"#, #"{"0": "a", "0": "b"}"#, #"{"x": "a"}"#, #"{"-1": "a"}"#, #"{"0": 1}"#, #"["a"]"#,
      #"{"": "a"}"#,
    ] {
      #expect(
        bertError(bertJSON(#""id2label": \#(labels)"#)) == .invalidField("id2label", expected: expectation), "\(labels)"
      )
    }
  }

  // MARK: TokenizerConfig

  @Test func tokenizerConfigVariants() throws {
    #expect(try TokenizerConfig.parse(bytes("{}")) == TokenizerConfig())
    let config = try TokenizerConfig.parse(
      bytes(
        #"""
        {"do_lower_case": false, "strip_accents": false, "tokenize_chinese_chars": false,
         "model_max_length": 1000000000000000019884624838656,
         "unk_token": {"content": "<unk>", "lstrip": false, "normalized": true, "__type": "AddedToken"},
         "cls_token": "<s>", "sep_token": "</s>", "pad_token": null, "mask_token": {"content": "<mask>"}}
        """#))
    #expect(config.doLowerCase == false)
    #expect(config.stripAccents == false)
    #expect(config.tokenizeChineseChars == false)
    #expect(config.modelMaxLength == nil)
    #expect(config.unkToken == "<unk>")
    #expect(config.clsToken == "<s>")
    #expect(config.sepToken == "</s>")
    #expect(config.padToken == "[PAD]")  // null keeps the default
    #expect(config.maskToken == "<mask>")
    #expect(try TokenizerConfig.parse(bytes(#"{"strip_accents": true, "model_max_length": 128}"#)).stripAccents == true)
    #expect(try TokenizerConfig.parse(bytes(#"{"model_max_length": 1e30}"#)).modelMaxLength == nil)
    #expect(try TokenizerConfig.parse(bytes(#"{"model_max_length": 1000000}"#)).modelMaxLength == 1_000_000)
  }

  @Test func tokenizerConfigErrors() {
    func failure(_ text: String) -> ConfigError? {
      do throws(ConfigError) {
        _ = try TokenizerConfig.parse(bytes(text))
        return nil
      } catch {
        return error
      }
    }
    #expect(failure(#"{"do_lower_case": "yes"}"#) == .invalidField("do_lower_case", expected: "true or false"))
    #expect(failure(#"{"model_max_length": 0}"#) == .invalidField("model_max_length", expected: "a positive integer"))
    #expect(
      failure(#"{"model_max_length": 12.5}"#) == .invalidField("model_max_length", expected: "a positive integer"))
    #expect(
      failure(#"{"unk_token": {"lstrip": true}}"#)
        == .invalidField("unk_token", expected: "a string or an object with a string \"content\""))
  }

  // MARK: Pooling, modules, sentence_bert_config

  @Test func poolingModes() throws {
    func mode(_ text: String) throws -> PoolingMode { try PoolingConfig.parse(bytes(text)).mode }
    #expect(try mode(#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#) == .cls)
    #expect(try mode(#"{"pooling_mode_max_tokens": true}"#) == .max)
    #expect(try mode(#"{"pooling_mode_mean_sqrt_len_tokens": true}"#) == .meanSqrtLength)
    #expect(try mode(#"{"pooling_mode": "mean"}"#) == .mean)
    #expect(try mode(#"{"pooling_mode": "cls", "pooling_mode_mean_tokens": true}"#) == .cls)  // the string key wins
    #expect(try mode(#"{"pooling_mode": "max"}"#) == .max)
    #expect(try mode(#"{"pooling_mode": "mean_sqrt_len_tokens"}"#) == .meanSqrtLength)
    #expect(try PoolingConfig.parse(bytes(#"{"pooling_mode": "cls"}"#)).dimension == nil)
  }

  @Test func poolingErrors() {
    func failure(_ text: String) -> ConfigError? {
      do throws(ConfigError) {
        _ = try PoolingConfig.parse(bytes(text))
        return nil
      } catch {
        return error
      }
    }
    #expect(failure(#"{"pooling_mode_mean_tokens": false}"#) == .unsupported(field: "pooling_mode", value: "none"))
    #expect(
      failure(#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#)
        == .unsupported(field: "pooling_mode", value: "pooling_mode_cls_token+pooling_mode_mean_tokens"))
    #expect(
      failure(#"{"pooling_mode_mean_tokens": true, "pooling_mode_lasttoken": true}"#)
        == .unsupported(field: "pooling_mode_lasttoken", value: "true"))
    #expect(failure(#"{"pooling_mode": "weightedmean"}"#) == .unsupported(field: "pooling_mode", value: "weightedmean"))
    #expect(
      failure(#"{"pooling_mode_mean_tokens": 1}"#)
        == .invalidField("pooling_mode_mean_tokens", expected: "true or false"))
    #expect(
      failure(#"{"pooling_mode": "mean", "word_embedding_dimension": 0}"#)
        == .invalidField("word_embedding_dimension", expected: "a positive integer"))
  }

  @Test func modulesVariants() throws {
    let plain = try SentenceTransformersModules.parse(
      bytes(
        #"[{"type": "sentence_transformers.models.Transformer", "path": ""}, {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]"#
      ))
    #expect(plain == SentenceTransformersModules(poolingPath: "1_Pooling", normalize: false))
    let dense = try SentenceTransformersModules.parse(
      bytes(
        #"[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}]"#
      ))
    #expect(
      dense
        == SentenceTransformersModules(
          poolingPath: nil, normalize: false, otherModules: ["sentence_transformers.models.Dense"]))

    func failure(_ text: String) -> ConfigError? {
      do throws(ConfigError) {
        _ = try SentenceTransformersModules.parse(bytes(text))
        return nil
      } catch {
        return error
      }
    }
    #expect(failure("{}") == .invalidField("modules", expected: "a JSON array"))
    #expect(failure("[1]") == .invalidField("modules[0].type", expected: "a string"))
    #expect(
      failure(#"[{"type": "sentence_transformers.models.Transformer"}, {"path": "x"}]"#)
        == .invalidField("modules[1].type", expected: "a string"))
    #expect(
      failure(#"[{"type": "sentence_transformers.models.Pooling"}]"#)
        == .invalidField("modules[0].path", expected: "a string"))
    #expect(failure(#"[{"type": 3}]"#) == .invalidField("modules[0].type", expected: "a string"))
    #expect(failure("[") == .invalidJSON(.unexpectedEnd(offset: 1)))
  }

  @Test func sentenceBertConfigVariants() throws {
    #expect(
      try SentenceBertConfig.parse(bytes(#"{"max_seq_length": 128, "do_lower_case": false}"#)).maxSeqLength == 128)
    #expect(try SentenceBertConfig.parse(bytes("{}")).maxSeqLength == nil)
    #expect(try SentenceBertConfig.parse(bytes(#"{"max_seq_length": null}"#)).maxSeqLength == nil)
    #expect(throws: ConfigError.invalidField("max_seq_length", expected: "a positive integer")) {
      try SentenceBertConfig.parse(bytes(#"{"max_seq_length": -1}"#))
    }
  }

  // MARK: Pipeline description (the one policy for host, wasm and JS)

  @Test(.enabled(if: modelIsPresent, "model not fetched: run `make model`"))
  func pipelineOfMiniLMWithAndWithoutModules() throws {
    let modules = try modelFileBytes("modules.json")
    let pooling = try modelFileBytes("1_Pooling/config.json")
    let sentenceBert = try modelFileBytes("sentence_bert_config.json")
    #expect(try PipelineDescription.poolingFolder(modules: modules) == "1_Pooling")
    let full = try PipelineDescription(
      maxPositionEmbeddings: 512, modelMaxLength: 512, modules: modules, poolingConfig: pooling,
      sentenceBertConfig: sentenceBert)
    #expect(full == PipelineDescription(pooling: .mean, normalize: true, maxSequenceLength: 256))
    // Without modules.json sentence-transformers builds Transformer + Pooling and no Normalize.
    let bare = try PipelineDescription(
      maxPositionEmbeddings: 512, modelMaxLength: 512, modules: nil, poolingConfig: pooling,
      sentenceBertConfig: sentenceBert)
    #expect(bare == PipelineDescription(pooling: .mean, normalize: false, maxSequenceLength: 256))
  }

  @Test func pipelineRules() throws {
    func describe(
      modules: String? = nil, pooling: String? = nil, sentenceBert: String? = nil, modelMaxLength: Int? = nil
    ) throws(PipelineError) -> PipelineDescription {
      try PipelineDescription(
        maxPositionEmbeddings: 512, modelMaxLength: modelMaxLength, modules: modules.map(bytes),
        poolingConfig: pooling.map(bytes), sentenceBertConfig: sentenceBert.map(bytes))
    }
    // Length: sentence_bert_config.json, else model_max_length, else the position table; always capped by it.
    #expect(try describe().maxSequenceLength == 512)
    #expect(try describe(modelMaxLength: 128).maxSequenceLength == 128)
    #expect(try describe(sentenceBert: #"{"max_seq_length": 64}"#, modelMaxLength: 128).maxSequenceLength == 64)
    #expect(try describe(sentenceBert: #"{"max_seq_length": 4096}"#).maxSequenceLength == 512)
    #expect(try describe(sentenceBert: "{}", modelMaxLength: 100).maxSequenceLength == 100)
    #expect(try describe(pooling: #"{"pooling_mode": "cls"}"#).pooling == .cls)
    #expect(try describe().pooling == .mean)
    let normalizeOnly =
      #"[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Normalize"}]"#
    #expect(try describe(modules: normalizeOnly).normalize)
    #expect(try PipelineDescription.poolingFolder(modules: nil) == "1_Pooling")
    #expect(
      try PipelineDescription.poolingFolder(
        modules: bytes(#"[{"type": "sentence_transformers.models.Pooling", "path": "pool"}]"#)) == "pool")

    // Refusals name the file.
    let dense = #"[{"type": "sentence_transformers.models.Dense", "path": "2_Dense"}]"#
    #expect(
      throws: PipelineError(
        .modules, .unsupported(field: "sentence-transformers module", value: "sentence_transformers.models.Dense"))
    ) {
      try describe(modules: dense)
    }
    #expect(throws: PipelineError(.poolingConfig, .unsupported(field: "pooling_mode", value: "weightedmean"))) {
      try describe(pooling: #"{"pooling_mode": "weightedmean"}"#)
    }
    #expect(throws: PipelineError(.sentenceBertConfig, .invalidField("max_seq_length", expected: "a positive integer")))
    {
      try describe(sentenceBert: #"{"max_seq_length": 0}"#)
    }
    do throws(PipelineError) {
      _ = try describe(modules: dense)
    } catch {
      #expect(
        error.message == #"modules.json: unsupported sentence-transformers module "sentence_transformers.models.Dense""#
      )
    }
  }
}
