// Precompiled.swift — sentencepiece's precompiled charsmap (e.g. XLM-RoBERTa's nmt_nfkc), run exactly as HF tokenizers'
// `Precompiled` normalizer (tokenizers 0.23.3) runs it.
// Scope: parsing and validating the blob, the trie lookup, and the per-grapheme rewrite. Non-goals: building charsmaps,
// alignments (only the normalized text matters here), the other normalizers of a `Sequence`.
//
// Blob layout (all little-endian):
//   [u32 trieBytes] [trie: trieBytes / 4 darts-clone units, u32 each] [strings: NUL-terminated UTF-8 replacements]
// A unit holds: label (bits 0-7, plus bit 31 set on value units so they never match a byte), has-leaf (bit 8),
// offset (bits 10-30, shifted left by 8 more when bit 9 is set); a value unit's bits 0-30 are a byte offset into
// `strings`. A lookup walks the key's bytes from the root (position = root offset; per byte: position ^= byte, the
// unit there must carry that label, position ^= its offset; a has-leaf unit's value unit sits at the new position).
//
// HF's rewrite, per extended grapheme cluster (Graphemes.swift): a cluster shorter than 6 bytes is looked up whole and,
// when any prefix of it is a key, the WHOLE cluster is replaced by the replacement of the shortest such prefix (so
// "ﬁ" + U+0301 becomes "fi": the mark is dropped). Otherwise each scalar is looked up alone the same way and replaced,
// or kept. A NUL byte ends a key. Every step is bounded: a lookup reads at most 5 key bytes (a cluster < 6 bytes or one
// scalar), a replacement is a NUL-terminated run validated at init.

/// sentencepiece's precompiled charsmap, run as HF tokenizers' `Precompiled` normalizer.
public struct PrecompiledCharsmap: Sendable {
  /// The double-array trie: `units.count` = trieBytes / 4 ≥ 1.
  let units: [UInt32]
  /// The replacement strings: valid UTF-8, each NUL-terminated (the last byte is NUL).
  let strings: [UInt8]

  /// HF looks a cluster up whole only when it is shorter than this many bytes.
  static let wholeClusterLimit = 6

  /// `blob`: the base64-decoded `precompiled_charsmap`. Throws ConfigError.invalidField("precompiled_charsmap", ...)
  /// on a malformed blob (short, trie size past the end, unit pointing outside, string offset outside, no NUL...).
  public init(blob: [UInt8]) throws(ConfigError) {
    try self.init(blob: blob, field: "precompiled_charsmap")
  }

  /// Parses a normalizer object {"type": "Precompiled", "precompiled_charsmap": "<base64>"}; `field` is its path
  /// (e.g. "normalizer.normalizers[0]") for error messages.
  public init(json: JSONValue, field: String) throws(ConfigError) {
    guard json.objectValue != nil else { throw .invalidField(field, expected: "a normalizer object") }
    guard let type = json["type"]?.stringValue else { throw .missingField(ByteText("\(field).type").string) }
    guard ByteText.equal(type, "Precompiled") else {
      throw .unsupported(field: ByteText("\(field).type").string, value: type)
    }
    let charsmapField = ByteText("\(field).precompiled_charsmap").string
    guard let value = json["precompiled_charsmap"] else { throw .missingField(charsmapField) }
    guard let text = value.stringValue, let blob = Base64.decode(text) else {
      throw .invalidField(charsmapField, expected: "base64 text")
    }
    try self.init(blob: blob, field: charsmapField)
  }

  /// Validates and splits `blob`; errors name `field`.
  init(blob: [UInt8], field: String) throws(ConfigError) {
    func invalid(_ expected: ByteText) -> ConfigError { .invalidField(field, expected: expected.string) }
    guard blob.count >= 4 else { throw invalid("a charsmap blob of at least 4 bytes (the trie size)") }
    let trieBytes = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
    guard trieBytes >= 4 && trieBytes % 4 == 0 else {
      throw invalid("a charsmap whose trie size is a non-zero multiple of 4 (it is \(trieBytes))")
    }
    guard trieBytes <= blob.count - 4 else {
      throw invalid("a charsmap whose trie (\(trieBytes) bytes) fits in the \(blob.count - 4) bytes after its header")
    }
    var units = [UInt32](repeating: 0, count: trieBytes / 4)
    for index in units.indices {
      let at = 4 + 4 * index
      units[index] =
        UInt32(blob[at]) | UInt32(blob[at + 1]) << 8 | UInt32(blob[at + 2]) << 16 | UInt32(blob[at + 3]) << 24
    }
    let strings = Array(blob[(4 + trieBytes)...])
    guard let last = strings.last, last == 0 else {
      throw invalid("a charsmap whose replacement strings end with a NUL byte")
    }
    // HF keeps the strings as a Rust String: they must be valid UTF-8.
    let validUTF8 = strings.withUnsafeBufferPointer { bytes in
      var index = 0
      while index < bytes.count {
        let length = ByteText.sequenceLength(bytes, at: index)
        if length < 0 { return false }
        index += length
      }
      return true
    }
    guard validUTF8 else { throw invalid("a charsmap whose replacement strings are valid UTF-8") }
    // Every node with a leaf must point at a value unit inside the trie whose value starts a replacement (a scalar's
    // first byte inside `strings`). Units with bit 31 set are value units themselves and are skipped.
    for index in units.indices {
      let unit = units[index]
      guard unit >> 31 == 0 && unit >> 8 & 1 == 1 else { continue }
      let valueIndex = index ^ Int(Self.offset(unit))
      guard valueIndex < units.count else {
        throw invalid("a charsmap whose trie unit \(index) points inside the trie (to \(valueIndex))")
      }
      let value = Int(units[valueIndex] & 0x7FFF_FFFF)
      guard value < strings.count && strings[value] & 0xC0 != 0x80 else {
        throw invalid("a charsmap whose trie value \(value) (unit \(valueIndex)) starts a replacement string")
      }
    }
    self.units = units
    self.strings = strings
  }

  /// A unit's offset: bits 10-30, shifted left by 8 more when bit 9 is set.
  @inline(__always)
  static func offset(_ unit: UInt32) -> UInt32 { (unit >> 10) << ((unit & 0x200) >> 6) }

  /// The replacement (a range of `strings`) of the shortest key that is a prefix of `key`, or nil when none is.
  /// Reads at most `key.count` bytes; stops at a NUL byte, as HF's common-prefix search does.
  func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    let unitCount = UInt32(units.count)
    var position = Self.offset(units[0])
    for byte in key {
      if byte == 0 { return nil }
      position ^= UInt32(byte)
      guard position < unitCount else { return nil }
      let unit = units[Int(position)]
      guard unit & 0x8000_00FF == UInt32(byte) else { return nil }
      position ^= Self.offset(unit)
      if unit >> 8 & 1 == 1 {
        // Validated at init: the value unit exists and its value starts a NUL-terminated replacement.
        let start = Int(units[Int(position)] & 0x7FFF_FFFF)
        var end = start
        while strings[end] != 0 { end += 1 }
        return start..<end
      }
    }
    return nil
  }

  /// Normalizes valid UTF-8 `text`, appending the result's UTF-8 bytes to `output`.
  public func normalize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    guard let base = text.baseAddress else { return }
    output.reserveCapacity(output.count + text.count)
    var start = 0
    while start < text.count {
      let end = Graphemes.nextBoundary(in: text, from: start)
      if end - start < Self.wholeClusterLimit,
        let replacement = lookup(UnsafeBufferPointer(start: base + start, count: end - start))
      {
        output.append(contentsOf: strings[replacement])
        start = end
        continue
      }
      var index = start
      while index < end {
        let lead = text[index]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        let scalar = UnsafeBufferPointer(start: base + index, count: length)
        if let replacement = lookup(scalar) {
          output.append(contentsOf: strings[replacement])
        } else {
          output.append(contentsOf: scalar)
        }
        index += length
      }
      start = end
    }
  }
}
