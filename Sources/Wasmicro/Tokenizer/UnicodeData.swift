// UnicodeData.swift — scalar-level lookups over the generated `UnicodeTables`: ASCII fast paths, then a binary search
// of a block index and a decode of at most 32 short entries of a packed stream.
// Scope: exactly the properties HF's BertNormalizer/BertPreTokenizer consult, with HF's (mixed-version) behaviour.
// Non-goals: general Unicode properties. Never use `Unicode.Scalar.properties` or `Character` here: in Embedded
// Swift they pull ~100 KB of stdlib tables, while these tables are ~7.6 KB.

// Helpers are `@inline(never)`: inlined into the per-scalar loops they doubled the tokenizer's Embedded wasm code
// (measured 16 KB -> 8 KB for the WordPiece loop), for no measurable speed gain next to the model.

/// Unicode lookups for the WordPiece tokenizer. Scalars are plain `UInt32` values (always valid scalar values).
enum UnicodeData {
  /// The first scalar with a canonical decomposition (U+00C0); everything below maps to itself.
  static let firstDecomposable: UInt32 = 0xC0
  /// Scalars below U+0300 have combining class 0 and are not non-spacing marks.
  static let firstCombining: UInt32 = 0x300

  /// Index of the last block whose (masked) start is ≤ `scalar`, or -1, in a block index (see `UnicodeTables`).
  ///
  /// The index's last word is a sentinel that only holds the end offset of the last block: it is never returned, so
  /// `table[block + 1]` always holds the end of `block`.
  @inline(never)
  static func lastBlock(_ table: [UInt32], _ scalar: UInt32, startMask: UInt32) -> Int {
    var low = 0
    var high = table.count - 1
    while low < high {
      let middle = (low + high) / 2
      if table[middle] & startMask <= scalar {
        low = middle + 1
      } else {
        high = middle
      }
    }
    return low - 1
  }

  /// The property value of a scalar ≥ U+0080 (see `UnicodeTables.propertyValues`): combining class, Mn, deleted,
  /// White_Space and punctuation bits.
  @inline(never)
  static func properties(_ scalar: UInt32) -> UInt16 {
    let blocks = UnicodeTables.propertyBlocks
    // Index words hold a block's first position - 1: the last block whose first position is ≤ scalar.
    let block = lastBlock(blocks, scalar &- 1, startMask: 0x1F_FFFF)
    let stream = UnicodeTables.propertyStream
    var offset = Int(blocks[block] >> 21)
    let end = Int(blocks[block &+ 1] >> 21)
    var position = blocks[block] & 0x1F_FFFF
    var value: UInt8 = 0
    while offset < end {
      let head = stream[offset]
      var delta = UInt32(head >> 6)
      if delta == 0 {
        offset = offset &+ 1
        delta = UInt32(stream[offset])
      }
      position = position &+ delta
      if position > scalar { break }
      value = head & 0x3F
      offset = offset &+ 1
    }
    return UnicodeTables.propertyValues[Int(value)]
  }

  /// Whether BertNormalizer's `clean_text` deletes `scalar`: NUL, U+FFFD, Cc/Cf/Co except TAB, LF and CR.
  static func isDeletedByCleaner(_ scalar: UInt32) -> Bool {
    if scalar < 0x80 {
      return (scalar < 0x20 && scalar != 0x09 && scalar != 0x0A && scalar != 0x0D) || scalar == 0x7F
    }
    return properties(scalar) & 0x200 != 0
  }

  /// Rust `char::is_whitespace` (the White_Space property).
  static func isWhitespace(_ scalar: UInt32) -> Bool {
    if scalar < 0x80 { return scalar == 0x20 || (scalar >= 0x09 && scalar <= 0x0D) }
    return properties(scalar) & 0x400 != 0
  }

  /// HF's `is_bert_punc`: ASCII punctuation (33–47, 58–64, 91–96, 123–126) or a P* scalar in HF's tables.
  static func isPunctuation(_ scalar: UInt32) -> Bool {
    if scalar < 0x80 {
      return (scalar >= 33 && scalar <= 47) || (scalar >= 58 && scalar <= 64) || (scalar >= 91 && scalar <= 96)
        || (scalar >= 123 && scalar <= 126)
    }
    return properties(scalar) & 0x800 != 0
  }

  /// HF's CJK ideograph ranges for `handle_chinese_chars`.
  ///
  /// HF's list has 2B920–2CEAF where Google's BERT has 2B820–2CEAF, so 2B820–2B91F is *not* split (measured).
  static func isChineseCharacter(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x2_0000...0x2_A6DF, 0x2_A700...0x2_B73F, 0x2_B740...0x2_B81F,
      0x2_B920...0x2_CEAF, 0xF900...0xFAFF, 0x2_F800...0x2_FA1F:
      return true
    default:
      return false
    }
  }

  /// Canonical combining class (bits 0–7) and the non-spacing-mark flag (bit 8) of `scalar`, as HF sees them.
  @inline(never)
  static func combiningInfo(_ scalar: UInt32) -> UInt16 {
    if scalar < firstCombining { return 0 }
    return properties(scalar) & 0x1FF
  }

  /// The non-spacing-mark flag inside a `combiningInfo` value.
  static let nonspacingMarkFlag: UInt16 = 0x100

  /// Appends Rust's `char::to_lowercase(scalar)` (one scalar, or two for U+0130).
  @inline(never)
  static func appendLowercase(_ scalar: UInt32, to output: inout [UInt32]) {
    if scalar < 0x80 {
      output.append(scalar >= 0x41 && scalar <= 0x5A ? scalar + 0x20 : scalar)
      return
    }
    if scalar == 0x130 {
      // The only unconditional multi-scalar lowercase mapping: İ -> i + COMBINING DOT ABOVE.
      output.append(0x69)
      output.append(0x307)
      return
    }
    output.append(scalar &+ lowercaseDelta(scalar))
  }

  /// How far Rust's one-scalar `to_lowercase` moves a non-ASCII `scalar` (wrapping; 0 when it maps to itself).
  @inline(never)
  static func lowercaseDelta(_ scalar: UInt32) -> UInt32 {
    let blocks = UnicodeTables.lowercaseBlocks
    // Index words hold a block's first start - 1: the last block whose first run starts at or before `scalar`.
    let block = lastBlock(blocks, scalar &- 1, startMask: 0x1F_FFFF)
    if block < 0 { return 0 }
    let runs = UnicodeTables.lowercaseRuns
    var index = Int(blocks[block] >> 21)
    let end = Int(blocks[block &+ 1] >> 21)
    var start = blocks[block] & 0x1F_FFFF
    // The last run starting at or before `scalar` (runs never interleave).
    var runStart: UInt32 = 0
    var run: UInt32 = 0
    while index < end {
      let word = runs[index]
      start = start &+ word & 0x7F
      if start > scalar { break }
      runStart = start
      run = word
      index = index &+ 1
    }
    let distance = scalar &- runStart
    let stride = (run >> 7 & 1) &+ 1
    guard distance % stride == 0 && distance / stride <= run >> 8 & 0x7F else { return 0 }
    return UInt32(bitPattern: Int32(bitPattern: run) >> 15)
  }

  /// One level of the canonical decomposition of `scalar` (Hangul excluded): first component | second index << 21
  /// (index into `decompositionSeconds`, 0 for a singleton), or 0 when `scalar` does not decompose.
  @inline(never)
  static func decomposition(_ scalar: UInt32) -> UInt32 {
    let ideograph = scalar &- UnicodeTables.compatibilityIdeographFirst
    let supplement = scalar &- UnicodeTables.compatibilityIdeographSupplementFirst
    if ideograph < UnicodeTables.compatibilityIdeographCount
      || supplement < UnicodeTables.compatibilityIdeographSupplementCount
    {
      // CJK compatibility ideographs: one fixed-width target per scalar (0 where none).
      let index = Int(scalar < 0x1_0000 ? ideograph : supplement &+ UnicodeTables.compatibilityIdeographCount)
      let plane = UInt32(UnicodeTables.compatibilityIdeographPlanes[index >> 3] >> (index & 7) & 1) << 17
      return plane | UInt32(UnicodeTables.compatibilityIdeographTargets[index])
    }
    let blocks = UnicodeTables.decompositionBlocks
    let block = lastBlock(blocks, scalar, startMask: 0x1_FFFF)
    if block < 0 { return 0 }
    let stream = UnicodeTables.decompositionStream
    var offset = Int(blocks[block] >> 17)
    let end = Int(blocks[block &+ 1] >> 17)
    var key = (blocks[block] & 0x1_FFFF) &- 1
    var first: UInt32 = 0
    while offset < end {
      let head = UInt32(stream[offset])
      key = key &+ 1
      if head & 0x80 != 0 {
        offset = offset &+ 1
        key = key &+ UInt32(stream[offset])
      }
      if key > scalar { return 0 }
      let code = UInt32(stream[offset &+ 1])
      offset = offset &+ 2
      // First-component codes: see `UnicodeTables.decompositionStream`.
      if code < 0xA5 {
        first = first &+ code &- 60
      } else if code < 0xBF {
        first = key &+ 0xB0 &- code
      } else if code < 0xFF {
        first = code &- 0x84
      } else {
        first = key & 0x1F_0000 | UInt32(stream[offset]) | UInt32(stream[offset &+ 1]) << 8
        offset = offset &+ 2
      }
      if key == scalar { return first | (head & 0x7F) << 21 }
    }
    return 0
  }

  /// Appends the full canonical decomposition of `scalar` (recursive, not yet canonically ordered).
  static func appendDecomposition(_ scalar: UInt32, to output: inout [UInt32]) {
    if scalar < firstDecomposable {
      output.append(scalar)
      return
    }
    // Hangul syllables decompose algorithmically into conjoining jamo (Unicode §3.12).
    if scalar >= 0xAC00 && scalar <= 0xD7A3 {
      let index = scalar - 0xAC00
      output.append(0x1100 + index / 588)
      output.append(0x1161 + (index % 588) / 28)
      if index % 28 != 0 { output.append(0x11A7 + index % 28) }
      return
    }
    let first = decomposition(scalar)
    if first != 0 {
      appendDecomposition(first & 0x1F_FFFF, to: &output)
      let second = first >> 21
      if second != 0 {
        appendDecomposition(scalar & 0x1F_0000 | UInt32(UnicodeTables.decompositionSeconds[Int(second)]), to: &output)
      }
      return
    }
    output.append(scalar)
  }
}
