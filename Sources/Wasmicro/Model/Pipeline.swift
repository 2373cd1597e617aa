// Pipeline: how a sentence-transformers model directory's small files become one embedding pipeline. This is the only
// place that decides it; the host (ModelDirectory), the wasm exports and web/wasmicro.js all hand the files' bytes here.
// Scope: modules.json, the Pooling module's config.json, sentence_bert_config.json, with config.json's position table
// and tokenizer_config.json's model_max_length. Non-goals: reading files (the caller does), modules we do not run.
//
// The rules, as sentence-transformers applies them when it loads a directory:
// - modules.json present: L2 normalisation iff it lists a Normalize module; pooling from the Pooling module's folder
//   (`poolingFolder`), mean when that folder has no config.json; any other module type (Dense, …) is refused, since
//   skipping it would silently change the embeddings.
// - modules.json absent: sentence-transformers builds Transformer + mean Pooling with no Normalize, so normalize is
//   false; a 1_Pooling/config.json that is present still names the pooling.
// - max sequence length: sentence_bert_config.json's max_seq_length, else tokenizer_config.json's model_max_length,
//   else max_position_embeddings; always capped at max_position_embeddings (and at least 2: [CLS] and [SEP]).

/// Why a pipeline file was refused: the file, and what is wrong with it. (A struct, not an enum of one case per file:
/// each case wrapping a ConfigError cost wasm bytes in copies and destroys.)
public struct PipelineError: Error, Equatable {
  /// The pipeline files, in the order the wasm export takes them.
  public enum File: Equatable, Sendable {
    case modules, poolingConfig, sentenceBertConfig
  }

  public let file: File
  /// A module we do not run (Dense, …) is `.unsupported(field: "sentence-transformers module", value: its type)`.
  public let problem: ConfigError

  public init(_ file: File, _ problem: ConfigError) {
    self.file = file
    self.problem = problem
  }

  /// The file at fault, relative to the model directory (the Pooling folder's config.json as "1_Pooling/config.json";
  /// `poolingFolder` names the real one).
  public var fileName: String {
    switch file {
    case .modules: return "modules.json"
    case .poolingConfig: return "1_Pooling/config.json"
    case .sentenceBertConfig: return "sentence_bert_config.json"
    }
  }

  /// A one-line description naming the file, e.g. `modules.json: unsupported sentence-transformers module "…Dense"`.
  /// (The wasm export writes the file name itself and then `problem.messageBytes`.)
  public var message: String { ByteText("\(fileName): \(problem.messageText)").string }
}

/// `String(describing:)` on the host prints `message`.
extension PipelineError: CustomStringConvertible {
  public var description: String { message }
}

/// Pooling, normalisation and truncation of a sentence-embedding pipeline, decided from a model directory's files.
public struct PipelineDescription: Equatable, Sendable {
  public var pooling: PoolingMode
  public var normalize: Bool
  /// Tokens per text, [CLS] and [SEP] included.
  public var maxSequenceLength: Int

  public init(pooling: PoolingMode, normalize: Bool, maxSequenceLength: Int) {
    self.pooling = pooling
    self.normalize = normalize
    self.maxSequenceLength = maxSequenceLength
  }

  /// The pipeline of a directory, from its files' bytes (nil: the file is absent).
  /// - Parameters:
  ///   - maxPositionEmbeddings: config.json's position table size.
  ///   - modelMaxLength: tokenizer_config.json's `model_max_length` (`TokenizerConfig.modelMaxLength`).
  ///   - modules: modules.json.
  ///   - poolingConfig: `<poolingFolder>/config.json`.
  ///   - sentenceBertConfig: sentence_bert_config.json.
  public init(
    maxPositionEmbeddings: Int, modelMaxLength: Int?, modules: [UInt8]?, poolingConfig: [UInt8]?,
    sentenceBertConfig: [UInt8]?
  ) throws(PipelineError) {
    var normalize = false
    if let modules {
      let parsed: SentenceTransformersModules
      do throws(ConfigError) { parsed = try SentenceTransformersModules.parse(modules) } catch {
        throw PipelineError(.modules, error)
      }
      if let type = parsed.otherModules.first {
        throw PipelineError(.modules, .unsupported(field: "sentence-transformers module", value: type))
      }
      normalize = parsed.normalize
    }
    var pooling = PoolingMode.mean
    if let poolingConfig {
      do throws(ConfigError) { pooling = try PoolingConfig.parse(poolingConfig).mode } catch {
        throw PipelineError(.poolingConfig, error)
      }
    }
    var length = modelMaxLength ?? maxPositionEmbeddings
    if let sentenceBertConfig {
      do throws(ConfigError) {
        if let limit = try SentenceBertConfig.parse(sentenceBertConfig).maxSeqLength { length = limit }
      } catch {
        throw PipelineError(.sentenceBertConfig, error)
      }
    }
    self.init(pooling: pooling, normalize: normalize, maxSequenceLength: max(2, min(length, maxPositionEmbeddings)))
  }

  /// The folder whose config.json configures pooling: the Pooling module's `path` in modules.json, else "1_Pooling".
  /// (A modules.json without a Pooling module also gives "1_Pooling"; mean pooling applies when it has no config.)
  public static func poolingFolder(modules: [UInt8]?) throws(PipelineError) -> String {
    guard let modules else { return "1_Pooling" }
    do throws(ConfigError) {
      return try SentenceTransformersModules.parse(modules).poolingPath ?? "1_Pooling"
    } catch {
      throw PipelineError(.modules, error)
    }
  }
}

/// Which of a model directory's tokenizer files a pipeline reads (web/wasmicro.js fetches by the same rule).
public enum TokenizerFileChoice: Equatable, Sendable {
  /// vocab.txt (+ tokenizer_config.json): the BERT WordPiece tokenizer, which the default wasm module runs.
  case vocabTxt
  /// tokenizer.json (+ tokenizer_config.json): the pipeline it names, as transformers loads it.
  case tokenizerJSON

  /// A BERT checkpoint reads vocab.txt (for WordPiece both files give the same ids; vocab.txt is the smaller download and
  /// what the default module reads). Any other architecture reads tokenizer.json when the directory has one, as
  /// transformers' AutoTokenizer does, and vocab.txt otherwise (a DistilBERT directory without tokenizer.json).
  public init(architecture: EncoderArchitecture, hasTokenizerJSON: Bool) {
    self = architecture != .bert && hasTokenizerJSON ? .tokenizerJSON : .vocabTxt
  }
}
