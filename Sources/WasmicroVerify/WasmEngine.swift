// The wasm engine: drives dist/wasmicro.wasm in Node through a small runner script, so the comparisons in
// Checks.swift are shared with the native engine. (Filled in by the WebAssembly work; until then it reports
// that the module is not built.)
import Foundation
import Wasmicro

final class WasmEngine: VerifyEngine {
  let name = "wasm"

  init() throws {
    throw VerifyFailure.engineFailed(engine: "wasm", problem: "the wasm engine is not available yet (run `make wasm`)")
  }

  func tokenize(vocabularyDirectory: String, options: TokenizerOptions, requests: [TokenizeRequest]) throws -> [Encoding] { [] }
  func forward(modelDirectory: String, requests: [ForwardRequest]) throws -> [ForwardResult] { [] }
  func embed(modelDirectory: String, batches: [[String]]) throws -> [[[Float]]] { [] }
}
