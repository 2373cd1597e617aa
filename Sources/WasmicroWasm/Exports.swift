// wasmicro wasm export surface: C-ABI functions over small integer handles, called by web/wasmicro.js.
// Scope: marshalling only — bytes in wasm memory become core values, core results become bytes, typed core errors become a
// negative status plus a UTF-8 message (`wasmicro_error_*`), so no input can trap the instance. All logic is in Wasmicro.
// Non-goals: threads (one instance = one thread), file I/O, JSON building, padded text batches (each export costs wasm
// bytes; JS loops over `embed`, which gives the same vectors as a padded batch).
//
// Conventions: pointers and lengths are wasm32 i32s; text is UTF-8 (JS TextEncoder; invalid UTF-8 decodes to U+FFFD).
// Status < 0 means failure and the message is in the error buffer. Buffers JS passes in stay owned by JS, except the
// safetensors bytes given to `wasmicro_model_new`, which a successfully loaded model owns (parsed in place, never copied)
// and frees once its handle and every embedder built on it are released.
@_spi(WasmicroWasm) import Wasmicro
import WasmicroRuntime

// MARK: - Shared buffers and handle tables

/// A growable byte buffer whose address JS reads after a call (results and error messages).
final class ByteBuffer {
  private(set) var pointer: UnsafeMutableRawPointer
  private(set) var count = 0
  private var capacity: Int

  init() {
    capacity = 256
    pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
  }

  func reset() { count = 0 }

  /// Grows by one zeroed handle slot (see `handles`).
  func reserveSlot() {
    reserve(slotSize)
    pointer.storeBytes(of: 0, toByteOffset: count, as: UInt.self)
    count += slotSize
  }

  func reserve(_ extra: Int) {
    guard count + extra > capacity else { return }
    var newCapacity = capacity * 2
    while newCapacity < count + extra { newCapacity *= 2 }
    let newPointer = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
    newPointer.copyMemory(from: pointer, byteCount: count)
    pointer.deallocate()
    pointer = newPointer
    capacity = newCapacity
  }

  func append(_ value: Int32) {
    reserve(4)
    pointer.storeBytes(of: value.littleEndian, toByteOffset: count, as: Int32.self)
    count += 4
  }

  func append(_ text: String) {
    // The String's UTF-8 bytes in place: no String concatenation (it would pull in the stdlib's UTF-16 breadcrumbs) and
    // no UTF8View iteration (its index validation costs KBs of wasm).
    withUTF8Bytes(of: text) { append($0) }
  }

  func append(_ text: StaticString) {
    append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { append($0) }
  }

  @inline(never)
  func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    reserve(bytes.count)
    if let base = bytes.baseAddress { (pointer + count).copyMemory(from: base, byteCount: bytes.count) }
    count += bytes.count
  }

  /// The number of UTF-8 bytes `append(text)` writes.
  static func utf8Count(_ text: String) -> Int {
    var count = 0
    withUTF8Bytes(of: text) { count = $0.count }
    return count
  }
}

/// Anything JS holds a handle to. One table for every kind keeps one copy of the table code in the wasm; a handle of the
/// wrong kind fails the downcast in `lookup` like an unknown one.
class Handle {}

/// A BERT model plus what it borrows: the safetensors bytes it was parsed from in place and the arena holding any tensors
/// widened to f32. Freed together, when neither the model handle nor an embedder refers to it any more.
final class LoadedModel: Handle {
  let model: BertModel
  let arena: FloatArena
  let weights: UnsafeMutableRawPointer

  init(model: BertModel, arena: FloatArena, weights: UnsafeMutableRawPointer) {
    self.model = model
    self.arena = arena
    self.weights = weights
    super.init()
  }

  deinit { free(weights) }
}

/// The tokenizer type this module's pipelines run: WordPiece from vocab.txt in the default and heads modules (the
/// pipelines are generic, so nothing else is linked); in the multilingual module a `TextTokenizer`, from tokenizer.json
/// or wrapping the vocab.txt WordPiece tokenizer.
#if WASMICRO_MULTILINGUAL
  typealias ModuleTokenizer = TextTokenizer
  func moduleTokenizer(_ tokenizer: WordPieceTokenizer) -> ModuleTokenizer { TextTokenizer(wordPiece: tokenizer) }
#else
  typealias ModuleTokenizer = WordPieceTokenizer
  func moduleTokenizer(_ tokenizer: WordPieceTokenizer) -> ModuleTokenizer { tokenizer }
#endif

/// A tokenizer behind a handle. Boxed so a handle lookup copies one reference, not the tokenizer's dozen fields (each
/// copy of the struct is an outlined retain-everything function in the wasm).
final class LoadedTokenizer: Handle {
  let tokenizer: ModuleTokenizer
  /// tokenizer_config.json's model_max_length, 0 when absent or unlimited (for `PipelineDescription`).
  let modelMaxLength: Int

  init(_ tokenizer: ModuleTokenizer, modelMaxLength: Int) {
    self.tokenizer = tokenizer
    self.modelMaxLength = modelMaxLength
    super.init()
  }
}

/// A sentence embedder and the loaded model it runs (kept alive by this reference).
final class LoadedEmbedder: Handle {
  let embedder: SentenceEmbedder<ModuleTokenizer>
  let loaded: LoadedModel

  init(embedder: SentenceEmbedder<ModuleTokenizer>, loaded: LoadedModel) {
    self.embedder = embedder
    self.loaded = loaded
    super.init()
  }
}

#if WASMICRO_HEADS
  /// A classifier head (FORMAT.md, "Embedding head files") and the head-file bytes it reads in place, freed with it.
  final class LoadedHead: Handle {
    let head: EmbeddingHead
    let arena: FloatArena
    let bytes: UnsafeMutableRawPointer

    init(head: EmbeddingHead, arena: FloatArena, bytes: UnsafeMutableRawPointer) {
      self.head = head
      self.arena = arena
      self.bytes = bytes
      super.init()
    }

    deinit { free(bytes) }
  }
#endif

nonisolated(unsafe) var results = ByteBuffer()
nonisolated(unsafe) var errorMessage = ByteBuffer()
/// The handle table: slot `handle` holds the address of a retained object, or 0 once released. Addresses in a
/// ByteBuffer rather than a `[Handle?]`: the array's growth and copy specialisations cost about 400 bytes of wasm.
nonisolated(unsafe) var handles = ByteBuffer()

let failure: Int32 = -1

/// Records `context` + `message` for `wasmicro_error_*` and returns the failure status. Core errors hand over their
/// message as bytes (`messageBytes`), so no String is made for it.
@inline(never)
func fail(_ context: StaticString, _ message: [UInt8]) -> Int32 {
  errorMessage.reset()
  errorMessage.append(context)
  errorMessage.append(message)
  return failure
}

@inline(never)
func fail(_ context: StaticString, _ message: String) -> Int32 {
  _ = fail(context, [])
  errorMessage.append(message)
  return failure
}

func fail(_ message: StaticString) -> Int32 { fail(message, []) }

let slotSize = MemoryLayout<UInt>.size

/// Stores `value` (retained) in the first free slot of `handles` and returns the slot as a handle.
func store(_ value: Handle) -> Int32 {
  let address = UInt(bitPattern: Unmanaged.passRetained(value).toOpaque())
  var slot = 0
  while slot < handles.count / slotSize && handles.pointer.load(fromByteOffset: slot * slotSize, as: UInt.self) != 0 {
    slot += 1
  }
  if slot == handles.count / slotSize { handles.reserveSlot() }
  handles.pointer.storeBytes(of: address, toByteOffset: slot * slotSize, as: UInt.self)
  return Int32(slot)
}

/// The address in `handle`'s slot; 0 for a released or unknown handle.
@inline(never)
func slotAddress(_ handle: Int32) -> UInt {
  guard handle >= 0, Int(handle) < handles.count / slotSize else { return 0 }
  return handles.pointer.load(fromByteOffset: Int(handle) * slotSize, as: UInt.self)
}

/// The object behind `handle` if it is a `Kind`; nil for unknown, released or other-kind handles.
func lookup<Kind: Handle>(_ handle: Int32, _ kind: Kind.Type) -> Kind? {
  guard let object = UnsafeRawPointer(bitPattern: slotAddress(handle)) else { return nil }
  return Unmanaged<Handle>.fromOpaque(object).takeUnretainedValue() as? Kind
}

/// Releases a handle of any kind (a tokenizer, model, embedder or head); unknown handles are ignored. What an object
/// borrows (a model's weights, for an embedder) stays alive until nothing refers to it. One export for every kind:
/// each JS object releases only its own handle.
@_expose(wasm, "wasmicro_release")
@_cdecl("wasmicro_release")
public func releaseHandle(handle: Int32) {
  guard let object = UnsafeRawPointer(bitPattern: slotAddress(handle)) else { return }
  handles.pointer.storeBytes(of: 0, toByteOffset: Int(handle) * slotSize, as: UInt.self)
  Unmanaged<Handle>.fromOpaque(object).release()
}

func bytes(_ pointer: UnsafeRawPointer?, _ length: Int32) -> UnsafeRawBufferPointer {
  guard let pointer, length > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
  return UnsafeRawBufferPointer(start: pointer, count: Int(length))
}

func byteArray(_ pointer: UnsafeRawPointer?, _ length: Int32) -> [UInt8] {
  Array(bytes(pointer, length))
}

/// UTF-8 bytes to a String; invalid sequences become U+FFFD (never a trap).
func text(_ pointer: UnsafeRawPointer?, _ length: Int32) -> String {
  decodeUTF8(bytes(pointer, length).assumingMemoryBound(to: UInt8.self))
}

/// Whether a text of `length` bytes is over the core's per-text limit, recording the error if so. Checked before the
/// text is read: JS passes an over-limit text's length with no bytes, so it never copies it into wasm memory.
@inline(never)
func isTooLong(_ length: Int32) -> Bool {
  if Int(length) <= WordPieceTokenizer.maxTextBytes { return false }
  _ = fail("text is over the limit of 16777216 bytes")  // TokenizerError.tooLarge's message costs ~190 bytes more
  return true
}

/// Writes an encoding to `results`: ids, token types, attention mask (n Int32 each), n token byte lengths, token bytes.
func writeEncoding(_ encoding: Encoding) -> Int32 {
  results.reset()
  for id in encoding.inputIDs { results.append(id) }
  for type in encoding.tokenTypeIDs { results.append(type) }
  for mask in encoding.attentionMask { results.append(mask) }
  for token in encoding.tokens { results.append(Int32(ByteBuffer.utf8Count(token))) }
  for token in encoding.tokens { results.append(token) }
  return Int32(encoding.inputIDs.count)
}

// MARK: - Module

/// The ABI version of this export surface; web/wasmicro.js refuses a module with another version.
@_expose(wasm, "wasmicro_abi_version")
@_cdecl("wasmicro_abi_version")
public func abiVersion() -> Int32 { 3 }

/// Address of the last error message (UTF-8, `wasmicro_error_length` bytes).
@_expose(wasm, "wasmicro_error_pointer")
@_cdecl("wasmicro_error_pointer")
public func errorPointer() -> UnsafeMutableRawPointer { errorMessage.pointer }

@_expose(wasm, "wasmicro_error_length")
@_cdecl("wasmicro_error_length")
public func errorLength() -> Int32 { Int32(errorMessage.count) }

/// Address of the last call's result bytes (layout documented per function).
@_expose(wasm, "wasmicro_result_pointer")
@_cdecl("wasmicro_result_pointer")
public func resultPointer() -> UnsafeMutableRawPointer { results.pointer }

// MARK: - Tokenizer

/// Builds a WordPiece tokenizer from vocab.txt bytes and optional tokenizer_config.json bytes (length 0: BERT defaults).
/// On success the result buffer holds the vocabulary size (one Int32).
/// `hashKey` keys the vocabulary's hash table: JS passes a fresh random value (the module has no entropy of its own), so
/// that no vocabulary can be crafted to collide. Returns a handle, or -1 (error message set).
@_expose(wasm, "wasmicro_tokenizer_new")
@_cdecl("wasmicro_tokenizer_new")
public func tokenizerNew(
  vocabPointer: UnsafeRawPointer?, vocabLength: Int32, configPointer: UnsafeRawPointer?, configLength: Int32,
  hashKey: UInt32
) -> Int32 {
  var config = TokenizerConfig()
  if configLength > 0 {
    do throws(ConfigError) {
      config = try TokenizerConfig.parse(byteArray(configPointer, configLength))
    } catch {
      return fail("tokenizer_config.json: ", error.messageBytes)
    }
  }
  do throws(TokenizerError) {
    let vocabulary = try Vocabulary(vocabTxt: bytes(vocabPointer, vocabLength), hashKey: hashKey)
    let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, options: TokenizerOptions(config: config))
    results.reset()
    results.append(Int32(vocabulary.count))
    return store(LoadedTokenizer(moduleTokenizer(tokenizer), modelMaxLength: config.modelMaxLength ?? 0))
  } catch {
    return fail("vocab.txt: ", error.message)
  }
}

#if WASMICRO_MULTILINGUAL
  /// Builds a tokenizer from tokenizer.json bytes and optional tokenizer_config.json bytes (length 0: none), as
  /// transformers loads the pair (`TextTokenizer(json:tokenizerConfig:hashKey:)`). On success the result buffer holds
  /// the vocabulary size (one Int32). Returns a handle, or -1 (error message set). Multilingual module only.
  @_expose(wasm, "wasmicro_tokenizer_json_new")
  @_cdecl("wasmicro_tokenizer_json_new")
  public func tokenizerJSONNew(
    jsonPointer: UnsafeRawPointer?, jsonLength: Int32, configPointer: UnsafeRawPointer?, configLength: Int32,
    hashKey: UInt32
  ) -> Int32 {
    var modelMaxLength = 0
    let configBytes: [UInt8]? = configLength > 0 ? byteArray(configPointer, configLength) : nil
    if let configBytes {
      do throws(ConfigError) {
        modelMaxLength = try TokenizerConfig.parse(configBytes).modelMaxLength ?? 0
      } catch {
        return fail("tokenizer_config.json: ", error.messageBytes)
      }
    }
    do throws(ConfigError) {
      let tokenizer = try TextTokenizer(
        json: byteArray(jsonPointer, jsonLength), tokenizerConfig: configBytes, hashKey: hashKey)
      results.reset()
      results.append(Int32(truncatingIfNeeded: tokenizer.vocabularySize))
      return store(LoadedTokenizer(tokenizer, modelMaxLength: modelMaxLength))
    } catch {
      return fail("tokenizer.json: ", error.messageBytes)
    }
  }
#endif

/// Encodes `[CLS] first [SEP]`, or with `secondLength` ≥ 0 the pair `[CLS] first [SEP] second [SEP]` (longest-first
/// truncation, token types 0/1), truncated to `maxLength` (0 = the tokenizer's own limit). Returns the token count n,
/// with the encoding in the result buffer (see `writeEncoding`), or -1. (One export for both: wasm size.)
@_expose(wasm, "wasmicro_tokenizer_encode")
@_cdecl("wasmicro_tokenizer_encode")
public func tokenizerEncode(
  handle: Int32, firstPointer: UnsafeRawPointer?, firstLength: Int32, secondPointer: UnsafeRawPointer?,
  secondLength: Int32, maxLength: Int32
) -> Int32 {
  if isTooLong(max(firstLength, secondLength)) { return failure }
  guard let loaded = lookup(handle, LoadedTokenizer.self) else { return fail("invalid tokenizer handle") }
  let limit = maxLength > 0 ? Int(maxLength) : nil
  let first = text(firstPointer, firstLength)
  return writeEncoding(
    secondLength < 0
      ? loaded.tokenizer.encode(first, maxLength: limit)
      : loaded.tokenizer.encode(first, text(secondPointer, secondLength), maxLength: limit))
}

// MARK: - BERT model

/// Loads a BERT model from `weights` (model.safetensors bytes in wasm memory, from `malloc`) and config.json. On success
/// the model owns the weights and parses them in place; on failure the caller still owns them. Returns a handle, or -1;
/// on success the result buffer holds the model's shape as Int32s: hidden size, layers, heads, intermediate size, max
/// positions, vocabulary size, has pooler (0/1), classifier labels (0 = none).
@_expose(wasm, "wasmicro_model_new")
@_cdecl("wasmicro_model_new")
public func modelNew(
  weightsPointer: UnsafeMutableRawPointer?, weightsLength: Int32, configPointer: UnsafeRawPointer?, configLength: Int32
) -> Int32 {
  guard let weightsPointer, weightsLength > 0 else { return fail("model.safetensors: no bytes") }
  // The default and heads modules run BERT (model_type "bert"); the multilingual module every encoder EncoderConfig
  // knows (XLM-RoBERTa, RoBERTa, DistilBERT too).
  #if WASMICRO_MULTILINGUAL
    let encoder: EncoderConfig
  #else
    let config: BertConfig
  #endif
  do throws(ConfigError) {
    #if WASMICRO_MULTILINGUAL
      encoder = try EncoderConfig.parse(byteArray(configPointer, configLength))
    #else
      config = try BertConfig.parse(byteArray(configPointer, configLength))
    #endif
  } catch {
    return fail("config.json: ", error.messageBytes)
  }
  #if WASMICRO_MULTILINGUAL
    let config = encoder.bert
  #endif
  let file: SafetensorsFile
  do throws(SafetensorsError) {
    file = try SafetensorsFile(bytes: bytes(weightsPointer, weightsLength))
  } catch {
    return fail("model.safetensors: ", error.messageBytes)
  }
  let arena = FloatArena()
  do throws(ModelError) {
    #if WASMICRO_MULTILINGUAL
      let model = try BertModel(encoder: encoder, file: file, arena: arena)
    #else
      let model = try BertModel(config: config, file: file, arena: arena)
    #endif
    results.reset()
    for value in [
      config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize,
      config.maxPositionEmbeddings, config.vocabSize, model.weights.pooler == nil ? 0 : 1,
      model.weights.classifier?.outFeatures ?? 0,
    ] {
      results.append(Int32(truncatingIfNeeded: value))
    }
    return store(LoadedModel(model: model, arena: arena, weights: weightsPointer))
  } catch {
    return fail("", error.messageBytes)
  }
}

func int32Array(_ pointer: UnsafePointer<Int32>?, _ count: Int) -> [Int32] {
  guard let pointer, count > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: count))
}

func copy(_ values: [Float], to output: UnsafeMutablePointer<Float>) -> Int32 {
  for index in values.indices { output[index] = values[index] }
  return Int32(truncatingIfNeeded: values.count)
}

/// Runs the encoder over `count` sequences laid end to end, without padding (`BertModel.forward(packed:)`): `ids` and
/// `types` (null: zeros) hold all their tokens, `lengths` each sequence's token count. Writes last_hidden_state
/// `[tokens, hidden]` to `output`; returns its float count, or -1. (JS unpads and re-pads: web/wasmicro.js `forward`.)
@_expose(wasm, "wasmicro_model_forward")
@_cdecl("wasmicro_model_forward")
public func modelForward(
  handle: Int32, ids: UnsafePointer<Int32>?, types: UnsafePointer<Int32>?, lengths: UnsafePointer<Int32>?,
  count: Int32, output: UnsafeMutablePointer<Float>?
) -> Int32 {
  guard let loaded = lookup(handle, LoadedModel.self) else { return fail("invalid model handle") }
  guard let output, count >= 0 else { return fail("invalid forward buffers") }
  var sequenceLengths: [Int] = []
  var tokens = 0
  for length in int32Array(lengths, Int(count)) {
    // Each length ≥ 0 (checked by forward(packed:)); the sum stays far from overflow: lengths are Int32s, at most 2^31.
    sequenceLengths.append(Int(length))
    tokens = tokens &+ Int(max(length, 0))
    guard tokens >= 0 else { return fail("invalid forward buffers") }
  }
  do throws(ModelError) {
    let hidden = try loaded.model.forward(
      packed: int32Array(ids, tokens), tokenTypeIDs: int32Array(types, tokens), sequenceLengths: sequenceLengths)
    return copy(hidden, to: output)
  } catch {
    return fail("", error.messageBytes)
  }
}

/// From last_hidden_state `[batch, sequence, hidden]` at `hidden`: the pooler output `[batch, hidden]` (`logits` 0) or
/// the classifier logits `[batch, labels]` (`logits` 1), written to `output`. Returns the float count, or -1.
@_expose(wasm, "wasmicro_model_head")
@_cdecl("wasmicro_model_head")
public func modelHead(
  handle: Int32, hidden: UnsafePointer<Float>?, batchSize: Int32, sequenceLength: Int32, logits: Int32,
  output: UnsafeMutablePointer<Float>?
) -> Int32 {
  guard let loaded = lookup(handle, LoadedModel.self) else { return fail("invalid model handle") }
  guard let hidden, let output, batchSize >= 0, sequenceLength >= 0 else { return fail("invalid head buffers") }
  let count = Int(batchSize) * Int(sequenceLength) * loaded.model.config.hiddenSize
  let state = Array(UnsafeBufferPointer(start: hidden, count: count))
  do throws(ModelError) {
    let values =
      logits != 0
      ? try loaded.model.classificationLogits(
        lastHiddenState: state, batchSize: Int(batchSize), sequenceLength: Int(sequenceLength))
      : try loaded.model.pooler(lastHiddenState: state, batchSize: Int(batchSize), sequenceLength: Int(sequenceLength))
    return copy(values, to: output)
  } catch {
    return fail("", error.messageBytes)
  }
}

// MARK: - Sentence embedder

/// A sentence embedder over a loaded model and tokenizer, its pipeline decided by the core (`PipelineDescription`) from
/// the directory's files. `files` points to three (pointer, length) Int32 pairs: modules.json, the Pooling folder's
/// config.json, sentence_bert_config.json; a null pointer means the file is absent. The caller's explicit choices
/// override the files: `pooling` -1 (as the files say) or a `PoolingMode` raw value, `normalize` -1 or 0/1,
/// `maxSequenceLength` 0 or a token count (clamped to the position table). Returns a handle, or -1; on success the
/// result buffer holds the pipeline as Int32s: dimension (hidden size), max tokens per text, pooling (`PoolingMode` raw
/// value), normalize (0/1).
@_expose(wasm, "wasmicro_embedder_new")
@_cdecl("wasmicro_embedder_new")
public func embedderNew(
  modelHandle: Int32, tokenizerHandle: Int32, files: UnsafePointer<Int32>?, pooling: Int32, normalize: Int32,
  maxSequenceLength: Int32
) -> Int32 {
  guard let loaded = lookup(modelHandle, LoadedModel.self) else { return fail("invalid model handle") }
  guard let tokenizer = lookup(tokenizerHandle, LoadedTokenizer.self) else { return fail("invalid tokenizer handle") }
  func file(_ index: Int) -> [UInt8]? {  // no table: every file absent
    guard let files, let pointer = UnsafeRawPointer(bitPattern: UInt(UInt32(bitPattern: files[2 * index]))) else {
      return nil
    }
    return byteArray(pointer, files[2 * index + 1])
  }
  var pipeline: PipelineDescription
  do throws(PipelineError) {
    pipeline = try PipelineDescription(
      maxPositionEmbeddings: loaded.model.config.maxPositionEmbeddings,
      modelMaxLength: tokenizer.modelMaxLength > 0 ? tokenizer.modelMaxLength : nil,
      modules: file(0), poolingConfig: file(1), sentenceBertConfig: file(2))
  } catch {
    let name: StaticString =
      error.file == .modules
      ? "modules.json: " : error.file == .poolingConfig ? "pooling config.json: " : "sentence_bert_config.json: "
    return fail(name, error.problem.messageBytes)
  }
  if pooling >= 0 { pipeline.pooling = PoolingMode(rawValue: Int(pooling & 3)) ?? .mean }  // JS sends 0...3
  if normalize >= 0 { pipeline.normalize = normalize != 0 }
  let embedder = SentenceEmbedder(
    tokenizer: tokenizer.tokenizer, model: loaded.model, pooling: pipeline.pooling, normalize: pipeline.normalize,
    maxSequenceLength: maxSequenceLength > 0 ? Int(maxSequenceLength) : pipeline.maxSequenceLength)
  results.reset()
  for value in [
    loaded.model.config.hiddenSize, embedder.maxSequenceLength, embedder.pooling.rawValue, embedder.normalize ? 1 : 0,
  ] {
    results.append(Int32(truncatingIfNeeded: value))
  }
  return store(LoadedEmbedder(embedder: embedder, loaded: loaded))
}

/// Embeds `count` texts as one batch (one forward over all their tokens): `texts` holds their UTF-8 bytes back to back,
/// `lengths` each one's byte count; `output` receives `count × dimension` floats. Returns the float count.
@_expose(wasm, "wasmicro_embedder_embed_batch")
@_cdecl("wasmicro_embedder_embed_batch")
public func embedderEmbedBatch(
  handle: Int32, texts: UnsafeRawPointer?, lengths: UnsafePointer<Int32>?, count: Int32,
  output: UnsafeMutablePointer<Float>?
) -> Int32 {
  guard let loaded = lookup(handle, LoadedEmbedder.self) else { return fail("invalid embedder handle") }
  guard let output, count >= 0, count == 0 || lengths != nil else { return fail("no output or lengths buffer") }
  // Every length is checked before any text is read (JS passes no bytes when one is over the limit).
  for index in 0..<Int(count) {
    guard lengths.unsafelyUnwrapped[index] >= 0 else { return fail("negative text length") }
    if isTooLong(lengths.unsafelyUnwrapped[index]) { return failure }
  }
  var batch: [String] = []
  var offset = 0
  for index in 0..<Int(count) {
    let length = lengths.unsafelyUnwrapped[index]
    batch.append(text(texts.map { $0 + offset }, length))
    offset += Int(length)
  }
  do throws(ModelError) {
    try loaded.embedder.embedBatch(batch, into: output)
    return Int32(Int(count) * loaded.embedder.model.config.hiddenSize)
  } catch {
    return fail("", error.messageBytes)
  }
}

// MARK: - Embedding heads (the heads module only: WASM_HEADS=1, dist/wasmicro-heads.wasm)

#if WASMICRO_HEADS

  /// Loads a classifier head from a head file at `bytes` (from `malloc`; the head owns them on success and reads its F32
  /// weights in place). Returns a handle, or -1; on success the result buffer holds Int32s — kind (`HeadKind` raw value),
  /// dimension, label count n, the n labels' UTF-8 byte lengths — then the labels' bytes.
  @_expose(wasm, "wasmicro_head_new")
  @_cdecl("wasmicro_head_new")
  public func headNew(bytes headBytes: UnsafeMutableRawPointer?, length: Int32) -> Int32 {
    guard let headBytes, length > 0 else { return fail("head file: no bytes") }
    let arena = FloatArena()
    let head: EmbeddingHead
    do throws(ModelError) {
      let file: SafetensorsFile
      do throws(SafetensorsError) { file = try SafetensorsFile(bytes: bytes(headBytes, length)) } catch {
        throw .safetensors(error)
      }
      head = try EmbeddingHead(file: file, arena: arena)
    } catch {
      return fail("head file: ", error.messageBytes)
    }
    results.reset()
    results.append(Int32(head.kind.rawValue))
    results.append(Int32(head.dimension))
    results.append(Int32(head.labels.count))
    for label in head.labels { results.append(Int32(ByteBuffer.utf8Count(label))) }
    for label in head.labels { results.append(label) }
    return store(LoadedHead(head: head, arena: arena, bytes: headBytes))
  }

  /// Classifies one embedding (`dimension` floats at `embedding`): writes the probabilities (one per label) to `output`
  /// and returns the winning label's index, or -1.
  @_expose(wasm, "wasmicro_head_classify")
  @_cdecl("wasmicro_head_classify")
  public func headClassify(
    handle: Int32, embedding: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>?
  ) -> Int32 {
    guard let loaded = lookup(handle, LoadedHead.self) else { return fail("invalid head handle") }
    guard let embedding, let output else { return fail("no embedding or output buffer") }
    return Int32(loaded.head.classify(embedding, probabilities: output, logits: nil))
  }
#endif
