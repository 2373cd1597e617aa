// Reading the fixtures that reference/generate.py writes (schema documented in reference/README.md).
// Everything a fixture says is checked on the way in: a malformed fixture is a distinct, named failure, never a crash.
import Foundation
import Wasmicro
import WasmicroHost

/// The schema this harness reads; fixtures from another schema version are refused as such.
let supportedSchemaVersion = 1

/// Why verification could not run at all (as opposed to a threshold failing). Each maps to a distinct exit code.
enum VerifyFailure: Error, CustomStringConvertible {
  case malformedFixture(file: String, problem: String)
  case schemaMismatch(file: String, found: Int)
  case modelMissing(file: String, path: String)
  case modelChecksumMismatch(file: String, modelFile: String, expected: String, actual: String)
  case engineFailed(engine: String, problem: String)
  case bundleNotReproduced(file: String, source: String, format: String, expected: String, actual: String)

  var description: String {
    switch self {
    case .malformedFixture(let file, let problem): return "malformed fixture \(file): \(problem)"
    case .schemaMismatch(let file, let found):
      return "fixture \(file) has schema_version \(found); this harness reads schema_version \(supportedSchemaVersion)"
    case .modelMissing(let file, let path):
      return "fixture \(file) needs the model at \(path), which is missing (run `make model`, or pass --models DIR)"
    case .modelChecksumMismatch(let file, let modelFile, let expected, let actual):
      return "fixture \(file) was generated from a different \(modelFile): sha256 expected \(expected), found \(actual)"
    case .engineFailed(let engine, let problem): return "engine \(engine) failed: \(problem)"
    case .bundleNotReproduced(let file, let source, let format, let expected, let actual):
      return "fixture \(file): `wasmicro convert --to \(format)` of \(source) gave model.safetensors sha256 \(actual), "
        + "the fixture was generated from \(expected) (the converter changed or is not deterministic)"
    }
  }

  /// Distinct non-zero exit codes: 1 is reserved for "ran, but a threshold failed".
  var exitCode: Int32 {
    switch self {
    case .malformedFixture: return 3
    case .schemaMismatch: return 4
    case .modelMissing: return 5
    case .modelChecksumMismatch, .bundleNotReproduced: return 6
    case .engineFailed: return 7
    }
  }
}

/// A JSON object read from a fixture, with accessors that name the missing or mistyped key.
struct FixtureObject {
  let file: String
  let context: String
  let values: [String: Any]

  func fail(_ problem: String) -> VerifyFailure {
    .malformedFixture(file: file, problem: context.isEmpty ? problem : "\(context): \(problem)")
  }
  func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }
  func string(_ key: String) throws -> String {
    guard let value = values[key] as? String else { throw fail("`\(key)` must be a string") }
    return value
  }
  func optionalString(_ key: String) throws -> String? {
    guard has(key) else { return nil }
    return try string(key)
  }
  func int(_ key: String) throws -> Int {
    guard let value = values[key] as? NSNumber, value.doubleValue == value.doubleValue.rounded() else {
      throw fail("`\(key)` must be an integer")
    }
    return value.intValue
  }
  func optionalInt(_ key: String) throws -> Int? { has(key) ? try int(key) : nil }
  func double(_ key: String) throws -> Double {
    guard let value = values[key] as? NSNumber else { throw fail("`\(key)` must be a number") }
    return value.doubleValue
  }
  func bool(_ key: String) throws -> Bool {
    guard let value = values[key] as? Bool else { throw fail("`\(key)` must be true or false") }
    return value
  }
  func optionalBool(_ key: String) throws -> Bool? { has(key) ? try bool(key) : nil }
  func object(_ key: String) throws -> FixtureObject {
    guard let value = values[key] as? [String: Any] else { throw fail("`\(key)` must be an object") }
    return FixtureObject(file: file, context: context.isEmpty ? key : "\(context).\(key)", values: value)
  }
  func optionalObject(_ key: String) throws -> FixtureObject? { has(key) ? try object(key) : nil }
  func objects(_ key: String) throws -> [FixtureObject] {
    guard let value = values[key] as? [[String: Any]] else { throw fail("`\(key)` must be an array of objects") }
    return value.enumerated().map { index, element in
      let id = (element["id"] as? String).map { "[\($0)]" } ?? "[\(index)]"
      return FixtureObject(file: file, context: "\(context.isEmpty ? key : context + "." + key)\(id)", values: element)
    }
  }
  func ints(_ key: String) throws -> [Int32] {
    guard let value = values[key] as? [NSNumber] else { throw fail("`\(key)` must be an array of integers") }
    return value.map { Int32(truncatingIfNeeded: $0.intValue) }
  }
  func intArray(_ key: String) throws -> [Int] {
    guard let value = values[key] as? [NSNumber] else { throw fail("`\(key)` must be an array of integers") }
    return value.map { $0.intValue }
  }
  func doubles(_ key: String) throws -> [Double] {
    guard let value = values[key] as? [NSNumber] else { throw fail("`\(key)` must be an array of numbers") }
    return value.map { $0.doubleValue }
  }
  func strings(_ key: String) throws -> [String] {
    guard let value = values[key] as? [String] else { throw fail("`\(key)` must be an array of strings") }
    return value
  }
}

/// One fixture file: its header and the directories it refers to.
/// JSON text as Foundation-style values (`[String: Any]`, `[Any]`, `String`, `NSNumber`, `Bool`, `NSNull`), parsed by the
/// core's parser with exact doubles. Not JSONSerialization: on Linux it drops a U+FEFF that starts a string, which
/// fixture texts ("BOM at start") and tokens hold.
func parseJSONObjects(_ bytes: [UInt8]) throws(JSONError) -> Any {
  func convert(_ value: JSONValue) -> Any {
    switch value {
    case .null: return NSNull()
    case .bool(let flag): return flag
    case .int(let integer): return NSNumber(value: integer)
    case .double(let number): return NSNumber(value: number)
    case .string(let text): return text
    case .array(let elements): return elements.map(convert)
    case .object(let members):
      var object: [String: Any] = [:]
      for member in members { object[member.key] = convert(member.value) }
      return object
    }
  }
  return convert(try JSONValue.parseExact(bytes))
}

struct Fixture {
  let file: String
  let root: FixtureObject
  let kind: String
  let name: String
  let directory: String

  static func load(path: String) throws -> Fixture {
    let name = (path as NSString).lastPathComponent
    guard let data = FileManager.default.contents(atPath: path) else {
      throw VerifyFailure.malformedFixture(file: name, problem: "cannot read the file")
    }
    let parsed: Any
    do { parsed = try parseJSONObjects([UInt8](data)) } catch {
      throw VerifyFailure.malformedFixture(file: name, problem: "not valid JSON (\(error.message))")
    }
    guard let object = parsed as? [String: Any] else {
      throw VerifyFailure.malformedFixture(file: name, problem: "top level must be a JSON object")
    }
    let root = FixtureObject(file: name, context: "", values: object)
    let version = try root.int("schema_version")
    guard version == supportedSchemaVersion else { throw VerifyFailure.schemaMismatch(file: name, found: version) }
    return Fixture(
      file: name, root: root, kind: try root.string("kind"), name: try root.string("name"),
      directory: (path as NSString).deletingLastPathComponent)
  }

  /// The model directory this fixture was generated from, resolved on this machine, with its checksums verified.
  /// For a quantized-bundle fixture that is the bundle re-created from its source by the converter, whose
  /// model.safetensors must have the sha256 the fixture recorded (which proves the converter deterministic).
  func modelDirectory(modelsDirectory: String, checksums: ChecksumCache, bundles: BundleCache) throws -> String {
    let model = try root.object("model")
    guard let bundle = try root.optionalObject("bundle") else {
      let found = try resolve(model, modelsDirectory: modelsDirectory)
      try checkFiles(model, in: found, checksums: checksums)
      return found
    }
    let sourceModel = try bundle.object("source")
    let source = try resolve(sourceModel, modelsDirectory: modelsDirectory)
    try checkFiles(sourceModel, in: source, checksums: checksums)
    let format = try bundle.string("format")
    guard let weightFormat = WeightFormat(name: format), weightFormat != .f32 else {
      throw bundle.fail("unknown bundle format `\(format)`")
    }
    let directory = try bundles.directory(source: source, format: weightFormat)
    let expected = try bundle.string("model_safetensors_sha256")
    let actual = try checksums.sha256((directory as NSString).appendingPathComponent("model.safetensors"))
    guard actual == expected else {
      throw VerifyFailure.bundleNotReproduced(
        file: file, source: source, format: format, expected: expected, actual: actual)
    }
    try checkFiles(model, in: directory, checksums: checksums)
    return directory
  }

  /// Where a fixture's `model` block points on this machine.
  private func resolve(_ model: FixtureObject, modelsDirectory: String) throws -> String {
    let recorded = try model.string("path")
    let location = try model.optionalString("location") ?? "external"
    var candidates: [String] = []
    if recorded.hasPrefix("/") { candidates.append(recorded) }
    if location == "fixtures" {
      // Paths are recorded relative to the repository ("fixtures/models/x"); resolve them inside this fixture folder.
      let relative = recorded.hasPrefix("fixtures/") ? String(recorded.dropFirst("fixtures/".count)) : recorded
      candidates.append((directory as NSString).appendingPathComponent(relative))
    }
    candidates.append((modelsDirectory as NSString).appendingPathComponent((recorded as NSString).lastPathComponent))
    candidates.append(recorded)
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw VerifyFailure.modelMissing(file: file, path: candidates[candidates.count - 2])
    }
    return found
  }

  /// Every file the `model` block lists has its recorded sha256 in `directory`.
  private func checkFiles(_ model: FixtureObject, in directory: String, checksums: ChecksumCache) throws {
    guard let files = try model.optionalObject("files") else { return }
    for (relativePath, expected) in files.values.sorted(by: { $0.key < $1.key }) {
      guard let expected = expected as? String else { throw files.fail("`\(relativePath)` must be a sha256 string") }
      let path = (directory as NSString).appendingPathComponent(relativePath)
      guard FileManager.default.fileExists(atPath: path) else {
        throw VerifyFailure.modelMissing(file: file, path: path)
      }
      let actual = try checksums.sha256(path)
      guard actual == expected else {
        throw VerifyFailure.modelChecksumMismatch(file: file, modelFile: path, expected: expected, actual: actual)
      }
    }
  }

  /// The float tensors side file (safetensors) this fixture references, checked against its recorded sha256.
  func sideTensors(checksums: ChecksumCache) throws -> SideTensors {
    let fileName = try root.string("tensors_file")
    let path = (directory as NSString).appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: path) else {
      throw VerifyFailure.malformedFixture(file: file, problem: "tensors_file \(fileName) is missing")
    }
    if let expected = try root.optionalString("tensors_sha256") {
      let actual = try checksums.sha256(path)
      guard actual == expected else {
        throw VerifyFailure.malformedFixture(
          file: file, problem: "\(fileName) sha256 \(actual) differs from the recorded \(expected)")
      }
    }
    return try SideTensors(path: path, fixture: file)
  }

  /// The tokenizer options the fixture ran with.
  func tokenizerOptions() throws -> TokenizerOptions {
    let options = try root.object("tokenizer").object("options")
    var result = TokenizerOptions()
    result.lowercase = try options.optionalBool("do_lower_case") ?? true
    result.stripAccents = try options.optionalBool("strip_accents")
    result.tokenizeChineseChars = try options.optionalBool("tokenize_chinese_chars") ?? true
    result.cleanText = try options.optionalBool("clean_text") ?? true
    result.maxInputCharsPerWord = try options.optionalInt("max_input_chars_per_word") ?? 100
    result.unkToken = try options.optionalString("unk_token") ?? "[UNK]"
    result.clsToken = try options.optionalString("cls_token") ?? "[CLS]"
    result.sepToken = try options.optionalString("sep_token") ?? "[SEP]"
    result.padToken = try options.optionalString("pad_token") ?? "[PAD]"
    result.maskToken = try options.optionalString("mask_token") ?? "[MASK]"
    result.maxLength = try options.optionalInt("model_max_length") ?? 512
    return result
  }
}

/// Float arrays of a fixture, read with the core's own safetensors parser.
final class SideTensors {
  let mapped: MappedFile
  let file: SafetensorsFile
  let fixture: String

  init(path: String, fixture: String) throws {
    self.fixture = fixture
    do {
      mapped = try MappedFile(path: path)
      file = try SafetensorsFile(bytes: mapped.bytes)
    } catch {
      throw VerifyFailure.malformedFixture(file: fixture, problem: "\(path): \(describe(error))")
    }
  }

  func floats(_ reference: FixtureObject) throws -> (values: [Float], shape: [Int]) {
    let name = try reference.string("tensor")
    let arena = FloatArena()
    do {
      let tensor = try file.float32(name, arena: arena)
      let shape = try reference.intArray("shape")
      guard tensor.shape == shape else {
        throw reference.fail("tensor \(name) has shape \(tensor.shape), fixture says \(shape)")
      }
      return (Array(tensor.values), shape)
    } catch let error as VerifyFailure {
      throw error
    } catch {
      throw VerifyFailure.malformedFixture(file: fixture, problem: "tensor \(name): \(describe(error))")
    }
  }
}

/// Memoised file digests: several fixtures share one 87 MB model file.
final class ChecksumCache {
  private var digests: [String: String] = [:]

  func sha256(_ path: String) throws -> String {
    if let known = digests[path] { return known }
    let mapped: MappedFile
    do { mapped = try MappedFile(path: path) } catch { throw VerifyFailure.modelMissing(file: path, path: path) }
    let digest = sha256Hex(mapped.bytes)
    digests[path] = digest
    return digest
  }
}

/// Bundles re-created by the converter during one run, shared by every fixture that names the same source and format.
final class BundleCache {
  private let root: String
  private var made: [String: String] = [:]

  init() {
    root = (NSTemporaryDirectory() as NSString).appendingPathComponent("wasmicro-verify-bundles-\(getpid())")
  }

  deinit { try? FileManager.default.removeItem(atPath: root) }

  /// `source` converted to `format` (once per run), with the same code `wasmicro convert` runs.
  func directory(source: String, format: WeightFormat) throws -> String {
    let key = "\(source)|\(format.name)"
    if let known = made[key] { return known }
    let output = (root as NSString).appendingPathComponent(
      "\(made.count)-\((source as NSString).lastPathComponent)-\(format.name)")
    do {
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
      _ = try convertModelDirectory(source: source, format: format, output: output, force: true)
    } catch {
      throw VerifyFailure.engineFailed(engine: "convert", problem: describe(error))
    }
    made[key] = output
    return output
  }
}
