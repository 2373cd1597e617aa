// Writing a wasmicro bundle: a safetensors file whose matrices are stored as q8/q4 blocks or f16 (FORMAT.md).
// The plan decides every output tensor, its order and its bytes before anything is written, so a host can stream
// the file tensor by tensor and report progress. Deterministic: the same source bytes give the same output bytes.
// Non-goals: file I/O (the host writes), big-endian hosts (outputs are little-endian as the format requires).

/// The `__metadata__` keys and names of a bundle (FORMAT.md).
public enum BundleMetadata {
  // Computed: stored String globals are initialised lazily (swift_once) at each use in the wasm.
  public static var formatKey: String { "wasmicro.format" }
  public static var versionKey: String { "wasmicro.format_version" }
  public static var blockSizeKey: String { "wasmicro.block_size" }
  /// The one version this runtime reads and writes.
  public static var version: String { "1" }
  /// A q8/q4 matrix `W` keeps its F16 block scales in the tensor `W.scales`.
  public static let scaleSuffix: StaticString = ".scales"
  /// The data section starts at a multiple of this (the header is padded with spaces).
  public static let alignment = 32
}

/// Why a checkpoint cannot be converted.
public enum ConvertError: Error, Equatable {
  /// The source declares a bundle format already: quantizing twice would compound the error.
  case alreadyQuantized(WeightFormat)
  /// A tensor the model reads as a matrix has a dtype the converter does not take (F32, F16, BF16 only).
  case unsupportedDType(tensor: String, dtype: DType)
  /// The target format is not one the converter writes (q8, q4, f16).
  case unsupportedTarget
  /// The source does not load as a model.
  case model(ModelError)

  public var message: String {
    switch self {
    case .alreadyQuantized(let format):
      return ByteText(
        "the input is already a wasmicro bundle (\(format.name)): convert from the original f32/f16 model"
      ).string
    case .unsupportedDType(let tensor, let dtype):
      return ByteText("tensor \"\(tensor)\" is \(dtype.name); the converter reads F32, F16 and BF16 weights").string
    case .unsupportedTarget: return "the converter writes q8, q4 or f16"
    case .model(let error): return error.message
    }
  }
}

/// The tensors of a bundle, in file order, with the header that describes them.
public final class BundleWriter {
  /// One output tensor.
  public struct Entry {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let byteCount: Int
    let role: Role
  }

  enum Role {
    /// The codes (or f16 values) of matrix `source`, `[rows, columns]` in the source, stored as `format`.
    case matrix(source: String, rows: Int, columns: Int, format: WeightFormat)
    /// The F16 block scales of matrix `source`, computed with its codes.
    case scales(source: String)
    /// A float tensor copied as F32 (biases, LayerNorms, position and token-type tables).
    case float32(source: String)
    /// Any other tensor (integer buffers such as position_ids), copied byte for byte.
    case verbatim(source: String)
  }

  public let format: WeightFormat
  public let entries: [Entry]
  /// `[u64 header length][JSON header padded with spaces]`: the file's first bytes.
  public let header: [UInt8]
  private let file: SafetensorsFile
  /// Scales computed with a matrix's codes, held until their own entry is written.
  private var pendingScales: [String: [UInt8]] = [:]

  /// Plans the bundle of `file` (a checkpoint that loads with `config`) in `format`.
  ///
  /// The q4 recipe stores the attention value projections as q8: measured on all-MiniLM-L6-v2 (36 sample
  /// sentences), that lifts the cosine to f32 from min 0.874 / mean 0.962 to 0.910 / 0.973 for 0.42 MiB (FORMAT.md).
  public convenience init(file: SafetensorsFile, config: BertConfig, format: WeightFormat) throws(ConvertError) {
    try self.init(file: file, encoder: EncoderConfig(bert: config), format: format)
  }

  /// Plans the bundle of `file` (a checkpoint of any architecture `EncoderConfig` describes) in `format`; the
  /// matrices are those `EncoderTensorNames.matrixNames` lists (BERT's layout or DistilBERT's, heads included).
  public init(file: SafetensorsFile, encoder: EncoderConfig, format: WeightFormat) throws(ConvertError) {
    guard format != .f32 else { throw .unsupportedTarget }
    let declared: WeightFormat?
    do { declared = try bundleFormat(file) } catch { throw .model(error) }
    if let declared { throw .alreadyQuantized(declared) }
    guard let names = EncoderTensorNames.detect(in: file, architecture: encoder.architecture) else {
      throw .model(.missingTensor(EncoderTensorNames(architecture: encoder.architecture, prefix: "").wordEmbeddings))
    }
    let layers = encoder.bert.numHiddenLayers
    let matrices = names.matrixNames(layers: layers, file: file)
    let keptInQ8 = format == .q4 ? names.q4RecipeQ8Names(layers: layers) : []
    // File order by group: 8-byte, 4-byte, codes, F16, other 1-byte tensors, so every offset stays aligned.
    var groups: [[Entry]] = [[], [], [], [], []]
    for tensor in file.tensors {
      let isMatrix = matrices.contains { JSONValue.utf8Equal($0, tensor.name) }
      let isFloat = tensor.dtype == .f32 || tensor.dtype == .f16 || tensor.dtype == .bf16
      if isMatrix {
        guard isFloat else { throw .unsupportedDType(tensor: tensor.name, dtype: tensor.dtype) }
        guard tensor.shape.count == 2 else {
          throw .model(.shapeMismatch(tensor: tensor.name, expected: [-1, -1], actual: tensor.shape))
        }
        let rows = tensor.shape[0]
        let columns = tensor.shape[1]
        let promoted = keptInQ8.contains { JSONValue.utf8Equal($0, tensor.name) }
        let storage = promoted ? WeightFormat.q8 : format
        let role = Role.matrix(source: tensor.name, rows: rows, columns: columns, format: storage)
        if format == .f16 {
          groups[3].append(
            Entry(name: tensor.name, dtype: .f16, shape: tensor.shape, byteCount: rows * columns * 2, role: role))
          continue
        }
        let stored = WeightMatrix.storedCount(storage, rows: rows, columns: columns)
        let blocks = QuantBlock.paddedColumns(columns) / QuantBlock.size
        groups[2].append(
          Entry(
            name: tensor.name, dtype: storage == .q8 ? .i8 : .u8, shape: [rows, stored / max(rows, 1)],
            byteCount: stored, role: role))
        groups[3].append(
          Entry(
            name: ByteText("\(tensor.name)\(BundleMetadata.scaleSuffix)").string, dtype: .f16, shape: [rows, blocks],
            byteCount: rows * blocks * 2, role: .scales(source: tensor.name)))
      } else if isFloat {
        groups[1].append(
          Entry(
            name: tensor.name, dtype: .f32, shape: tensor.shape, byteCount: tensor.elementCount * 4,
            role: .float32(source: tensor.name)))
      } else {
        let group = tensor.dtype == .i64 ? 0 : tensor.dtype == .i32 ? 1 : 4
        groups[group].append(
          Entry(
            name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, byteCount: tensor.byteRange.count,
            role: .verbatim(source: tensor.name)))
      }
    }
    self.format = format
    self.file = file
    self.entries = groups[0] + groups[1] + groups[2] + groups[3] + groups[4]
    self.header = BundleWriter.makeHeader(entries, format: format)
  }

  /// Total file size in bytes.
  public var byteCount: Int { header.count + entries.reduce(0) { $0 + $1.byteCount } }

  /// Produces entry `index`'s bytes and hands them to `sink` (in order: entries must be written 0, 1, 2, …).
  public func bytes(of index: Int, into sink: (UnsafeRawBufferPointer) -> Void) throws(ConvertError) {
    let entry = entries[index]
    var output: [UInt8]
    switch entry.role {
    case .matrix(let source, let rows, let columns, let storage):
      let values = try floats(source)
      if storage == .f16 {
        output = []
        output.reserveCapacity(rows * columns * 2)
        for value in values { appendLittleEndian(float16Bits(value), to: &output) }
      } else {
        let (codes, scales) = BundleWriter.quantize(values, rows: rows, columns: columns, format: storage)
        output = codes
        pendingScales[source] = scales
      }
    case .scales(let source):
      output = pendingScales.removeValue(forKey: source) ?? []
    case .float32(let source):
      let values = try floats(source)
      output = []
      output.reserveCapacity(values.count * 4)
      for value in values { appendLittleEndian(value.bitPattern, to: &output) }
    case .verbatim(let source):
      do { output = Array(try file.rawBytes(source)) } catch { throw .model(.safetensors(error)) }
    }
    precondition(output.count == entry.byteCount, "BundleWriter: entry size differs from its plan")
    output.withUnsafeBytes(sink)
  }

  /// Quantizes `[rows, columns]` row-major f32 weights into codes `[rows, padded]` (q8) or `[rows, padded / 2]` (q4)
  /// and F16 scales `[rows, padded / 32]`, little-endian. The last block of a row is padded with zero weights.
  public static func quantize(_ values: [Float], rows: Int, columns: Int, format: WeightFormat) -> (
    codes: [UInt8], scales: [UInt8]
  ) {
    precondition(format.isBlockQuantized && values.count == rows * columns)
    let padded = QuantBlock.paddedColumns(columns)
    var codes: [UInt8] = []
    codes.reserveCapacity(WeightMatrix.storedCount(format, rows: rows, columns: columns))
    var scales: [UInt8] = []
    scales.reserveCapacity(rows * padded / QuantBlock.size * 2)
    var block = [Float](repeating: 0, count: QuantBlock.size)
    for row in 0..<rows {
      var start = 0
      while start < padded {
        for i in 0..<QuantBlock.size {
          block[i] = start + i < columns ? values[row * columns + start + i] : 0
        }
        block.withUnsafeBufferPointer { weights in
          let base = weights.baseAddress!
          if format == .q8 {
            let (quantized, scale) = Q8Block.quantize(base)
            for i in 0..<QuantBlock.size { codes.append(UInt8(bitPattern: quantized.codes[i])) }
            appendLittleEndian(scale, to: &scales)
          } else {
            let (quantized, scale) = Q4Block.quantize(base)
            for i in 0..<Q4Block.byteCount { codes.append(quantized.bytes[i]) }
            appendLittleEndian(scale, to: &scales)
          }
        }
        start += QuantBlock.size
      }
    }
    return (codes, scales)
  }

  // MARK: - Implementation details

  private func floats(_ name: String) throws(ConvertError) -> [Float] {
    let arena = FloatArena()  // holds a widened F16/BF16 source only while this tensor is converted
    do { return Array(try file.float32(name, arena: arena).values) } catch { throw .model(.safetensors(error)) }
  }

  private static func makeHeader(_ entries: [Entry], format: WeightFormat) -> [UInt8] {
    var json = ByteText("{\"__metadata__\":{")
    json.append("\"\(BundleMetadata.formatKey)\":\"\(format.name)\",")
    json.append("\"\(BundleMetadata.versionKey)\":\"\(BundleMetadata.version)\",")
    json.append("\"\(BundleMetadata.blockSizeKey)\":\"\(QuantBlock.size)\"}")
    var offset = 0
    for entry in entries {
      json.append(",")
      appendJSONString(entry.name, to: &json)
      json.append(":{\"dtype\":\"\(entry.dtype.name)\",\"shape\":[")
      for (index, dimension) in entry.shape.enumerated() { json.append(index == 0 ? "\(dimension)" : ",\(dimension)") }
      json.append("],\"data_offsets\":[\(offset),\(offset + entry.byteCount)]}")
      offset += entry.byteCount
    }
    json.append("}")
    var bytes = json.bytes
    while (8 + bytes.count) % BundleMetadata.alignment != 0 { bytes.append(0x20) }
    var result: [UInt8] = []
    appendLittleEndian(UInt64(bytes.count), to: &result)
    return result + bytes
  }

  /// A JSON string literal: quote, backslash and control characters escaped, everything else as UTF-8.
  private static func appendJSONString(_ text: String, to json: inout ByteText) {
    json.append("\"")
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    var escaped: [UInt8] = []
    withUTF8Bytes(of: text) { utf8 in
      for byte in utf8 {
        if byte == 0x22 || byte == 0x5C {
          escaped += [0x5C, byte]
        } else if byte < 0x20 {
          escaped += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        } else {
          escaped.append(byte)
        }
      }
    }
    json.bytes += escaped
    json.append("\"")
  }
}

/// Appends `value`'s bytes, least significant first.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
  for index in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
}
