// The wasm engine: dist/wasmicro.wasm driven in Node by ci/wasm-verify-runner.mjs (through web/wasmicro.js, the same
// ES module users import). It only produces outputs; Checks.swift compares them exactly as for the native engine.
import Foundation
import Wasmicro

final class WasmEngine: VerifyEngine {
  let name = "wasm"
  let runner: String
  let wasm: String
  private let workDirectory: URL

  init(runner: String = "ci/wasm-verify-runner.mjs", wasm: String = "dist/wasmicro.wasm") throws {
    self.runner = runner
    self.wasm = wasm
    guard FileManager.default.fileExists(atPath: runner) else {
      throw VerifyFailure.engineFailed(engine: "wasm", problem: "\(runner) not found (run from the repository root)")
    }
    guard FileManager.default.fileExists(atPath: wasm) else {
      throw VerifyFailure.engineFailed(engine: "wasm", problem: "\(wasm) not found (run `make wasm`)")
    }
    workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("wasmicro-verify-\(getpid())")
    try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: workDirectory) }

  /// The runner's request fields for a tokenizer: `vocab` + `options`, or `tokenizerJSON` (the multilingual module).
  private func tokenizerFields(_ source: TokenizerSource) -> [String: Any] {
    switch source {
    case .vocab(let directory, let options):
      var optionObject: [String: Any] = [
        "do_lower_case": options.lowercase, "tokenize_chinese_chars": options.tokenizeChineseChars,
        "model_max_length": options.maxLength, "unk_token": options.unkToken, "cls_token": options.clsToken,
        "sep_token": options.sepToken, "pad_token": options.padToken, "mask_token": options.maskToken,
      ]
      optionObject["strip_accents"] = options.stripAccents.map { $0 as Any } ?? NSNull()
      return ["vocab": (directory as NSString).appendingPathComponent("vocab.txt"), "options": optionObject]
    case .json(let path):
      return ["tokenizerJSON": path]
    }
  }

  func sweep(source: TokenizerSource, request: SweepRequest) throws -> [String] {
    var fields = tokenizerFields(source)
    fields["op"] = "sweep"
    fields["template"] = request.template
    fields["maxLength"] = request.maxLength
    fields["blocks"] = request.blocks.map { [Int($0.lowerBound), Int($0.upperBound)] }
    let results = try run(fields)
    guard let digests = results as? [String], digests.count == request.blocks.count else {
      throw VerifyFailure.engineFailed(engine: name, problem: "malformed sweep response")
    }
    return digests
  }

  func tokenize(source: TokenizerSource, requests: [TokenizeRequest]) throws -> [Encoding] {
    var fields = tokenizerFields(source)
    fields["op"] = "tokenize"
    fields["requests"] = requests.map {
      ["text": $0.text, "pair": $0.pair.map { $0 as Any } ?? NSNull(), "maxLength": $0.maxLength]
    }
    let results = try run(fields)
    return try results.map { item in
      guard let object = item as? [String: Any], let ids = object["inputIds"] as? [Int],
        let types = object["tokenTypeIds"] as? [Int],
        let mask = object["attentionMask"] as? [Int], let tokens = object["tokens"] as? [String]
      else { throw VerifyFailure.engineFailed(engine: name, problem: "malformed tokenize response") }
      return Encoding(
        inputIDs: ids.map { Int32($0) }, tokenTypeIDs: types.map { Int32($0) }, attentionMask: mask.map { Int32($0) },
        tokens: tokens)
    }
  }

  func forward(modelDirectory: String, requests: [ForwardRequest]) throws -> [ForwardResult] {
    let results = try run([
      "op": "forward", "model": modelDirectory,
      "requests": requests.map {
        [
          "inputIds": $0.inputIDs.map(Int.init), "tokenTypeIds": $0.tokenTypeIDs.map(Int.init),
          "attentionMask": $0.attentionMask.map(Int.init), "batchSize": $0.batchSize,
          "sequenceLength": $0.sequenceLength,
        ]
      },
    ])
    return try results.map { item in
      guard let object = item as? [String: Any], let hidden = try floats(object["hidden"]) else {
        throw VerifyFailure.engineFailed(engine: name, problem: "malformed forward response")
      }
      return ForwardResult(hidden: hidden, pooler: try floats(object["pooler"]), logits: try floats(object["logits"]))
    }
  }

  func embed(modelDirectory: String, batches: [[String]]) throws -> [[[Float]]] {
    let results = try run(["op": "embed", "model": modelDirectory, "batches": batches])
    return try results.map { batch in
      guard let vectors = batch as? [Any] else {
        throw VerifyFailure.engineFailed(engine: name, problem: "malformed embed response")
      }
      return try vectors.map { vector in
        guard let values = try floats(vector) else {
          throw VerifyFailure.engineFailed(engine: name, problem: "missing embedding")
        }
        return values
      }
    }
  }

  func classify(modelDirectory: String, headPath: String, texts: [String]) throws -> [HeadResult] {
    let results = try run(["op": "classify", "model": modelDirectory, "head": headPath, "texts": texts])
    return try results.map { item in
      guard let object = item as? [String: Any], let index = object["labelIndex"] as? Int,
        let probabilities = try floats(object["probabilities"])
      else { throw VerifyFailure.engineFailed(engine: name, problem: "malformed classify response") }
      return HeadResult(labelIndex: index, probabilities: probabilities)
    }
  }

  /// Writes the request, runs Node, and returns the response's `results` array.
  private func run(_ request: [String: Any]) throws -> [Any] {
    let requestURL = workDirectory.appendingPathComponent("request.json")
    try JSONSerialization.data(withJSONObject: request).write(to: requestURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["node", runner, requestURL.path, wasm]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do { try process.run() } catch {
      throw VerifyFailure.engineFailed(engine: name, problem: "cannot start node: \(error.localizedDescription)")
    }
    // Read before waiting so a large response cannot fill the pipe and stall both processes.
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw VerifyFailure.engineFailed(engine: name, problem: errorText.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    guard let object = (try? parseJSONObjects([UInt8](data))) as? [String: Any],
      let results = object["results"] as? [Any]
    else { throw VerifyFailure.engineFailed(engine: name, problem: "runner printed no JSON results") }
    return results
  }

  private func floats(_ value: Any?) throws -> [Float]? {
    guard let text = value as? String else { return nil }
    guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
      throw VerifyFailure.engineFailed(engine: name, problem: "bad base64 float data")
    }
    return data.withUnsafeBytes { raw in
      (0..<data.count / 4).map {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
      }
    }
  }
}

/// Runs a primary engine and a reference engine on the same inputs, returns the primary's outputs, and records how far
/// the two disagree (so `--engine both` also compares wasm with native directly, not only each with HF).
final class PairedEngine: VerifyEngine {
  let primary: any VerifyEngine
  let reference: any VerifyEngine
  var name: String { primary.name }
  /// Largest |primary − reference| over every float output since the last `takeDisagreement()`.
  private(set) var maxAbsDisagreement = 0.0
  /// Tokenizations whose ids, tokens, types or mask differ between the two engines.
  private(set) var encodingDisagreements = 0

  init(primary: any VerifyEngine, reference: any VerifyEngine) {
    self.primary = primary
    self.reference = reference
  }

  func takeDisagreement() -> (maxAbs: Double, encodings: Int) {
    defer {
      maxAbsDisagreement = 0
      encodingDisagreements = 0
    }
    return (maxAbsDisagreement, encodingDisagreements)
  }

  private func note(_ a: [Float]?, _ b: [Float]?) {
    guard let a, let b else {
      if (a == nil) != (b == nil) { maxAbsDisagreement = .infinity }
      return
    }
    maxAbsDisagreement = max(maxAbsDisagreement, maxAbsDifference(a, b))
  }

  func tokenize(source: TokenizerSource, requests: [TokenizeRequest]) throws -> [Encoding] {
    let ours = try primary.tokenize(source: source, requests: requests)
    let theirs = try reference.tokenize(source: source, requests: requests)
    encodingDisagreements += zip(ours, theirs).filter { $0 != $1 }.count + abs(ours.count - theirs.count)
    return ours
  }

  func sweep(source: TokenizerSource, request: SweepRequest) throws -> [String] {
    let ours = try primary.sweep(source: source, request: request)
    let theirs = try reference.sweep(source: source, request: request)
    encodingDisagreements += zip(ours, theirs).filter { $0 != $1 }.count
    return ours
  }

  func forward(modelDirectory: String, requests: [ForwardRequest]) throws -> [ForwardResult] {
    let ours = try primary.forward(modelDirectory: modelDirectory, requests: requests)
    let theirs = try reference.forward(modelDirectory: modelDirectory, requests: requests)
    for (a, b) in zip(ours, theirs) {
      note(a.hidden, b.hidden)
      note(a.pooler, b.pooler)
      note(a.logits, b.logits)
    }
    return ours
  }

  func classify(modelDirectory: String, headPath: String, texts: [String]) throws -> [HeadResult] {
    let ours = try primary.classify(modelDirectory: modelDirectory, headPath: headPath, texts: texts)
    let theirs = try reference.classify(modelDirectory: modelDirectory, headPath: headPath, texts: texts)
    for (a, b) in zip(ours, theirs) { note(a.probabilities, b.probabilities) }
    return ours
  }

  func embed(modelDirectory: String, batches: [[String]]) throws -> [[[Float]]] {
    let ours = try primary.embed(modelDirectory: modelDirectory, batches: batches)
    let theirs = try reference.embed(modelDirectory: modelDirectory, batches: batches)
    for (a, b) in zip(ours, theirs) {
      for (x, y) in zip(a, b) { note(x, y) }
    }
    return ours
  }
}
