// `wasmicro`: the command-line front end — embed, tokenize, similarity, search, classify, inspect.
// Everything here is I/O and formatting; the work happens in the core.
import ArgumentParser
import Foundation
import Wasmicro
import WasmicroHost

struct ModelOption: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Model directory (HF / sentence-transformers layout). Default: $\(modelEnvironmentVariable) when set, else ./\(defaultModelPath) (`make model` fetches it).",
      valueName: "dir"))
  var model: String?

  var location: ModelLocation { ModelLocation(option: model, environment: ProcessInfo.processInfo.environment) }

  func load() throws -> ModelDirectory {
    let location = self.location
    do { return try ModelDirectory(path: location.path) } catch { throw CLIError(location.describe(error)) }
  }
}

/// The texts of a subcommand: arguments, or standard input one per line; `--jsonl` makes every line input JSON Lines
/// and the output one JSON object per line.
struct TextInput: ParsableArguments {
  @Flag(name: .long, help: "Read the texts from standard input, one per line.")
  var stdin = false

  @Flag(
    name: .long,
    help: ArgumentHelp(
      "JSON Lines in and out: each input line (--stdin, --docs) is a JSON string or an object with a \"text\" string; "
        + "the output is one JSON object per line."))
  var jsonl = false

  @Argument(help: "Texts, one per argument (search: the queries).")
  var texts: [String] = []

  var lineFormat: TextLineFormat { jsonl ? .jsonl : .plain }

  func validate() throws {
    if stdin && !texts.isEmpty { throw ValidationError("give texts as arguments or --stdin, not both") }
    if !stdin && texts.isEmpty { throw ValidationError("no text given: pass texts as arguments or use --stdin") }
  }

  func resolve() throws -> [String] {
    guard stdin else { return texts }
    do { return try readStandardInputTexts(format: lineFormat).map(\.text) } catch { throw CLIError(error.description) }
  }
}

/// A runtime failure: printed to stderr with exit code 1.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}

func runModel<T>(_ body: () throws(ModelError) -> T) throws -> T {
  do { return try body() } catch { throw CLIError("model error: \(describe(error))") }
}

@main
struct WasmicroCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wasmicro",
    abstract: "Tiny BERT inference: sentence embeddings, search, classification, tokenization.",
    version: wasmicroVersion,
    subcommands: [Embed.self, Tokenize.self, Similarity.self, Search.self, Classify.self, Inspect.self, Convert.self])
}

struct Embed: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print sentence embeddings.",
    discussion: "Plain output: a line of space-separated floats per text. --jsonl: {\"text\",\"embedding\"} per text.")
  @OptionGroup var modelOption: ModelOption
  @OptionGroup var input: TextInput
  @Option(
    name: .long, parsing: .unconditional,
    help: "Texts per forward pass (their real tokens run as one matrix; results do not depend on it).")
  var batchSize = 32

  func validate() throws {
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be a positive integer (got \(batchSize))") }
  }

  func run() throws {
    let texts = try input.resolve()
    let directory = try modelOption.load()
    let embedder = directory.embedder
    for start in stride(from: 0, to: texts.count, by: batchSize) {
      let chunk = Array(texts[start..<min(start + batchSize, texts.count)])
      let vectors = try runModel { () throws(ModelError) in try embedder.embedBatch(chunk) }
      for (text, vector) in zip(chunk, vectors) {
        if input.jsonl {
          print("{\"text\":\(jsonString(text)),\"embedding\":\(jsonArray(vector))}")
        } else {
          print(vector.map { "\($0)" }.joined(separator: " "))
        }
      }
    }
  }
}

struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print WordPiece tokens and ids (with [CLS]/[SEP]).",
    discussion: "Plain output: token/id pairs per text. --jsonl: {\"text\",\"input_ids\",\"tokens\"} per text.")
  @OptionGroup var modelOption: ModelOption
  @OptionGroup var input: TextInput
  // `.unconditional` takes the next word as the value even when it starts with "-", so "--max-length -5" reaches
  // validate() and gets its message instead of "Missing value for '--max-length'".
  @Option(
    name: .long, parsing: .unconditional,
    help: "Truncate to this many tokens, [CLS] and [SEP] included (default: the model's max sequence length).")
  var maxLength: Int?

  func validate() throws {
    if let maxLength, maxLength < 2 {
      throw ValidationError("--max-length must be a positive integer of at least 2 ([CLS] and [SEP]), got \(maxLength)")
    }
  }

  func run() throws {
    let texts = try input.resolve()
    let directory = try modelOption.load()
    for text in texts {
      do throws(TokenizerError) {
        try WordPieceTokenizer.checkTextLength(text.utf8.count)
      } catch {
        throw CLIError(error.message)
      }
      let encoding = directory.tokenizer.encode(text, maxLength: maxLength ?? directory.maxSequenceLength)
      if input.jsonl {
        print(
          "{\"text\":\(jsonString(text)),\"input_ids\":\(jsonArray(encoding.inputIDs)),\"tokens\":\(jsonArray(encoding.tokens))}"
        )
      } else {
        print(zip(encoding.tokens, encoding.inputIDs).map { "\($0)/\($1)" }.joined(separator: " "))
      }
    }
  }
}

struct Similarity: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Cosine similarity of two texts' embeddings.")
  @OptionGroup var modelOption: ModelOption
  @Argument(help: "First text.") var first: String
  @Argument(help: "Second text.") var second: String

  func run() throws {
    let embedder = try modelOption.load().embedder
    let vectors = try runModel { () throws(ModelError) in try embedder.embedBatch([first, second]) }
    print(cosineSimilarity(vectors[0], vectors[1]))
  }
}

struct Search: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Rank the lines of a documents file against queries.",
    discussion: """
      Documents are named by their 1-based line number in the --docs file (blank lines are skipped, not renumbered).
      Plain output: "query: …", then one "rank. line N  score  text" row per result. --jsonl: the --docs file and
      --stdin are read as JSON Lines, and each query prints {"query":…,"results":[{"line":N,"score":…,"text":…}]}.
      """)
  @OptionGroup var modelOption: ModelOption
  @Option(
    name: .long,
    help: "Documents file: one document per line (with --jsonl, a JSON string or {\"text\": …} per line).")
  var docs: String
  @Option(name: .long, parsing: .unconditional, help: "How many results per query.")
  var top: Int = 5
  @OptionGroup var input: TextInput

  func validate() throws {
    guard top > 0 else { throw ValidationError("--top must be a positive integer (got \(top))") }
  }

  func run() throws {
    let queries = try input.resolve()
    let documents: [TextLine]
    do {
      documents = try parseTextLines(readFileBytes(docs), format: input.lineFormat, source: docs, skipBlankLines: true)
    } catch { throw CLIError(error.description) }
    guard !documents.isEmpty else { throw CLIError("\(docs): no documents (the file has no non-blank line)") }
    let embedder = try modelOption.load().embedder
    var documentVectors: [[Float]] = []
    for start in stride(from: 0, to: documents.count, by: 16) {
      let chunk = documents[start..<min(start + 16, documents.count)].map(\.text)
      documentVectors += try runModel { () throws(ModelError) in try embedder.embedBatch(chunk) }
    }
    for query in queries {
      let vector = try runModel { () throws(ModelError) in try embedder.embed(query) }
      let ranked = documentVectors.indices.map { ($0, cosineSimilarity(vector, documentVectors[$0])) }
        .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(top)
      if input.jsonl {
        let results = ranked.map { index, score in
          "{\"line\":\(documents[index].line),\"score\":\(score),\"text\":\(jsonString(documents[index].text))}"
        }
        print("{\"query\":\(jsonString(query)),\"results\":[\(results.joined(separator: ","))]}")
      } else {
        print("query: \(query)")
        for (rank, (index, score)) in ranked.enumerated() {
          let document = documents[index]
          print("  \(rank + 1). line \(document.line)  \(String(format: "%.4f", score))  \(document.text)")
        }
      }
    }
  }
}

struct Classify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Classify texts: with --head, a classifier head over the model's sentence embeddings (a head file from reference/export_head.py); otherwise a BertForSequenceClassification checkpoint.",
    discussion: """
      Plain output: label, score, then label=probability (--head) or label=logit pairs.
      --jsonl: {"text","label","score","probabilities":{label: p, …}} with --head, else {"text","label","score","logits"}.
      """)
  @OptionGroup var modelOption: ModelOption
  @OptionGroup var input: TextInput
  @Option(
    name: .long,
    help: ArgumentHelp(
      "A head file (FORMAT.md, \"Embedding heads\"): logistic regression over the model's sentence embeddings.",
      valueName: "file"))
  var head: String?
  @Option(name: .long, help: "Texts per forward pass with --head (results do not depend on it).")
  var batchSize = 32

  func validate() throws {
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
  }

  func run() throws {
    let texts = try input.resolve()
    if let head { return try runHead(head, texts) }
    let classifier: SequenceClassifier<ModelDirectory.Tokenizer>
    do { classifier = try modelOption.load().classifier() } catch let error as HostError {
      throw CLIError(error.description)
    }
    for text in texts {
      let result = try runModel { () throws(ModelError) in try classifier.classify(text) }
      if input.jsonl {
        print(
          "{\"text\":\(jsonString(text)),\"label\":\(jsonString(result.label)),\"score\":\(result.score),\"logits\":\(jsonArray(result.logits))}"
        )
      } else {
        let logits = zip(classifier.labels, result.logits).map { "\($0)=\($1)" }.joined(separator: " ")
        print("\(result.label)\t\(String(format: "%.4f", result.score))\t\(logits)")
      }
    }
  }

  private func runHead(_ path: String, _ texts: [String]) throws {
    let directory = try modelOption.load()
    let headFile: HeadFile
    do { headFile = try HeadFile(path: path) } catch { throw CLIError(error.description) }
    let classifier = try runModel { () throws(ModelError) in
      try EmbeddingClassifier(embedder: directory.embedder, head: headFile.head)
    }
    var start = 0
    while start < texts.count {
      let batch = Array(texts[start..<min(start + batchSize, texts.count)])
      let results = try runModel { () throws(ModelError) in try classifier.classifyBatch(batch) }
      for (text, result) in zip(batch, results) {
        if input.jsonl {
          let pairs = zip(classifier.labels, result.probabilities).map { "\(jsonString($0)):\($1)" }
          print(
            "{\"text\":\(jsonString(text)),\"label\":\(jsonString(result.label)),\"score\":\(result.score),\"probabilities\":{\(pairs.joined(separator: ","))}}"
          )
        } else {
          let pairs = zip(classifier.labels, result.probabilities).map { "\($0)=\($1)" }.joined(separator: " ")
          print("\(result.label)\t\(String(format: "%.4f", result.score))\t\(pairs)")
        }
      }
      start += batchSize
    }
    withExtendedLifetime(headFile) {}
  }
}

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List a safetensors file's tensors, dtypes, shapes and metadata.")
  @Argument(help: "A .safetensors file.") var file: String

  func run() throws {
    let mapped: MappedFile
    do { mapped = try MappedFile(path: file) } catch { throw CLIError(describe(error)) }
    let parsed: SafetensorsFile
    do { parsed = try SafetensorsFile(bytes: mapped.bytes) } catch { throw CLIError("\(file): \(describe(error))") }
    for member in parsed.metadata { print("metadata \(member.key) = \(member.value.stringValue ?? "?")") }
    var total = 0
    for tensor in parsed.tensors {
      total += tensor.elementCount
      print("\(tensor.name)\t\(tensor.dtype.name)\t[\(tensor.shape.map(String.init).joined(separator: ", "))]")
    }
    print("\(parsed.tensors.count) tensors, \(total) parameters, \(mapped.bytes.count) bytes")
  }
}

struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a model directory whose weights are q8, q4 or f16 (FORMAT.md), with a quality report.",
    discussion: """
      The output is a complete model directory (config, vocabulary, tokenizer and sentence-transformers files, the
      converted model.safetensors, quantization_report.json) that every subcommand, wasmicro-verify and the JS API
      load as they are. It is written under a temporary name and renamed when complete. The same input always gives
      byte-identical model.safetensors. Embeddings of different formats are not interchangeable: index and query with
      the same one.
      """)
  @Option(name: .long, help: "Source model directory (HF / sentence-transformers layout, F32, F16 or BF16 weights).")
  var model: String
  @Option(name: .long, help: "Target format: q8, q4 or f16.")
  var to: String
  @Option(name: .long, help: "Output directory (must not exist unless --force).")
  var out: String
  @Flag(name: .long, help: "Replace an existing output directory.")
  var force = false

  func validate() throws {
    guard let format = WeightFormat(name: to), format != .f32 else {
      throw ValidationError("--to must be q8, q4 or f16 (got \"\(to)\")")
    }
  }

  func run() throws {
    let format = WeightFormat(name: to)!
    let showProgress = isatty(STDERR_FILENO) == 1
    let report: ConversionReport
    do {
      report = try convertModelDirectory(
        source: model, format: format, output: out, force: force,
        progress: showProgress ? { done, total, bytes in drawProgress(done, total, bytes) } : nil)
    } catch { throw CLIError(error.description) }
    if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
    let megabytes = { (bytes: Int) in String(format: "%.2f MiB", Double(bytes) / 1_048_576) }
    print(
      "wrote \(out) (\(format.name)): model.safetensors \(megabytes(report.bundleBytes)), source \(megabytes(report.sourceBytes))"
    )
    print(
      "cosine vs f32 over \(report.sentences) sample sentences: min \(String(format: "%.6f", report.cosineMin)), "
        + "mean \(String(format: "%.6f", report.cosineMean))  (\(out)/quantization_report.json)")
  }
}

/// One line on a terminal's stderr, redrawn in place: a bar, tensor n of N, bytes written.
private func drawProgress(_ done: Int, _ total: Int, _ bytes: Int) {
  let width = 30
  let filled = total == 0 ? width : done * width / total
  let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
  let line = String(format: "\r[%@] tensor %d/%d, %.1f MiB written", bar, done, total, Double(bytes) / 1_048_576)
  FileHandle.standardError.write(Data(line.utf8))
}
