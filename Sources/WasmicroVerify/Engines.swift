// The engines the harness drives. An engine only produces outputs from fixture inputs; every comparison happens in
// Checks.swift, once, whatever the engine. `native` runs the Swift core in-process.
import Foundation
import Wasmicro
import WasmicroHost

/// Where a fixture's tokenizer comes from: vocab.txt in `directory` with BERT options, or a tokenizer.json file.
enum TokenizerSource {
  case vocab(directory: String, options: TokenizerOptions)
  case json(path: String)
}

/// A code-point sweep: every scalar value in `template` (its `{c}` replaced), tokenized with special tokens and
/// truncated to `maxLength`; one SHA-256 per block over the lines "id,id,…\n" of its code points (surrogates skipped).
struct SweepRequest {
  let template: String
  let maxLength: Int
  /// Inclusive code-point ranges, one per block.
  let blocks: [ClosedRange<UInt32>]
}

struct TokenizeRequest {
  let text: String
  let pair: String?
  let maxLength: Int
}

/// One forward batch: `[batchSize, sequenceLength]` inputs, row-major.
struct ForwardRequest {
  let inputIDs: [Int32]
  let tokenTypeIDs: [Int32]
  let attentionMask: [Int32]
  let batchSize: Int
  let sequenceLength: Int
}

/// Outputs of one forward batch: hidden `[batch, seq, hidden]`, pooler `[batch, hidden]`, logits `[batch, labels]`.
struct ForwardResult {
  let hidden: [Float]
  let pooler: [Float]?
  let logits: [Float]?
}

protocol VerifyEngine: AnyObject {
  var name: String { get }
  /// Tokenizes each request with the tokenizer `source` names.
  func tokenize(source: TokenizerSource, requests: [TokenizeRequest]) throws -> [Encoding]
  /// The sweep's per-block SHA-256 digests (hex), in block order.
  func sweep(source: TokenizerSource, request: SweepRequest) throws -> [String]
  /// Runs the encoder (and pooler / classifier when the checkpoint has them) on each batch.
  func forward(modelDirectory: String, requests: [ForwardRequest]) throws -> [ForwardResult]
  /// Text → sentence embedding with the directory's sentence-transformers pipeline; each inner list is one padded batch.
  func embed(modelDirectory: String, batches: [[String]]) throws -> [[[Float]]]
  /// Text → label probabilities: the directory's embedder and the classifier head in the head file at `headPath`.
  func classify(modelDirectory: String, headPath: String, texts: [String]) throws -> [HeadResult]
}

/// One text's classification by an embedding head: the winning label's index and every label's probability.
struct HeadResult {
  let labelIndex: Int
  let probabilities: [Float]
}

/// The Swift core, in-process.
final class NativeEngine: VerifyEngine {
  let name = "native"
  private var models: [String: ModelDirectory] = [:]

  private func model(_ path: String) throws -> ModelDirectory {
    if let loaded = models[path] { return loaded }
    do {
      let loaded = try ModelDirectory(path: path)
      models[path] = loaded
      return loaded
    } catch { throw VerifyFailure.engineFailed(engine: name, problem: error.description) }
  }

  func tokenize(source: TokenizerSource, requests: [TokenizeRequest]) throws -> [Encoding] {
    let tokenizer = try self.tokenizer(source)
    return requests.map { request in
      request.pair.map { tokenizer.encode(request.text, $0, maxLength: request.maxLength) }
        ?? tokenizer.encode(request.text, maxLength: request.maxLength)
    }
  }

  func sweep(source: TokenizerSource, request: SweepRequest) throws -> [String] {
    let tokenizer = try self.tokenizer(source)
    let parts = request.template.components(separatedBy: "{c}")
    return request.blocks.map { block in
      var lines: [UInt8] = []
      for value in block {
        guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
        let text = parts.joined(separator: String(Character(scalar)))
        let ids = tokenizer.encode(text, maxLength: request.maxLength).inputIDs
        lines.append(contentsOf: ids.map { String($0) }.joined(separator: ",").utf8)
        lines.append(0x0A)
      }
      return lines.withUnsafeBytes { sha256Hex($0) }
    }
  }

  /// The tokenizer `source` names, as a directory's pipelines would run it.
  private func tokenizer(_ source: TokenizerSource) throws -> TextTokenizer {
    do {
      switch source {
      case .vocab(let directory, let options):
        let vocabulary = try Vocabulary(
          vocabTxt: try readFileBytes((directory as NSString).appendingPathComponent("vocab.txt")))
        return TextTokenizer(wordPiece: try WordPieceTokenizer(vocabulary: vocabulary, options: options))
      case .json(let path):
        // With the directory's tokenizer_config.json, as transformers loads it (its tokenizer_class can rebuild parts).
        let configPath = ((path as NSString).deletingLastPathComponent as NSString)
          .appendingPathComponent("tokenizer_config.json")
        return try TextTokenizer(
          json: try readFileBytes(path),
          tokenizerConfig: FileManager.default.fileExists(atPath: configPath) ? try readFileBytes(configPath) : nil,
          hashKey: UInt32.random(in: 0..<0x7FFF_FFFE))
      }
    } catch { throw VerifyFailure.engineFailed(engine: name, problem: describe(error)) }
  }

  func forward(modelDirectory: String, requests: [ForwardRequest]) throws -> [ForwardResult] {
    let model = try model(modelDirectory).model
    return try requests.map { request in
      do {
        let hidden = try model.forward(
          inputIDs: request.inputIDs, tokenTypeIDs: request.tokenTypeIDs, attentionMask: request.attentionMask,
          batchSize: request.batchSize, sequenceLength: request.sequenceLength)
        let pooler =
          model.weights.pooler == nil
          ? nil
          : try model.pooler(
            lastHiddenState: hidden, batchSize: request.batchSize, sequenceLength: request.sequenceLength)
        let logits =
          model.weights.classifier == nil
          ? nil
          : try model.classificationLogits(
            lastHiddenState: hidden, batchSize: request.batchSize, sequenceLength: request.sequenceLength)
        return ForwardResult(hidden: hidden, pooler: pooler, logits: logits)
      } catch { throw VerifyFailure.engineFailed(engine: name, problem: describe(error)) }
    }
  }

  func embed(modelDirectory: String, batches: [[String]]) throws -> [[[Float]]] {
    let embedder = try model(modelDirectory).embedder
    return try batches.map { texts in
      do { return try embedder.embedBatch(texts) } catch {
        throw VerifyFailure.engineFailed(engine: name, problem: describe(error))
      }
    }
  }

  func classify(modelDirectory: String, headPath: String, texts: [String]) throws -> [HeadResult] {
    do {
      let head = try HeadFile(path: headPath)
      let classifier = try EmbeddingClassifier(embedder: try model(modelDirectory).embedder, head: head.head)
      let results = try classifier.classifyBatch(texts).map {
        HeadResult(labelIndex: $0.labelIndex, probabilities: $0.probabilities)
      }
      withExtendedLifetime(head) {}
      return results
    } catch let error as VerifyFailure {
      throw error
    } catch {
      throw VerifyFailure.engineFailed(engine: name, problem: describe(error))
    }
  }
}
