// Normalizer.swift — HF BertNormalizer and BertPreTokenizer over Unicode scalars.
// Scope: clean_text → handle_chinese_chars → strip_accents (NFD, canonical ordering, drop Mn) → lowercase, in exactly
// HF's order, then the whitespace/punctuation word split. Non-goals: offsets/alignments, NFC/NFKC, other normalizers.

/// Reusable buffers for normalizing one text segment (avoids reallocating per segment).
struct NormalizerWorkspace {
  /// Scalars after the current step.
  var scalars: [UInt32] = []
  /// Scratch output of the next step.
  var scratch: [UInt32] = []
  /// `UnicodeData.combiningInfo` of each scalar in `scratch` during accent stripping.
  var combining: [UInt16] = []
  #if !hasFeature(Embedded)
    /// Steps taken by canonical ordering: a work count for tests, which check that it grows linearly with the text.
    /// Not in the wasm build, where it would cost module bytes for nothing.
    var orderingSteps = 0
  #endif

  /// Adds `steps` to `orderingSteps` (nothing in the wasm build).
  @inline(__always)
  mutating func countOrderingSteps(_ steps: Int) {
    #if !hasFeature(Embedded)
      orderingSteps += steps
    #endif
  }
}

/// HF's BertNormalizer with its four switches resolved.
struct BertNormalizer: Sendable {
  var cleanText: Bool
  var handleChineseChars: Bool
  var stripAccents: Bool
  var lowercase: Bool

  init(options: TokenizerOptions) {
    cleanText = options.cleanText
    handleChineseChars = options.tokenizeChineseChars
    stripAccents = options.resolvedStripAccents
    lowercase = options.lowercase
  }

  /// Normalizes the valid UTF-8 `bytes[start ..< end]` into `workspace.scalars`.
  ///
  /// Order (HF `BertNormalizer::normalize_str`): clean text, pad CJK ideographs with spaces, strip accents, lowercase.
  /// Accents are stripped *before* lowercasing, so a lowercase mapping that yields a mark (İ → i + U+0307) keeps it
  /// when `stripAccents` is false and loses it otherwise (the uppercase is decomposed first: İ → I + U+0307).
  func normalize(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into workspace: inout NormalizerWorkspace
  ) {
    workspace.scalars.removeAll(keepingCapacity: true)
    var index = start
    while index < end {
      let scalar = UTF8Scalars.decode(bytes, &index)
      if cleanText {
        if UnicodeData.isDeletedByCleaner(scalar) { continue }
        if UnicodeData.isWhitespace(scalar) {
          workspace.scalars.append(0x20)
          continue
        }
      }
      if handleChineseChars && scalar >= 0x3400 && UnicodeData.isChineseCharacter(scalar) {
        workspace.scalars.append(0x20)
        workspace.scalars.append(scalar)
        workspace.scalars.append(0x20)
      } else {
        workspace.scalars.append(scalar)
      }
    }
    if stripAccents { Self.stripAccents(&workspace) }
    if lowercase {
      workspace.scratch.removeAll(keepingCapacity: true)
      for scalar in workspace.scalars { UnicodeData.appendLowercase(scalar, to: &workspace.scratch) }
      swap(&workspace.scalars, &workspace.scratch)
    }
  }

  /// NFD (full decomposition + canonical ordering), then removal of every non-spacing mark (Mn), as HF does.
  static func stripAccents(_ workspace: inout NormalizerWorkspace) {
    workspace.scratch.removeAll(keepingCapacity: true)
    for scalar in workspace.scalars { UnicodeData.appendDecomposition(scalar, to: &workspace.scratch) }
    workspace.combining.removeAll(keepingCapacity: true)
    var anyMark = false
    for scalar in workspace.scratch {
      let info = UnicodeData.combiningInfo(scalar)
      anyMark = anyMark || info != 0
      workspace.combining.append(info)
    }
    guard anyMark else {
      swap(&workspace.scalars, &workspace.scratch)
      return
    }
    // Canonical ordering (a stable sort by combining class inside each run of non-zero classes), then Mn removal. Only
    // the kept marks need ordering, and their order is the same whether or not the removed Mn marks take part. It still
    // matters: marks HF keeps (Mc with a class, e.g. U+1D165, U+1D16D) can be reordered among themselves. Each run emits
    // its kept scalars class by class, lowest class first, each class in text order: two passes over the run per
    // distinct kept class, plus one. Kept marks have 5 distinct classes in Unicode 14 (6, 9, 216, 224, 226) and 255 at
    // most, so this is linear whatever the classes; the insertion sort it replaced was quadratic on long runs of marks
    // of mixed classes (issue 11: 100k marks took 14 s).
    workspace.scalars.removeAll(keepingCapacity: true)
    let count = workspace.scratch.count
    var runStart = 0
    while runStart < count {
      // A run: one starter (class 0), or every consecutive mark of non-zero class.
      var runEnd = runStart + 1
      if workspace.combining[runStart] & 0xFF != 0 {
        while runEnd < count && workspace.combining[runEnd] & 0xFF != 0 { runEnd += 1 }
      }
      var emitted: UInt16 = 0  // classes below this one are emitted
      while true {
        var next: UInt16 = 0x100
        for index in runStart..<runEnd where workspace.combining[index] >= emitted {
          next = min(next, workspace.combining[index])
        }
        workspace.countOrderingSteps(runEnd - runStart)
        if next >= 0x100 { break }
        for index in runStart..<runEnd where workspace.combining[index] == next {
          workspace.scalars.append(workspace.scratch[index])
        }
        emitted = next + 1
      }
      runStart = runEnd
    }
  }
}

/// HF's BertPreTokenizer: split on whitespace (removed), isolate every punctuation scalar.
enum BertPreTokenizer {
  /// Calls `body(start, end)` for each word `scalars[start ..< end]`, in order.
  @inline(never)
  static func forEachWord(_ scalars: [UInt32], _ body: (Int, Int) -> Void) {
    var wordStart = 0
    var index = 0
    let count = scalars.count
    while index < count {
      let scalar = scalars[index]
      if UnicodeData.isWhitespace(scalar) {
        if index > wordStart { body(wordStart, index) }
        wordStart = index + 1
      } else if UnicodeData.isPunctuation(scalar) {
        if index > wordStart { body(wordStart, index) }
        body(index, index + 1)
        wordStart = index + 1
      }
      index += 1
    }
    if count > wordStart { body(wordStart, count) }
  }
}
