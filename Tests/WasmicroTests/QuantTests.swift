// Quantized formats: half conversions, q8/q4 block packing and its round trip, each format's linear kernel against
// its scalar twin, bundles written by BundleWriter and loaded back, and the typed errors of malformed bundles.
import Foundation
import Testing

@testable import Wasmicro

/// Max |kernel − twin| per unit of dot-product length for quantized and f16 weights: the same float32 summation-order
/// noise as `kernelMaxAbs` (the weights decode to exactly the same floats in both).
let quantKernelMaxAbs: Float = 1e-5

/// A safetensors file over `bytes`, with `body` run while they are alive.
func withFile<T>(_ bytes: [UInt8], _ body: (SafetensorsFile) throws -> T) throws -> T {
  try bytes.withUnsafeBytes { try body(try SafetensorsFile(bytes: $0)) }
}

/// Writes a whole bundle of `source` in `format` into memory.
func bundleBytes(_ source: [UInt8], format: WeightFormat, config: BertConfig) throws -> [UInt8] {
  try withFile(source) { file in
    let writer = try BundleWriter(file: file, config: config, format: format)
    var output = writer.header
    for index in writer.entries.indices { try writer.bytes(of: index) { output += $0 } }
    #expect(output.count == writer.byteCount)
    return output
  }
}

@Suite struct HalfTests {
  @Test func everyHalfRoundTripsThroughFloat() {
    for bits in 0...UInt16.max {
      let value = float32FromFloat16Bits(bits)
      if value.isNaN {
        #expect(float16Bits(value) & 0x7C00 == 0x7C00 && float16Bits(value) & 0x3FF != 0)
      } else {
        #expect(float16Bits(value) == bits, "bits \(bits)")
      }
    }
  }

  @Test func narrowingRoundsLikeFloat16() {
    #if arch(x86_64) || arch(arm64)
      var generator = SplitMix64(seed: 11)
      for _ in 0..<200_000 {
        // Random bit patterns cover every exponent: normals, subnormals, overflow, NaN.
        let value = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
        guard !value.isNaN else { continue }
        #expect(float16Bits(value) == Float16(value).bitPattern, "value \(value)")
      }
      // Ties round to even: 1 + 2^-11 lies halfway between 1 and the next half.
      #expect(float16Bits(1 + 0x1p-11) == 0x3C00)
      #expect(float16Bits(1 + 3 * 0x1p-11) == 0x3C02)
    #endif
  }

  @Test func eightLaneWideningEqualsScalar() {
    var bits = SIMD8<UInt16>()
    var start = 0
    while start <= Int(UInt16.max) {
      for lane in 0..<8 { bits[lane] = UInt16(start + lane) }
      let wide = widenHalves(bits)
      for lane in 0..<8 {
        let scalar = float32FromFloat16Bits(bits[lane])
        #expect(wide[lane].bitPattern == scalar.bitPattern || (wide[lane].isNaN && scalar.isNaN), "bits \(bits[lane])")
      }
      start += 8
    }
  }
}

@Suite struct QuantBlockTests {
  @Test func blockLayoutsHaveTheirDocumentedSizes() {
    #expect(MemoryLayout<Q8Block>.size == Q8Block.byteCount)
    #expect(MemoryLayout<Q4Block>.size == Q4Block.byteCount)
    #expect(Q8Block.byteCount == QuantBlock.size && Q4Block.byteCount * 2 == QuantBlock.size)
  }

  @Test func q8PackUnpackRoundTrip() {
    var generator = SplitMix64(seed: 21)
    for trial in 0..<500 {
      let magnitude = Float(trial % 7 + 1) * 0.03
      let weights = (0..<32).map { _ in generator.nextFloat() * magnitude }
      let (block, scaleBits) = weights.withUnsafeBufferPointer { Q8Block.quantize($0.baseAddress!) }
      let scale = float32FromFloat16Bits(scaleBits)
      let decoded = (0..<32).map { Float(block.codes[$0]) * scale }
      for i in 0..<32 {
        #expect(block.codes[i] >= -127)
        // Round to nearest: every weight lies within half a step (plus the F16 rounding of the scale at the edge).
        #expect(abs(decoded[i] - weights[i]) <= scale * 0.5 + abs(weights[i]) * 1e-3)
      }
      // Packing the decoded block again gives the same bytes: pack ∘ unpack is the identity on stored blocks.
      let (again, againScale) = decoded.withUnsafeBufferPointer { Q8Block.quantize($0.baseAddress!) }
      #expect(again.codes == block.codes && againScale == scaleBits)
    }
  }

  @Test func q4PackUnpackRoundTripAndScaleSearch() {
    var generator = SplitMix64(seed: 22)
    for _ in 0..<500 {
      let weights = (0..<32).map { _ in generator.nextFloat() * 0.1 }
      let (block, scaleBits) = weights.withUnsafeBufferPointer { Q4Block.quantize($0.baseAddress!) }
      let scale = float32FromFloat16Bits(scaleBits)
      let codes = withUnsafeBytes(of: block.bytes) { raw in
        (0..<32).map { Int(Q4Block.code(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), $0)) }
      }
      var searched = 0.0
      var naive = 0.0
      let largest = weights.map(abs).max()!
      let naiveScale = float32FromFloat16Bits(float16Bits(largest / 8))
      for i in 0..<32 {
        #expect(codes[i] >= 0 && codes[i] <= 15)
        let decoded = Float(codes[i] - Q4Block.zeroCode) * scale
        searched += Double(decoded - weights[i]) * Double(decoded - weights[i])
        let naiveDecoded = Float(roundedCode(weights[i] / naiveScale, lowest: -8, highest: 7)) * naiveScale
        naive += Double(naiveDecoded - weights[i]) * Double(naiveDecoded - weights[i])
      }
      // The searched scale is never worse than max|w| / 8, the plain symmetric choice (which is a candidate).
      #expect(searched <= naive * (1 + 1e-9))
      // Decoding and re-packing with the same scale reproduces the codes.
      for i in 0..<32 {
        let decoded = Float(codes[i] - Q4Block.zeroCode) * scale
        #expect(roundedCode(decoded / scale, lowest: -8, highest: 7) + Q4Block.zeroCode == codes[i])
      }
    }
  }

  @Test func roundingIsToNearestTiesAwayFromZero() {
    #expect(roundedCode(2.5, lowest: -127, highest: 127) == 3)
    #expect(roundedCode(-2.5, lowest: -127, highest: 127) == -3)
    #expect(roundedCode(0.49999997, lowest: -127, highest: 127) == 0)
    #expect(roundedCode(-7.6, lowest: -8, highest: 7) == -8)
    #expect(roundedCode(9, lowest: -8, highest: 7) == 7)
    #expect(roundedCode(.nan, lowest: -8, highest: 7) == 0)
  }
}

@Suite struct QuantKernelTests {
  /// Shapes: short and long rows, a partial last block (48, 80), columns not a multiple of 8 (20), 1–9 rows.
  static let shapes = [(1, 32, 3), (5, 48, 9), (8, 64, 33), (7, 384, 12), (3, 20, 5), (9, 80, 7)]

  @Test(arguments: [WeightFormat.f32, .f16, .q8, .q4])
  func kernelMatchesScalarTwin(format: WeightFormat) throws {
    var generator = SplitMix64(seed: 31)
    for (rows, inFeatures, outFeatures) in Self.shapes {
      let x = (0..<rows * inFeatures).map { _ in generator.nextFloat() }
      let w = (0..<outFeatures * inFeatures).map { _ in generator.nextFloat() * 0.2 }
      let b = (0..<outFeatures).map { _ in generator.nextFloat() }
      let (data, scales) = Self.store(w, rows: outFeatures, columns: inFeatures, format: format)
      var fast = [Float](repeating: 0, count: rows * outFeatures)
      var reference = fast
      data.withUnsafeBytes { dataBytes in
        scales.withUnsafeBytes { scaleBytes in
          let matrix = WeightMatrix(
            format: format, rows: outFeatures, columns: inFeatures, data: dataBytes.baseAddress,
            scales: format.isBlockQuantized ? scaleBytes.baseAddress : nil)
          x.withUnsafeBufferPointer { xp in
            b.withUnsafeBufferPointer { bp in
              fast.withUnsafeMutableBufferPointer {
                linear(input: xp, weight: matrix, bias: bp, output: $0, rows: rows)
              }
              reference.withUnsafeMutableBufferPointer {
                linearReference(input: xp, weight: matrix, bias: bp, output: $0, rows: rows)
              }
            }
          }
          // The wasm build's any-format decoder decodes the same floats as the specialised one, bit for bit.
          for row in [0, outFeatures - 1] {
            var switched = [Float](repeating: 0, count: inFeatures)
            switched.withUnsafeMutableBufferPointer {
              matrix.decodeRow(AnyFormatRows(matrix), row, into: $0.baseAddress!)
            }
            #expect(switched == (0..<inFeatures).map { matrix.element(row, $0) })
          }
          // With a caller's panel (the model's workspace) the result is the same as with one allocated per call.
          var paneled = [Float](repeating: 0, count: rows * outFeatures)
          var panel = [Float](repeating: .nan, count: linearPanelCount(matrix))
          x.withUnsafeBufferPointer { xp in
            b.withUnsafeBufferPointer { bp in
              paneled.withUnsafeMutableBufferPointer { yp in
                panel.withUnsafeMutableBufferPointer {
                  linear(input: xp, weight: matrix, bias: bp, output: yp, rows: rows, panel: $0)
                }
              }
            }
          }
          #expect(paneled == fast)
          // Row dequantization (the embedding lookup) decodes exactly what `element` defines.
          var row = [Float](repeating: 0, count: inFeatures)
          row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(outFeatures - 1, into: $0.baseAddress!) }
          #expect(row == (0..<inFeatures).map { matrix.element(outFeatures - 1, $0) })
        }
      }
      let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
      #expect(
        worst <= quantKernelMaxAbs * Float(inFeatures) / 64,
        "\(format.name) \(rows)x\(inFeatures)x\(outFeatures): \(worst)")
    }
  }

  /// Stores `[rows, columns]` weights the way a bundle does: codes and F16 scales, or plain f32 / f16 values.
  static func store(_ w: [Float], rows: Int, columns: Int, format: WeightFormat) -> (data: [UInt8], scales: [UInt8]) {
    switch format {
    case .f32: return (w.withUnsafeBytes { Array($0) }, [])
    case .f16:
      var bytes: [UInt8] = []
      for value in w { appendLittleEndian(float16Bits(value), to: &bytes) }
      return (bytes, [])
    case .q8, .q4:
      let (codes, scales) = BundleWriter.quantize(w, rows: rows, columns: columns, format: format)
      return (codes, scales)
    }
  }
}

@Suite struct BundleTests {
  static func config() throws -> BertConfig { try TinyBert.config(classifier: true) }
  static let source = safetensorsBytes(TinyBert.tensors(classifier: true))

  @Test(arguments: [WeightFormat.f16, .q8, .q4])
  func bundleRunsTheDequantizedWeightsExactly(format: WeightFormat) throws {
    let bundle = try bundleBytes(Self.source, format: format, config: try Self.config())
    // Deterministic: the same source gives the same bytes.
    #expect(try bundleBytes(Self.source, format: format, config: try Self.config()) == bundle)
    let ids: [Int32] = [2, 5, 7, 3, 11, 19, 0]
    // The bundle, run in its stored format …
    let (quantized, dequantizedSource) = try withFile(bundle) { file in
      #expect(try bundleFormat(file) == format)
      let model = try BertModel(config: try Self.config(), file: file)
      #expect(model.weights.layers[0].query.weight.format == format)
      // The q4 recipe keeps the value projections in q8.
      #expect(model.weights.layers[1].value.weight.format == (format == .q4 ? .q8 : format))
      #expect(model.weights.wordEmbeddings.format == format)
      #expect(model.weights.classifier?.weight.format == format)
      let hidden = try model.forward(inputIDs: ids, batchSize: 1, sequenceLength: ids.count)
      let logits = try model.classificationLogits(lastHiddenState: hidden, batchSize: 1, sequenceLength: ids.count)
      // … and an f32 checkpoint holding every weight as the bundle decodes it.
      let tensors = TinyBert.tensors(classifier: true).map { tensor -> (name: String, shape: [Int], values: [Float]) in
        guard tensor.shape.count == 2, let info = file.info(tensor.name), info.dtype != .f32 else { return tensor }
        let matrix = Self.matrix(named: tensor.name, in: model)
        let values = (0..<tensor.shape[0] * tensor.shape[1]).map {
          matrix.element($0 / tensor.shape[1], $0 % tensor.shape[1])
        }
        return (tensor.name, tensor.shape, values)
      }
      return (hidden + logits, safetensorsBytes(tensors))
    }
    let reference = try TinyBert.withModel(dequantizedSource, classifier: true) { model in
      let hidden = try model.forward(inputIDs: ids, batchSize: 1, sequenceLength: ids.count)
      return hidden + (try model.classificationLogits(lastHiddenState: hidden, batchSize: 1, sequenceLength: ids.count))
    }
    let worst = zip(quantized, reference).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst <= 1e-5, "\(format.name): \(worst)")
  }

  /// The model's matrix stored under an HF tensor name (TinyBert has no prefix).
  static func matrix(named name: String, in model: BertModel) -> WeightMatrix {
    if name == "embeddings.word_embeddings.weight" { return model.weights.wordEmbeddings }
    if name == "pooler.dense.weight" { return model.weights.pooler!.weight }
    if name == "classifier.weight" { return model.weights.classifier!.weight }
    let parts = name.split(separator: ".")
    let layer = model.weights.layers[Int(parts[2])!]
    switch parts[3...].joined(separator: ".") {
    case "attention.self.query.weight": return layer.query.weight
    case "attention.self.key.weight": return layer.key.weight
    case "attention.self.value.weight": return layer.value.weight
    case "attention.output.dense.weight": return layer.attentionOutput.weight
    case "intermediate.dense.weight": return layer.intermediate.weight
    default: return layer.output.weight
    }
  }

  @Test func headerIsAlignedAndListsTheFormat() throws {
    let bundle = try bundleBytes(Self.source, format: .q4, config: try Self.config())
    try withFile(bundle) { file in
      let headerLength = bundle[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
      #expect((8 + headerLength) % BundleMetadata.alignment == 0)
      let query = try #require(file.info("encoder.layer.0.attention.self.query.weight"))
      #expect(query.dtype == .u8 && query.shape == [8, 16])
      let scales = try #require(file.info("encoder.layer.0.attention.self.query.weight.scales"))
      #expect(scales.dtype == .f16 && scales.shape == [8, 1])
      #expect(file.info("embeddings.position_embeddings.weight")?.dtype == .f32)
      for tensor in file.tensors where tensor.dtype == .f32 { #expect(tensor.byteRange.lowerBound % 4 == 0) }
    }
  }

  @Test func convertingABundleAgainIsRefused() throws {
    let bundle = try bundleBytes(Self.source, format: .q8, config: try Self.config())
    #expect(throws: ConvertError.alreadyQuantized(.q8)) {
      try withFile(bundle) { _ = try BundleWriter(file: $0, config: try Self.config(), format: .q4) }
    }
  }

  @Test func unsupportedSourceDTypeIsNamed() throws {
    // An I32 tensor where a matrix belongs.
    var tensors = TinyBert.tensors(classifier: true)
    let index = tensors.firstIndex { $0.name == "pooler.dense.weight" }!
    let source = Self.retype(safetensorsBytes(tensors), tensor: tensors[index].name, to: "I32")
    tensors.remove(at: index)
    #expect(throws: ConvertError.unsupportedDType(tensor: "pooler.dense.weight", dtype: .i32)) {
      try withFile(source) { _ = try BundleWriter(file: $0, config: try Self.config(), format: .q8) }
    }
  }

  @Test func malformedBundlesGetTypedErrorsNamingTheTensor() throws {
    let bundle = try bundleBytes(Self.source, format: .q8, config: try Self.config())
    let query = "encoder.layer.0.attention.self.query.weight"
    func load(_ bytes: [UInt8]) throws {
      try withFile(bytes) { _ = try BertModel(config: try Self.config(), file: $0) }
    }
    // Unknown format and version metadata.
    #expect(throws: ModelError.unsupportedBundle(key: "wasmicro.format", value: "q3")) {
      try load(Self.replacing("\"wasmicro.format\":\"q8\"", with: "\"wasmicro.format\":\"q3\"", in: bundle))
    }
    #expect(throws: ModelError.unsupportedBundle(key: "wasmicro.format_version", value: "2")) {
      try load(
        Self.replacing("\"wasmicro.format_version\":\"1\"", with: "\"wasmicro.format_version\":\"2\"", in: bundle))
    }
    // I8 codes under an f16 declaration, and I8 codes with no declaration at all.
    #expect(throws: ModelError.unexpectedDType(tensor: "embeddings.word_embeddings.weight", dtype: .i8, format: .f16)) {
      // (The block size's last digit makes room for the longer name; the loader reads the size from the version.)
      try load(
        Self.replacing(
          "\"q8\",\"wasmicro.format_version\":\"1\",\"wasmicro.block_size\":\"32\"",
          with: "\"f16\",\"wasmicro.format_version\":\"1\",\"wasmicro.block_size\":\"3\"", in: bundle))
    }
    #expect(throws: ModelError.unexpectedDType(tensor: "embeddings.word_embeddings.weight", dtype: .i8, format: nil)) {
      try load(Self.replacing("\"wasmicro.format\":\"q8\"", with: "\"wasmicro.formax\":\"q8\"", in: bundle))
    }
    // A missing scale tensor (renamed away), and scales of the wrong shape.
    #expect(throws: ModelError.missingTensor(query + ".scales")) {
      try load(Self.replacing("\"\(query).scales\"", with: "\"\(query).scalez\"", in: bundle))
    }
    try withFile(bundle) { file in
      let info = try #require(file.info(query + ".scales"))
      #expect(info.shape == [8, 1])
    }
    let reshaped = Self.replacing(
      "\"\(query).scales\":{\"dtype\":\"F16\",\"shape\":[8,1]",
      with: "\"\(query).scales\":{\"dtype\":\"F16\",\"shape\":[1,8]",
      in: bundle)
    #expect(throws: ModelError.shapeMismatch(tensor: query + ".scales", expected: [8, 1], actual: [1, 8])) {
      try load(reshaped)
    }
    // Codes whose shape disagrees with config.json.
    let badCodes = Self.replacing(
      "\"\(query)\":{\"dtype\":\"I8\",\"shape\":[8,32]", with: "\"\(query)\":{\"dtype\":\"I8\",\"shape\":[4,64]",
      in: bundle)
    #expect(throws: ModelError.shapeMismatch(tensor: query, expected: [8, 32], actual: [4, 64])) { try load(badCodes) }
  }

  /// `bytes` with the first occurrence of `old` in the header replaced by `new` (same length, so offsets hold).
  static func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
    precondition(old.utf8.count == new.utf8.count)
    let oldBytes = Array(old.utf8)
    var result = bytes
    for start in 8..<(bytes.count - oldBytes.count) where Array(bytes[start..<start + oldBytes.count]) == oldBytes {
      result.replaceSubrange(start..<start + oldBytes.count, with: Array(new.utf8))
      return result
    }
    preconditionFailure("\(old) not found")
  }

  /// Changes a tensor's dtype spelling in the header (F32 → a 4-byte dtype keeps the data size).
  static func retype(_ bytes: [UInt8], tensor: String, to dtype: String) -> [UInt8] {
    replacing("\"\(tensor)\":{\"dtype\":\"F32\"", with: "\"\(tensor)\":{\"dtype\":\"\(dtype)\"", in: bytes)
  }
}
