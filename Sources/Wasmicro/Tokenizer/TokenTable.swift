// TokenTable.swift — a tokenizer.json vocabulary {token: id}: byte-keyed token → id lookup and id → token.
// Scope: the same flat design as `Vocabulary` (one UTF-8 byte buffer, an open-addressing table keyed by a per-load
// random hash key, `Vocabulary.hash`), but with the ids the file gives instead of line numbers.
// Non-goals: vocab.txt (see Vocabulary), merges (see BytePairModel), added tokens.
//
// What HF accepts and what we do (measured with tokenizers 0.23.3):
// - ids are JSON integers 0...2^32-1 (not 1.0); we accept 0...Int32.max (ids are Int32 everywhere in the core).
// - gaps in the ids are allowed (the vocabulary size is the number of entries); we accept them while the largest id is
//   below `maximumIDSpread` (the id → token index is an array over 0...largest id).
// - a duplicate key: HF keeps the last, silently dropping the earlier id; we refuse (`invalidField`).
// - two tokens with one id: HF keeps both for lookup and an arbitrary one for id → token (and merges through either
//   may fire on the other); we refuse (`invalidField`).

/// Tokens with explicit ids: token bytes ↔ id.
public struct TokenTable: Sendable {
  /// All tokens' UTF-8 bytes, concatenated in file order.
  let storage: [UInt8]
  /// Entry `index` (file order) occupies `storage[offsets[index] ..< offsets[index + 1]]`. `[count + 1]`.
  let offsets: [Int32]
  /// The id of each entry. `[count]`.
  let ids: [Int32]
  /// The entry holding each id, or -1 for a gap. `[largest id + 1]`.
  let entryOfID: [Int32]
  /// Open-addressing table of entry indices (-1 = empty), linear probing. `[capacity]`, a power of two ≥ 2 × count.
  let slots: [Int32]
  /// The point at which `Vocabulary.hash` evaluates a token's polynomial: odd.
  let hashKey: UInt32

  /// How far ids may spread beyond the entry count: the largest id must be below 2 × count + this.
  public static let maximumIDSpread = 1024

  /// Parses a JSON object {token: id, ...}; `field` is its path for errors (e.g. "model.vocab").
  ///
  /// `hashKey` should be random and secret per load (see `Vocabulary.init(vocabTxt:hashKey:)`); any key gives the
  /// same ids.
  public init(json: JSONValue, field: String, hashKey: UInt32) throws(ConfigError) {
    guard let members = json.objectValue else { throw .invalidField(field, expected: "an object of token: id") }
    let hashKey = hashKey | 1  // odd: see Vocabulary
    self.hashKey = hashKey
    var storage: [UInt8] = []
    var offsets: [Int32] = [0]
    var ids: [Int32] = []
    offsets.reserveCapacity(members.count + 1)
    ids.reserveCapacity(members.count)
    var largest = -1
    for member in members {
      guard case .int(let id) = member.value, id >= 0, id <= Int(Int32.max) else {
        throw .invalidField(TokenTable.path(field, member.key), expected: "an integer id from 0 to 2147483647")
      }
      withUTF8Bytes(of: member.key) { appendBytes($0, to: &storage) }
      guard storage.count <= Int(Int32.max) else {
        throw .invalidField(field, expected: "fewer than 2^31 bytes of tokens")
      }
      offsets.append(Int32(truncatingIfNeeded: storage.count))
      ids.append(Int32(truncatingIfNeeded: id))
      if id > largest { largest = id }
    }
    let count = ids.count
    guard largest < 2 * count + TokenTable.maximumIDSpread else {
      throw .invalidField(
        field, expected: ByteText("ids below \(2 * count + TokenTable.maximumIDSpread) (2 × its size + 1024)").string)
    }
    var entryOfID = [Int32](repeating: -1, count: largest + 1)
    for index in 0..<count {
      let id = Int(ids[index])
      if entryOfID[id] >= 0 {
        let other = TokenTable.tokenString(storage, offsets, Int(entryOfID[id]))
        throw .invalidField(
          TokenTable.path(field, members[index].key),
          expected: ByteText("an id no other token has (\(id) is also \"\(other)\")").string)
      }
      entryOfID[id] = Int32(truncatingIfNeeded: index)
    }
    var capacity = 16
    while capacity < 2 * count { capacity *= 2 }
    var slots = [Int32](repeating: -1, count: capacity)
    let mask = capacity - 1
    for index in 0..<count {
      let start = Int(offsets[index])
      let end = Int(offsets[index + 1])
      var slot = storage.withUnsafeBufferPointer { Vocabulary.hash(hashKey, prefixed: false, $0, start, end) } & mask
      while slots[slot] >= 0 {
        let other = Int(slots[slot])
        if Vocabulary.equalTokens(storage, start, end, Int(offsets[other]), Int(offsets[other + 1])) {
          throw .invalidField(TokenTable.path(field, members[index].key), expected: "a token that appears once")
        }
        slot = (slot + 1) & mask
      }
      slots[slot] = Int32(truncatingIfNeeded: index)
    }
    self.storage = storage
    self.offsets = offsets
    self.ids = ids
    self.entryOfID = entryOfID
    self.slots = slots
  }

  /// `field["key"]`, the path of one entry in error messages.
  static func path(_ field: String, _ key: String) -> String {
    ByteText("\(field)[\"\(key)\"]").string
  }

  /// Number of entries.
  public var count: Int { ids.count }

  /// The id of `token`, matched byte for byte.
  public func id(_ token: UnsafeBufferPointer<UInt8>) -> Int32? {
    lookup(token, 0, token.count)
  }

  /// The token string of `id`, or nil when no entry has it.
  public func token(_ id: Int32) -> String? {
    guard id >= 0 && Int(id) < entryOfID.count else { return nil }
    let entry = Int(entryOfID[Int(id)])
    guard entry >= 0 else { return nil }
    return TokenTable.tokenString(storage, offsets, entry)
  }

  /// The UTF-8 bytes of the token with `id` passed to `body`, or false when no entry has it.
  func withToken(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
    guard id >= 0 && Int(id) < entryOfID.count else { return false }
    let entry = Int(entryOfID[Int(id)])
    guard entry >= 0 else { return false }
    let range = Int(offsets[entry])..<Int(offsets[entry + 1])
    storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    return true
  }

  static func tokenString(_ storage: [UInt8], _ offsets: [Int32], _ entry: Int) -> String {
    let range = Int(offsets[entry])..<Int(offsets[entry + 1])
    return storage.withUnsafeBufferPointer { decodeUTF8(UnsafeBufferPointer(rebasing: $0[range])) }
  }

  /// The id of `bytes[start ..< end]`, without allocating.
  func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32? {
    let mask = slots.count - 1
    var slot = Vocabulary.hash(hashKey, prefixed: false, bytes, start, end) & mask
    let length = end - start
    while true {
      let entry = Int(slots[slot])
      if entry < 0 { return nil }
      var tokenIndex = Int(offsets[entry])
      if Int(offsets[entry + 1]) - tokenIndex == length {
        var index = start
        while index < end && storage[tokenIndex] == bytes[index] {
          index += 1
          tokenIndex += 1
        }
        if index == end { return ids[entry] }
      }
      slot = (slot + 1) & mask
    }
  }
}
