// Graphemes.swift — extended grapheme cluster boundaries (UAX #29, Unicode 17.0) over UTF-8 bytes, as the
// unicode-segmentation crate inside HF tokenizers 0.23.3 finds them (`str::graphemes(true)`).
// Scope: forward iteration from a known boundary: GB3-GB13 including GB9c (Indic conjuncts), GB11 (emoji ZWJ
// sequences) and GB12/GB13 (regional indicator pairs). Non-goals: backward iteration, legacy clusters, word breaks.
// Linear time: one forward scan with O(1) state (no look-back), so a 1 MB cluster costs one pass.
// Never `Character`: Swift's own segmentation is of another Unicode version, and slow/quadratic on huge clusters.

/// Extended grapheme cluster segmentation of valid UTF-8.
enum Graphemes {
  // Grapheme_Cluster_Break codes (bits 0-3 of a property value; see `GraphemeTables.values`).
  static let other: UInt8 = 0
  static let carriageReturn: UInt8 = 1
  static let lineFeed: UInt8 = 2
  static let control: UInt8 = 3
  static let extend: UInt8 = 4
  static let zeroWidthJoiner: UInt8 = 5
  static let regionalIndicator: UInt8 = 6
  static let prepend: UInt8 = 7
  static let spacingMark: UInt8 = 8
  static let hangulL: UInt8 = 9
  static let hangulV: UInt8 = 10
  static let hangulT: UInt8 = 11
  static let hangulLV: UInt8 = 12
  static let hangulLVT: UInt8 = 13
  /// Extended_Pictographic flag of a property value.
  static let pictographic: UInt8 = 0x10
  // Indic_Conjunct_Break codes (property value >> 5).
  static let conjunctConsonant: UInt8 = 1
  static let conjunctLinker: UInt8 = 2
  static let conjunctExtend: UInt8 = 3

  /// The property value of `scalar`: break code | Extended_Pictographic (0x10) | Indic_Conjunct_Break << 5.
  @inline(never)
  static func property(_ scalar: UInt32) -> UInt8 {
    if scalar < 0x80 {
      if scalar == 0x0D { return carriageReturn }
      if scalar == 0x0A { return lineFeed }
      return scalar < 0x20 || scalar == 0x7F ? control : other
    }
    let blocks = GraphemeTables.blocks
    // Index words hold a block's first position - 1: the last block whose first position is ≤ scalar.
    let block = UnicodeData.lastBlock(blocks, scalar &- 1, startMask: 0x1F_FFFF)
    let stream = GraphemeTables.stream
    var offset = Int(blocks[block] >> 21)
    let end = Int(blocks[block &+ 1] >> 21)
    var position = blocks[block] & 0x1F_FFFF
    var index: UInt8 = 0
    while offset < end {
      let head = stream[offset]
      var delta = UInt32(head >> 6)
      if delta == 0 {
        offset = offset &+ 1
        delta = UInt32(stream[offset])
      }
      position = position &+ delta
      if position > scalar { break }
      index = head & 0x3F
      offset = offset &+ 1
    }
    let value = GraphemeTables.values[Int(index)]
    // Hangul syllables are stored as LV; those with a trailing consonant are LVT.
    if value & 0xF == hangulLV && (scalar &- 0xAC00) % 28 != 0 { return value & 0xF0 | hangulLVT }
    return value
  }

  /// The end (byte index) of the extended grapheme cluster that starts at `start`, which must be a boundary (0 or a
  /// previous result) of valid UTF-8 `text`; `text.count` when `start` is at the end.
  static func nextBoundary(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    let count = text.count
    if start >= count { return count }
    var index = start
    let first = property(UTF8Scalars.decode(text, &index))
    var previous = first & 0xF
    if previous == carriageReturn {
      // GB3 CR × LF, then GB4.
      return index < count && text[index] == 0x0A ? index &+ 1 : index
    }
    if previous == lineFeed || previous == control { return index }  // GB4
    // GB11: 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ; 0 otherwise.
    var emoji: UInt8 = first & pictographic != 0 ? 1 : 0
    // GB9c: 1 after Consonant [Extend Linker]* with no Linker yet, 2 once a Linker came; 0 otherwise.
    var conjunct: UInt8 = first >> 5 == conjunctConsonant ? 1 : 0
    // GB12/GB13: whether the cluster so far ends in an unpaired Regional_Indicator.
    var unpairedRegional = previous == regionalIndicator
    while index < count {
      var next = index
      let value = property(UTF8Scalars.decode(text, &next))
      let current = value & 0xF
      let incb = value >> 5
      if current == carriageReturn || current == lineFeed || current == control { break }  // GB5
      let joins: Bool
      if previous == hangulL {
        // GB6 L × (L | V | LV | LVT), else the rules below.
        joins =
          current == hangulL || current == hangulV || current == hangulLV || current == hangulLVT
          || joinsOtherwise(current, previous, incb, value, emoji, conjunct, unpairedRegional)
      } else if (previous == hangulLV || previous == hangulV) && (current == hangulV || current == hangulT) {
        joins = true  // GB7
      } else if (previous == hangulLVT || previous == hangulT) && current == hangulT {
        joins = true  // GB8
      } else {
        joins = joinsOtherwise(current, previous, incb, value, emoji, conjunct, unpairedRegional)
      }
      if !joins { break }
      // The rule states after the scalar just joined.
      if value & pictographic != 0 {
        emoji = 1
      } else if current == extend && emoji == 1 {
        emoji = 1
      } else if current == zeroWidthJoiner && emoji == 1 {
        emoji = 2
      } else {
        emoji = 0
      }
      if incb == conjunctConsonant {
        conjunct = 1
      } else if incb == conjunctLinker && conjunct != 0 {
        conjunct = 2
      } else if !(incb == conjunctExtend && conjunct != 0) {
        conjunct = 0
      }
      unpairedRegional = current == regionalIndicator && !unpairedRegional
      previous = current
      index = next
    }
    return index
  }

  /// GB9, GB9a, GB9b, GB9c, GB11 and GB12/GB13 (the Hangul rules are decided by the caller).
  @inline(__always)
  static func joinsOtherwise(
    _ current: UInt8, _ previous: UInt8, _ incb: UInt8, _ value: UInt8, _ emoji: UInt8, _ conjunct: UInt8,
    _ unpairedRegional: Bool
  ) -> Bool {
    if current == extend || current == zeroWidthJoiner || current == spacingMark { return true }  // GB9, GB9a
    if previous == prepend { return true }  // GB9b
    if conjunct == 2 && incb == conjunctConsonant { return true }  // GB9c
    if emoji == 2 && value & pictographic != 0 { return true }  // GB11
    return unpairedRegional && current == regionalIndicator  // GB12, GB13
  }
}
