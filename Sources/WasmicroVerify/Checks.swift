// The comparisons: every fixture kind is checked here, once, for whichever engine produced the outputs.
// On a mismatch the report shows expected next to actual (text, ids, tokens, first differing position).
import Foundation
import Wasmicro
import WasmicroHost

/// Named, justified thresholds (fixtures/thresholds.json overrides these defaults; see its `why` texts).
struct Thresholds {
  /// Max |ours − HF| over every masked-in hidden-state value. Float32 accumulation-order noise through 6 layers of
  /// values up to ~6 is ~1e-6; 1e-4 leaves room without hiding a real bug (a wrong op is off by ≥ 1e-2).
  var hiddenStateMaxAbs = 1e-4
  /// Min cosine between our sentence embedding and sentence-transformers'.
  var embeddingCosineMin = 0.99999
  /// Max |ours − HF| for pooler outputs and classification logits (same reasoning as hidden states).
  var poolerMaxAbs = 1e-4
  var logitsMaxAbs = 1e-4
  /// Fraction of tokenizer cases whose ids must match exactly.
  var tokenIDMatch = 1.0
  /// Fraction of search queries whose top-1 document must equal HF's.
  var searchTop1AgreeWithHF = 1.0
  /// Case ids whose divergence is accepted, each with its reason. None is expected.
  var acceptedDivergences: [String: String] = [:]

  static func load(path: String) throws -> Thresholds {
    var thresholds = Thresholds()
    guard FileManager.default.fileExists(atPath: path) else { return thresholds }
    guard let data = FileManager.default.contents(atPath: path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { throw VerifyFailure.malformedFixture(file: "thresholds.json", problem: "not a JSON object") }
    let values = (object["thresholds"] as? [String: Any]) ?? object
    func number(_ key: String) -> Double? {
      if let value = values[key] as? NSNumber { return value.doubleValue }
      if let entry = values[key] as? [String: Any], let value = entry["value"] as? NSNumber { return value.doubleValue }
      return nil
    }
    thresholds.hiddenStateMaxAbs = number("hidden_state_max_abs") ?? thresholds.hiddenStateMaxAbs
    thresholds.embeddingCosineMin = number("embedding_cosine_min") ?? thresholds.embeddingCosineMin
    thresholds.poolerMaxAbs = number("pooler_max_abs") ?? thresholds.poolerMaxAbs
    thresholds.logitsMaxAbs = number("logits_max_abs") ?? thresholds.logitsMaxAbs
    thresholds.tokenIDMatch = number("token_id_match") ?? thresholds.tokenIDMatch
    thresholds.searchTop1AgreeWithHF = number("search_top1_agree_with_hf") ?? thresholds.searchTop1AgreeWithHF
    let divergences = object["accepted_divergences"] ?? values["accepted_divergences"]
    if let list = divergences as? [[String: Any]] {
      for entry in list {
        guard let id = entry["id"] as? String, let reason = entry["reason"] as? String, !reason.isEmpty else {
          throw VerifyFailure.malformedFixture(
            file: "thresholds.json", problem: "each accepted divergence needs an id and a reason")
        }
        thresholds.acceptedDivergences[id] = reason
      }
    }
    return thresholds
  }
}

/// The outcome of one fixture on one engine.
struct FixtureResult {
  let fixture: String
  let kind: String
  let engine: String
  var metrics: [(name: String, value: Double)] = []
  var failures: [String] = []
  var accepted: [String] = []
  /// language → (matched, total), tokenizer fixtures only.
  var languages: [String: (matched: Int, total: Int)] = [:]
  var passed: Bool { failures.isEmpty }

  mutating func metric(_ name: String, _ value: Double) { metrics.append((name, value)) }
}

/// Runs fixtures through an engine and compares against HF.
final class Verifier {
  let engine: any VerifyEngine
  let thresholds: Thresholds
  let modelsDirectory: String
  let checksums: ChecksumCache
  let bundles: BundleCache

  init(
    engine: any VerifyEngine, thresholds: Thresholds, modelsDirectory: String, checksums: ChecksumCache,
    bundles: BundleCache
  ) {
    self.engine = engine
    self.thresholds = thresholds
    self.modelsDirectory = modelsDirectory
    self.checksums = checksums
    self.bundles = bundles
  }

  /// The fixture's model directory on this machine (a re-created bundle for bundle fixtures).
  private func directory(_ fixture: Fixture) throws -> String {
    try fixture.modelDirectory(modelsDirectory: modelsDirectory, checksums: checksums, bundles: bundles)
  }

  func check(_ fixture: Fixture) throws -> FixtureResult {
    switch fixture.kind {
    case "tokenizer": return try checkTokenizer(fixture)
    case "tokenizer-sweep": return try checkSweep(fixture)
    case "forward": return try checkForward(fixture)
    case "search": return try checkSearch(fixture)
    case "quality": return try checkQuality(fixture)
    case "embedding-head": return try checkHead(fixture)
    default: throw VerifyFailure.malformedFixture(file: fixture.file, problem: "unknown kind `\(fixture.kind)`")
    }
  }

  // MARK: - Tokenizer parity

  func checkTokenizer(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let (source, defaultMaxLength) = try tokenizerSource(fixture)
    let cases = try fixture.root.objects("cases")
    let requests = try cases.map { item in
      TokenizeRequest(
        text: try item.string("text"), pair: try item.optionalString("text_pair"),
        maxLength: try item.optionalInt("max_length") ?? defaultMaxLength)
    }
    let encodings = try engine.tokenize(source: source, requests: requests)
    var matched = 0
    for (item, actual) in zip(cases, encodings) {
      let id = try item.string("id")
      let language = try item.optionalString("lang") ?? "und"
      let expected = try item.object("expected")
      let expectedIDs = try expected.ints("input_ids")
      let expectedTokens = try expected.strings("tokens")
      var same = actual.inputIDs == expectedIDs && actual.tokens == expectedTokens
      if expected.has("token_type_ids") {
        let types = try expected.ints("token_type_ids")
        same = same && actual.tokenTypeIDs == types
      }
      if expected.has("attention_mask") {
        let mask = try expected.ints("attention_mask")
        same = same && actual.attentionMask == mask
      }
      var entry = result.languages[language] ?? (0, 0)
      entry.total += 1
      if same {
        entry.matched += 1
        matched += 1
      } else if let reason = thresholds.acceptedDivergences[id] {
        result.accepted.append("\(id): \(reason)")
      } else {
        result.failures.append(
          describeMismatch(
            id: id, text: try item.string("text"),
            expectedIDs: expectedIDs, actualIDs: actual.inputIDs, expectedTokens: expectedTokens,
            actualTokens: actual.tokens))
      }
      result.languages[language] = entry
    }
    let fraction = cases.isEmpty ? 1 : Double(matched + result.accepted.count) / Double(cases.count)
    result.metric("token_cases", Double(cases.count))
    result.metric("token_id_matches", Double(matched))
    result.metric("token_id_match_fraction", fraction)
    if fraction < thresholds.tokenIDMatch && result.failures.isEmpty {
      result.failures.append("token id match \(fraction) below \(thresholds.tokenIDMatch)")
    }
    return result
  }

  /// The fixture's tokenizer: `tokenizer.file` ("tokenizer.json") in the model directory, else vocab.txt with the
  /// fixture's BERT options; and the max length a case without one uses.
  private func tokenizerSource(_ fixture: Fixture) throws -> (TokenizerSource, Int) {
    let directory = try directory(fixture)
    let block = try fixture.root.object("tokenizer")
    if let file = try block.optionalString("file") {
      let length = try block.optionalObject("options")?.optionalInt("model_max_length") ?? 512
      return (.json(path: (directory as NSString).appendingPathComponent(file)), length)
    }
    let options = try fixture.tokenizerOptions()
    return (.vocab(directory: directory, options: options), options.maxLength)
  }

  /// Every scalar value through the tokenizer, compared block by block with HF's digests (exact: a block matches only
  /// when every code point's ids do). A failing block names its range; `generate.py --sweep-ids` prints HF's lines.
  func checkSweep(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let (source, _) = try tokenizerSource(fixture)
    let sweep = try fixture.root.object("sweep")
    let blocks = try fixture.root.objects("blocks")
    let ranges = try blocks.map { block -> ClosedRange<UInt32> in
      let first = try block.int("first")
      let last = try block.int("last")
      guard 0 <= first, first <= last, last <= 0x10FFFF else { throw block.fail("`first`...`last` is not a range") }
      return UInt32(first)...UInt32(last)
    }
    let request = SweepRequest(
      template: try sweep.string("template"), maxLength: try sweep.int("max_length"), blocks: ranges)
    let digests = try engine.sweep(source: source, request: request)
    var matched = 0
    var codePoints = 0
    for (block, digest) in zip(blocks, digests) {
      let count = try block.int("count")
      codePoints += count
      if digest == (try block.string("sha256")) {
        matched += 1
      } else {
        let first = String(try block.int("first"), radix: 16, uppercase: true)
        let last = String(try block.int("last"), radix: 16, uppercase: true)
        result.failures.append("code points U+\(first)..U+\(last): ids differ from HF (generate.py --sweep-ids)")
      }
    }
    result.metric("sweep_blocks", Double(blocks.count))
    result.metric("sweep_code_points", Double(codePoints))
    result.metric("sweep_block_matches", Double(matched))
    return result
  }

  // MARK: - Forward parity

  func checkForward(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let directory = try directory(fixture)
    let tensors = try fixture.sideTensors(checksums: checksums)
    let cases = try fixture.root.objects("cases")
    let groups = try batchGroups(cases)

    // 1. The encoder (and pooler / classifier) on the recorded ids.
    var requests: [ForwardRequest] = []
    for group in groups {
      let lengths = try group.map { try $0.ints("input_ids").count }
      guard let length = lengths.first, lengths.allSatisfy({ $0 == length }) else {
        throw fixture.root.fail("batch members must be padded to one length")
      }
      requests.append(
        ForwardRequest(
          inputIDs: try group.flatMap { try $0.ints("input_ids") },
          tokenTypeIDs: try group.flatMap { try $0.ints("token_type_ids") },
          attentionMask: try group.flatMap { try $0.ints("attention_mask") },
          batchSize: group.count, sequenceLength: length))
    }
    let outputs = try engine.forward(modelDirectory: directory, requests: requests)
    var hiddenMaxAbs = 0.0
    var hiddenAbsSum = 0.0
    var hiddenCount = 0.0
    var poolerMaxAbs = 0.0
    var logitsMaxAbs = 0.0
    var labelsAgree = 0
    var labelsTotal = 0
    let id2label = (try? fixture.root.object("model").strings("id2label")) ?? []
    for (group, (request, output)) in zip(groups, zip(requests, outputs)) {
      for (row, item) in group.enumerated() {
        let id = try item.string("id")
        let outputsObject = try item.object("outputs")
        let mask = try item.ints("attention_mask")
        let (expectedHidden, shape) = try tensors.floats(try outputsObject.object("last_hidden_state"))
        guard shape.count == 2, shape[0] == request.sequenceLength else {
          throw item.fail("last_hidden_state shape \(shape) does not match the inputs")
        }
        let hiddenSize = shape[1]
        guard output.hidden.count == request.batchSize * request.sequenceLength * hiddenSize else {
          result.failures.append(
            "\(id): engine returned \(output.hidden.count) hidden values, expected \(request.batchSize) x \(request.sequenceLength) x \(hiddenSize)"
          )
          continue
        }
        var caseMax = 0.0
        for position in 0..<request.sequenceLength where mask[position] != 0 {
          for i in 0..<hiddenSize {
            let ours = Double(output.hidden[(row * request.sequenceLength + position) * hiddenSize + i])
            let difference = abs(ours - Double(expectedHidden[position * hiddenSize + i]))
            caseMax = max(caseMax, difference.isNaN ? .infinity : difference)
            hiddenAbsSum += difference
            hiddenCount += 1
          }
        }
        hiddenMaxAbs = max(hiddenMaxAbs, caseMax)
        if caseMax > thresholds.hiddenStateMaxAbs {
          result.failures.append("\(id): last_hidden_state max abs \(caseMax) > \(thresholds.hiddenStateMaxAbs)")
        }
        if outputsObject.has("pooler_output") {
          let (expected, _) = try tensors.floats(try outputsObject.object("pooler_output"))
          if let pooler = output.pooler {
            let ours = Array(pooler[row * expected.count..<(row + 1) * expected.count])
            let difference = maxAbsDifference(ours, expected)
            poolerMaxAbs = max(poolerMaxAbs, difference)
            if difference > thresholds.poolerMaxAbs {
              result.failures.append("\(id): pooler_output max abs \(difference) > \(thresholds.poolerMaxAbs)")
            }
          } else {
            result.failures.append("\(id): HF has a pooler output, the engine produced none")
          }
        }
        if outputsObject.has("logits") {
          let (expected, _) = try tensors.floats(try outputsObject.object("logits"))
          guard let logits = output.logits else {
            result.failures.append("\(id): HF has classification logits, the engine produced none")
            continue
          }
          let ours = Array(logits[row * expected.count..<(row + 1) * expected.count])
          let difference = maxAbsDifference(ours, expected)
          logitsMaxAbs = max(logitsMaxAbs, difference)
          if difference > thresholds.logitsMaxAbs {
            result.failures.append("\(id): logits max abs \(difference) > \(thresholds.logitsMaxAbs)")
          }
          labelsTotal += 1
          let ourLabel = argmax(ours)
          if ourLabel == argmax(expected) {
            labelsAgree += 1
          } else {
            let names = id2label.isEmpty ? nil : id2label
            result.failures.append(
              "\(id): label \(names?[ourLabel] ?? String(ourLabel)) differs from HF's \(names?[argmax(expected)] ?? String(argmax(expected)))"
            )
          }
        }
      }
    }
    result.metric("cases", Double(cases.count))
    result.metric("hidden_state_max_abs", hiddenMaxAbs)
    result.metric("hidden_state_mean_abs", hiddenCount > 0 ? hiddenAbsSum / hiddenCount : 0)
    if outputs.contains(where: { $0.pooler != nil }) { result.metric("pooler_max_abs", poolerMaxAbs) }
    if labelsTotal > 0 {
      result.metric("logits_max_abs", logitsMaxAbs)
      result.metric("label_agreement", Double(labelsAgree) / Double(labelsTotal))
    }

    // 2. The whole text → embedding pipeline, where the fixture has sentence-transformers embeddings.
    let embedded = try groups.filter { try $0[0].object("outputs").has("embedding") }
    if !embedded.isEmpty {
      let (source, _) = try tokenizerSource(fixture)
      let flat = embedded.flatMap { $0 }
      let encodings = try engine.tokenize(
        source: source,
        requests: try flat.map {
          TokenizeRequest(text: try $0.string("text"), pair: nil, maxLength: try $0.int("max_length"))
        })
      var tokenMismatches = 0
      for (item, encoding) in zip(flat, encodings) {
        let mask = try item.ints("attention_mask")
        let expected = Array(try item.ints("input_ids").prefix(mask.filter { $0 != 0 }.count))
        if encoding.inputIDs != expected {
          tokenMismatches += 1
          result.failures.append(
            describeMismatch(
              id: try item.string("id"), text: try item.string("text"), expectedIDs: expected,
              actualIDs: encoding.inputIDs,
              expectedTokens: nil, actualTokens: encoding.tokens))
        }
      }
      let vectors = try engine.embed(
        modelDirectory: directory, batches: try embedded.map { try $0.map { try $0.string("text") } })
      var cosineMin = 1.0
      var embeddingMaxAbs = 0.0
      for (group, groupVectors) in zip(embedded, vectors) {
        for (item, ours) in zip(group, groupVectors) {
          let (expected, _) = try tensors.floats(try item.object("outputs").object("embedding"))
          let cosine = cosine(ours, expected)
          cosineMin = min(cosineMin, cosine)
          embeddingMaxAbs = max(embeddingMaxAbs, maxAbsDifference(ours, expected))
          if !(cosine >= thresholds.embeddingCosineMin) {
            result.failures.append(
              "\(try item.string("id")): embedding cosine \(cosine) < \(thresholds.embeddingCosineMin)")
          }
        }
      }
      result.metric("embedding_cases", Double(flat.count))
      result.metric("embedding_cosine_min", cosineMin)
      result.metric("embedding_max_abs", embeddingMaxAbs)
      result.metric("embedding_token_mismatches", Double(tokenMismatches))
    }
    return result
  }

  /// Cases grouped into forward batches: a case alone, or all members of one `batch.id` in `batch.index` order.
  private func batchGroups(_ cases: [FixtureObject]) throws -> [[FixtureObject]] {
    var groups: [[FixtureObject]] = []
    var batchPosition: [String: Int] = [:]
    for item in cases {
      if let batch = try item.optionalObject("batch") {
        let id = try batch.string("id")
        if let position = batchPosition[id] {
          groups[position].append(item)
        } else {
          batchPosition[id] = groups.count
          groups.append([item])
        }
      } else {
        groups.append([item])
      }
    }
    return try groups.map { group in
      try group.sorted {
        try ($0.optionalObject("batch")?.int("index") ?? 0) < ($1.optionalObject("batch")?.int("index") ?? 0)
      }
    }
  }

  // MARK: - Semantic search

  func checkSearch(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let outcome = try rank(fixture, directory: try directory(fixture))
    result.failures += outcome.mismatches
    outcome.report(into: &result)
    if outcome.agreeWithHF < thresholds.searchTop1AgreeWithHF && result.failures.isEmpty {
      result.failures.append("search top-1 agreement below \(thresholds.searchTop1AgreeWithHF)")
    }
    return result
  }

  /// How the engine, embedding with the model in `directory`, ranks a search fixture's documents for its queries.
  struct SearchOutcome {
    var documents = 0, queries = 0
    var agreeWithHF = 0.0, agreeWithIntended = 0.0, hfAgreeWithIntended = 0.0, spearmanMean = 0.0
    var mismatches: [String] = []

    func report(into result: inout FixtureResult) {
      result.metric("documents", Double(documents))
      result.metric("queries", Double(queries))
      result.metric("search_top1_agree_with_hf", agreeWithHF)
      result.metric("search_top1_agree_with_intended", agreeWithIntended)
      result.metric("hf_top1_agree_with_intended", hfAgreeWithIntended)
      result.metric("search_top10_spearman_mean", spearmanMean)
    }
  }

  func rank(_ fixture: Fixture, directory: String) throws -> SearchOutcome {
    let documents = try fixture.root.objects("documents")
    let queries = try fixture.root.objects("queries")
    let documentTexts = try documents.map { try $0.string("text") }
    let queryTexts = try queries.map { try $0.string("text") }
    let batches = stride(from: 0, to: documentTexts.count, by: 16).map {
      Array(documentTexts[$0..<min($0 + 16, documentTexts.count)])
    }
    let documentVectors = try engine.embed(modelDirectory: directory, batches: batches).flatMap { $0 }
    let queryVectors = try engine.embed(modelDirectory: directory, batches: queryTexts.map { [$0] }).map { $0[0] }
    guard documentVectors.count == documents.count, queryVectors.count == queries.count else {
      throw VerifyFailure.engineFailed(engine: engine.name, problem: "returned the wrong number of embeddings")
    }
    var outcome = SearchOutcome(documents: documents.count, queries: queries.count)
    var agreeWithHF = 0
    var agreeWithIntended = 0
    var hfAgreeWithIntended = 0
    var spearmanSum = 0.0
    for (query, vector) in zip(queries, queryVectors) {
      let id = try query.string("id")
      let expectedRanking = try query.intArray("ranking")
      let scores = documentVectors.map { cosine(vector, $0) }
      let ours = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
      guard let expectedTop = expectedRanking.first, let ourTop = ours.first else { throw query.fail("empty ranking") }
      let intended = try query.int("intended")
      if ourTop == expectedTop {
        agreeWithHF += 1
      } else {
        outcome.mismatches.append(
          "\(id) \"\(try query.string("text"))\": top-1 is doc \(ourTop), HF's is doc \(expectedTop) (intended \(intended))"
        )
      }
      if ourTop == intended { agreeWithIntended += 1 }
      if expectedTop == intended { hfAgreeWithIntended += 1 }
      spearmanSum += spearmanTop(expectedRanking, ours, k: 10)
    }
    let count = Double(max(queries.count, 1))
    outcome.agreeWithHF = Double(agreeWithHF) / count
    outcome.agreeWithIntended = Double(agreeWithIntended) / count
    outcome.hfAgreeWithIntended = Double(hfAgreeWithIntended) / count
    outcome.spearmanMean = spearmanSum / count
    return outcome
  }

  // MARK: - Embedding heads

  /// An embedding head (`wasmicro classify --head`; JS `EmbeddingClassifier` in the heads module) against sklearn's
  /// `predict_proba`: labels 100%, probabilities max abs ≤ 1e-5.
  func checkHead(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let headInfo = try fixture.root.object("head")
    let headPath = (fixture.directory as NSString).appendingPathComponent(try headInfo.string("file"))
    let labels = try headInfo.strings("labels")
    let cases = try fixture.root.objects("cases")
    let outcomes = try engine.classify(
      modelDirectory: try directory(fixture), headPath: headPath, texts: try cases.map { try $0.string("text") })
    guard outcomes.count == cases.count else {
      throw VerifyFailure.engineFailed(engine: engine.name, problem: "returned the wrong number of classifications")
    }
    var agree = 0
    var worst = 0.0
    for (item, outcome) in zip(cases, outcomes) {
      let id = try item.string("id")
      let expected = try item.doubles("probabilities")
      guard outcome.probabilities.count == expected.count, labels.indices.contains(outcome.labelIndex) else {
        result.failures.append("\(id): \(outcome.probabilities.count) probabilities, expected \(expected.count)")
        continue
      }
      let difference = zip(outcome.probabilities, expected).map { abs(Double($0) - $1) }.max() ?? 0
      worst = max(worst, difference.isNaN ? .infinity : difference)
      let label = labels[outcome.labelIndex]
      if label == (try item.string("label")) {
        agree += 1
      } else {
        result.failures.append("\(id): label \(label), sklearn's is \(try item.string("label"))")
      }
      if difference > 1e-5 { result.failures.append("\(id): probabilities max abs \(difference) > 1e-05") }
    }
    result.metric("cases", Double(cases.count))
    result.metric("labels_agree_with_sklearn", Double(agree) / Double(max(cases.count, 1)))
    result.metric("probabilities_max_abs", worst)
    return result
  }

  // MARK: - Quantization quality

  /// A quantized bundle against the f32 HF fixtures: embedding cosine over the forward fixture's sentences and search
  /// top-1 over the search fixture's queries, each against the gates the quality fixture states.
  func checkQuality(_ fixture: Fixture) throws -> FixtureResult {
    var result = FixtureResult(fixture: fixture.name, kind: fixture.kind, engine: engine.name)
    let bundleDirectory = try directory(fixture)
    let gates = try fixture.root.object("gates")
    let references = try fixture.root.object("references")
    func reference(_ key: String) throws -> Fixture {
      try Fixture.load(path: (fixture.directory as NSString).appendingPathComponent(try references.string(key)))
    }
    // 1. Embeddings of every sentence the f32 forward fixture has sentence-transformers embeddings for.
    let forward = try reference("forward")
    let tensors = try forward.sideTensors(checksums: checksums)
    let embedded = try batchGroups(try forward.root.objects("cases")).filter {
      try $0[0].object("outputs").has("embedding")
    }
    let vectors = try engine.embed(
      modelDirectory: bundleDirectory, batches: try embedded.map { try $0.map { try $0.string("text") } })
    var cosineMin = 1.0
    var cosineSum = 0.0
    var count = 0
    var worstCase = ""
    for (group, groupVectors) in zip(embedded, vectors) {
      for (item, ours) in zip(group, groupVectors) {
        let (expected, _) = try tensors.floats(try item.object("outputs").object("embedding"))
        let value = cosine(ours, expected)
        if value < cosineMin { worstCase = try item.string("id") }
        cosineMin = min(cosineMin, value.isNaN ? -1 : value)
        cosineSum += value
        count += 1
      }
    }
    let cosineMean = count > 0 ? cosineSum / Double(count) : 0
    result.metric("embedding_cases", Double(count))
    result.metric("embedding_cosine_min", cosineMin)
    result.metric("embedding_cosine_mean", cosineMean)
    // 2. Search rankings against HF's f32 rankings and the intended documents.
    let search = try rank(try reference("search"), directory: bundleDirectory)
    search.report(into: &result)
    result.metric(
      "bundle_bytes", Double(try fileSize((bundleDirectory as NSString).appendingPathComponent("model.safetensors"))))
    // 3. The gates.
    func gate(_ name: String, _ value: Double) throws {
      let limit = try gates.double(name)
      if !(value >= limit) { result.failures.append("\(name) \(format(value)) < gate \(format(limit))") }
    }
    try gate("embedding_cosine_min", cosineMin)
    try gate("embedding_cosine_mean", cosineMean)
    try gate("search_top1_agree_with_hf", search.agreeWithHF)
    try gate("search_top1_agree_with_intended", search.agreeWithIntended)
    if !result.failures.isEmpty {
      result.failures.append("lowest embedding cosine: case \(worstCase)")
      result.failures += search.mismatches
    } else {
      result.accepted += search.mismatches.map { "top-1 differs from f32 HF (within the gate): \($0)" }
    }
    return result
  }

  private func fileSize(_ path: String) throws -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
  }
}

// MARK: - Metrics and messages

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Double {
  guard a.count == b.count else { return .infinity }
  var worst = 0.0
  for i in a.indices {
    let difference = abs(Double(a[i]) - Double(b[i]))
    worst = max(worst, difference.isNaN ? .infinity : difference)
  }
  return worst
}

func argmax(_ values: [Float]) -> Int {
  var best = 0
  for i in values.indices where values[i] > values[best] { best = i }
  return best
}

/// Spearman rank correlation of HF's top-k documents between HF's ranking and ours.
func spearmanTop(_ expected: [Int], _ ours: [Int], k: Int) -> Double {
  let top = Array(expected.prefix(k))
  guard top.count > 1 else { return 1 }
  var position: [Int: Int] = [:]
  for (rank, document) in ours.enumerated() { position[document] = rank }
  // Rank HF's top-k documents by our order, then correlate 0..<k with those ranks.
  let ourOrder = top.sorted { (position[$0] ?? Int.max) < (position[$1] ?? Int.max) }
  var sumSquares = 0.0
  for (rank, document) in top.enumerated() {
    let ourRank = ourOrder.firstIndex(of: document) ?? rank
    sumSquares += Double((rank - ourRank) * (rank - ourRank))
  }
  let n = Double(top.count)
  return 1 - 6 * sumSquares / (n * (n * n - 1))
}

/// Expected next to actual with the first differing position.
func describeMismatch(
  id: String, text: String, expectedIDs: [Int32], actualIDs: [Int32], expectedTokens: [String]?, actualTokens: [String]
) -> String {
  var first = 0
  while first < min(expectedIDs.count, actualIDs.count) && expectedIDs[first] == actualIDs[first] { first += 1 }
  let shownText = text.count > 200 ? String(text.prefix(200)) + "… (\(text.count) chars)" : text
  var lines = ["\(id): token ids differ at position \(first)", "    text:     \(shownText.debugDescription)"]
  let window = max(0, first - 3)..<(first + 6)
  func slice<T>(_ values: [T]) -> [T] {
    Array(values[min(window.lowerBound, values.count)..<min(window.upperBound, values.count)])
  }
  lines.append(
    "    expected: ids[\(window.lowerBound)...] \(slice(expectedIDs))" + (expectedTokens.map { " \(slice($0))" } ?? ""))
  lines.append("    actual:   ids[\(window.lowerBound)...] \(slice(actualIDs)) \(slice(actualTokens))")
  return lines.joined(separator: "\n")
}
