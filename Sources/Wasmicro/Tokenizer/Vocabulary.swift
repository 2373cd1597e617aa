// Vocabulary.swift — vocab.txt parsing and byte-keyed token lookup.
// Scope: one token per line, id = 0-based line index; an open-addressing hash table over one flat byte buffer, so
// lookups take UTF-8 byte slices and never build a String. Non-goals: tokenizer.json vocabularies, merges (BPE).
// No String-keyed Dictionary: in Embedded Swift it pulls ~90 KB of normalisation tables.
// The hash is keyed per load (a polynomial hash modulo 2^31 - 1 at a secret random point): a vocabulary crafted so that
// a fixed hash (it was FNV-1a) sends its tokens to a few slots made loading quadratic (issue 11: 100k tokens, 7 s).

/// A WordPiece vocabulary: token bytes ↔ id.
public struct Vocabulary: Sendable {
  /// All tokens' UTF-8 bytes, concatenated in id order.
  let storage: [UInt8]
  /// Token `id` occupies `storage[offsets[id] ..< offsets[id + 1]]`. `[count + 1]`.
  let offsets: [Int32]
  /// Open-addressing table of ids (-1 = empty), linear probing. `[capacity]`, capacity a power of two ≥ 2 × count.
  let slots: [Int32]
  /// The point at which `hash` evaluates a token's polynomial: odd.
  let hashKey: UInt32

  /// The largest vocab.txt accepted, in bytes: token offsets and ids are Int32 (a BERT vocab.txt is about 230 KB).
  public static var maxFileBytes: Int { Int(Int32.max) }
  /// A prime (2^31 - 1): two different tokens of at most L bytes get the same hash for at most L of its keys.
  static let hashModulus: UInt64 = 0x7FFF_FFFF

  /// The continuing-subword prefix of WordPiece ("##").
  static let continuationPrefix: (UInt8, UInt8) = (0x23, 0x23)

  /// Parses vocab.txt: lines split on LF, a trailing CR stripped, a final newline allowed.
  ///
  /// `hashKey` should be random and secret (per load), drawn below 2^31 - 2, so that no vocabulary can be crafted to
  /// make lookups slow; any value gives the same ids.
  public init(vocabTxt: UnsafeRawBufferPointer, hashKey: UInt32) throws(TokenizerError) {
    #if !hasFeature(Embedded)  // a wasm32 buffer is under 2 GiB
      if vocabTxt.count > Vocabulary.maxFileBytes {
        throw .tooLarge(what: "vocab.txt", bytes: vocabTxt.count, limit: Vocabulary.maxFileBytes)
      }
    #endif
    // Odd, so never 0 or 2^32 - 2, which are 0 modulo 2^31 - 1 (every token would hash to its last byte). 2^31 - 1 is
    // too: callers draw keys below 2^31 - 2. The ids are right whatever the key; only the speed depends on it.
    let hashKey = hashKey | 1
    self.hashKey = hashKey
    var storage: [UInt8] = []
    storage.reserveCapacity(vocabTxt.count)
    var offsets: [Int32] = [0]
    var lineStart = 0
    var line = 1
    let count = vocabTxt.count
    while lineStart < count {
      var lineEnd = lineStart
      while lineEnd < count && vocabTxt[lineEnd] != 0x0A { lineEnd += 1 }
      var tokenEnd = lineEnd
      if tokenEnd > lineStart && vocabTxt[tokenEnd - 1] == 0x0D { tokenEnd -= 1 }
      if tokenEnd == lineStart { throw .emptyLine(line: line) }
      guard Vocabulary.isValidUTF8(vocabTxt, from: lineStart, to: tokenEnd) else { throw .invalidUTF8(line: line) }
      for index in lineStart..<tokenEnd { storage.append(vocabTxt[index]) }
      offsets.append(Int32(truncatingIfNeeded: storage.count))  // exact: storage.count ≤ maxFileBytes = Int32.max
      lineStart = lineEnd + 1
      line += 1
    }
    guard offsets.count > 1 else { throw .emptyVocabulary }
    self.storage = storage
    self.offsets = offsets
    let tokenCount = offsets.count - 1
    var capacity = 16
    while capacity < 2 * tokenCount { capacity *= 2 }
    var slots = [Int32](repeating: -1, count: capacity)
    let mask = capacity - 1
    for id in 0..<tokenCount {
      let start = Int(offsets[id])
      let end = Int(offsets[id + 1])
      var slot = storage.withUnsafeBufferPointer { Vocabulary.hash(hashKey, prefixed: false, $0, start, end) } & mask
      while slots[slot] >= 0 {
        let other = Int(slots[slot])
        if Vocabulary.equalTokens(storage, start, end, Int(offsets[other]), Int(offsets[other + 1])) {
          let token = storage.withUnsafeBufferPointer { decodeUTF8(UnsafeBufferPointer(rebasing: $0[start..<end])) }
          throw .duplicateToken(line: id + 1, token: token)
        }
        slot = (slot + 1) & mask
      }
      slots[slot] = Int32(truncatingIfNeeded: id)
    }
    self.slots = slots
  }

  /// A vocabulary of tokens given in id order: token `id` is `storage[offsets[id] ..< offsets[id + 1]]` (tokenizer.json
  /// vocabularies). Nil when a token is empty or appears twice.
  init?(storage: [UInt8], offsets: [Int32], hashKey: UInt32) {
    let hashKey = hashKey | 1  // see init(vocabTxt:hashKey:)
    let tokenCount = offsets.count - 1
    guard tokenCount > 0 else { return nil }
    var capacity = 16
    while capacity < 2 * tokenCount { capacity *= 2 }
    var slots = [Int32](repeating: -1, count: capacity)
    let mask = capacity - 1
    for id in 0..<tokenCount {
      let start = Int(offsets[id])
      let end = Int(offsets[id + 1])
      if end <= start { return nil }
      var slot = storage.withUnsafeBufferPointer { Vocabulary.hash(hashKey, prefixed: false, $0, start, end) } & mask
      while slots[slot] >= 0 {
        let other = Int(slots[slot])
        if Vocabulary.equalTokens(storage, start, end, Int(offsets[other]), Int(offsets[other + 1])) { return nil }
        slot = (slot + 1) & mask
      }
      slots[slot] = Int32(truncatingIfNeeded: id)
    }
    self.storage = storage
    self.offsets = offsets
    self.slots = slots
    self.hashKey = hashKey
  }

  /// Parses vocab.txt from a byte array (see `init(vocabTxt:hashKey:)`).
  public init(vocabTxt: [UInt8], hashKey: UInt32) throws(TokenizerError) {
    let result: Result<Vocabulary, TokenizerError> = vocabTxt.withUnsafeBytes { bytes in
      do throws(TokenizerError) {
        return .success(try Vocabulary(vocabTxt: bytes, hashKey: hashKey))
      } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }

  /// Number of tokens.
  public var count: Int { offsets.count - 1 }

  /// The id of `token`, matched byte for byte.
  public func id(_ token: String) -> Int32? {
    var id: Int32? = nil
    withUTF8Bytes(of: token) { id = lookup($0, 0, $0.count, prefixed: false) }
    return id
  }

  /// The token string of `id`, or nil when out of range.
  public func token(_ id: Int32) -> String? {
    guard id >= 0 && Int(id) < count else { return nil }
    return tokenString(Int(id))
  }

  /// Token string of a known-valid id.
  func tokenString(_ id: Int) -> String {
    let range = Int(offsets[id])..<Int(offsets[id + 1])
    return storage.withUnsafeBufferPointer { decodeUTF8(UnsafeBufferPointer(rebasing: $0[range])) }
  }

  /// Looks up `bytes[start ..< end]`, preceded by "##" when `prefixed`, without allocating.
  @inline(never)
  func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, prefixed: Bool) -> Int32? {
    let mask = slots.count - 1
    var slot = Vocabulary.hash(hashKey, prefixed: prefixed, bytes, start, end) & mask
    let wantedLength = end - start + (prefixed ? 2 : 0)
    while true {
      let id = Int(slots[slot])
      if id < 0 { return nil }
      var tokenStart = Int(offsets[id])
      let tokenEnd = Int(offsets[id + 1])
      if tokenEnd - tokenStart == wantedLength {
        var matches = true
        if prefixed {
          matches = storage[tokenStart] == 0x23 && storage[tokenStart + 1] == 0x23
          tokenStart += 2
        }
        if matches {
          var index = start
          while index < end {
            if storage[tokenStart] != bytes[index] {
              matches = false
              break
            }
            index += 1
            tokenStart += 1
          }
          if matches { return Int32(truncatingIfNeeded: id) }
        }
      }
      slot = (slot + 1) & mask
    }
  }

  /// The polynomial Σ (byteᵢ + 1) · keyⁿ⁻ⁱ over the n bytes of ("##" if `prefixed`) + `bytes[start ..< end]`, modulo
  /// `hashModulus` (up to one multiple of it: the folds stop short of a full reduction, which changes nothing for a hash
  /// table). The + 1 keeps a leading NUL byte from giving the same hash as its absence, whatever the key. The last byte
  /// is multiplied by the key too: added last, tokens differing only in it would get adjacent hashes, which linear
  /// probing turns into long runs (BERT has every character alone and after "##").
  @inline(never)
  static func hash(_ key: UInt32, prefixed: Bool, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int
  {
    var hash: UInt64 = 0
    var index = prefixed ? start - 2 : start
    while index < end {
      let byte = index < start ? 0x23 : UInt64(bytes[index])
      // hash < 2^31 + 8 and key < 2^32, so the product fits in 64 bits; two folds (2^31 ≡ 1) bring it below 2^31 + 8.
      hash = (hash &+ byte &+ 1) &* UInt64(key)
      hash = (hash & hashModulus) &+ (hash >> 31)
      hash = (hash & hashModulus) &+ (hash >> 31)
      index += 1
    }
    return Int(truncatingIfNeeded: hash)
  }

  static func equalTokens(_ storage: [UInt8], _ aStart: Int, _ aEnd: Int, _ bStart: Int, _ bEnd: Int) -> Bool {
    guard aEnd - aStart == bEnd - bStart else { return false }
    var offset = 0
    while aStart + offset < aEnd {
      if storage[aStart + offset] != storage[bStart + offset] { return false }
      offset += 1
    }
    return true
  }

  /// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF) of `bytes[start ..< end]`.
  static func isValidUTF8(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
    // The one UTF-8 sequence checker of the core (ByteText.sequenceLength), over the line's bytes only.
    let line = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[start..<end])
    var index = 0
    while index < line.count {
      if line[index] < 0x80 {  // ASCII: no call
        index += 1
        continue
      }
      let length = ByteText.sequenceLength(line, at: index)
      if length <= 0 { return false }
      index += length
    }
    return true
  }
}

#if !hasFeature(Embedded)
  extension Vocabulary {
    /// Parses vocab.txt with a hash key from the system's random source (see `init(vocabTxt:hashKey:)`).
    public init(vocabTxt: UnsafeRawBufferPointer) throws(TokenizerError) {
      try self.init(vocabTxt: vocabTxt, hashKey: .random(in: 0..<0x7FFF_FFFE))
    }

    /// Parses vocab.txt from a byte array with a hash key from the system's random source.
    public init(vocabTxt: [UInt8]) throws(TokenizerError) {
      try self.init(vocabTxt: vocabTxt, hashKey: .random(in: 0..<0x7FFF_FFFE))
    }
  }
#endif
