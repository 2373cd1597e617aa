// Unigram.swift — HF tokenizers' Unigram model (the SentencePiece unigram LM), as tokenizers 0.23 runs it.
// Scope: the `model` object of a tokenizer.json whose type is "Unigram" (vocab [[piece, score], ...], unk_id,
// byte_fallback), and its Viterbi segmentation of one pre-tokenized word, exactly as HF's `encode_optimized` + `tokenize`:
// f64 scores summed in HF's order, the same tie-breaking, unknown characters scored min(score) - 10 and fused, and
// `<0xXX>` byte pieces for unknown strings when byte_fallback is on. Non-goals: training, n-best/sampling, alpha.
//
// Prefix search is a byte trie whose edges live in one open-addressing hash table keyed by (node, byte) with the
// per-load `hashKey` (no Dictionary; a crafted vocabulary cannot make it quadratic). Each step from a node is one
// table probe, so a word of n bytes costs O(n · longest piece) steps.

/// A byte trie: node 0 is the root, node k > 0 is the target of edge k - 1. Holds one value per node (-1 = none).
struct ByteTrie: Sendable {
  /// Parent node of each edge. `[edgeCount]`
  private var edgeParents: [Int32] = []
  /// Byte of each edge. `[edgeCount]`
  private var edgeBytes: [UInt8] = []
  /// The value stored at each node, -1 when none. `[edgeCount + 1]`
  private(set) var values: [Int32] = [-1]
  /// Open-addressing table of edge indices (-1 = empty), linear probing; capacity a power of two ≥ 2 × edges.
  private var slots: [Int32] = [Int32](repeating: -1, count: 16)
  private let hashKey: UInt32
  /// The longest key inserted, in bytes.
  private(set) var longestKey = 0

  init(hashKey: UInt32) {
    // Odd, so never 0 or a multiple of the modulus (see Vocabulary.init).
    self.hashKey = hashKey | 1
  }

  /// The root node.
  static let root: Int32 = 0

  /// The child of `node` along `byte`, or -1.
  @inline(__always)
  func child(_ node: Int32, _ byte: UInt8) -> Int32 {
    let mask = slots.count - 1
    var slot = slotHash(node, byte) & mask
    while true {
      let edge = Int(slots[slot])
      if edge < 0 { return -1 }
      if edgeParents[edge] == node && edgeBytes[edge] == byte { return Int32(truncatingIfNeeded: edge + 1) }
      slot = (slot + 1) & mask
    }
  }

  /// Polynomial hash of (node, byte) modulo 2^31 - 1 at the secret point `hashKey` (see `Vocabulary.hash`).
  @inline(__always)
  private func slotHash(_ node: Int32, _ byte: UInt8) -> Int {
    let key = UInt64(hashKey)
    var hash = (UInt64(UInt32(bitPattern: node)) &+ 1) &* key
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash &+ UInt64(byte) &+ 1) &* key
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    hash = (hash & Vocabulary.hashModulus) &+ (hash >> 31)
    return Int(truncatingIfNeeded: hash)
  }

  /// The node reached by `bytes[start ..< end]` from the root, or -1.
  func find(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
    var node = ByteTrie.root
    var index = start
    while index < end && node >= 0 {
      node = child(node, bytes[index])
      index += 1
    }
    return node
  }

  /// The value stored for exactly `bytes[start ..< end]`, or -1.
  func value(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
    let node = find(bytes, start, end)
    return node < 0 ? -1 : values[Int(node)]
  }

  /// Stores `value` (≥ 0) for the key `bytes[start ..< end]`; returns the value already there (≥ 0) and changes
  /// nothing when the key was present.
  mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, value: Int32) -> Int32 {
    var node = ByteTrie.root
    for index in start..<end {
      let byte = bytes[index]
      var next = child(node, byte)
      if next < 0 {
        next = addEdge(node, byte)
      }
      node = next
    }
    let existing = values[Int(node)]
    if existing >= 0 { return existing }
    values[Int(node)] = value
    longestKey = max(longestKey, end - start)
    return -1
  }

  private mutating func addEdge(_ parent: Int32, _ byte: UInt8) -> Int32 {
    if 2 * (edgeParents.count + 1) > slots.count { grow() }
    let edge = edgeParents.count
    edgeParents.append(parent)
    edgeBytes.append(byte)
    values.append(-1)
    place(edge)
    return Int32(truncatingIfNeeded: edge + 1)
  }

  private mutating func place(_ edge: Int) {
    let mask = slots.count - 1
    var slot = slotHash(edgeParents[edge], edgeBytes[edge]) & mask
    while slots[slot] >= 0 { slot = (slot + 1) & mask }
    slots[slot] = Int32(truncatingIfNeeded: edge)
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    for edge in 0..<edgeParents.count { place(edge) }
  }
}

/// Reusable Viterbi buffers for one encode call. `[wordBytes + 1]` each.
struct UnigramWorkspace {
  /// Best path score ending at each byte position.
  var scores: [Double] = []
  /// Start of the last piece of that best path, -1 when no path ends there.
  var starts: [Int32] = []
  /// Id of that last piece (the unknown id for an unknown character).
  var ids: [Int32] = []
  /// Pieces of the best path from the end, as (start, end, id) triples flattened.
  var path: [Int32] = []
}

/// HF's Unigram model over a vocabulary of scored pieces; id = index in `model.vocab`.
struct UnigramModel: Sendable {
  /// All pieces' UTF-8 bytes, concatenated in id order.
  let storage: [UInt8]
  /// Piece `id` occupies `storage[offsets[id] ..< offsets[id + 1]]`. `[count + 1]`
  let offsets: [Int32]
  /// Log-probability of each piece, as written (f64). `[count]`
  let scores: [Double]
  /// Every piece (special ones and `<0xXX>` included, as in HF), value = its id.
  let trie: ByteTrie
  let unknownID: Int32
  /// HF's `min_score - K_UNK_PENALTY` (10): the score of one unknown character.
  let unknownScore: Double
  /// Id of the piece `<0xXX>` for each byte, -1 when absent; empty unless byte_fallback is on. `[256]`
  let byteIDs: [Int32]

  /// Number of pieces.
  var count: Int { offsets.count - 1 }

  /// Parses the `model` object (`field` is its path, e.g. "model"): `type` "Unigram", `vocab`, `unk_id`, `byte_fallback`.
  ///
  /// Refused (HF accepts them, but they change nothing we test or make HF fail at encode time): an empty vocabulary,
  /// a piece listed twice (HF keeps both in the trie and maps the string to the later id), a null
  /// `unk_id` (HF then fails on every unknown character).
  init(json model: JSONValue, field: String, hashKey: UInt32) throws(ConfigError) {
    try TokenizerJSON.checkKeys(model, field, allowed: ["type", "unk_id", "vocab", "byte_fallback"])
    guard let vocab = model["vocab"]?.arrayValue else {
      if model["vocab"] == nil { throw .missingField(ByteText("\(field).vocab").string) }
      throw .invalidField(ByteText("\(field).vocab").string, expected: "an array of [piece, score] pairs")
    }
    if vocab.isEmpty { throw .invalidField(ByteText("\(field).vocab").string, expected: "a non-empty array") }
    var storage: [UInt8] = []
    var offsets: [Int32] = [0]
    var scores: [Double] = []
    var trie = ByteTrie(hashKey: hashKey)
    var minimum = Double.infinity
    for index in 0..<vocab.count {
      let entry = vocab[index].arrayValue ?? []
      guard entry.count == 2, let piece = entry[0].stringValue, let score = entry[1].doubleValue, score.isFinite else {
        throw .invalidField(ByteText("\(field).vocab[\(index)]").string, expected: "a [piece, score] pair")
      }
      let start = storage.count
      withUTF8Bytes(of: piece) { appendBytes($0, to: &storage) }
      guard storage.count - start <= TokenizerJSON.maxTokenBytes, storage.count < Int(Int32.max) else {
        throw .invalidField(ByteText("\(field).vocab[\(index)]").string, expected: "a piece of at most 1024 bytes")
      }
      offsets.append(Int32(truncatingIfNeeded: storage.count))
      scores.append(score)
      if score < minimum { minimum = score }
      // An empty piece is kept (it holds an id) but never matched: HF's trie never reports its root.
      if storage.count == start { continue }
      let previous = storage.withUnsafeBufferPointer {
        trie.insert($0, start, $0.count, value: Int32(truncatingIfNeeded: index))
      }
      if previous >= 0 {
        throw .invalidField(
          ByteText("\(field).vocab[\(index)]").string,
          expected: ByteText("a piece not already at id \(Int(previous))").string)
      }
    }
    guard let unknownValue = model["unk_id"], !unknownValue.isNull else {
      throw .missingField(ByteText("\(field).unk_id").string)
    }
    guard let unknown = unknownValue.intValue, unknown >= 0, unknown < vocab.count else {
      throw .invalidField(ByteText("\(field).unk_id").string, expected: "an index into the vocab")
    }
    var byteFallback = false
    if let flag = model["byte_fallback"], !flag.isNull {
      guard let value = flag.boolValue else {
        throw .invalidField(ByteText("\(field).byte_fallback").string, expected: "true or false")
      }
      byteFallback = value
    }
    var byteIDs: [Int32] = []
    if byteFallback {
      // "<0xXX>" with upper-case hex, as HF formats it (`format!("<0x{byte:02X}>")`).
      let digits: StaticString = "0123456789ABCDEF"
      var name: [UInt8] = [0x3C, 0x30, 0x78, 0, 0, 0x3E]
      for byte in 0..<256 {
        name[3] = digits.utf8Start[byte >> 4]
        name[4] = digits.utf8Start[byte & 0xF]
        byteIDs.append(name.withUnsafeBufferPointer { trie.value($0, 0, 6) })
      }
    }
    self.storage = storage
    self.offsets = offsets
    self.scores = scores
    self.trie = trie
    self.unknownID = Int32(truncatingIfNeeded: unknown)
    self.unknownScore = minimum - 10
    self.byteIDs = byteIDs
  }

  /// The id of the piece spelled by `bytes`, or nil.
  func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    let value = trie.value(bytes, 0, bytes.count)
    return value < 0 ? nil : value
  }

  /// Appends the ids of the best segmentation of one word `word` (valid UTF-8, non-empty or empty).
  ///
  /// HF `Unigram::encode_optimized`: positions are visited in order; at each character start every piece that is a
  /// prefix of the rest is a candidate for the position it ends at, replacing the best so far only when strictly
  /// better (so among equal scores the piece starting earliest wins); when no piece is exactly the one character, an
  /// unknown node (score `unknownScore`) is offered for it after them. Backtracking fuses runs of unknown-id nodes; then
  /// HF `tokenize` looks every resulting string up again: found → its id, else byte pieces (byte_fallback, all bytes
  /// present), else the unknown id.
  func tokenize(
    _ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], workspace: inout UnigramWorkspace
  ) {
    let size = word.count
    if size == 0 { return }
    workspace.scores.removeAll(keepingCapacity: true)
    workspace.starts.removeAll(keepingCapacity: true)
    workspace.ids.removeAll(keepingCapacity: true)
    for _ in 0...size {
      workspace.scores.append(0)
      workspace.starts.append(-1)
      workspace.ids.append(0)
    }
    var start = 0
    while start < size {
      let scoreHere = workspace.scores[start]
      let lead = word[start]
      let characterLength = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
      var hasSingle = false
      var node = ByteTrie.root
      var end = start
      while end < size {
        node = trie.child(node, word[end])
        if node < 0 { break }
        end += 1
        let id = trie.values[Int(node)]
        if id < 0 { continue }
        let candidate = scores[Int(id)] + scoreHere
        if workspace.starts[end] < 0 || candidate > workspace.scores[end] {
          workspace.scores[end] = candidate
          workspace.starts[end] = Int32(truncatingIfNeeded: start)
          workspace.ids[end] = id
        }
        if end - start == characterLength { hasSingle = true }
      }
      if !hasSingle {
        let target = min(start + characterLength, size)
        let candidate = unknownScore + scoreHere
        if workspace.starts[target] < 0 || candidate > workspace.scores[target] {
          workspace.scores[target] = candidate
          workspace.starts[target] = Int32(truncatingIfNeeded: start)
          workspace.ids[target] = unknownID
        }
      }
      start += characterLength
    }
    // Backtrack into (start, end, id) triples from the end; runs of unknown ids become one triple (fuse_unk).
    workspace.path.removeAll(keepingCapacity: true)
    var end = size
    while end > 0 {
      let pieceStart = Int(workspace.starts[end])
      let id = workspace.ids[end]
      let count = workspace.path.count
      if id == unknownID && count >= 3 && workspace.path[count - 1] == unknownID {
        workspace.path[count - 3] = Int32(truncatingIfNeeded: pieceStart)  // extend the fused run leftwards
      } else {
        workspace.path.append(Int32(truncatingIfNeeded: pieceStart))
        workspace.path.append(Int32(truncatingIfNeeded: end))
        workspace.path.append(id)
      }
      end = pieceStart
    }
    var triple = workspace.path.count - 3
    while triple >= 0 {
      let pieceStart = Int(workspace.path[triple])
      let pieceEnd = Int(workspace.path[triple + 1])
      let id = workspace.path[triple + 2]
      triple -= 3
      if id != unknownID {
        ids.append(id)
        continue
      }
      // HF looks the string up again: a fused run (or the unknown piece itself) may spell a piece.
      let found = trie.value(word, pieceStart, pieceEnd)
      if found >= 0 {
        ids.append(found)
        continue
      }
      if !byteIDs.isEmpty {
        var all = true
        for index in pieceStart..<pieceEnd where byteIDs[Int(word[index])] < 0 { all = false }
        if all {
          for index in pieceStart..<pieceEnd { ids.append(byteIDs[Int(word[index])]) }
          continue
        }
      }
      ids.append(unknownID)
    }
  }

  /// The piece string of a valid id.
  func piece(_ id: Int) -> String {
    let range = Int(offsets[id])..<Int(offsets[id + 1])
    return storage.withUnsafeBufferPointer { decodeUTF8(UnsafeBufferPointer(rebasing: $0[range])) }
  }
}
