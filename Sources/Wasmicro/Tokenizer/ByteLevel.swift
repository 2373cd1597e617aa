// ByteLevel.swift — HF `tokenizers`' ByteLevel pre-tokenizer (GPT-2, RoBERTa): the GPT-2 split regex, then every
// piece's bytes mapped to the byte-level alphabet.
// Scope: `add_prefix_space`, `use_regex` (and `trim_offsets`, which only moves offsets, so it is parsed and ignored).
// The regex
//     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// is matched by hand, in one left-to-right pass (linear in the text), with the leftmost-first alternation of HF's
// Oniguruma engine. Its classes come from `ByteLevelTables` (Unicode 16.0 letters and numbers, \s = White_Space; see
// reference/gen_bytelevel_tables.py). Non-goals: offsets, the ByteLevel decoder and post-processor, other regexes.

/// HF's ByteLevel pre-tokenizer: splits text like GPT-2 and maps each piece's bytes to printable characters.
public struct ByteLevelPreTokenizer: Sendable {
  /// Whether a space is put before text that does not start with U+0020 (HF checks that one character only).
  public var addPrefixSpace: Bool
  /// Whether the GPT-2 regex splits the text; when false the whole text is one pre-token.
  public var useRegex: Bool

  /// Parses {"type": "ByteLevel", "add_prefix_space": Bool, "trim_offsets": Bool, "use_regex": Bool?}; `field` is its
  /// path for errors (e.g. "pre_tokenizer").
  ///
  /// As HF: `add_prefix_space` and `trim_offsets` are required booleans, `use_regex` an optional boolean (default
  /// true), unknown keys are ignored and a duplicate key's last value wins.
  public init(json: JSONValue, field: String) throws(ConfigError) {
    guard json.objectValue != nil else { throw .invalidField(field, expected: "an object") }
    if let type = json["type"] {
      guard let name = type.stringValue else {
        throw .invalidField(ByteText("\(field).type").string, expected: "a string")
      }
      guard ByteText.equal(name, "ByteLevel") else {
        throw .unsupported(field: ByteText("\(field).type").string, value: name)
      }
    }
    addPrefixSpace = try ByteLevelPreTokenizer.flag(json, field, "add_prefix_space", default: nil)
    _ = try ByteLevelPreTokenizer.flag(json, field, "trim_offsets", default: nil)
    useRegex = try ByteLevelPreTokenizer.flag(json, field, "use_regex", default: true)
  }

  /// A pre-tokenizer with the given options.
  public init(addPrefixSpace: Bool, useRegex: Bool) {
    self.addPrefixSpace = addPrefixSpace
    self.useRegex = useRegex
  }

  /// The boolean `json[key]`; a missing key gives `default`, or is an error when `default` is nil.
  static func flag(_ json: JSONValue, _ field: String, _ key: String, default value: Bool?) throws(ConfigError) -> Bool
  {
    guard let member = json[key] else {
      if let value { return value }
      throw .missingField(ByteText("\(field).\(key)").string)
    }
    guard let flag = member.boolValue else {
      throw .invalidField(ByteText("\(field).\(key)").string, expected: "true or false")
    }
    return flag
  }

  /// Splits valid UTF-8 `text` into pre-tokens; calls `body` with each pre-token already mapped to the byte-level
  /// alphabet (UTF-8 of the mapped chars). Empty text gives no pre-token (HF adds no prefix space to it either).
  /// Ill-formed UTF-8 never traps: its bytes are split like symbols and mapped like any byte.
  public func split(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    if text.isEmpty { return }
    var mapped: [UInt8] = []
    if addPrefixSpace && text[0] != 0x20 {
      // HF prepends one U+0020 to the text; a copy keeps the scanner to one buffer.
      var prefixed: [UInt8] = [0x20]
      prefixed.reserveCapacity(text.count + 1)
      appendBytes(text, to: &prefixed)
      prefixed.withUnsafeBufferPointer { splitPrefixed($0, &mapped, body) }
    } else {
      splitPrefixed(text, &mapped, body)
    }
  }

  func splitPrefixed(
    _ text: UnsafeBufferPointer<UInt8>, _ mapped: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    guard useRegex else {
      ByteLevelPreTokenizer.emit(text, 0, text.count, &mapped, body)
      return
    }
    var start = 0
    while start < text.count {
      let end = ByteLevelPreTokenizer.matchEnd(text, start)
      ByteLevelPreTokenizer.emit(text, start, end, &mapped, body)
      start = end
    }
  }

  /// Maps `text[start ..< end]` through the byte-level alphabet into `mapped` and passes it to `body`.
  static func emit(
    _ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ mapped: inout [UInt8],
    _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    mapped.removeAll(keepingCapacity: true)
    for index in start..<end { appendMappedByte(text[index], to: &mapped) }
    mapped.withUnsafeBufferPointer { body($0) }
  }

  // MARK: - The GPT-2 regex

  /// Regex classes of a scalar (disjoint): see `ByteLevelTables.classStream`.
  static let other: UInt8 = 0
  static let letter: UInt8 = 1
  static let number: UInt8 = 2
  static let space: UInt8 = 3

  /// The end (exclusive byte index) of the regex match that starts at `start` (< text.count).
  ///
  /// Every scalar is in one of the classes, so some alternative always matches and matches are back to back.
  static func matchEnd(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
    let count = text.count
    let first = text[start]
    // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive).
    if first == 0x27 && start + 1 < count {
      let second = text[start + 1]
      if second == 0x73 || second == 0x74 || second == 0x6D || second == 0x64 { return start + 2 }  // s t m d
      if start + 2 < count {
        let third = text[start + 2]
        if (second == 0x72 || second == 0x76) && third == 0x65 { return start + 3 }  // re ve
        if second == 0x6C && third == 0x6C { return start + 3 }  // ll
      }
    }
    var index = start
    var scalarEnd = start
    var kind = scalarClass(text, &scalarEnd)
    // ` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+`: one U+0020 may lead a run of one non-space class.
    if first == 0x20 && scalarEnd < count {
      var nextEnd = scalarEnd
      let nextKind = scalarClass(text, &nextEnd)
      if nextKind != space {
        index = scalarEnd
        scalarEnd = nextEnd
        kind = nextKind
      }
    }
    if kind != space {
      // The longest run of `kind` scalars (the class is re-read once per scalar: linear).
      index = scalarEnd
      while index < count {
        var nextEnd = index
        if scalarClass(text, &nextEnd) != kind { break }
        index = nextEnd
      }
      return index
    }
    // `\s+(?!\S)|\s+`: a whitespace run reaching the end is taken whole; before a non-space, all but its last scalar
    // (the lookahead backtracks one), or the one scalar when the run has only one.
    var lastStart = index
    index = scalarEnd
    while index < count {
      var nextEnd = index
      if scalarClass(text, &nextEnd) != space { return lastStart > start ? lastStart : index }
      lastStart = index
      index = nextEnd
    }
    return count
  }

  /// The regex class of the scalar at `index` (valid UTF-8); advances `index` past it.
  @inline(__always)
  static func scalarClass(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> UInt8 {
    let byte = text[index]
    if byte < 0x80 {
      index += 1
      return asciiClass(byte)
    }
    // Ill-formed bytes (never from a String) count as "other", one maximal ill-formed subpart at a time.
    let length = ByteText.sequenceLength(text, at: index)
    if length <= 0 {
      index -= length
      return other
    }
    return tableClass(UTF8Scalars.decode(text, &index))
  }

  /// The class of an ASCII byte: letters, digits, \t \n \v \f \r and space, everything else is other.
  static func asciiClass(_ byte: UInt8) -> UInt8 {
    if (byte | 0x20) &- 0x61 < 26 { return letter }
    if byte &- 0x30 < 10 { return number }
    if byte == 0x20 || byte &- 0x09 < 5 { return space }
    return other
  }

  /// The class of a scalar ≥ U+0080, from `ByteLevelTables`: the last block starting before it, then at most 32
  /// transitions.
  @inline(never)
  static func tableClass(_ scalar: UInt32) -> UInt8 {
    let starts = ByteLevelTables.blockStarts
    // The last block whose start (first position - 1) is below `scalar`; starts[last] is a sentinel above every scalar.
    var low = 0
    var high = starts.count - 1
    while low < high {
      let middle = (low + high) / 2
      if starts[middle] < scalar {
        low = middle + 1
      } else {
        high = middle
      }
    }
    let block = low - 1
    if block < 0 { return other }
    let stream = ByteLevelTables.classStream
    var offset = Int(ByteLevelTables.blockOffsets[block])
    let end = Int(ByteLevelTables.blockOffsets[block + 1])
    var position = starts[block]
    var kind = other
    while offset < end {
      let head = stream[offset]
      offset += 1
      var delta = UInt32(head >> 2)
      if delta == 0 {
        var shift: UInt32 = 0
        while true {
          let byte = stream[offset]
          offset += 1
          delta |= UInt32(byte & 0x7F) << shift
          if byte < 0x80 { break }
          shift += 7
        }
      }
      position += delta
      if position > scalar { break }
      kind = head & 3
    }
    return kind
  }

  // MARK: - The byte-level alphabet

  /// Appends the UTF-8 of GPT-2's printable stand-in for `byte`: bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF stand for
  /// themselves; the other 68 (0x00–0x20, 0x7F–0xA0, 0xAD) become U+0100 + their rank among those 68.
  @inline(__always)
  static func appendMappedByte(_ byte: UInt8, to output: inout [UInt8]) {
    let scalar: UInt32
    if byte <= 0x20 {
      scalar = 0x100 + UInt32(byte)
    } else if byte < 0x7F {
      output.append(byte)
      return
    } else if byte <= 0xA0 {
      scalar = 0x100 + 33 + UInt32(byte - 0x7F)
    } else if byte == 0xAD {
      scalar = 0x100 + 67
    } else {
      scalar = UInt32(byte)
    }
    // Every stand-in is below U+0800: two UTF-8 bytes.
    output.append(UInt8(0xC0 | scalar >> 6))
    output.append(UInt8(0x80 | scalar & 0x3F))
  }
}
