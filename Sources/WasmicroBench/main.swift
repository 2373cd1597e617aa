// `wasmicro-bench`: the native engine's side of `make bench`. Runs the cases of a cases file (written by ci/bench.py)
// on each model directory given and prints one JSON object with the timings. Not a test: no thresholds here.
// Usage: wasmicro-bench CASES.json RUNS MODEL_DIR...
import Foundation
import Wasmicro
import WasmicroHost

struct Failure: Error, CustomStringConvertible { let description: String }

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func main() throws {
  let arguments = CommandLine.arguments
  guard arguments.count >= 4, let runs = Int(arguments[2]), runs > 0 else {
    throw Failure(description: "usage: wasmicro-bench CASES.json RUNS MODEL_DIR...")
  }
  guard let data = FileManager.default.contents(atPath: arguments[1]),
    let cases = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["cases"] as? [[String: Any]]
  else { throw Failure(description: "\(arguments[1]): not a cases file") }
  var results: [[String: Any]] = []
  for directory in arguments[3...] {
    let model: ModelDirectory
    do { model = try ModelDirectory(path: directory) } catch { throw Failure(description: error.description) }
    let embedder = model.embedder
    for item in cases {
      guard let name = item["name"] as? String, let texts = item["texts"] as? [String],
        let tokens = item["tokens"] as? Int
      else { throw Failure(description: "malformed case \(item)") }
      // The case's token count must be what this tokenizer makes of its texts (same inputs for every engine).
      let counted = texts.reduce(0) { $0 + embedder.tokenizer.encode($1, maxLength: embedder.maxSequenceLength).count }
      guard counted == tokens else {
        throw Failure(description: "\(name): \(counted) tokens, the cases file says \(tokens)")
      }
      let run: () throws -> Void = {
        if texts.count == 1 {
          _ = try embedder.embed(texts[0])
        } else {
          _ = try embedder.embedBatch(texts)
        }
      }
      for _ in 0..<3 { try run() }  // warm-up: page in the weights, settle the allocator
      var times: [Double] = []
      for _ in 0..<runs { times.append(try milliseconds(run)) }
      results.append(["model": directory, "case": name, "tokens": tokens, "milliseconds": times])
    }
  }
  let output = try JSONSerialization.data(
    withJSONObject: ["engine": "native", "kernel": "\(linearKernelPath)", "results": results], options: [.sortedKeys])
  FileHandle.standardOutput.write(output)
}

do { try main() } catch {
  FileHandle.standardError.write(Data("wasmicro-bench: \(error)\n".utf8))
  exit(1)
}
