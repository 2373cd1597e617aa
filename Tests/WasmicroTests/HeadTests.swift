// Embedding heads (FORMAT.md, "Embedding heads"): head files written in memory, their probabilities checked against
// values worked out by hand from the logistic-regression rules, and every malformed head refused with a typed error.
import Foundation
import Testing
import WasmicroHost

@testable import Wasmicro

/// What the test heads read in place (their bytes, and the arenas of converted tensors), kept for the whole test run
/// from a global: an `EmbeddingHead` does not own them, as a model directory's mapping outlives its model.
private final class KeptStorage: @unchecked Sendable {
  private let lock = NSLock()
  private var buffers: [UnsafeMutableRawBufferPointer] = []
  private var arenas: [FloatArena] = []

  func keep(_ buffer: UnsafeMutableRawBufferPointer, _ arena: FloatArena) {
    lock.lock()
    defer { lock.unlock() }
    buffers.append(buffer)
    arenas.append(arena)
  }
}

private let keptStorage = KeptStorage()

private func head(
  kind: String = "softmax", labels: String = #"[\"a\",\"b\",\"c\"]"#, dimension: String = "2",
  weight: (shape: [Int], values: [Float]) = ([3, 2], [1, 0, 0, 1, -1, -1]),
  bias: (shape: [Int], values: [Float]) = ([3], [0, 0.5, 0]), format: String = "wasmicro-embedding-head"
) throws(ModelError) -> EmbeddingHead {
  let bytes = safetensorsBytes(
    [("weight", weight.shape, weight.values), ("bias", bias.shape, bias.values)],
    metadata: [("format", format), ("kind", kind), ("labels", labels), ("dimension", dimension)])
  // Aligned F32 tensors are viewed in place, so the bytes must outlive the head (`keptStorage`).
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
  buffer.copyBytes(from: bytes)
  let arena = FloatArena()
  keptStorage.keep(buffer, arena)
  let file: SafetensorsFile
  do throws(SafetensorsError) { file = try SafetensorsFile(bytes: UnsafeRawBufferPointer(buffer)) } catch {
    throw .safetensors(error)
  }
  return try EmbeddingHead(file: file, arena: arena)
}

private func close(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-6) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
}

@Suite("Embedding heads")
struct HeadTests {
  @Test func softmaxHead() throws {
    let classifier = try head()
    // scores = W·e + b for e = [2, 1]: [2, 1.5, -3]
    let result = try classifier.classify([2, 1])
    let e = [exp(2.0), exp(1.5), exp(-3.0)]
    let total = e.reduce(0, +)
    #expect(close(result.probabilities, e.map { $0 / total }))
    #expect(close(result.logits, [2, 1.5, -3]))
    #expect(result.label == "a" && result.labelIndex == 0)
    #expect(classifier.labels == ["a", "b", "c"] && classifier.dimension == 2 && classifier.kind == .softmax)
  }

  @Test func oneVsRestHead() throws {
    let classifier = try head(kind: "ovr")
    let result = try classifier.classify([-1, 3])
    // scores [-1, 3.5, -2] → sigmoids, divided by their sum
    let p = [-1.0, 3.5, -2.0].map { 1 / (1 + exp(-$0)) }
    let total = p.reduce(0, +)
    #expect(close(result.probabilities, p.map { $0 / total }))
    #expect(result.label == "b")
  }

  @Test func binaryHead() throws {
    let classifier = try head(
      kind: "binary", labels: #"[\"no\",\"yes\"]"#, weight: ([1, 2], [3, -1]), bias: ([1], [-0.5]))
    let positive = 1 / (1 + exp(-(3 * 0.25 - 1 * 0.5 - 0.5)))
    let result = try classifier.classify([0.25, 0.5])
    #expect(close(result.probabilities, [1 - positive, positive]))
    #expect(result.label == "no")
    // Large scores saturate without overflow.
    #expect(close(try classifier.classify([1e6, 0]).probabilities, [0, 1]))
    #expect(close(try classifier.classify([-1e6, 0]).probabilities, [1, 0]))
  }

  @Test func malformedHeadsAreRefused() {
    func failure(_ body: () throws(ModelError) -> EmbeddingHead) -> String? {
      do throws(ModelError) {
        _ = try body()
        return nil
      } catch {
        return error.message
      }
    }
    // One message per part at fault, stating everything required of it.
    let metadata =
      #"field "__metadata__" must be {"format": "wasmicro-embedding-head", "kind": "softmax", "ovr" or "binary", "labels": a JSON array of at least 2 label strings (2 for binary), "dimension": a positive integer}"#
    #expect(failure { () throws(ModelError) in try head(format: "other") } == metadata)
    #expect(failure { () throws(ModelError) in try head(kind: "tree") } == metadata)
    #expect(failure { () throws(ModelError) in try head(labels: "a,b,c") } == metadata)
    #expect(failure { () throws(ModelError) in try head(labels: #"[\"a\",3,\"c\"]"#) } == metadata)
    #expect(failure { () throws(ModelError) in try head(labels: #"[\"a\"]"#) } == metadata)
    #expect(failure { () throws(ModelError) in try head(kind: "binary") } == metadata)  // binary has exactly 2
    #expect(failure { () throws(ModelError) in try head(dimension: "0") } == metadata)
    #expect(failure { () throws(ModelError) in try head(dimension: "3") }?.contains("weight") == true)
    #expect(failure { () throws(ModelError) in try head(bias: ([2], [0, 0])) }?.contains("bias") == true)
    #expect(
      failure { () throws(ModelError) in try head(weight: ([3, 2], [1, 0, 0, .nan, -1, -1])) }
        == #"field "weight, bias" must be finite [rows, dimension] and [rows] tensors, rows = labels (1 for binary)"#)
    #expect(throws: ModelError.shapeMismatch(tensor: "embedding", expected: [2], actual: [3])) {
      try head().classify([1, 2, 3])
    }
  }
}

/// The committed head fixtures (reference/generate.py --heads): sklearn's own predict_proba, checked through the host
/// loader (`HeadFile`, the CLI's path).
@Suite struct HeadFixtureTests {
  static let root = MiniLMFixtureTests.root
  static let tolerance = 1e-5  // issue 10: probabilities max abs ≤ 1e-5, labels 100%

  private static func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(path))) as! [String: Any]
  }

  @Test func tinyHeadsMatchSklearn() throws {
    let heads = try Self.json("fixtures/heads/tiny-cases.json")["heads"] as! [[String: Any]]
    #expect(Set(heads.map { $0["kind"] as! String }) == ["binary", "ovr", "softmax"])
    for entry in heads {
      let file = try HeadFile(path: Self.root.appendingPathComponent("fixtures/heads/\(entry["file"] as! String)").path)
      #expect(file.head.labels == entry["labels"] as! [String])
      let inputs = entry["inputs"] as! [[Double]]
      let expected = entry["probabilities"] as! [[Double]]
      let predicted = entry["predict"] as! [String]
      for (index, input) in inputs.enumerated() {
        let result = try file.head.classify(input.map { Float($0) })
        let worst = zip(result.probabilities, expected[index]).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= Self.tolerance, "\(entry["file"]!) input \(index): max abs \(worst)")
        #expect(result.label == predicted[index])
      }
    }
  }

  @Test(.enabled(if: MiniLMFixtureTests.modelPresent, "all-MiniLM-L6-v2 not fetched: run `make model`"))
  func intentsHeadOnMiniLMMatchesSklearn() throws {
    let fixture = try Self.json("fixtures/head-intents-minilm.json")
    let headInfo = fixture["head"] as! [String: Any]
    let file = try HeadFile(path: Self.root.appendingPathComponent("fixtures/\(headInfo["file"] as! String)").path)
    let classifier = try EmbeddingClassifier(
      embedder: try ModelDirectory(path: MiniLMFixtureTests.modelPath).embedder, head: file.head)
    // Eight cases keep this debug-build test short; `make verify` checks all of them in release, on both engines.
    let all = fixture["cases"] as! [[String: Any]]
    #expect(all.count >= 24)
    let cases = Array(all.prefix(8))
    let results = try classifier.classifyBatch(cases.map { $0["text"] as! String })
    var worst = 0.0
    for (item, result) in zip(cases, results) {
      #expect(result.label == item["label"] as! String, "\(item["id"]!)")
      for (ours, theirs) in zip(result.probabilities, item["probabilities"] as! [Double]) {
        worst = max(worst, abs(Double(ours) - theirs))
      }
    }
    #expect(worst <= Self.tolerance, "max abs \(worst)")
  }
}
