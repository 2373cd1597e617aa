// Base64.swift — decoding of standard base64 (RFC 4648 §4: A-Z a-z 0-9 + /, `=` padding), as tokenizer.json stores
// binary blobs (the `precompiled_charsmap` of a `Precompiled` normalizer, via serde's base64 of a Vec<u8>).
// Scope: strict decoding: length a multiple of 4, padding only at the end, no whitespace, no URL-safe alphabet.
// Non-goals: encoding, streaming.

/// Standard base64 decoding.
enum Base64 {
  /// The bytes encoded by `text`, or nil when it is not strict standard base64 (bad length, bad character, padding
  /// anywhere but the last one or two characters, or non-zero bits left over before the padding).
  static func decode(_ text: String) -> [UInt8]? {
    var result: [UInt8]? = nil
    withUTF8Bytes(of: text) { result = decode(bytes: $0) }
    return result
  }

  /// `decode` over UTF-8 bytes.
  static func decode(bytes text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    let count = text.count
    guard count % 4 == 0 else { return nil }
    if count == 0 { return [] }
    var padding = 0
    if text[count - 1] == UInt8(ascii: "=") { padding = text[count - 2] == UInt8(ascii: "=") ? 2 : 1 }
    var output: [UInt8] = []
    output.reserveCapacity(count / 4 * 3 - padding)
    var index = 0
    while index < count {
      // Four sextets; the padded ones (only in the last group) count as zero.
      var group: UInt32 = 0
      for offset in 0..<4 {
        let position = index + offset
        let value: UInt32
        if position >= count - padding {
          value = 0
        } else {
          guard let sextet = sextet(text[position]) else { return nil }
          value = sextet
        }
        group = group << 6 | value
      }
      let last = index + 4 == count
      let bytes = last ? 3 - padding : 3
      output.append(UInt8(truncatingIfNeeded: group >> 16))
      if bytes > 1 { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
      if bytes > 2 { output.append(UInt8(truncatingIfNeeded: group)) }
      // Canonical encoding: the bits past the last byte are zero.
      if last && padding > 0 && group & (padding == 1 ? 0xFF : 0xFFFF) != 0 { return nil }
      index += 4
    }
    return output
  }

  /// The 6-bit value of a base64 character, or nil.
  @inline(__always)
  static func sextet(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(byte - UInt8(ascii: "A"))
    case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(byte - UInt8(ascii: "a")) + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0")) + 52
    case UInt8(ascii: "+"): return 62
    case UInt8(ascii: "/"): return 63
    default: return nil
    }
  }
}
