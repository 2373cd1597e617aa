// BytePairModel.swift — HF `tokenizers`' BPE model (GPT-2, RoBERTa): a pre-token's characters merged pair by pair.
// Scope: tokenizer.json's {"type": "BPE", "vocab", "merges", "unk_token", "fuse_unk", "byte_fallback",
// "continuing_subword_prefix", "end_of_word_suffix", "ignore_merges", "dropout": null or 0}, with HF 0.23.3's exact
// results, including its quirks (checked against tokenizers in BytePairTests):
// - characters not in the vocabulary vanish when `unk_token` is null, and their neighbours may then merge;
// - with `byte_fallback`, a character's "<0xHH>" tokens are added at once, before a pending (fused) unknown token;
// - a merge listed twice takes its last rank;
// - the merge loop is HF's `Word::merge_all`: a min-heap of (rank, position), an entry still valid when the pair now
//   at its position merges into the same id. O(n log n) in the word's characters.
// Non-goals: dropout > 0 (random; refused), offsets, training, the BPE decoder.
// Refused where HF fails: merge tokens or results not in the vocabulary, a merge whose right token is shorter than
// `continuing_subword_prefix` (HF panics), an `unk_token` not in the vocabulary (HF fails when it is first needed).

/// HF's BPE model: vocabulary and ranked merges.
public struct BytePairModel: Sendable {
  /// The vocabulary {token: id}.
  let vocabulary: TokenTable
  /// Open-addressing table of merge pairs, left id << 32 | right id (`emptyKey` = free), linear probing.
  /// `[capacity]`, a power of two ≥ 2 × merges.
  let mergeKeys: [UInt64]
  /// The merge of the pair in the same slot: rank << 32 | merged id.
  let mergeValues: [UInt64]
  /// The odd point at which `pairHash` evaluates a pair (per load, like the vocabulary's).
  let hashKey: UInt32
  /// The id of `unk_token`, or nil when it is null (unknown characters are then dropped).
  let unknownID: Int32?
  /// `fuse_unk`: consecutive unknown characters become one unknown token.
  let fuseUnknown: Bool
  /// `byte_fallback`: the ids of "<0x00>" … "<0xFF>" (-1 where missing), `[256]`; empty when off.
  let byteFallbackIDs: [Int32]
  /// `continuing_subword_prefix`: put before every character but the first when looking it up.
  let prefix: [UInt8]
  /// `end_of_word_suffix`: put after the last character when looking it up.
  let suffix: [UInt8]
  /// `ignore_merges`: a pre-token found whole in the vocabulary is that token.
  let ignoreMerges: Bool

  static let emptyKey = UInt64.max

  /// Parses a model object {"type": "BPE", "vocab": {...}, "merges": [...], ...}; `field` is its path ("model").
  /// `hashKey`: the per-load random key for the vocabulary hash (see Vocabulary.swift).
  ///
  /// Merges are "left right" strings (one space; older files) or ["left", "right"] pairs (tokenizers ≥ 0.20), one
  /// form for the whole list, as HF requires.
  public init(json: JSONValue, field: String, hashKey: UInt32) throws(ConfigError) {
    guard json.objectValue != nil else { throw .invalidField(field, expected: "an object") }
    if let type = json["type"] {
      guard let name = type.stringValue else {
        throw .invalidField(BytePairModel.path(field, "type"), expected: "a string")
      }
      guard ByteText.equal(name, "BPE") else {
        throw .unsupported(field: BytePairModel.path(field, "type"), value: name)
      }
    }
    if let dropout = json["dropout"], !dropout.isNull {
      guard let probability = dropout.doubleValue else {
        throw .invalidField(BytePairModel.path(field, "dropout"), expected: "null or a number")
      }
      // Dropout skips merges at random: not reproducible, so only "no dropout" is run.
      if probability != 0 { throw .unsupported(field: BytePairModel.path(field, "dropout"), value: "non-zero") }
    }
    guard let vocabJSON = json["vocab"] else { throw .missingField(BytePairModel.path(field, "vocab")) }
    let vocabulary = try TokenTable(json: vocabJSON, field: BytePairModel.path(field, "vocab"), hashKey: hashKey)
    self.vocabulary = vocabulary
    self.hashKey = hashKey | 1

    let unknown = try BytePairModel.optionalString(json, field, "unk_token")
    if let unknown {
      var id: Int32? = nil
      withUTF8Bytes(of: unknown) { id = vocabulary.id($0) }
      guard let id else {
        throw .invalidField(BytePairModel.path(field, "unk_token"), expected: "null or a token of the vocabulary")
      }
      unknownID = id
    } else {
      unknownID = nil
    }
    fuseUnknown = try BytePairModel.optionalFlag(json, field, "fuse_unk")
    ignoreMerges = try BytePairModel.optionalFlag(json, field, "ignore_merges")
    prefix = ByteText.bytes(of: try BytePairModel.optionalString(json, field, "continuing_subword_prefix") ?? "")
    suffix = ByteText.bytes(of: try BytePairModel.optionalString(json, field, "end_of_word_suffix") ?? "")
    if try BytePairModel.optionalFlag(json, field, "byte_fallback") {
      var ids = [Int32](repeating: -1, count: 256)
      let digits: StaticString = "0123456789ABCDEF"
      for byte in 0..<256 {
        // HF's format!("<{b:#04X}>"): "<0x" and two upper-case hex digits.
        let name: [UInt8] = [
          0x3C, 0x30, 0x78, digits.utf8Start[byte >> 4], digits.utf8Start[byte & 15], 0x3E,
        ]
        ids[byte] = name.withUnsafeBufferPointer { vocabulary.id($0) } ?? -1
      }
      byteFallbackIDs = ids
    } else {
      byteFallbackIDs = []
    }

    guard let mergesJSON = json["merges"] else { throw .missingField(BytePairModel.path(field, "merges")) }
    guard let merges = mergesJSON.arrayValue else {
      throw .invalidField(BytePairModel.path(field, "merges"), expected: "an array of merges")
    }
    guard merges.count <= Int(Int32.max) else {
      throw .invalidField(BytePairModel.path(field, "merges"), expected: "fewer than 2^31 merges")
    }
    var capacity = 16
    while capacity < 2 * merges.count { capacity *= 2 }
    var keys = [UInt64](repeating: BytePairModel.emptyKey, count: capacity)
    var values = [UInt64](repeating: 0, count: capacity)
    let pairForm = merges.first?.arrayValue != nil
    var left: [UInt8] = []
    var right: [UInt8] = []
    var merged: [UInt8] = []
    for rank in 0..<merges.count {
      let elementField = ByteText("\(field).merges[\(rank)]").string
      try BytePairModel.mergeParts(merges[rank], pairForm: pairForm, elementField, &left, &right)
      guard let leftID = left.withUnsafeBufferPointer({ vocabulary.id($0) }) else {
        throw .invalidField(elementField, expected: "tokens of the vocabulary (the left one is not)")
      }
      guard let rightID = right.withUnsafeBufferPointer({ vocabulary.id($0) }) else {
        throw .invalidField(elementField, expected: "tokens of the vocabulary (the right one is not)")
      }
      // HF: the merged token is left + right with its first prefix.count bytes dropped (whatever they are); HF panics
      // when that cuts outside the token or inside a character.
      let cut = prefix.count
      guard cut <= right.count && (cut == right.count || right[cut] & 0xC0 != 0x80) else {
        throw .invalidField(elementField, expected: "a right token longer than the continuing_subword_prefix")
      }
      merged.removeAll(keepingCapacity: true)
      appendBytes(of: left, to: &merged)
      for index in cut..<right.count { merged.append(right[index]) }
      guard let mergedID = merged.withUnsafeBufferPointer({ vocabulary.id($0) }) else {
        throw .invalidField(elementField, expected: "a merge whose result is in the vocabulary")
      }
      let key = UInt64(UInt32(bitPattern: leftID)) << 32 | UInt64(UInt32(bitPattern: rightID))
      var slot = BytePairModel.pairHash(self.hashKey, key) & (capacity - 1)
      while keys[slot] != BytePairModel.emptyKey && keys[slot] != key { slot = (slot + 1) & (capacity - 1) }
      // A pair listed again takes the later rank (HF collects the merges into a map).
      keys[slot] = key
      values[slot] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: mergedID))
    }
    mergeKeys = keys
    mergeValues = values
  }

  /// `field.key`.
  static func path(_ field: String, _ key: StaticString) -> String { ByteText("\(field).\(key)").string }

  /// A string, or nil when missing or null.
  static func optionalString(_ json: JSONValue, _ field: String, _ key: StaticString) throws(ConfigError) -> String? {
    guard let value = json[ByteText("\(key)").string], !value.isNull else { return nil }
    guard let text = value.stringValue else { throw .invalidField(path(field, key), expected: "null or a string") }
    return text
  }

  /// A boolean; missing or null is false (as HF).
  static func optionalFlag(_ json: JSONValue, _ field: String, _ key: StaticString) throws(ConfigError) -> Bool {
    guard let value = json[ByteText("\(key)").string], !value.isNull else { return false }
    guard let flag = value.boolValue else { throw .invalidField(path(field, key), expected: "true, false or null") }
    return flag
  }

  /// The two tokens of one merge: "left right" (exactly one space) or ["left", "right"].
  static func mergeParts(
    _ element: JSONValue, pairForm: Bool, _ field: String, _ left: inout [UInt8], _ right: inout [UInt8]
  ) throws(ConfigError) {
    left.removeAll(keepingCapacity: true)
    right.removeAll(keepingCapacity: true)
    if pairForm {
      guard let parts = element.arrayValue, parts.count == 2, let first = parts[0].stringValue,
        let second = parts[1].stringValue
      else { throw .invalidField(field, expected: "a [left, right] pair of strings, like the first merge") }
      withUTF8Bytes(of: first) { appendBytes($0, to: &left) }
      withUTF8Bytes(of: second) { appendBytes($0, to: &right) }
      return
    }
    guard let text = element.stringValue else {
      throw .invalidField(field, expected: "a \"left right\" string, like the first merge")
    }
    var spaces = 0
    withUTF8Bytes(of: text) { bytes in
      for byte in bytes {
        if byte == 0x20 {
          spaces += 1
        } else if spaces == 0 {
          left.append(byte)
        } else {
          right.append(byte)
        }
      }
    }
    guard spaces == 1 else { throw .invalidField(field, expected: "two tokens separated by one space") }
  }

  /// The pair key's polynomial (left + 1) · k² + (right + 1) · k modulo 2^31 - 1 (up to one multiple), as
  /// `Vocabulary.hash`: two different pairs get the same hash for at most 2 of the keys.
  @inline(__always)
  static func pairHash(_ key: UInt32, _ pair: UInt64) -> Int {
    // Each step: hash < 2^31 + 8 and part + 1 ≤ 2^32, so (hash + part + 1) · key < 2^64; two folds (2^31 ≡ 1).
    var hash = ((pair >> 32) &+ 1) &* UInt64(key)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash &+ (pair & 0xFFFF_FFFF) &+ 1) &* UInt64(key)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    return Int(truncatingIfNeeded: hash)
  }

  /// The merge (rank << 32 | merged id) of the pair `left`, `right`, or nil.
  @inline(__always)
  func merge(_ left: Int32, _ right: Int32) -> UInt64? {
    let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    let mask = mergeKeys.count - 1
    var slot = BytePairModel.pairHash(hashKey, key) & mask
    while true {
      let stored = mergeKeys[slot]
      if stored == key { return mergeValues[slot] }
      if stored == BytePairModel.emptyKey { return nil }
      slot = (slot + 1) & mask
    }
  }

  /// Number of vocabulary entries (HF's `get_vocab_size` of the model; ids may have gaps).
  public var vocabularySize: Int { vocabulary.count }

  /// The id of a token's UTF-8 bytes.
  public func id(_ token: UnsafeBufferPointer<UInt8>) -> Int32? { vocabulary.id(token) }

  /// The token of `id`, or nil when no entry has it.
  public func token(_ id: Int32) -> String? { vocabulary.token(id) }

  // MARK: - Tokenizing

  /// One symbol of a word being merged (HF's `Symbol`): its id and its live neighbours (-1 at the ends).
  struct Symbol {
    var id: Int32
    var previous: Int
    var next: Int
    /// False once merged into its left neighbour.
    var alive: Bool
  }

  /// A heap entry (HF's `Merge`): rank << 32 | position, the smallest first, and the id the pair merges into.
  struct Candidate {
    var order: UInt64
    var mergedID: Int32
  }

  /// Appends the ids of one pre-token (UTF-8 bytes) to `ids`.
  public func tokenize(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
    if word.isEmpty { return }
    if ignoreMerges, let id = vocabulary.id(word) {
      ids.append(id)
      return
    }
    var symbols: [Symbol] = []
    symbols.reserveCapacity(word.count)
    appendCharacters(word, &symbols)
    if symbols.count > 1 { mergeAll(&symbols) }
    for symbol in symbols where symbol.alive { ids.append(symbol.id) }
  }

  /// HF's `merge_word` before merging: one symbol per character (looked up with prefix/suffix), or its byte-fallback
  /// tokens, or the unknown token (fused or not), or nothing.
  func appendCharacters(_ word: UnsafeBufferPointer<UInt8>, _ symbols: inout [Symbol]) {
    var pendingUnknown = false
    var scratch: [UInt8] = []
    var start = 0
    while start < word.count {
      // Invalid UTF-8 (never from the pre-tokenizer) is taken one maximal ill-formed subpart at a time.
      let length = ByteText.sequenceLength(word, at: start)
      let end = start + (length > 0 ? length : -length)
      let plain = prefix.isEmpty && suffix.isEmpty
      if !plain {
        scratch.removeAll(keepingCapacity: true)
        if start > 0 { appendBytes(of: prefix, to: &scratch) }
        appendBytes(UnsafeBufferPointer(rebasing: word[start..<end]), to: &scratch)
        if end == word.count { appendBytes(of: suffix, to: &scratch) }
      }
      let found =
        plain
        ? vocabulary.lookup(word, start, end) : scratch.withUnsafeBufferPointer { vocabulary.lookup($0, 0, $0.count) }
      if let found {
        if pendingUnknown, let unknownID {
          BytePairModel.append(unknownID, &symbols)
          pendingUnknown = false
        }
        BytePairModel.append(found, &symbols)
      } else if !byteFallbackIDs.isEmpty && allBytesKnown(plain ? word : nil, start, end, scratch) {
        // HF adds the byte tokens at once, even before a pending unknown token.
        if plain {
          for index in start..<end { BytePairModel.append(byteFallbackIDs[Int(word[index])], &symbols) }
        } else {
          for byte in scratch { BytePairModel.append(byteFallbackIDs[Int(byte)], &symbols) }
        }
      } else if let unknownID {
        if pendingUnknown && !fuseUnknown { BytePairModel.append(unknownID, &symbols) }
        pendingUnknown = true
      }
      start = end
    }
    if pendingUnknown, let unknownID { BytePairModel.append(unknownID, &symbols) }
  }

  /// Whether every byte of the looked-up string (`word[start ..< end]`, or `scratch` when `word` is nil) has a
  /// byte-fallback token.
  func allBytesKnown(_ word: UnsafeBufferPointer<UInt8>?, _ start: Int, _ end: Int, _ scratch: [UInt8]) -> Bool {
    if let word {
      for index in start..<end where byteFallbackIDs[Int(word[index])] < 0 { return false }
    } else {
      for byte in scratch where byteFallbackIDs[Int(byte)] < 0 { return false }
    }
    return true
  }

  static func append(_ id: Int32, _ symbols: inout [Symbol]) {
    let position = symbols.count
    symbols.append(Symbol(id: id, previous: position - 1, next: position + 1, alive: true))
  }

  /// HF's `Word::merge_all` without dropout: pops the lowest (rank, position) pair; skips it when its left symbol is
  /// gone or last, or when the pair now there does not merge into the same id; merges, then queues the new pairs
  /// with the left and right neighbours. Each merge queues at most two entries: O(n log n).
  func mergeAll(_ symbols: inout [Symbol]) {
    let count = symbols.count
    symbols[count - 1].next = -1
    var heap: [Candidate] = []
    heap.reserveCapacity(count)
    for position in 0..<(count - 1) {
      if let merge = merge(symbols[position].id, symbols[position + 1].id) {
        BytePairModel.push(BytePairModel.candidate(merge, position), &heap)
      }
    }
    while let top = BytePairModel.pop(&heap) {
      let position = Int(top.order & 0xFFFF_FFFF)
      guard symbols[position].alive && symbols[position].next >= 0 else { continue }
      let nextPosition = symbols[position].next
      let right = symbols[nextPosition]
      // An entry queued for an older pair at this position still fires if the pair now there merges into its id.
      guard let current = merge(symbols[position].id, right.id),
        Int32(truncatingIfNeeded: current) == top.mergedID
      else { continue }
      symbols[position].id = top.mergedID
      symbols[position].next = right.next
      symbols[nextPosition].alive = false
      if right.next >= 0 { symbols[right.next].previous = position }
      let previous = symbols[position].previous
      if previous >= 0, let merge = merge(symbols[previous].id, top.mergedID) {
        BytePairModel.push(BytePairModel.candidate(merge, previous), &heap)
      }
      if right.next >= 0, let merge = merge(top.mergedID, symbols[right.next].id) {
        BytePairModel.push(BytePairModel.candidate(merge, position), &heap)
      }
    }
  }

  /// The heap entry for a merge (rank << 32 | merged id) of the pair at `position`.
  static func candidate(_ merge: UInt64, _ position: Int) -> Candidate {
    Candidate(
      order: merge & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(truncatingIfNeeded: position)),
      mergedID: Int32(truncatingIfNeeded: merge))
  }

  /// Binary min-heap push on `order`.
  static func push(_ candidate: Candidate, _ heap: inout [Candidate]) {
    var index = heap.count
    heap.append(candidate)
    while index > 0 {
      let parent = (index - 1) / 2
      if heap[parent].order <= candidate.order { break }
      heap[index] = heap[parent]
      index = parent
    }
    heap[index] = candidate
  }

  /// Binary min-heap pop of the smallest `order`.
  static func pop(_ heap: inout [Candidate]) -> Candidate? {
    guard let last = heap.popLast() else { return nil }
    if heap.isEmpty { return last }
    let top = heap[0]
    let count = heap.count
    var index = 0
    while true {
      var child = 2 * index + 1
      if child >= count { break }
      if child + 1 < count && heap[child + 1].order < heap[child].order { child += 1 }
      if heap[child].order >= last.order { break }
      heap[index] = heap[child]
      index = child
    }
    heap[index] = last
    return top
  }
}
