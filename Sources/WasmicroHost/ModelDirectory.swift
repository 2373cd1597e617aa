// WasmicroHost: Foundation-side conveniences shared by the CLI and the harness — reading a model directory
// (HF / sentence-transformers layout) into a tokenizer and a model. The core never opens files; this target does.
import Foundation
import Wasmicro

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Errors of the host layer; each message names the file at fault.
public enum HostError: Error, CustomStringConvertible {
  case fileMissing(String)
  case unreadable(path: String, reason: String)
  case invalidFile(path: String, problem: String)
  /// A line of a line-oriented input (stdin, a documents file) that cannot be read; `line` is 1-based.
  case invalidLine(source: String, line: Int, problem: String)

  public var description: String {
    switch self {
    case .fileMissing(let path): return "missing file: \(path)"
    case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
    case .invalidFile(let path, let problem): return "\(path): \(problem)"
    case .invalidLine(let source, let line, let problem): return "\(source), line \(line): \(problem)"
    }
  }
}

/// A read-only memory mapping of a whole file: the bytes the core parses in place, never copied.
public final class MappedFile {
  public let path: String
  public let bytes: UnsafeRawBufferPointer

  public init(path: String) throws(HostError) {
    self.path = path
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      if errno == ENOENT { throw .fileMissing(path) }
      throw .unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw .unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
    let size = Int(status.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
      throw .unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}

/// The most bytes `readFileBytes` reads by default: far above any real config or tokenizer file, and low enough that a
/// hostile one is refused before it is read (a JSON tree costs up to about 13 bytes per byte of text).
public let smallFileLimit = 64 << 20

/// Reads a small file (config, vocab) fully into memory; a file over `limit` bytes is refused before it is read.
public func readFileBytes(_ path: String, limit: Int = smallFileLimit) throws(HostError) -> [UInt8] {
  guard FileManager.default.fileExists(atPath: path) else { throw .fileMissing(path) }
  if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limit {
    throw .invalidFile(path: path, problem: "file is \(size) bytes, over the limit of \(limit)")
  }
  guard let data = FileManager.default.contents(atPath: path) else {
    throw .unreadable(path: path, reason: "permission denied or not a file")
  }
  return [UInt8](data)
}

/// A model directory loaded for inference: tokenizer, encoder weights (any model_type `EncoderConfig` reads), and the
/// sentence-transformers pooling setup.
///
/// Reads `config.json`, `model.safetensors`, `vocab.txt` or `tokenizer.json` (`TokenizerFileChoice`), and when present
/// `tokenizer_config.json`, `modules.json`, `1_Pooling/config.json` and `sentence_bert_config.json`. The safetensors file is memory-mapped and kept alive
/// by this object for as long as the model is used.
public final class ModelDirectory {
  /// The tokenizer a directory's pipelines run: tokenizer.json or vocab.txt, by `TokenizerFileChoice`.
  public typealias Tokenizer = TextTokenizer

  public let path: String
  /// config.json as read for the forward pass (`encoderConfig.bert`).
  public let config: BertConfig
  /// config.json with its architecture (BERT, RoBERTa, XLM-RoBERTa, DistilBERT).
  public let encoderConfig: EncoderConfig
  public let tokenizerConfig: TokenizerConfig
  public let tokenizer: Tokenizer
  public let model: BertModel
  public let pooling: PoolingMode
  public let normalize: Bool
  public let maxSequenceLength: Int
  public let weightsFile: MappedFile

  public init(path: String) throws(HostError) {
    self.path = path
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
    func parse<T>(_ name: String, _ parser: ([UInt8]) throws(ConfigError) -> T) throws(HostError) -> T {
      let bytes = try readFileBytes(file(name))
      do { return try parser(bytes) } catch { throw .invalidFile(path: file(name), problem: describe(error)) }
    }

    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileMissing(path) }
    guard isDirectory.boolValue else {
      throw .invalidFile(
        path: path, problem: "is a file, not a model directory (config.json, model.safetensors, vocab.txt)")
    }
    encoderConfig = try parse("config.json", EncoderConfig.parse)
    config = encoderConfig.bert
    tokenizerConfig =
      exists("tokenizer_config.json") ? try parse("tokenizer_config.json", TokenizerConfig.parse) : TokenizerConfig()

    // sentence-transformers: pooling, normalisation and max length, as the core's PipelineDescription decides them.
    func optionalBytes(_ name: String) throws(HostError) -> [UInt8]? {
      exists(name) ? try readFileBytes(file(name)) : nil
    }
    let pipeline: PipelineDescription
    var poolingFile = "1_Pooling/config.json"
    do {
      let modules = try optionalBytes("modules.json")
      poolingFile = try PipelineDescription.poolingFolder(modules: modules) + "/config.json"
      pipeline = try PipelineDescription(
        maxPositionEmbeddings: config.maxPositionEmbeddings, modelMaxLength: tokenizerConfig.modelMaxLength,
        modules: modules, poolingConfig: try optionalBytes(poolingFile),
        sentenceBertConfig: try optionalBytes("sentence_bert_config.json"))
    } catch let error as PipelineError {
      throw .invalidFile(
        path: file(error.file == .poolingConfig ? poolingFile : error.fileName), problem: error.problem.message)
    } catch let error as HostError {
      throw error
    } catch {
      throw .invalidFile(path: path, problem: describe(error))
    }
    pooling = pipeline.pooling
    normalize = pipeline.normalize
    maxSequenceLength = pipeline.maxSequenceLength
    let maxLength = pipeline.maxSequenceLength

    let choice = TokenizerFileChoice(
      architecture: encoderConfig.architecture, hasTokenizerJSON: exists("tokenizer.json"))
    let tokenizerPath = file(choice == .tokenizerJSON ? "tokenizer.json" : "vocab.txt")
    do {
      switch choice {
      case .tokenizerJSON:
        tokenizer = try TextTokenizer(
          json: try readFileBytes(tokenizerPath), tokenizerConfig: try optionalBytes("tokenizer_config.json"),
          hashKey: UInt32.random(in: 0..<0x7FFF_FFFE))
      case .vocabTxt:
        var options = tokenizerConfig.options
        options.maxLength = maxLength
        tokenizer = TextTokenizer(
          wordPiece: try WordPieceTokenizer(
            vocabulary: try Vocabulary(vocabTxt: try readFileBytes(tokenizerPath, limit: Vocabulary.maxFileBytes)),
            options: options))
      }
    } catch let error as HostError {
      throw error
    } catch {
      throw .invalidFile(path: tokenizerPath, problem: describe(error))
    }

    let mapped = try MappedFile(path: file("model.safetensors"))
    weightsFile = mapped
    // In-place F32 views point into the mapping: the arena, which every copy of the model shares, keeps it mapped.
    let arena = FloatArena()
    arena.retain { withExtendedLifetime(mapped) {} }
    do {
      let safetensors = try SafetensorsFile(bytes: mapped.bytes)
      model = try BertModel(encoder: encoderConfig, file: safetensors, arena: arena)
    } catch {
      throw .invalidFile(path: weightsFile.path, problem: describe(error))
    }
  }

  /// The sentence-transformers pipeline of this directory.
  public var embedder: SentenceEmbedder<Tokenizer> {
    SentenceEmbedder(
      tokenizer: tokenizer, model: model, pooling: pooling, normalize: normalize, maxSequenceLength: maxSequenceLength)
  }

  /// The classification pipeline, for BertForSequenceClassification checkpoints.
  public func classifier() throws(HostError) -> SequenceClassifier<Tokenizer> {
    do { return try SequenceClassifier(tokenizer: tokenizer, model: model, maxSequenceLength: maxSequenceLength) } catch
    {
      throw .invalidFile(path: path, problem: "not a sequence-classification checkpoint (no pooler + classifier head)")
    }
  }
}

/// A head file (FORMAT.md, "Embedding heads"), memory-mapped and parsed: its F32 weights are used in place, so this
/// object must outlive every use of `head`.
public final class HeadFile {
  public let path: String
  public let head: EmbeddingHead
  private let mapped: MappedFile
  private let arena = FloatArena()

  public init(path: String) throws(HostError) {
    self.path = path
    mapped = try MappedFile(path: path)
    do {
      head = try EmbeddingHead(file: try SafetensorsFile(bytes: mapped.bytes), arena: arena)
    } catch {
      throw .invalidFile(path: path, problem: describe(error))
    }
  }
}

/// A readable one-line description of any core error.
public func describe(_ error: any Error) -> String {
  if let error = error as? HostError { return error.description }
  return String(describing: error)
}
