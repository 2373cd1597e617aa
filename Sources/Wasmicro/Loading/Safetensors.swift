// Safetensors: header parsing, validation and f32 views over caller-owned file bytes.
// Scope: the format `[u64 LE header length N][N bytes JSON header][data section]`, dtypes F32/F16/BF16/I8/U8/I32/I64,
// full validation of the header (typed errors), and `float32` views: in place for aligned F32, converted otherwise.
// Non-goals: writing files, file I/O (the host owns and keeps the bytes alive), F64/BOOL/F8 and other dtypes,
// big-endian hosts for in-place views (they always get a converted copy).
//
// Choices: holes between tensors in the data section are accepted (the format forbids them, but nothing here reads
// them, so rejecting them would only refuse files that load elsewhere); a tensor name seen twice is an error.

/// Why a safetensors file was rejected, or a tensor request failed.
public enum SafetensorsError: Error, Equatable {
  /// The buffer holds zero bytes.
  case emptyFile
  /// The buffer is shorter than the 8-byte header-length prefix.
  case fileTooShort(byteCount: Int)
  /// The header length prefix exceeds `limit` = min(file size − 8, `SafetensorsFile.maximumHeaderLength`).
  case headerLengthTooLarge(headerLength: UInt64, limit: Int)
  /// The header is not valid JSON; the error's offset counts from the header start (file offset − 8).
  case invalidHeaderJSON(JSONError)
  /// The header is valid JSON but not an object.
  case headerNotObject
  /// A tensor entry is not a JSON object.
  case entryNotObject(tensor: String)
  /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
  case missingField(tensor: String, field: String)
  /// A tensor entry's field has the wrong type or value.
  case invalidField(tensor: String, field: String, expected: String)
  /// A dtype outside F32/F16/BF16/I8/U8/I32/I64.
  case unknownDType(tensor: String, dtype: String)
  /// The shape's element count, or its byte count, does not fit in `Int`.
  case shapeOverflow(tensor: String)
  /// `data_offsets` span `actual` bytes, but shape × dtype size needs `expected`.
  case byteLengthMismatch(tensor: String, expected: Int, actual: Int)
  /// `data_offsets` [begin, end) (relative to the data section) reach past its `dataSize` bytes.
  case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
  /// Two tensors' byte ranges overlap (`first` starts earlier).
  case overlappingTensors(first: String, second: String)
  /// The same tensor name appears twice in the header.
  case duplicateTensor(String)
  /// `__metadata__` is not an object of string values; `key` names the bad entry (or `__metadata__` itself).
  case invalidMetadata(key: String)
  /// No tensor with this name.
  case missingTensor(String)
  /// `float32` was asked for a tensor stored as an integer dtype.
  case notFloatingPoint(tensor: String, dtype: DType)
}

extension SafetensorsError {
  /// A one-line human-readable description naming the tensor, field and numbers involved.
  public var message: String { messageText.string }

  /// `message` as UTF-8 bytes (the wasm exports copy these into their error buffer without making a String).
  @_spi(WasmicroWasm) public var messageBytes: [UInt8] { messageText.bytes }

  /// `message` before it becomes a String: each case returns its bytes, decoded once by `message` (wasm size).
  var messageText: ByteText {
    // Most cases share the `tensor "name": ` prefix, written once below (wasm size).
    let tensor: String
    let detail: ByteText
    switch self {
    case .emptyFile:
      return "safetensors file is empty"
    case .fileTooShort(let byteCount):
      return "file is \(byteCount) bytes, shorter than the 8-byte header length prefix"
    case .headerLengthTooLarge(let headerLength, let limit):
      return "header length \(headerLength) exceeds the limit of \(limit) bytes"
    case .invalidHeaderJSON(let error):
      return "header is not valid JSON: \(error.messageText) (counted from the header start, file byte 8)"
    case .headerNotObject:
      return "header is not a JSON object"
    case .entryNotObject(let name):
      tensor = name
      detail = "entry is not a JSON object"
    case .missingField(let name, let field):
      tensor = name
      detail = "missing field \"\(field)\""
    case .invalidField(let name, let field, let expected):
      tensor = name
      detail = "field \"\(field)\" must be \(expected)"
    case .unknownDType(let name, let dtype):
      tensor = name
      detail = "unsupported dtype \"\(dtype)\" (supported: F32 F16 BF16 I8 U8 I32 I64)"
    case .shapeOverflow(let name):
      tensor = name
      detail = "shape's element or byte count overflows"
    case .byteLengthMismatch(let name, let expected, let actual):
      tensor = name
      detail = "shape × dtype size is \(expected) bytes but data_offsets span \(actual)"
    case .offsetsOutOfRange(let name, let begin, let end, let dataSize):
      tensor = name
      detail = "data_offsets [\(begin), \(end)) exceed the \(dataSize)-byte data section"
    case .overlappingTensors(let first, let second):
      return "tensors \"\(first)\" and \"\(second)\" overlap"
    case .duplicateTensor(let name):
      return "tensor \"\(name)\" appears twice in the header"
    case .invalidMetadata(let key):
      return "__metadata__ entry \"\(key)\" is not a string (or __metadata__ is not an object)"
    case .missingTensor(let name):
      return "no tensor named \"\(name)\""
    case .notFloatingPoint(let name, let dtype):
      return "tensor \"\(name)\" has integer dtype \(dtype.name), not a float type"
    }
    return "tensor \"\(tensor)\": \(detail)"
  }
}

/// `String(describing:)` on the host prints `message` (costs nothing in Embedded builds unless called).
extension SafetensorsError: CustomStringConvertible {
  public var description: String { message }
}

/// A safetensors element type.
public enum DType: Equatable, Sendable {
  case f32, f16, bf16, i8, u8, i32, i64

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f32, .i32: return 4
    case .f16, .bf16: return 2
    case .i8, .u8: return 1
    case .i64: return 8
    }
  }

  /// The dtype's spelling in the safetensors header ("F32", "BF16", ...).
  public var name: String {
    switch self {
    case .f32: return "F32"
    case .f16: return "F16"
    case .bf16: return "BF16"
    case .i8: return "I8"
    case .u8: return "U8"
    case .i32: return "I32"
    case .i64: return "I64"
    }
  }

  /// The dtype for a header spelling; `nil` when unsupported.
  public init?(name: String) {
    for candidate in [DType.f32, .f16, .bf16, .i8, .u8, .i32, .i64] where JSONValue.utf8Equal(candidate.name, name) {
      self = candidate
      return
    }
    return nil
  }
}

/// One tensor's header entry, validated.
public struct TensorInfo: Equatable, Sendable {
  public let name: String
  public let dtype: DType
  /// Dimensions, outermost first (row-major); `[]` is a scalar.
  public let shape: [Int]
  /// Absolute byte offsets into the file bytes: 8 + N + begin ..< 8 + N + end.
  public let byteRange: Range<Int>

  /// Product of `shape` (1 for a scalar); cannot overflow, the header check proved it fits.
  public var elementCount: Int {
    var count = 1
    for dimension in shape { count *= dimension }
    return count
  }
}

/// A float32 tensor view: `values` has `shape`'s product elements, row-major.
public struct FloatTensor {
  public let shape: [Int]
  public let values: UnsafeBufferPointer<Float>

  public init(shape: [Int], values: UnsafeBufferPointer<Float>) {
    self.shape = shape
    self.values = values
  }
}

/// Owns converted tensor storage; everything it handed out is freed when the arena is released.
public final class FloatArena {
  /// Base addresses of the buffers handed out (pointers, not buffer pointers: a one-word element shares the array
  /// growth code the wasm has for other one-word arrays, about 250 bytes).
  private var buffers: [UnsafeMutablePointer<Float>] = []

  /// Total floats handed out so far.
  public private(set) var allocatedCount = 0

  public init() {}

  /// A zero-filled buffer of `count` floats that lives as long as the arena.
  public func allocate(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
    precondition(count >= 0, "FloatArena.allocate: negative count")
    let base = UnsafeMutablePointer<Float>.allocate(capacity: count)
    let buffer = UnsafeMutableBufferPointer(start: base, count: count)
    buffer.initialize(repeating: 0)
    buffers.append(base)
    allocatedCount += count
    return buffer
  }

  /// Things the arena's tensors depend on besides its own buffers (e.g. the host's mapping of the file that in-place
  /// F32 views point into); each closure runs once when the arena is freed.
  private var dependents: [() -> Void] = []

  /// Keeps whatever `release` captures alive for as long as the arena (and so every weight view) lives.
  public func retain(until release: @escaping () -> Void) {
    dependents.append(release)
  }

  deinit {
    for base in buffers { base.deallocate() }
    for release in dependents { release() }
  }
}

/// A parsed safetensors file over bytes the caller owns and keeps alive (nothing is copied at parse time).
///
/// Bounded memory: parsing an N-byte header allocates at most 5·N bytes plus a small constant besides the caller's
/// bytes, whatever the header holds (the header's own pages, mapped or read by the caller, come on top). The header is
/// read twice: once as JSON storing nothing, then entry by entry storing only the result (tensor names, dtypes,
/// shapes and byte ranges). Unknown fields are skipped unstored, `__metadata__` is validated and re-read from the
/// header when asked for, and a key or string is held only while its entry is read. Per tensor the result costs its `TensorInfo` (48 bytes; up to 144
/// while the array grows: old and new buffer), a shape buffer for rank ≥ 1 (48 + 8·rank bytes with malloc's header),
/// and for a name over 15 UTF-8 bytes a string buffer (at most length + 56); a valid entry spends at least
/// 48 + 2·rank + name length bytes of header on it. The ratio peaks at about 4.0 (rank 1, and rank `maximumRank`),
/// hence the bound; without the rank cap a shape alone costs 4 bytes per header byte.
public struct SafetensorsFile {
  /// Header lengths above this are refused before parsing (the reference Rust crate uses the same 100 MB cap).
  public static let maximumHeaderLength = 100_000_000

  /// Shapes with more dimensions are refused (`.invalidField` on "shape"; one error case fewer in the wasm module). Real tensors have at most 8; the cap keeps a shape's
  /// buffer (8 bytes a dimension) within a bounded multiple of its header text (2 bytes a dimension, plus its entry).
  public static let maximumRank = 64

  /// Tensors in header order, `__metadata__` excluded.
  public let tensors: [TensorInfo]
  /// The whole file.
  private let bytes: UnsafeRawBufferPointer
  /// Where the last `__metadata__` object lies in `bytes` (empty when there is none): its pairs are read from there.
  private let metadataRange: Range<Int>

  /// Parses and validates the header; never copies the data section.
  public init(bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
    if bytes.count == 0 { throw .emptyFile }
    if bytes.count < 8 { throw .fileTooShort(byteCount: bytes.count) }
    var headerLength: UInt64 = 0
    for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
    let limit = min(bytes.count - 8, SafetensorsFile.maximumHeaderLength)
    guard headerLength <= UInt64(limit) else { throw .headerLengthTooLarge(headerLength: headerLength, limit: limit) }
    let headerEnd = 8 + Int(headerLength)

    // Pass 1: the whole header as JSON, storing nothing, so that a JSON error is reported before any other (as when
    // the header was parsed into a tree first).
    var parser = JSONParser(bytes: UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]))
    parser.keepsContainers = false
    do throws(JSONError) {
      _ = try parser.parseDocument()
    } catch {
      throw .invalidHeaderJSON(error)
    }

    // Pass 2: member by member, keeping only what `tensors` needs.
    parser.position = 0
    parser.startDocument()
    guard parser.currentByte() == UInt8(ascii: "{") else { throw .headerNotObject }
    var tensors: [TensorInfo] = []
    var metadataRange = 0..<0
    let close = parser.enter(depth: 1)
    var memberCount = 0
    while parser.next(close: close, count: memberCount) {
      let name = parser.key()
      let valueStart = parser.position
      if JSONValue.utf8Equal(name, "__metadata__") {
        _ = try SafetensorsFile.walkMetadata(&parser, key: "")
        metadataRange = (8 + valueStart)..<(8 + parser.position)
      } else {
        let dataSize = bytes.count - headerEnd
        tensors.append(try SafetensorsFile.readEntry(name: name, &parser, dataStart: headerEnd, dataSize: dataSize))
      }
      memberCount += 1
    }
    try SafetensorsFile.checkDuplicateNames(tensors)
    try SafetensorsFile.checkOverlaps(tensors)
    self.tensors = tensors
    self.metadataRange = metadataRange
    self.bytes = bytes
  }

  /// `__metadata__` pairs in header order; every value is a `.string`. Parsed from the header at each call: the file
  /// keeps only where they are, so a large `__metadata__` costs nothing unless asked for (`metadataValue` reads one
  /// pair at a time).
  public var metadata: [JSONMember] {
    if metadataRange.isEmpty { return [] }
    // init validated these bytes as an object of strings.
    let value = try? JSONValue.parse(UnsafeRawBufferPointer(rebasing: bytes[metadataRange]))
    return value?.objectValue ?? []
  }

  /// The value of the last `__metadata__` pair named `key` (the last of a repeated key wins, as in `JSONValue`
  /// lookups), or nil; reads the pairs from the header one at a time, storing none.
  public func metadataValue(_ key: String) -> String? {
    if metadataRange.isEmpty { return nil }
    var parser = JSONParser(bytes: UnsafeRawBufferPointer(rebasing: bytes[metadataRange]))
    // init validated these pairs: the walk cannot fail.
    return (try? SafetensorsFile.walkMetadata(&parser, key: key)) ?? nil
  }

  /// The header entry for `name` (byte-wise name comparison).
  public func info(_ name: String) -> TensorInfo? {
    for tensor in tensors where JSONValue.utf8Equal(tensor.name, name) { return tensor }
    return nil
  }

  /// The raw stored bytes of a tensor, in place (any dtype).
  public func rawBytes(_ name: String) throws(SafetensorsError) -> UnsafeRawBufferPointer {
    guard let tensor = info(name) else { throw .missingTensor(name) }
    return UnsafeRawBufferPointer(rebasing: bytes[tensor.byteRange])
  }

  /// f32 view: in place when dtype is F32 and the data is 4-byte aligned; otherwise converted (F16/BF16/misaligned F32) into `arena`.
  ///
  /// The in-place view points into the caller's bytes, so it is valid only while those bytes are alive.
  public func float32(_ name: String, arena: FloatArena) throws(SafetensorsError) -> FloatTensor {
    guard let tensor = info(name) else { throw .missingTensor(name) }
    let count = tensor.elementCount
    let source = UnsafeRawBufferPointer(rebasing: bytes[tensor.byteRange])
    switch tensor.dtype {
    case .f32:
      #if _endian(little)
        if let base = source.baseAddress, UInt(bitPattern: base) & 3 == 0 {
          // Binding is the documented way to view raw file memory (mmap, Data, [UInt8]) as typed Floats.
          let values = UnsafeBufferPointer(start: base.bindMemory(to: Float.self, capacity: count), count: count)
          return FloatTensor(shape: tensor.shape, values: values)
        }
      #endif
      let output = arena.allocate(count)
      for index in 0..<count {
        let offset = index * 4
        let bits =
          UInt32(source[offset]) | UInt32(source[offset + 1]) << 8 | UInt32(source[offset + 2]) << 16
          | UInt32(source[offset + 3]) << 24
        output[index] = Float(bitPattern: bits)
      }
      return FloatTensor(shape: tensor.shape, values: UnsafeBufferPointer(output))
    case .f16, .bf16:
      // One loop for both half formats (wasm size); the branch goes the same way for every element.
      let isFloat16 = tensor.dtype == .f16
      let output = arena.allocate(count)
      for index in 0..<count {
        let bits = UInt16(source[index * 2]) | UInt16(source[index * 2 + 1]) << 8
        output[index] = isFloat16 ? float32FromFloat16Bits(bits) : float32FromBFloat16Bits(bits)
      }
      return FloatTensor(shape: tensor.shape, values: UnsafeBufferPointer(output))
    case .i8, .u8, .i32, .i64:
      throw .notFloatingPoint(tensor: name, dtype: tensor.dtype)
    }
  }

  // MARK: - Implementation details

  /// Reads the tensor entry at `parser.position` (pass 2) and validates it as a lookup in the parsed object would:
  /// fields in any order, the last of a repeated field wins, other fields skipped unstored. The entry is walked once
  /// to note where each field's value starts; the fields are then read in a fixed order (dtype, shape, data_offsets),
  /// so which error a bad entry gets does not depend on the order of its fields.
  @inline(never)
  private static func readEntry(name: String, _ parser: inout JSONParser, dataStart: Int, dataSize: Int)
    throws(SafetensorsError) -> TensorInfo
  {
    guard parser.currentByte() == UInt8(ascii: "{") else { throw .entryNotObject(tensor: name) }
    var dtypeStart = -1
    var shapeStart = -1
    var offsetsStart = -1
    let close = parser.enter(depth: 2)
    var fieldCount = 0
    while parser.next(close: close, count: fieldCount) {
      let field = parser.key()
      if JSONValue.utf8Equal(field, "dtype") {
        dtypeStart = parser.position
      } else if JSONValue.utf8Equal(field, "shape") {
        shapeStart = parser.position
      } else if JSONValue.utf8Equal(field, "data_offsets") {
        offsetsStart = parser.position
      }
      _ = parser.value(depth: 2)
      fieldCount += 1
    }
    let entryEnd = parser.position

    if dtypeStart < 0 { throw .missingField(tensor: name, field: "dtype") }
    parser.position = dtypeStart
    guard case .string(let dtypeName) = parser.value(depth: 2) else {
      throw .invalidField(tensor: name, field: "dtype", expected: "a string")
    }
    guard let dtype = DType(name: dtypeName) else { throw .unknownDType(tensor: name, dtype: dtypeName) }

    if shapeStart < 0 { throw .missingField(tensor: name, field: "shape") }
    // Counted before anything is stored: a huge shape is refused unread, and a valid one stored at its exact size.
    var rank = 0
    let dimensions = parser.integers(at: shapeStart, limit: maximumRank, count: &rank)
    if rank > maximumRank { throw .invalidField(tensor: name, field: "shape", expected: "at most 64 dimensions") }
    guard let shape = dimensions else {
      throw .invalidField(tensor: name, field: "shape", expected: "an array of non-negative integers")
    }
    var elementCount = 1
    for dimension in shape {
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
      if overflow { throw .shapeOverflow(tensor: name) }
      elementCount = product
    }
    let (expectedBytes, bytesOverflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
    if bytesOverflow { throw .shapeOverflow(tensor: name) }

    if offsetsStart < 0 { throw .missingField(tensor: name, field: "data_offsets") }
    var offsetCount = 0
    guard let offsets = parser.integers(at: offsetsStart, limit: 2, count: &offsetCount), offsetCount == 2,
      offsets[0] <= offsets[1]
    else {
      throw .invalidField(tensor: name, field: "data_offsets", expected: "[begin, end] integers, 0 <= begin <= end")
    }
    let begin = offsets[0]
    let end = offsets[1]
    let actualBytes = end - begin
    if actualBytes != expectedBytes {
      throw .byteLengthMismatch(tensor: name, expected: expectedBytes, actual: actualBytes)
    }
    if end > dataSize { throw .offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize) }
    parser.position = entryEnd
    return TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: (dataStart + begin)..<(dataStart + end))
  }

  /// Walks the `__metadata__` object at `parser.position` (pass 2, or a lookup), storing nothing: returns the value of
  /// the last pair named `key`. Throws `.invalidMetadata` when it is not an object of strings.
  @inline(never)
  private static func walkMetadata(_ parser: inout JSONParser, key: String) throws(SafetensorsError) -> String? {
    guard parser.currentByte() == UInt8(ascii: "{") else { throw .invalidMetadata(key: "__metadata__") }
    parser.keepsContainers = false
    var found: String? = nil
    let close = parser.enter(depth: 2)
    var count = 0
    while parser.next(close: close, count: count) {
      let memberKey = parser.key()
      guard case .string(let value) = parser.value(depth: 2) else { throw .invalidMetadata(key: memberKey) }
      if JSONValue.utf8Equal(memberKey, key) { found = value }
      count += 1
    }
    return found
  }

  /// Sorts names byte-wise, then compares neighbours: O(n log n) even for a hostile 100 MB header.
  private static func checkDuplicateNames(_ tensors: [TensorInfo]) throws(SafetensorsError) {
    var order = Array(tensors.indices)
    heapSort(&order, by: unspecialized { left, right in compareBytes(tensors[left].name, tensors[right].name) < 0 })
    var position = 1
    while position < order.count {
      if compareBytes(tensors[order[position - 1]].name, tensors[order[position]].name) == 0 {
        throw .duplicateTensor(tensors[order[position]].name)
      }
      position += 1
    }
  }

  /// Lexicographic three-way comparison of the UTF-8 bytes of two strings, in place: negative, zero or positive.
  /// (String.UTF8View comparisons cost KBs of wasm; copying the names into byte arrays first cost about 1 KB.)
  @inline(never)
  private static func compareBytes(_ left: String, _ right: String) -> Int {
    var result = 0
    withUTF8Bytes(of: left) { leftBytes in
      withUTF8Bytes(of: right) { rightBytes in
        let shared = min(leftBytes.count, rightBytes.count)
        var index = 0
        while index < shared && leftBytes[index] == rightBytes[index] { index += 1 }
        result =
          index < shared ? Int(leftBytes[index]) - Int(rightBytes[index]) : leftBytes.count - rightBytes.count
      }
    }
    return result
  }

  /// Sorts non-empty tensors by start offset and checks that each ends before the next begins.
  private static func checkOverlaps(_ tensors: [TensorInfo]) throws(SafetensorsError) {
    var order: [Int] = []
    order.reserveCapacity(tensors.count)  // not grown by copying (part of the memory bound)
    for index in tensors.indices where !tensors[index].byteRange.isEmpty { order.append(index) }
    heapSort(
      &order,
      by: unspecialized { left, right in
        tensors[left].byteRange.lowerBound < tensors[right].byteRange.lowerBound
      })
    var position = 1
    while position < order.count {
      let first = tensors[order[position - 1]]
      let second = tensors[order[position]]
      if first.byteRange.upperBound > second.byteRange.lowerBound {
        throw .overlappingTensors(first: first.name, second: second.name)
      }
      position += 1
    }
  }

  /// Hands `less` to `heapSort` as an opaque function value: given a closure literal, the optimiser would specialise
  /// heapSort once per call site (about 900 bytes of wasm each).
  @inline(never)
  static func unspecialized(_ less: @escaping (Int, Int) -> Bool) -> (Int, Int) -> Bool { less }

  /// Heapsort of `order` by `less`: O(n log n) worst case, in place, and one small non-generic body (the stdlib's
  /// stable sort specialises to several KB of wasm per call site).
  static func heapSort(_ order: inout [Int], by less: (Int, Int) -> Bool) {
    // Over the array's buffer: every index below is < end <= count by construction, and the Array subscripts'
    // bounds and uniqueness checks cost about 300 bytes of wasm here.
    order.withUnsafeMutableBufferPointer { buffer in
      var start = buffer.count / 2
      while start > 0 {
        start -= 1
        siftDown(buffer, start, buffer.count, less)
      }
      var end = buffer.count
      while end > 1 {
        end -= 1
        buffer.swapAt(0, end)
        siftDown(buffer, 0, end, less)
      }
    }
  }

  /// Moves `order[start]` down the max-heap `order[..<end]` until both children are not greater.
  @inline(never)
  private static func siftDown(
    _ order: UnsafeMutableBufferPointer<Int>, _ start: Int, _ end: Int, _ less: (Int, Int) -> Bool
  ) {
    var root = start
    while true {
      var child = 2 * root + 1
      if child >= end { return }
      if child + 1 < end && less(order[child], order[child + 1]) { child += 1 }
      if !less(order[root], order[child]) { return }
      order.swapAt(root, child)
      root = child
    }
  }
}

// MARK: - Pass 2 steps

/// The JSON parser's steps as the header's second pass takes them: over bytes that pass 1 (or init, for the
/// `__metadata__` lookups) walked with the same steps at the same depths, so they cannot fail. `try!` states that
/// internal contract (it cost 110 bytes of wasm less than mapping an impossible error); the fuzz targets hold it.
extension JSONParser {
  fileprivate mutating func enter(depth: Int) -> UInt8 {
    try! enterContainer(depth: depth)
  }

  fileprivate mutating func next(close: UInt8, count: Int) -> Bool {
    try! hasElement(close: close, count: count)
  }

  fileprivate mutating func key() -> String {
    try! parseKey()
  }

  /// A scalar, or an array or object validated and skipped unstored (it reads as an empty one).
  fileprivate mutating func value(depth: Int) -> JSONValue {
    try! parseValue(depth: depth)
  }

  /// The array of non-negative integers at `start`, read only when it has at most `limit` elements: they are counted
  /// first, so that they are stored in an array of exactly their number. `count` is the element count (−1 when the
  /// value is not an array); the result is nil when the array is longer than `limit` or holds anything else.
  @inline(never)
  fileprivate mutating func integers(at start: Int, limit: Int, count: inout Int) -> [Int]? {
    position = start
    count = -1
    if currentByte() != UInt8(ascii: "[") { return nil }
    var values: [Int] = []
    // Two rounds over the elements: count them, then (when there are at most `limit`) read them.
    for round in 0..<2 {
      position = start
      let close = enter(depth: 3)
      var index = 0
      while next(close: close, count: index) {
        let element = value(depth: 3)
        if round == 1 {
          guard case .int(let integer) = element, integer >= 0 else { return nil }
          values[index] = integer
        }
        index += 1
      }
      if round == 0 {
        count = index
        if count > limit { return nil }
        values = [Int](repeating: 0, count: count)
      }
    }
    return values
  }
}

// MARK: - Half-precision conversions

/// IEEE 754 binary16 bits → Float, exactly (every binary16 value is representable in binary32).
/// Subnormals are renormalised; infinities keep their sign; NaN payloads are kept (shifted into the top mantissa bits).
@inline(__always)
func float32FromFloat16Bits(_ bits: UInt16) -> Float {
  let sign = UInt32(bits >> 15) << 31
  let exponent = UInt32((bits >> 10) & 0x1F)
  var mantissa = UInt32(bits & 0x3FF)
  if exponent == 0x1F {
    // Infinity (mantissa 0) or NaN.
    return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
  }
  if exponent == 0 {
    if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
    // Subnormal: value = mantissa × 2^-24. Shift until the implicit bit (0x400) appears.
    var adjustedExponent: UInt32 = 113  // 127 − 15 + 1: the exponent of 2^-14, the subnormal scale
    while mantissa & 0x400 == 0 {
      mantissa <<= 1
      adjustedExponent -= 1
    }
    mantissa &= 0x3FF
    return Float(bitPattern: sign | adjustedExponent << 23 | mantissa << 13)
  }
  return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// bfloat16 bits → Float: bfloat16 is the upper half of a binary32.
@inline(__always)
func float32FromBFloat16Bits(_ bits: UInt16) -> Float {
  Float(bitPattern: UInt32(bits) << 16)
}
