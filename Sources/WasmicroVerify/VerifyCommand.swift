// `wasmicro-verify`: runs the engines over the HF fixtures, prints a table, writes a JSON report and a per-language
// tokenizer parity report, and exits non-zero when a threshold fails (1) or verification cannot run (3–7).
import ArgumentParser
import Foundation
import Wasmicro
import WasmicroHost

@main
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wasmicro-verify",
    abstract: "Check wasmicro against HuggingFace fixtures (tokenizer ids, hidden states, embeddings, logits, search).",
    discussion: """
      Exit codes: 0 all thresholds pass; 1 a threshold failed; 3 malformed fixture; 4 fixture schema mismatch;
      5 model missing; 6 model checksum mismatch; 7 an engine failed to run.
      """,
    version: wasmicroVersion)

  @Option(help: "Fixture directory (JSON fixtures + side files).")
  var fixtures = "fixtures"
  @Option(help: "Directory holding external models such as all-MiniLM-L6-v2.")
  var models = "models"
  @Option(help: "Engines to run: native, wasm, or both (comma-separated).")
  var engine = "native"
  @Option(help: "The wasm module the wasm engine runs.")
  var wasm = "dist/wasmicro.wasm"
  @Option(help: "Where to write the JSON report.")
  var json = "reports/verify-report.json"
  @Option(help: "Where to write the per-language tokenizer parity report (markdown).")
  var markdown = "reports/tokenizer-parity.md"
  @Option(help: "Thresholds file (default: <fixtures>/thresholds.json).")
  var thresholds: String?
  @Option(help: "Only fixtures whose file name contains this text.")
  var only: String?
  @Option(help: "How many mismatch details to print per fixture.")
  var maxDetails = 5

  func run() throws {
    do {
      try verify()
    } catch let failure as VerifyFailure {
      FileHandle.standardError.write(Data("wasmicro-verify: \(failure.description)\n".utf8))
      throw ExitCode(failure.exitCode)
    }
  }

  func verify() throws {
    let thresholdValues = try Thresholds.load(
      path: thresholds ?? (fixtures as NSString).appendingPathComponent("thresholds.json"))
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: fixtures) else {
      throw VerifyFailure.malformedFixture(file: fixtures, problem: "fixture directory not found")
    }
    let files = names.filter { $0.hasSuffix(".json") && $0 != "thresholds.json" && (only.map($0.contains) ?? true) }
      .sorted()
    guard !files.isEmpty else {
      throw VerifyFailure.malformedFixture(file: fixtures, problem: "no fixture files (*.json)")
    }
    let loaded = try files.map { try Fixture.load(path: (fixtures as NSString).appendingPathComponent($0)) }

    let checksums = ChecksumCache()
    let bundles = BundleCache()
    var engines: [any VerifyEngine] = []
    for name in engine.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      switch name {
      case "native": engines.append(NativeEngine())
      case "wasm": engines.append(try WasmEngine(wasm: wasm))
      case "both":
        engines += [NativeEngine(), PairedEngine(primary: try WasmEngine(wasm: wasm), reference: NativeEngine())]
      default: throw ValidationError("unknown engine `\(name)`: use native, wasm or both")
      }
    }

    var results: [FixtureResult] = []
    for engineInstance in engines {
      let verifier = Verifier(
        engine: engineInstance, thresholds: thresholdValues, modelsDirectory: models, checksums: checksums,
        bundles: bundles)
      for fixture in loaded {
        let started = Date()
        var result = try verifier.check(fixture)
        if let paired = engineInstance as? PairedEngine {
          let disagreement = paired.takeDisagreement()
          result.metric("vs_native_max_abs", disagreement.maxAbs)
          result.metric("vs_native_encoding_mismatches", Double(disagreement.encodings))
        }
        results.append(result)
        printResult(result, seconds: Date().timeIntervalSince(started))
      }
    }
    let passed = results.allSatisfy(\.passed)
    try writeJSONReport(results, thresholds: thresholdValues, passed: passed)
    try writeTokenizerMarkdown(results)
    print("")
    print("report: \(json)  tokenizer parity: \(markdown)")
    print(
      passed
        ? "verify: PASS (\(results.count) fixture runs)"
        : "verify: FAIL (\(results.filter { !$0.passed }.count) of \(results.count) fixture runs failed)")
    if !passed { throw ExitCode(1) }
  }

  private func printResult(_ result: FixtureResult, seconds: Double) {
    let status = result.passed ? "PASS" : "FAIL"
    let metrics = result.metrics.map { "\($0.name)=\(format($0.value))" }.joined(separator: " ")
    print(
      "\(status)  \(result.engine.padding(toLength: 6, withPad: " ", startingAt: 0)) \(result.fixture.padding(toLength: 44, withPad: " ", startingAt: 0)) \(metrics)  (\(String(format: "%.1f", seconds)) s)"
    )
    if !result.languages.isEmpty {
      let perLanguage = result.languages.sorted { $0.key < $1.key }.map {
        "\($0.key) \($0.value.matched)/\($0.value.total)"
      }
      print("      languages: " + perLanguage.joined(separator: ", "))
    }
    for accepted in result.accepted { print("      accepted divergence: \(accepted)") }
    for failure in result.failures.prefix(maxDetails) {
      print("      " + failure.replacingOccurrences(of: "\n", with: "\n      "))
    }
    if result.failures.count > maxDetails { print("      … and \(result.failures.count - maxDetails) more failures") }
  }

  private func writeJSONReport(_ results: [FixtureResult], thresholds: Thresholds, passed: Bool) throws {
    let report: [String: Any] = [
      "tool": "wasmicro-verify",
      "version": wasmicroVersion,
      "passed": passed,
      "engines": Array(Set(results.map(\.engine))).sorted(),
      "thresholds": [
        "hidden_state_max_abs": thresholds.hiddenStateMaxAbs, "embedding_cosine_min": thresholds.embeddingCosineMin,
        "pooler_max_abs": thresholds.poolerMaxAbs, "logits_max_abs": thresholds.logitsMaxAbs,
        "token_id_match": thresholds.tokenIDMatch, "search_top1_agree_with_hf": thresholds.searchTop1AgreeWithHF,
      ],
      "fixtures": results.map { result -> [String: Any] in
        [
          "fixture": result.fixture, "kind": result.kind, "engine": result.engine, "passed": result.passed,
          "metrics": Dictionary(uniqueKeysWithValues: result.metrics.map { ($0.name, $0.value) }),
          "failures": result.failures, "accepted_divergences": result.accepted,
          "languages": Dictionary(
            uniqueKeysWithValues: result.languages.map {
              ($0.key, ["matched": $0.value.matched, "total": $0.value.total])
            }),
        ]
      },
    ]
    try write(JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), to: json)
  }

  private func writeTokenizerMarkdown(_ results: [FixtureResult]) throws {
    let tokenizerResults = results.filter { $0.kind == "tokenizer" }
    guard !tokenizerResults.isEmpty else { return }
    var lines = ["# Tokenizer parity with HF (generated by wasmicro-verify)", ""]
    lines.append("Exact `input_ids` (and tokens, token types, attention mask) per case against `AutoTokenizer` (fast).")
    lines.append("")
    for result in tokenizerResults {
      let matched = result.languages.values.reduce(0) { $0 + $1.matched }
      let total = result.languages.values.reduce(0) { $0 + $1.total }
      lines.append("## \(result.fixture) — engine \(result.engine): \(matched)/\(total)")
      lines.append("")
      lines.append("| language | cases | exact matches |")
      lines.append("|---|---:|---:|")
      for (language, counts) in result.languages.sorted(by: { $0.key < $1.key }) {
        lines.append("| \(language) | \(counts.total) | \(counts.matched) |")
      }
      lines.append("")
    }
    try write(Data(lines.joined(separator: "\n").utf8), to: markdown)
  }

  private func write(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    try data.write(to: URL(fileURLWithPath: path))
  }
}

func format(_ value: Double) -> String {
  if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
  if abs(value) < 1e-3 || abs(value) >= 1e6 { return String(format: "%.3e", value) }
  return String(format: "%.7f", value)
}
