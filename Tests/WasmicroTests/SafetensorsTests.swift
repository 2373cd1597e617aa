// Safetensors tests: hand-built files (F32/F16/BF16/I64), half-precision conversion, every typed rejection,
// and the real all-MiniLM-L6-v2 header when the model has been fetched (`make model`).
import Foundation
import Testing

@testable import Wasmicro

// MARK: - Builders

/// `[u64 LE N][header JSON padded with spaces to N][data]`; `headerLength` overrides the prefix.
private func makeFile(
  header: String, padTo alignment: Int = 1, extraPadding: Int = 0, data: [UInt8], headerLength: UInt64? = nil
)
  -> [UInt8]
{
  var headerBytes = Array(header.utf8)
  while (8 + headerBytes.count) % alignment != 0 { headerBytes.append(0x20) }
  headerBytes += [UInt8](repeating: 0x20, count: extraPadding)
  let length = headerLength ?? UInt64(headerBytes.count)
  var file: [UInt8] = []
  for index in 0..<8 { file.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(index)))) }
  return file + headerBytes + data
}

private func littleEndianBytes(_ value: UInt32) -> [UInt8] {
  (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
private func littleEndianBytes(_ value: UInt16) -> [UInt8] {
  (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
private func littleEndianBytes(_ value: Int64) -> [UInt8] {
  (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64($0))) }
}

private func loadError(_ file: [UInt8]) -> SafetensorsError? {
  file.withUnsafeBytes { buffer in
    do throws(SafetensorsError) {
      _ = try SafetensorsFile(bytes: buffer)
      return nil
    } catch {
      return error
    }
  }
}

/// One-tensor header: `{"name": {"dtype": ..., "shape": ..., "data_offsets": ...}}` with raw JSON fragments.
private func singleTensorError(
  dtype: String = #""F32""#, shape: String = "[2]", offsets: String = "[0, 8]", dataCount: Int = 8
)
  -> SafetensorsError?
{
  let header = #"{"t": {"dtype": \#(dtype), "shape": \#(shape), "data_offsets": \#(offsets)}}"#
  return loadError(makeFile(header: header, data: [UInt8](repeating: 0, count: dataCount)))
}

// F32 [2, 2] = [1, -2, 0.5, 3.25]; F16 [9]; BF16 [2] = [1, -3]; I64 [2] = [7, -1]; F32 [0, 3] empty.
private let float32Values: [Float] = [1, -2, 0.5, 3.25]
private let float16Bits: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x8000]
/// Hand-computed: 1, -2.5, 65504 = (2 − 2⁻¹⁰)·2¹⁵, 2⁻²⁴ (smallest subnormal), 1023·2⁻²⁴ (largest subnormal),
/// 2⁻¹⁴ (smallest normal), +inf, −inf, −0.
private let float16Expected: [Float] = [
  1, -2.5, 65504, 0x1p-24, 1023 * 0x1p-24, 0x1p-14, .infinity, -.infinity, -0.0,
]

private let validHeader = """
  {"__metadata__": {"format": "pt", "note": "hand-built"},
   "f32": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
   "f16": {"dtype": "F16", "shape": [9], "data_offsets": [16, 34]},
   "bf16": {"dtype": "BF16", "shape": [2], "data_offsets": [34, 38]},
   "i64": {"dtype": "I64", "shape": [2], "data_offsets": [38, 54]},
   "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [54, 54]},
   "nan16": {"dtype": "F16", "shape": [], "data_offsets": [54, 56]}}
  """

private func validData() -> [UInt8] {
  var data: [UInt8] = []
  for value in float32Values { data += littleEndianBytes(value.bitPattern) }
  for bits in float16Bits { data += littleEndianBytes(bits) }
  data += littleEndianBytes(UInt16(0x3F80)) + littleEndianBytes(UInt16(0xC040))
  data += littleEndianBytes(Int64(7)) + littleEndianBytes(Int64(-1))
  data += littleEndianBytes(UInt16(0x7E00))  // quiet NaN
  return data
}

// MARK: - Tests

@Suite("SafetensorsTests")
struct SafetensorsTests {
  @Test func parsesValidFile() throws {
    let file = makeFile(header: validHeader, padTo: 4, data: validData())
    let headerEnd = 8 + validHeader.utf8.count + ((4 - (8 + validHeader.utf8.count) % 4) % 4)
    try file.withUnsafeBytes { buffer in
      let parsed = try SafetensorsFile(bytes: buffer)
      #expect(parsed.tensors.map(\.name) == ["f32", "f16", "bf16", "i64", "empty", "nan16"])
      #expect(
        parsed.metadata == [
          JSONMember(key: "format", value: .string("pt")), JSONMember(key: "note", value: .string("hand-built")),
        ])
      let f32 = try #require(parsed.info("f32"))
      #expect(f32 == TensorInfo(name: "f32", dtype: .f32, shape: [2, 2], byteRange: (headerEnd)..<(headerEnd + 16)))
      #expect(f32.elementCount == 4)
      #expect(parsed.info("empty")?.elementCount == 0)
      #expect(parsed.info("nan16")?.shape == [])
      #expect(parsed.info("nan16")?.elementCount == 1)
      #expect(parsed.info("i64")?.byteRange == (headerEnd + 38)..<(headerEnd + 54))
      #expect(parsed.info("absent") == nil)
    }
  }

  @Test func convertsEveryFloatDType() throws {
    let file = makeFile(header: validHeader, padTo: 4, data: validData())
    try file.withUnsafeBytes { buffer in
      let parsed = try SafetensorsFile(bytes: buffer)
      let arena = FloatArena()
      let f32 = try parsed.float32("f32", arena: arena)
      #expect(f32.shape == [2, 2])
      #expect(Array(f32.values) == float32Values)
      // Aligned F32 is a view into the caller's bytes, not a copy.
      let start = UnsafeRawPointer(try #require(f32.values.baseAddress))
      let base = try #require(buffer.baseAddress)
      #expect(start >= base && start + 16 <= base + buffer.count)
      #expect(arena.allocatedCount == 0)

      let f16 = try parsed.float32("f16", arena: arena)
      #expect(f16.shape == [9])
      #expect(Array(f16.values).map(\.bitPattern) == float16Expected.map(\.bitPattern))  // bitwise: keeps −0's sign
      let bf16 = try parsed.float32("bf16", arena: arena)
      #expect(Array(bf16.values) == [1, -3])
      #expect(try parsed.float32("nan16", arena: arena).values.first?.isNaN == true)
      #expect(try parsed.float32("empty", arena: arena).values.count == 0)
      #expect(arena.allocatedCount == 9 + 2 + 1)

      let raw = try parsed.rawBytes("i64")
      #expect(Array(raw) == littleEndianBytes(Int64(7)) + littleEndianBytes(Int64(-1)))
      #expect(throws: SafetensorsError.notFloatingPoint(tensor: "i64", dtype: .i64)) {
        try parsed.float32("i64", arena: arena)
      }
      #expect(throws: SafetensorsError.missingTensor("nope")) { try parsed.float32("nope", arena: arena) }
      #expect(throws: SafetensorsError.missingTensor("nope")) { try parsed.rawBytes("nope") }
    }
  }

  @Test func misalignedFloat32IsCopied() throws {
    // Header padded so that the data section starts at an address ≡ 1 (mod 4).
    let file = makeFile(header: validHeader, padTo: 4, extraPadding: 1, data: validData())
    try file.withUnsafeBytes { buffer in
      let parsed = try SafetensorsFile(bytes: buffer)
      let arena = FloatArena()
      let f32 = try parsed.float32("f32", arena: arena)
      #expect(Array(f32.values) == float32Values)
      let start = UnsafeRawPointer(try #require(f32.values.baseAddress))
      let base = try #require(buffer.baseAddress)
      #expect(!(start >= base && start < base + buffer.count))
      #expect(arena.allocatedCount == 4)
      #expect(
        Array(try parsed.float32("f16", arena: arena).values).map(\.bitPattern) == float16Expected.map(\.bitPattern))
    }
  }

  #if !(os(macOS) && arch(x86_64))
    @Test func float16ConversionMatchesStandardLibraryForAllBitPatterns() {
      var mismatches = 0
      for bits in 0...UInt16.max {
        let ours = float32FromFloat16Bits(bits)
        let reference = Float(Float16(bitPattern: bits))
        if reference.isNaN ? !ours.isNaN : ours.bitPattern != reference.bitPattern { mismatches += 1 }
      }
      #expect(mismatches == 0)
    }
  #endif

  @Test func bfloat16IsTheUpperHalf() {
    #expect(float32FromBFloat16Bits(0x3F80) == 1)
    #expect(float32FromBFloat16Bits(0xC040) == -3)
    #expect(float32FromBFloat16Bits(0x7F80) == .infinity)
    #expect(float32FromBFloat16Bits(0x0001) == 0x1p-133)  // bf16 keeps f32's subnormals
  }

  @Test func dtypeNamesAndSizes() {
    let all: [DType] = [.f32, .f16, .bf16, .i8, .u8, .i32, .i64]
    #expect(all.map(\.name) == ["F32", "F16", "BF16", "I8", "U8", "I32", "I64"])
    #expect(all.map(\.byteSize) == [4, 2, 2, 1, 1, 4, 8])
    #expect(all.allSatisfy { DType(name: $0.name) == $0 })
    #expect(DType(name: "F64") == nil)
  }

  @Test func rejectsTruncatedFiles() {
    #expect(loadError([]) == .emptyFile)
    #expect(loadError([1, 2, 3, 4, 5]) == .fileTooShort(byteCount: 5))
    // Prefix says 1000 bytes of header, but only 12 bytes follow it.
    #expect(
      loadError(makeFile(header: "{}", data: Array(repeating: 0, count: 10), headerLength: 1000))
        == .headerLengthTooLarge(headerLength: 1000, limit: 12))
    #expect(
      loadError(makeFile(header: "{}", data: [], headerLength: UInt64.max))
        == .headerLengthTooLarge(headerLength: UInt64.max, limit: 2))
    // N = 0: an empty header is not JSON.
    #expect(loadError(makeFile(header: "", data: [])) == .invalidHeaderJSON(.unexpectedEnd(offset: 0)))
  }

  @Test func rejectsBadHeaders() {
    #expect(
      loadError(makeFile(header: "{not json}", data: []))
        == .invalidHeaderJSON(.unexpectedByte(UInt8(ascii: "n"), offset: 1)))
    #expect(loadError(makeFile(header: "{} trailing", data: [])) == .invalidHeaderJSON(.trailingData(offset: 3)))
    #expect(loadError(makeFile(header: "[]", data: [])) == .headerNotObject)
    #expect(loadError(makeFile(header: #"{"t": 1}"#, data: [])) == .entryNotObject(tensor: "t"))
    #expect(loadError(makeFile(header: #"{"__metadata__": [1]}"#, data: [])) == .invalidMetadata(key: "__metadata__"))
    #expect(
      loadError(makeFile(header: #"{"__metadata__": {"format": "pt", "n": 1}}"#, data: []))
        == .invalidMetadata(key: "n"))
    // Spaces after the JSON (the format's own padding) are fine; an empty object is a file with no tensors.
    #expect(loadError(makeFile(header: "{}   ", data: [])) == nil)
  }

  @Test func rejectsMissingFields() {
    let data = [UInt8](repeating: 0, count: 8)
    #expect(
      loadError(makeFile(header: #"{"t": {"shape": [2], "data_offsets": [0, 8]}}"#, data: data))
        == .missingField(tensor: "t", field: "dtype"))
    #expect(
      loadError(makeFile(header: #"{"t": {"dtype": "F32", "data_offsets": [0, 8]}}"#, data: data))
        == .missingField(tensor: "t", field: "shape"))
    #expect(
      loadError(makeFile(header: #"{"t": {"dtype": "F32", "shape": [2]}}"#, data: data))
        == .missingField(tensor: "t", field: "data_offsets"))
  }

  @Test func rejectsBadFieldValues() {
    #expect(singleTensorError(dtype: "32") == .invalidField(tensor: "t", field: "dtype", expected: "a string"))
    #expect(singleTensorError(dtype: #""F64""#) == .unknownDType(tensor: "t", dtype: "F64"))
    #expect(singleTensorError(dtype: #""f32""#) == .unknownDType(tensor: "t", dtype: "f32"))
    let shapeExpectation = "an array of non-negative integers"
    #expect(singleTensorError(shape: "[-2]") == .invalidField(tensor: "t", field: "shape", expected: shapeExpectation))
    #expect(singleTensorError(shape: "[2.0]") == .invalidField(tensor: "t", field: "shape", expected: shapeExpectation))
    #expect(singleTensorError(shape: "2") == .invalidField(tensor: "t", field: "shape", expected: shapeExpectation))
    let offsetsExpectation = "[begin, end] integers, 0 <= begin <= end"
    for offsets in ["[8, 0]", "[0]", "[0, 8, 9]", "[-1, 7]", #"[0, "8"]"#, "{}"] {
      #expect(
        singleTensorError(offsets: offsets)
          == .invalidField(tensor: "t", field: "data_offsets", expected: offsetsExpectation), "\(offsets)")
    }
  }

  @Test func rejectsOverflowingShapes() {
    // 2^32 · 2^32 = 2^64 elements: the element count itself overflows Int.
    #expect(singleTensorError(shape: "[4294967296, 4294967296]") == .shapeOverflow(tensor: "t"))
    // 2^62 elements fit, but 2^62 · 4 bytes does not.
    #expect(singleTensorError(shape: "[4611686018427387904]") == .shapeOverflow(tensor: "t"))
    // A zero dimension makes the product 0 even next to a huge one.
    #expect(singleTensorError(shape: "[0, 4611686018427387904]", offsets: "[0, 0]") == nil)
  }

  @Test func rejectsLengthMismatchAndOutOfRange() {
    #expect(
      singleTensorError(shape: "[3]", offsets: "[0, 8]") == .byteLengthMismatch(tensor: "t", expected: 12, actual: 8))
    #expect(
      singleTensorError(dtype: #""BF16""#, shape: "[2]", offsets: "[0, 8]")
        == .byteLengthMismatch(tensor: "t", expected: 4, actual: 8))
    #expect(
      singleTensorError(shape: "[4]", offsets: "[0, 16]", dataCount: 8)
        == .offsetsOutOfRange(tensor: "t", begin: 0, end: 16, dataSize: 8))
    #expect(
      singleTensorError(shape: "[2]", offsets: "[4, 12]", dataCount: 8)
        == .offsetsOutOfRange(tensor: "t", begin: 4, end: 12, dataSize: 8))
  }

  @Test func rejectsOverlapsAndDuplicates() {
    let data = [UInt8](repeating: 0, count: 16)
    let overlapping = """
      {"b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
       "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
      """
    #expect(loadError(makeFile(header: overlapping, data: data)) == .overlappingTensors(first: "a", second: "b"))
    // Touching ranges and zero-size tensors inside another tensor's range are fine.
    let touching = """
      {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
       "z": {"dtype": "U8", "shape": [0], "data_offsets": [4, 4]},
       "b": {"dtype": "I32", "shape": [2], "data_offsets": [8, 16]}}
      """
    #expect(loadError(makeFile(header: touching, data: data)) == nil)
    let duplicated = """
      {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
       "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}
      """
    #expect(loadError(makeFile(header: duplicated, data: data)) == .duplicateTensor("a"))
  }

  @Test func messagesNameTheProblem() {
    #expect(
      SafetensorsError.byteLengthMismatch(tensor: "w", expected: 12, actual: 8).message
        == "tensor \"w\": shape × dtype size is 12 bytes but data_offsets span 8")
    #expect(
      SafetensorsError.invalidHeaderJSON(.unexpectedByte(0x7D, offset: 4)).message
        == "header is not valid JSON: unexpected byte 0x7D '}' at byte 4 (counted from the header start, file byte 8)")
    #expect(
      String(describing: SafetensorsError.notFloatingPoint(tensor: "ids", dtype: .i64))
        == "tensor \"ids\" has integer dtype I64, not a float type")
    #expect(
      JSONError.controlCharacterInString(0x0A, offset: 2).message
        == "unescaped control character 0x0A in string at byte 2")
    #expect(ConfigError.unsupported(field: "hidden_act", value: "swish").message == "unsupported hidden_act \"swish\"")
  }

  // MARK: Streaming header reader (bounded memory)

  /// The tree parser's verdict on a header: what `.invalidHeaderJSON` must carry (same kind, same offset).
  private func treeError(_ header: String) -> JSONError? {
    do throws(JSONError) {
      _ = try JSONValue.parse(Array(header.utf8))
      return nil
    } catch {
      return error
    }
  }

  @Test func capsTheRank() {
    let sixtyFourOnes = "[" + Array(repeating: "1", count: 64).joined(separator: ",") + "]"
    #expect(singleTensorError(shape: sixtyFourOnes, offsets: "[0, 4]") == nil)
    let sixtyFiveOnes = "[" + Array(repeating: "1", count: 65).joined(separator: ",") + "]"
    let tooMany = SafetensorsError.invalidField(tensor: "t", field: "shape", expected: "at most 64 dimensions")
    #expect(singleTensorError(shape: sixtyFiveOnes, offsets: "[0, 4]") == tooMany)
    // Counted, never stored: a hundred thousand dimensions (whatever they hold) are refused.
    let huge = "[" + Array(repeating: #"["x", {}]"#, count: 100_000).joined(separator: ",") + "]"
    #expect(singleTensorError(shape: huge) == tooMany)
    #expect(tooMany.message == "tensor \"t\": field \"shape\" must be at most 64 dimensions")
  }

  @Test func skipsUnknownFieldsInAnyOrder() throws {
    let header = #"""
      {"t": {"extra": [1, [2, {"a": null}], "x", -3.5e2], "data_offsets": [0, 8], "shape": [3],
             "more": {"deep": [[[]]], "s": "\u00e9"}, "dtype": "F32", "shape": [2]}}
      """#
    let file = makeFile(header: header, data: [UInt8](repeating: 0, count: 8))
    try file.withUnsafeBytes { buffer in
      let parsed = try SafetensorsFile(bytes: buffer)
      // The last "shape" wins, as in a lookup in the parsed object.
      #expect(parsed.tensors.map(\.shape) == [[2]])
      #expect(parsed.metadata == [])
      #expect(parsed.metadataValue("format") == nil)
    }
  }

  @Test func checksFieldsInAFixedOrder() {
    let shapeExpectation = "an array of non-negative integers"
    // dtype is checked before shape and data_offsets, whatever their order in the entry.
    #expect(
      loadError(makeFile(header: #"{"t": {"shape": "x", "data_offsets": 1, "dtype": 5}}"#, data: []))
        == .invalidField(tensor: "t", field: "dtype", expected: "a string"))
    #expect(
      loadError(makeFile(header: #"{"t": {"data_offsets": 1, "dtype": "F32"}}"#, data: []))
        == .missingField(tensor: "t", field: "shape"))
    #expect(
      singleTensorError(shape: "[2, {}]") == .invalidField(tensor: "t", field: "shape", expected: shapeExpectation))
    #expect(singleTensorError(shape: "[[2]]") == .invalidField(tensor: "t", field: "shape", expected: shapeExpectation))
    #expect(
      singleTensorError(offsets: "[[0], [8]]")
        == .invalidField(tensor: "t", field: "data_offsets", expected: "[begin, end] integers, 0 <= begin <= end"))
  }

  @Test func malformedJSONInsideSkippedValuesIsReportedAsTheTreeParserDoes() {
    let headers = [
      #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": [1, 2,]}}"#,
      #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": {"a" 1}}}"#,
      #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": "\x"}}"#,
      #"{"t": {"dtype": "F32", "shape": [2, 01], "data_offsets": [0, 8]}}"#,
      #"{"__metadata__": {"k": "v", "n": [tru]}, "t": 1}"#,
      // A JSON error is reported even after an entry that is already wrong, as when the tree was built first.
      #"{"t": 1, "u": [1,}"#,
      #"{"t": {"dtype": "F99"}, "u": "\ud800"}"#,
      #"{"t": {"extra": "# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}",
      #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}} x"#,
    ]
    for header in headers {
      guard let expected = treeError(header) else {
        Issue.record("not malformed: \(header)")
        continue
      }
      #expect(
        loadError(makeFile(header: header, data: [UInt8](repeating: 0, count: 8))) == .invalidHeaderJSON(expected),
        "\(header)")
    }
  }

  @Test func metadataIsReadFromTheHeader() throws {
    let header = """
      {"__metadata__": {"format": "pt", "wasmicro.format": "q8", "format": "np"},
       "t": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}}
      """
    let file = makeFile(header: header, data: [])
    try file.withUnsafeBytes { buffer in
      let parsed = try SafetensorsFile(bytes: buffer)
      #expect(parsed.metadataValue("format") == "np")  // the last of a repeated key
      #expect(parsed.metadataValue("wasmicro.format") == "q8")
      #expect(parsed.metadataValue("absent") == nil)
      #expect(parsed.metadata.map(\.key) == ["format", "wasmicro.format", "format"])
    }
    #expect(
      loadError(makeFile(header: #"{"__metadata__": {"a": "b", "c": {"d": "e"}}}"#, data: []))
        == .invalidMetadata(key: "c"))
    #expect(loadError(makeFile(header: #"{"__metadata__": "pt"}"#, data: [])) == .invalidMetadata(key: "__metadata__"))
  }

  /// Random edits of a valid header: whenever the tree parser rejects the header, the file is rejected with the same
  /// JSONError (kind and offset); whenever the tree parser accepts it, the reader raises no JSON error.
  @Test func jsonVerdictMatchesTheTreeParser() {
    let header = Array(validHeader.utf8)
    let alphabet = Array(#"{}[]",:0123456789-.eE tfnulrs\u"#.utf8)
    var generator = SplitMix64(seed: 11)
    var rejected = 0
    for _ in 0..<3000 {
      var edited = header
      for _ in 0..<(1 + Int(generator.next() % 3)) {
        let index = Int(generator.next() % UInt64(edited.count))
        switch generator.next() % 3 {
        case 0: edited[index] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
        case 1: edited.remove(at: index)
        default: edited.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: index)
        }
      }
      let text = String(decoding: edited, as: UTF8.self)
      let error = loadError(makeFile(header: text, data: validData()))  // unpadded: same bytes as the tree sees
      if let expected = treeError(text) {
        rejected += 1
        #expect(error == .invalidHeaderJSON(expected), "\(text)")
      } else if case .invalidHeaderJSON = error {
        Issue.record("the tree parser accepts, the reader does not: \(text)")
      }
    }
    #expect(rejected > 100)
  }

  @Test func heapSortMatchesStandardSort() {
    var generator = SplitMix64(seed: 7)
    for count in [0, 1, 2, 3, 10, 100, 1000] {
      let keys = (0..<count).map { _ in Int(generator.next() % 50) }  // many ties
      var order = Array(0..<count)
      SafetensorsFile.heapSort(&order) { keys[$0] < keys[$1] }
      #expect(order.map { keys[$0] } == keys.sorted(), "count \(count)")
      #expect(order.sorted() == Array(0..<count))  // a permutation
    }
  }

  /// Random byte flips, truncations and length-prefix edits of a valid file: each must parse or throw, never trap,
  /// and whatever parses must convert every float tensor (the validation is what makes the unchecked reads safe).
  @Test func mutatedFilesNeverTrap() {
    let valid = makeFile(header: validHeader, padTo: 4, data: validData())
    var generator = SplitMix64(seed: 2024)
    var parsedCount = 0
    for iteration in 0..<3000 {
      var file = valid
      switch iteration % 3 {
      case 0:
        for _ in 0..<(1 + Int(generator.next() % 4)) {
          file[Int(generator.next() % UInt64(file.count))] = UInt8(truncatingIfNeeded: generator.next())
        }
      case 1:
        file = Array(file.prefix(Int(generator.next() % UInt64(file.count))))
      default:
        file[Int(generator.next() % 8)] = UInt8(truncatingIfNeeded: generator.next())
      }
      file.withUnsafeBytes { buffer in
        guard let parsed = try? SafetensorsFile(bytes: buffer) else { return }
        parsedCount += 1
        let arena = FloatArena()
        for tensor in parsed.tensors where [DType.f32, .f16, .bf16].contains(tensor.dtype) {
          #expect((try? parsed.float32(tensor.name, arena: arena))?.values.count == tensor.elementCount)
        }
      }
    }
    #expect(parsedCount > 0)  // some flips land in float data and leave the header valid
  }

  @Test func arenaOwnsItsBuffers() {
    let arena = FloatArena()
    let first = arena.allocate(3)
    let second = arena.allocate(0)
    #expect(Array(first) == [0, 0, 0])
    first[2] = 5
    #expect(first[2] == 5)
    #expect(second.count == 0)
    #expect(arena.allocatedCount == 3)
  }

  // MARK: Real model

  static let modelFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("models/all-MiniLM-L6-v2/model.safetensors")

  @Test(
    "Real all-MiniLM-L6-v2 header",
    .enabled(if: FileManager.default.fileExists(atPath: modelFile.path), "model not fetched: run `make model`"))
  func realModelHeader() throws {
    let data = try Data(contentsOf: Self.modelFile, options: .alwaysMapped)
    try data.withUnsafeBytes { buffer in
      let file = try SafetensorsFile(bytes: buffer)
      // 104 tensors + `__metadata__` = the 105 header entries.
      #expect(file.tensors.count == 104)
      #expect(file.metadata == [JSONMember(key: "format", value: .string("pt"))])
      let embeddings = try #require(file.info("embeddings.word_embeddings.weight"))
      #expect(embeddings.dtype == .f32)
      #expect(embeddings.shape == [30522, 384])
      #expect(embeddings.byteRange.count == 30522 * 384 * 4)
      #expect(file.info("embeddings.position_ids")?.dtype == .i64)

      let arena = FloatArena()
      let view = try file.float32("embeddings.word_embeddings.weight", arena: arena)
      #expect(arena.allocatedCount == 0)
      let start = UnsafeRawPointer(try #require(view.values.baseAddress))
      let base = try #require(buffer.baseAddress)
      #expect(start == base + embeddings.byteRange.lowerBound)
      #expect(view.values.count == 30522 * 384)
      // The view reads the same floats as an independent little-endian decode of the file bytes.
      for index in [0, 1, 383, 384, 30522 * 384 - 1] {
        let offset = embeddings.byteRange.lowerBound + 4 * index
        let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(buffer[offset + $1]) << (8 * UInt32($1)) }
        #expect(view.values[index].bitPattern == bits)
      }
      // Every F32 tensor converts without error.
      for tensor in file.tensors where tensor.dtype == .f32 {
        #expect(try file.float32(tensor.name, arena: arena).values.count == tensor.elementCount)
      }
      #expect(arena.allocatedCount == 0)
    }
  }
}
