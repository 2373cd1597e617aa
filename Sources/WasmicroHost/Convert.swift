// `wasmicro convert`'s work: an HF / sentence-transformers directory in, a complete model directory out whose
// model.safetensors is a q8, q4 or f16 bundle (FORMAT.md), with a quality report. The core plans and encodes the
// bundle; this file does the files: a temporary directory beside the output, renamed into place only when complete.
import Foundation
import Wasmicro

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a conversion failed; each message names the path or tensor at fault. Nothing is left at the output path.
public enum ConvertFailure: Error, CustomStringConvertible {
  case notAModel(path: String, missing: String)
  case invalidModel(path: String, problem: String)
  case unsupported(path: String, problem: String)
  case outputExists(String)
  case unwritable(path: String, reason: String)
  case diskFull(String)

  public var description: String {
    switch self {
    case .notAModel(let path, let missing): return "\(path) is not a model directory: it has no \(missing)"
    case .invalidModel(let path, let problem): return "\(path): \(problem)"
    case .unsupported(let path, let problem): return "\(path): \(problem)"
    case .outputExists(let path): return "\(path) already exists (pass --force to replace it)"
    case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
    case .diskFull(let path): return "disk full while writing \(path); nothing was left at the output path"
    }
  }
}

/// What a conversion produced, as written to `quantization_report.json`.
public struct ConversionReport {
  public let format: WeightFormat
  public let sourceBytes: Int
  public let bundleBytes: Int
  public let sentences: Int
  public let cosineMin: Double
  public let cosineMean: Double

  /// The report as JSON (keys sorted, no timestamps: the same conversion writes the same report).
  public var json: String {
    """
    {
      "bundle_bytes": \(bundleBytes),
      "cosine_vs_f32": {"mean": \(cosineMean), "min": \(cosineMin)},
      "format": "\(format.name)",
      "format_version": "\(BundleMetadata.version)",
      "sample_sentences": \(sentences),
      "size_ratio": \(Double(bundleBytes) / Double(max(sourceBytes, 1))),
      "source_bytes": \(sourceBytes),
      "tool": "wasmicro convert \(wasmicroVersion)"
    }

    """
  }
}

/// Converts the model directory `source` into `output` in `format`.
///
/// - Parameters:
///   - force: replace an existing `output` (only after the new directory is complete)
///   - progress: called after each tensor with (tensors written, tensors in all, bytes written)
public func convertModelDirectory(
  source: String, format: WeightFormat, output: String, force: Bool,
  progress: ((Int, Int, Int) -> Void)? = nil
) throws(ConvertFailure) -> ConversionReport {
  let files = FileManager.default
  var isDirectory: ObjCBool = false
  guard files.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
    throw .notAModel(path: source, missing: "directory at that path")
  }
  for required in ["config.json", "model.safetensors", "vocab.txt"]
  where !files.fileExists(atPath: join(source, required)) {
    throw .notAModel(path: source, missing: required)
  }
  if files.fileExists(atPath: output) && !force { throw .outputExists(output) }

  let original: ModelDirectory
  do { original = try ModelDirectory(path: source) } catch {
    throw .invalidModel(path: source, problem: error.description)
  }
  let writer: BundleWriter
  do {
    let file = try SafetensorsFile(bytes: original.weightsFile.bytes)
    writer = try BundleWriter(file: file, encoder: original.encoderConfig, format: format)
  } catch let error as ConvertError {
    throw .unsupported(path: original.weightsFile.path, problem: error.message)
  } catch {
    throw .invalidModel(path: original.weightsFile.path, problem: describe(error))
  }

  // Work in a hidden sibling of the output, so the final rename stays on one file system.
  let parent = (output as NSString).deletingLastPathComponent
  let temporary = join(
    parent.isEmpty ? "." : parent, ".\((output as NSString).lastPathComponent).converting-\(getpid())")
  try? files.removeItem(atPath: temporary)
  do { try files.createDirectory(atPath: temporary, withIntermediateDirectories: false) } catch {
    throw .unwritable(path: temporary, reason: reason(error))
  }
  do throws(ConvertFailure) {
    try copySideFiles(from: source, to: temporary)
    try writeBundle(writer, to: join(temporary, "model.safetensors"), progress: progress)
    let converted: ModelDirectory
    do { converted = try ModelDirectory(path: temporary) } catch {
      throw ConvertFailure.invalidModel(
        path: temporary, problem: "the written bundle does not load: \(error.description)")
    }
    let (minimum, mean) = try compare(original.embedder, converted.embedder)
    let report = ConversionReport(
      format: format, sourceBytes: original.weightsFile.bytes.count, bundleBytes: writer.byteCount,
      sentences: sampleSentences.count, cosineMin: minimum, cosineMean: mean)
    try writeFile(Array(report.json.utf8), to: join(temporary, "quantization_report.json"))
    try replace(output, with: temporary)
    return report
  } catch {
    try? files.removeItem(atPath: temporary)
    throw error
  }
}

/// Every top-level file of a model directory except weights in any format, and the sentence-transformers module
/// folders (`1_Pooling`, `2_Normalize`, …): config, vocabulary, tokenizer and pipeline files.
private func copySideFiles(from source: String, to destination: String) throws(ConvertFailure) {
  let files = FileManager.default
  let skipped: Set<String> = ["model.safetensors", "quantization_report.json"]
  let weightSuffixes = [".safetensors", ".bin", ".onnx", ".h5", ".msgpack", ".ot", ".pt", ".pth", ".gguf"]
  let names: [String]
  do { names = try files.contentsOfDirectory(atPath: source).sorted() } catch {
    throw .invalidModel(path: source, problem: reason(error))
  }
  for name in names
  where !name.hasPrefix(".") && !skipped.contains(name) && !weightSuffixes.contains(where: name.hasSuffix) {
    var isDirectory: ObjCBool = false
    guard files.fileExists(atPath: join(source, name), isDirectory: &isDirectory) else { continue }
    let isModuleFolder = name.first?.isNumber == true && name.contains("_")
    guard !isDirectory.boolValue || isModuleFolder else { continue }
    do { try files.copyItem(atPath: join(source, name), toPath: join(destination, name)) } catch {
      throw .unwritable(path: join(destination, name), reason: reason(error))
    }
  }
}

/// Streams the bundle tensor by tensor through one file descriptor; every short write is an error.
private func writeBundle(
  _ writer: BundleWriter, to path: String, progress: ((Int, Int, Int) -> Void)?
) throws(ConvertFailure) {
  let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  guard descriptor >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
  defer { close(descriptor) }
  var written = 0
  var failure: ConvertFailure? = nil
  func emit(_ bytes: UnsafeRawBufferPointer) {
    guard failure == nil else { return }
    var offset = 0
    while offset < bytes.count {
      let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        failure = errno == ENOSPC ? .diskFull(path) : .unwritable(path: path, reason: String(cString: strerror(errno)))
        return
      }
      offset += count
    }
    written += bytes.count
  }
  writer.header.withUnsafeBytes(emit)
  for index in writer.entries.indices {
    do { try writer.bytes(of: index, into: emit) } catch {
      throw .unsupported(path: path, problem: error.message)
    }
    if let failure { throw failure }
    progress?(index + 1, writer.entries.count, written)
  }
  guard fsync(descriptor) == 0 else {
    throw errno == ENOSPC ? .diskFull(path) : .unwritable(path: path, reason: String(cString: strerror(errno)))
  }
}

/// Cosine of the converted pipeline's embeddings against the original's over `sampleSentences`: (min, mean).
private func compare(
  _ original: SentenceEmbedder<ModelDirectory.Tokenizer>, _ converted: SentenceEmbedder<ModelDirectory.Tokenizer>
) throws(ConvertFailure) -> (
  Double, Double
) {
  var minimum = 1.0
  var total = 0.0
  for sentence in sampleSentences {
    do {
      let cosine = Wasmicro.cosine(try original.embed(sentence), try converted.embed(sentence))
      minimum = min(minimum, cosine)
      total += cosine
    } catch {
      throw .invalidModel(path: "sample sentence \"\(sentence)\"", problem: error.message)
    }
  }
  return (minimum, total / Double(sampleSentences.count))
}

/// Moves the finished `temporary` directory to `output`; an existing output is moved aside first and removed last.
private func replace(_ output: String, with temporary: String) throws(ConvertFailure) {
  let files = FileManager.default
  let aside = temporary + ".previous"
  let hadOutput = files.fileExists(atPath: output)
  if hadOutput {
    guard rename(output, aside) == 0 else { throw .unwritable(path: output, reason: String(cString: strerror(errno))) }
  }
  guard rename(temporary, output) == 0 else {
    let problem = String(cString: strerror(errno))
    if hadOutput { _ = rename(aside, output) }
    throw .unwritable(path: output, reason: problem)
  }
  if hadOutput { try? files.removeItem(atPath: aside) }
}

private func writeFile(_ bytes: [UInt8], to path: String) throws(ConvertFailure) {
  guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
    throw .unwritable(path: path, reason: "create failed")
  }
}

private func join(_ directory: String, _ name: String) -> String {
  (directory as NSString).appendingPathComponent(name)
}

private func reason(_ error: any Error) -> String {
  (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
}
