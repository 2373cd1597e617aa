// wasmicro wasm export surface: C-ABI functions over small integer handles, called by web/wasmicro.js.
// Scope: marshalling only — bytes in wasm memory become core values, core results become bytes, typed core errors become a
// negative status plus a UTF-8 message (`wasmicro_error_*`), so no input can trap the instance. All logic is in Wasmicro.
// Non-goals: threads (one instance = one thread), file I/O, JSON building, text pairs and padded batches (each export
// costs wasm bytes; JS loops over `embed`, which gives the same vectors as a padded batch).
//
// Conventions: pointers and lengths are wasm32 i32s; text is UTF-8 (JS TextEncoder; invalid UTF-8 decodes to U+FFFD).
// Status < 0 means failure and the message is in the error buffer. Buffers JS passes in stay owned by JS, except the
// safetensors bytes given to `wasmicro_embedder_new`, which a successfully loaded model owns and frees on
// `wasmicro_embedder_free` (parsed in place: never copied).
import Wasmicro
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
    var text = text
    text.withUTF8 { bytes in
      reserve(bytes.count)
      if let base = bytes.baseAddress { (pointer + count).copyMemory(from: base, byteCount: bytes.count) }
      count += bytes.count
    }
  }
}

/// A sentence embedder plus what it borrows: the safetensors bytes it was parsed from in place and the arena holding any
/// tensors widened to f32. Freed together.
final class LoadedEmbedder {
  let embedder: SentenceEmbedder
  let arena: FloatArena
  let weights: UnsafeMutableRawPointer

  init(embedder: SentenceEmbedder, arena: FloatArena, weights: UnsafeMutableRawPointer) {
    self.embedder = embedder
    self.arena = arena
    self.weights = weights
  }

  deinit { free(weights) }
}

nonisolated(unsafe) var results = ByteBuffer()
nonisolated(unsafe) var errorMessage = ByteBuffer()
nonisolated(unsafe) var tokenizers: [WordPieceTokenizer?] = []
nonisolated(unsafe) var embedders: [LoadedEmbedder?] = []

let failure: Int32 = -1

/// Records `message` for `wasmicro_error_*` and returns the failure status.
func fail(_ message: String) -> Int32 {
  errorMessage.reset()
  errorMessage.append(message)
  return failure
}

/// Stores `value` in the first free slot of `table` and returns the slot as a handle.
func store<Value>(_ value: Value, in table: inout [Value?]) -> Int32 {
  for index in table.indices where table[index] == nil {
    table[index] = value
    return Int32(index)
  }
  table.append(value)
  return Int32(table.count - 1)
}

func lookup<Value>(_ handle: Int32, in table: [Value?]) -> Value? {
  guard handle >= 0, Int(handle) < table.count else { return nil }
  return table[Int(handle)]
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
  String(decoding: bytes(pointer, length), as: UTF8.self)
}

/// Writes an encoding to `results`: ids, token types, attention mask (n Int32 each), n token byte lengths, token bytes.
func writeEncoding(_ encoding: Encoding) -> Int32 {
  results.reset()
  for id in encoding.inputIDs { results.append(id) }
  for type in encoding.tokenTypeIDs { results.append(type) }
  for mask in encoding.attentionMask { results.append(mask) }
  for token in encoding.tokens { results.append(Int32(token.utf8.count)) }
  for token in encoding.tokens { results.append(token) }
  return Int32(encoding.inputIDs.count)
}

// MARK: - Module

/// The ABI version of this export surface; web/wasmicro.js refuses a module with another version.
@_expose(wasm, "wasmicro_abi_version")
@_cdecl("wasmicro_abi_version")
public func abiVersion() -> Int32 { 1 }

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

@_expose(wasm, "wasmicro_result_length")
@_cdecl("wasmicro_result_length")
public func resultLength() -> Int32 { Int32(results.count) }

// MARK: - Tokenizer

/// Builds a WordPiece tokenizer from vocab.txt bytes and optional tokenizer_config.json bytes (length 0: BERT defaults).
/// Returns a handle, or -1 (error message set).
@_expose(wasm, "wasmicro_tokenizer_new")
@_cdecl("wasmicro_tokenizer_new")
public func tokenizerNew(
  vocabPointer: UnsafeRawPointer?, vocabLength: Int32, configPointer: UnsafeRawPointer?, configLength: Int32
) -> Int32 {
  var options = TokenizerOptions()
  if configLength > 0 {
    do throws(ConfigError) {
      options = TokenizerOptions(config: try TokenizerConfig.parse(byteArray(configPointer, configLength)))
    } catch {
      return fail("tokenizer_config.json: " + error.message)
    }
  }
  do throws(TokenizerError) {
    let vocabulary = try Vocabulary(vocabTxt: bytes(vocabPointer, vocabLength))
    let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, options: options)
    return store(tokenizer, in: &tokenizers)
  } catch {
    return fail("vocab.txt: " + error.message)
  }
}

@_expose(wasm, "wasmicro_tokenizer_free")
@_cdecl("wasmicro_tokenizer_free")
public func tokenizerFree(handle: Int32) {
  guard lookup(handle, in: tokenizers) != nil else { return }
  tokenizers[Int(handle)] = nil
}

/// Number of tokens in the vocabulary, or -1 for an unknown handle.
@_expose(wasm, "wasmicro_tokenizer_vocabulary_size")
@_cdecl("wasmicro_tokenizer_vocabulary_size")
public func tokenizerVocabularySize(handle: Int32) -> Int32 {
  guard let tokenizer = lookup(handle, in: tokenizers) else { return fail("invalid tokenizer handle") }
  return Int32(tokenizer.vocabulary.count)
}

/// Encodes `[CLS] text [SEP]` (truncated to `maxLength`; 0 = the tokenizer's own limit). Returns the token count n, with
/// the encoding in the result buffer (see `writeEncoding`), or -1.
@_expose(wasm, "wasmicro_tokenizer_encode")
@_cdecl("wasmicro_tokenizer_encode")
public func tokenizerEncode(handle: Int32, textPointer: UnsafeRawPointer?, textLength: Int32, maxLength: Int32) -> Int32 {
  guard let tokenizer = lookup(handle, in: tokenizers) else { return fail("invalid tokenizer handle") }
  return writeEncoding(tokenizer.encode(text(textPointer, textLength), maxLength: maxLength > 0 ? Int(maxLength) : nil))
}

// MARK: - Sentence embedder

/// Loads a sentence embedder. `weights` are the model.safetensors bytes in wasm memory (from `malloc`): on success the
/// model owns them and parses them in place; on failure the caller still owns them. `config` is config.json, `pooling` is
/// 1_Pooling/config.json (length 0: mean pooling), `maxSequenceLength` 0 means the tokenizer's limit.
/// Returns a handle, or -1.
@_expose(wasm, "wasmicro_embedder_new")
@_cdecl("wasmicro_embedder_new")
public func embedderNew(
  weightsPointer: UnsafeMutableRawPointer?, weightsLength: Int32, configPointer: UnsafeRawPointer?, configLength: Int32,
  tokenizerHandle: Int32, poolingPointer: UnsafeRawPointer?, poolingLength: Int32, normalize: Int32,
  maxSequenceLength: Int32
) -> Int32 {
  guard let tokenizer = lookup(tokenizerHandle, in: tokenizers) else { return fail("invalid tokenizer handle") }
  guard let weightsPointer, weightsLength > 0 else { return fail("model.safetensors: no bytes") }
  let config: BertConfig
  do throws(ConfigError) {
    config = try BertConfig.parse(byteArray(configPointer, configLength))
  } catch {
    return fail("config.json: " + error.message)
  }
  var pooling = PoolingMode.mean
  if poolingLength > 0 {
    do throws(ConfigError) {
      pooling = try PoolingConfig.parse(byteArray(poolingPointer, poolingLength)).mode
    } catch {
      return fail("pooling config: " + error.message)
    }
  }
  let file: SafetensorsFile
  do throws(SafetensorsError) {
    file = try SafetensorsFile(bytes: bytes(weightsPointer, weightsLength))
  } catch {
    return fail("model.safetensors: " + error.message)
  }
  let arena = FloatArena()
  let model: BertModel
  do throws(ModelError) {
    model = try BertModel(config: config, file: file, arena: arena)
  } catch {
    return fail(error.message)
  }
  let embedder = SentenceEmbedder(
    tokenizer: tokenizer, model: model, pooling: pooling, normalize: normalize != 0,
    maxSequenceLength: maxSequenceLength > 0 ? Int(maxSequenceLength) : tokenizer.options.maxLength)
  return store(LoadedEmbedder(embedder: embedder, arena: arena, weights: weightsPointer), in: &embedders)
}

/// Frees the model, its arena and its safetensors bytes.
@_expose(wasm, "wasmicro_embedder_free")
@_cdecl("wasmicro_embedder_free")
public func embedderFree(handle: Int32) {
  guard lookup(handle, in: embedders) != nil else { return }
  embedders[Int(handle)] = nil
}

/// The embedding width (hidden size), or -1 for an unknown handle.
@_expose(wasm, "wasmicro_embedder_dimension")
@_cdecl("wasmicro_embedder_dimension")
public func embedderDimension(handle: Int32) -> Int32 {
  guard let loaded = lookup(handle, in: embedders) else { return fail("invalid model handle") }
  return Int32(loaded.embedder.model.config.hiddenSize)
}

/// The maximum number of tokens per text (after clamping to the position table), or -1.
@_expose(wasm, "wasmicro_embedder_max_sequence_length")
@_cdecl("wasmicro_embedder_max_sequence_length")
public func embedderMaxSequenceLength(handle: Int32) -> Int32 {
  guard let loaded = lookup(handle, in: embedders) else { return fail("invalid model handle") }
  return Int32(loaded.embedder.maxSequenceLength)
}

/// Embeds one text into `output` (`dimension` floats). Returns the dimension, or -1.
@_expose(wasm, "wasmicro_embedder_embed")
@_cdecl("wasmicro_embedder_embed")
public func embedderEmbed(
  handle: Int32, textPointer: UnsafeRawPointer?, textLength: Int32, output: UnsafeMutablePointer<Float>?
) -> Int32 {
  guard let loaded = lookup(handle, in: embedders) else { return fail("invalid model handle") }
  guard let output else { return fail("no output buffer") }
  do throws(ModelError) {
    let vector = try loaded.embedder.embed(text(textPointer, textLength))
    for index in vector.indices { output[index] = vector[index] }
    return Int32(vector.count)
  } catch {
    return fail(error.message)
  }
}
