// wasmicro.js — BERT sentence embeddings and WordPiece tokenization in the browser or Node, from a tiny wasm module.
// Scope: loading the module, copying bytes into wasm memory, turning status codes into Errors, typed-array results.
// Model directories are fetched by URL (with progress, kept in the Cache API) or read from disk in Node, and handed to
// the loaders unchanged: what a file means is decided by Model.load and the core, never here. Non-goals: threads (use a
// Web Worker per instance).
//
// The module is built from the same Swift core as the native library (see `make wasm`). Every export returns a status;
// a negative status means the core reported an error, whose message becomes a JS Error. The instance keeps working.

const ABI_VERSION = 3;
/** The core's per-text limit in UTF-8 bytes (WordPieceTokenizer.maxTextBytes): longer texts are refused by the module. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The instance `init()` loaded. @type {WasmState | null} */
let state = null;
/**
 * The multilingual module, instantiated by `Model.fromURL` / `fromDirectory` (and the other async loaders) beside `state`
 * when a model needs it and `state` is another module. `init()` retires both. @type {WasmState | null}
 */
let multilingualState = null;

/** The loaded module: exports plus helpers over its memory. */
class WasmState {
  constructor(instance) {
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this.scratch = 0;  // reusable input buffer for texts
    this.trapped = null;  // set after a wasm trap: the instance must not be used again
    this.scratchSize = 0;
    /** Set when `init()` replaced this instance: its objects refuse to run. */
    this.retired = false;
    /** Whether this is the multilingual module (tokenizer.json tokenizers; XLM-RoBERTa, RoBERTa, DistilBERT). */
    this.multilingual = typeof this.exports.wasmicro_tokenizer_json_new === "function";
  }

  bytes() {
    return new Uint8Array(this.memory.buffer);  // a fresh view: memory.grow detaches old buffers
  }

  malloc(size) {
    const pointer = this.exports.malloc(Math.max(size, 1)) >>> 0;
    if (pointer === 0) throw new Error(`wasmicro: out of wasm memory allocating ${size} bytes`);
    return pointer;
  }

  free(pointer) {
    if (pointer) this.exports.free(pointer);
  }

  /** Copies `data` into a new wasm allocation; the caller frees it. */
  copyIn(data) {
    const pointer = this.malloc(data.length);
    this.bytes().set(data, pointer);
    return pointer;
  }

  /** Copies `data` into the reusable scratch buffer (valid until the next call) and returns its address. */
  scratchCopy(data) {
    if (data.length > this.scratchSize) {
      this.free(this.scratch);
      this.scratchSize = Math.max(data.length, 2 * this.scratchSize, 1024);
      this.scratch = this.malloc(this.scratchSize);
    }
    this.bytes().set(data, this.scratch);
    return this.scratch;
  }

  /**
   * `scratchCopy(data)` for text bytes, except that texts over the module's per-text limit (`lengths`, default the whole
   * of `data`) are not copied: the address is 0, and the module checks the lengths first and returns its own error.
   */
  textCopy(data, ...lengths) {
    if (lengths.length === 0) lengths = [data.length];
    return lengths.some((length) => length > MAX_TEXT_BYTES) ? 0 : this.scratchCopy(data);
  }

  /** Runs `body(pointer, length)` with `data` copied into wasm memory, then frees it. */
  withBytes(data, body) {
    if (data.length === 0) return body(0, 0);
    const pointer = this.copyIn(data);
    try {
      return body(pointer, data.length);
    } finally {
      this.free(pointer);
    }
  }

  errorMessage() {
    const pointer = this.exports.wasmicro_error_pointer() >>> 0;
    const length = this.exports.wasmicro_error_length();
    return decoder.decode(this.bytes().subarray(pointer, pointer + length));
  }

  /** Throws the core's message when `status` is negative; returns `status` otherwise. */
  check(status, context) {
    if (status < 0) throw new Error(`wasmicro: ${context}: ${this.errorMessage()}`);
    return status;
  }

  /** Calls an export, converting a wasm trap (which should never happen) into an Error that says so. */
  call(name, ...args) {
    // After a trap the instance's state is undefined (a Swift operation stopped halfway): refuse to go on with it.
    if (this.trapped) throw new Error(`wasmicro: the wasm instance trapped earlier (${this.trapped}); call init() again`);
    try {
      return this.exports[name](...args);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        this.trapped = `${name}: ${error.message}`;
        throw new Error(`wasmicro: the wasm module trapped in ${name} (${error.message}); this is a bug, please report it`);
      }
      throw error;
    }
  }

  /** Where the last call's results are; every call that writes them says how many (its return value). */
  result() {
    return { pointer: this.exports.wasmicro_result_pointer() >>> 0 };
  }
}

/**
 * The instance to load into: `state`, unless `needs` (a reason, e.g. "tokenizer.json") says the model needs the
 * multilingual module and `state` is another module; then the multilingual instance the async loaders made.
 */
function requireState(needs) {
  if (!state) throw new Error("wasmicro: call `await init()` first");
  if (!needs || state.multilingual) return state;
  if (multilingualState) return multilingualState;
  throw new Error(`wasmicro: this model needs the multilingual module (${needs}): \`await init(MULTILINGUAL_MODULE)\` `
    + "(wasmicro-multilingual.wasm, next to wasmicro.js), or load it with fromURL / fromDirectory, which fetch it");
}

/** Like `requireState(needs)`, but instantiates the multilingual module beside `state` when it is needed and missing. */
async function requireStateLoading(needs) {
  const wasm = requireState();
  if (!needs || wasm.multilingual || multilingualState) return requireState(needs);
  const loading = await instantiate(MULTILINGUAL_MODULE);
  if (state === wasm && !multilingualState) multilingualState = loading;  // unless init() ran meanwhile
  return requireState(needs);
}

/**
 * Why a model directory's files need the multilingual module, or undefined: a tokenizer.json to tokenize with, or a
 * config.json whose model_type is not "bert". (Which module runs a model is the only thing read here.)
 */
function multilingualReason(files) {
  if (files.tokenizerJSON !== undefined && files.tokenizer === undefined && files.vocab === undefined) return "tokenizer.json";
  if (files.tokenizer instanceof Tokenizer && files.tokenizer.owner.multilingual) return "a multilingual-module tokenizer";
  const type = modelType(files);  // an unreadable config.json is the core's to refuse, with its own message
  return type !== undefined && type !== "bert" ? `model_type "${type}"` : undefined;
}

function isNode() {
  return typeof process !== "undefined" && process.versions != null && process.versions.node != null;
}

/** What to do when the module cannot be loaded; ends every such error's message. */
const MODULE_HINT = "build it with `make wasm` in the wasmicro repository (it writes web/wasmicro.wasm next to "
  + "wasmicro.js), or pass the module to init(): a URL, a path, bytes, a Response or a WebAssembly.Module";

/**
 * Loads the wasm module. `source` may be omitted (wasmicro.wasm next to this file), a URL or path string, a `URL`,
 * bytes (`ArrayBuffer`, typed array), a `Response`, or a compiled `WebAssembly.Module`. Calling it again replaces the
 * instance (existing Tokenizer/Model objects become invalid). A module that cannot be found, fetched or compiled
 * rejects with an Error saying where it looked and how to build or pass one.
 * @returns {Promise<void>}
 */
export async function init(source) {
  const loaded = await instantiate(source ?? new URL("./wasmicro.wasm", import.meta.url));
  if (state) state.retired = true;
  if (multilingualState) multilingualState.retired = true;
  multilingualState = null;
  state = loaded;
}

/** Fetches or reads, compiles and instantiates a module (see `init`): a new WasmState. */
async function instantiate(source) {
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else {
    let bytes = source;
    let origin = "the bytes given to init()";
    if (typeof source === "string" || source instanceof URL) {
      const url = typeof source === "string" ? new URL(source, isNode() ? `file://${process.cwd()}/` : location.href) : source;
      if (url.protocol === "file:") {
        const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
        origin = decodeURIComponent(url.pathname);
        try {
          bytes = await readFile(url);
        } catch (error) {
          const reason = error.code === "ENOENT" ? "no such file" : error.message;
          throw new Error(`wasmicro: cannot read the wasm module at ${origin} (${reason}); ${MODULE_HINT}`, { cause: error });
        }
      } else {
        origin = url.href;
        try {
          bytes = await fetch(url);
        } catch (error) {
          throw new Error(`wasmicro: cannot fetch the wasm module from ${origin} (${error.message}); ${MODULE_HINT}`, { cause: error });
        }
      }
    }
    if (typeof Response !== "undefined" && bytes instanceof Response) {
      if (bytes.url) origin = bytes.url;
      if (!bytes.ok) {
        const from = bytes.url ? ` from ${bytes.url}` : "";
        throw new Error(`wasmicro: fetching the wasm module${from} failed with HTTP ${bytes.status}; ${MODULE_HINT}`);
      }
      bytes = await bytes.arrayBuffer();
    }
    if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
      throw new TypeError("wasmicro.init: expected a URL, a path, bytes, a Response or a WebAssembly.Module");
    }
    try {
      ({ instance } = await WebAssembly.instantiate(bytes, {}));
    } catch (error) {
      // A CompileError here is usually an HTML error page or a truncated download served in place of the module.
      if (!(error instanceof WebAssembly.CompileError)) throw error;
      throw new Error(`wasmicro: ${origin}: not a valid wasm module (${error.message}); ${MODULE_HINT}`, { cause: error });
    }
  }
  const version = instance.exports.wasmicro_abi_version?.();
  if (version !== ABI_VERSION) {
    throw new Error(`wasmicro: the wasm module has ABI version ${version}, this wasmicro.js expects ${ABI_VERSION}`);
  }
  return new WasmState(instance);
}

// MARK: - Argument conversion

/** Bytes from a Uint8Array/ArrayBuffer/typed array (no copy) or a string (UTF-8). */
function toBytes(value, what) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") return encoder.encode(value);
  throw new TypeError(`wasmicro: ${what} must be bytes (Uint8Array or ArrayBuffer) or a string`);
}

/** JSON config bytes from a parsed object, a JSON string or bytes; `undefined`/`null` give an empty buffer. */
function toJSONBytes(value, what) {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value === "object" && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
    return encoder.encode(JSON.stringify(value));
  }
  return toBytes(value, what);
}

/** Parsed JSON from an object, a JSON string or bytes (used for the few settings read on the JS side). */
function toJSONValue(value, what) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object" && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) return value;
  try {
    return JSON.parse(typeof value === "string" ? value : decoder.decode(toBytes(value, what)));
  } catch (error) {
    throw new Error(`wasmicro: ${what} is not valid JSON: ${error.message}`);
  }
}

function requireText(text, what) {
  if (typeof text !== "string") throw new TypeError(`wasmicro: ${what} must be a string, got ${typeof text}`);
  return text;
}

/**
 * `value` as an integer the module takes as an i32, in `[minimum, 2^31 - 1]`: a TypeError when it is not an integer
 * number, a RangeError when it is out of range (the module would otherwise see it wrapped, e.g. 2^32 + 5 as 5).
 */
function requireInt32(value, what, minimum = 0) {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`wasmicro: ${what} must be an integer, got ${typeof value === "number" ? value : typeof value}`);
  }
  if (value < minimum || value > INT32_MAX) {
    throw new RangeError(`wasmicro: ${what} must be an integer from ${minimum} to ${INT32_MAX}, got ${value}`);
  }
  return value;
}

/** A loader's tokenizer source: a `Tokenizer`, or else `vocab` bytes to build one from (TypeError otherwise). */
function requireTokenizerSource({ tokenizer, vocab, tokenizerJSON }, loader) {
  if (tokenizer !== undefined && !(tokenizer instanceof Tokenizer)) throw new TypeError("wasmicro: `tokenizer` must be a Tokenizer");
  if (tokenizer === undefined && vocab === undefined && tokenizerJSON === undefined) {
    throw new TypeError(`wasmicro: ${loader} needs \`tokenizer\`, \`vocab\` (vocab.txt) or \`tokenizerJSON\` (tokenizer.json)`);
  }
}

/**
 * The loader's tokenizer in instance `wasm`: the given `Tokenizer` (which must live there), else one built from `vocab`
 * or `tokenizerJSON` (+ `tokenizerConfig`); `owned` says whether the loader built it.
 */
function loaderTokenizer(wasm, { tokenizer, vocab, tokenizerJSON, tokenizerConfig }, loader) {
  if (tokenizer !== undefined) {
    if (tokenizer.owner !== wasm) {
      throw new Error(`wasmicro: ${loader}: the tokenizer lives in another wasm module instance than this model needs `
        + "(build it from the same files, or pass `vocab` / `tokenizerJSON`)");
    }
    return { tokenizer, owned: false };
  }
  const built = vocab !== undefined
    ? Tokenizer.fromVocabIn(wasm, vocab, tokenizerConfig)
    : Tokenizer.fromJSONIn(wasm, tokenizerJSON, tokenizerConfig);
  return { tokenizer: built, owned: true };
}

/** Pooling mode names, in the order of the core's `PoolingMode` raw values (how a mode crosses the wasm boundary). */
const POOLING_MODES = ["mean", "cls", "max", "mean_sqrt_len"];

/**
 * The folder whose config.json configures pooling, by the core's rule (`PipelineDescription.poolingFolder`): the Pooling
 * module's path in modules.json, else "1_Pooling". Only which file to fetch is chosen here; what the files mean is
 * decided by the module's core. (A modules.json that is not valid JSON is fetched past, and refused by `Model.load`.)
 */
function poolingFolder(modules) {
  let list;
  try {
    list = toJSONValue(modules, "modules.json");
  } catch {
    return "1_Pooling";
  }
  const pooling = Array.isArray(list) ? list.find((module) => module?.type === "sentence_transformers.models.Pooling") : undefined;
  return typeof pooling?.path === "string" ? pooling.path : "1_Pooling";
}

// MARK: - Tokenizer

function checkMaxLength(maxLength) {
  requireInt32(maxLength, "maxLength");
}

/** Reads the result buffer of an encode call: ids, token types, mask (n Int32 each), n token byte lengths, token bytes. */
function readEncoding(wasm, count) {
  const { pointer } = wasm.result();
  const memory = wasm.memory.buffer;
  const ints = new Int32Array(memory.slice(pointer, pointer + 16 * count));
  const memoryBytes = new Uint8Array(memory);
  const tokens = [];
  let offset = pointer + 16 * count;
  for (let i = 0; i < count; i++) {
    const length = ints[3 * count + i];
    tokens.push(decoder.decode(memoryBytes.subarray(offset, offset + length)));
    offset += length;
  }
  return {
    inputIds: ints.slice(0, count),
    tokenTypeIds: ints.slice(count, 2 * count),
    attentionMask: ints.slice(2 * count, 3 * count),
    tokens,
  };
}

/** A WordPiece tokenizer (BERT uncased/cased rules, HF-exact). */
export class Tokenizer {
  /** @private */
  constructor(handle, owner, vocabularySize) {
    this.handle = handle;
    this.owner = owner;
    this.size = vocabularySize;
  }

  /**
   * Builds a tokenizer from vocab.txt and tokenizer_config.json settings.
   * @param vocab vocab.txt as bytes or text
   * @param options tokenizer_config.json as a parsed object, JSON text or bytes (optional; BERT uncased defaults)
   */
  static fromVocab(vocab, options) {
    return Tokenizer.fromVocabIn(requireState(), vocab, options);
  }

  /**
   * Builds a tokenizer from a HuggingFace tokenizer.json (WordPiece, Unigram with the Precompiled charsmap and
   * Metaspace, byte-level BPE; the added tokens and post-processor it names), exactly as HF tokenizers runs it. A
   * component the core does not run exactly is refused with an Error naming it. Needs the multilingual module.
   * @param json tokenizer.json as bytes, JSON text or a parsed object
   * @param options tokenizer_config.json (optional: model_max_length, the default maxLength)
   */
  static fromJSON(json, options) {
    return Tokenizer.fromJSONIn(requireState("tokenizer.json"), json, options);
  }

  /** @private */
  static fromJSONIn(wasm, json, options) {
    const jsonBytes = toJSONBytes(json, "tokenizer.json");
    const optionBytes = toJSONBytes(options, "tokenizer options");
    const hashKey = crypto.getRandomValues(new Uint32Array(1))[0] % 0x7FFFFFFE;
    const handle = wasm.withBytes(jsonBytes, (jsonPointer, jsonLength) =>
      wasm.withBytes(optionBytes, (optionsPointer, optionsLength) =>
        wasm.call("wasmicro_tokenizer_json_new", jsonPointer, jsonLength, optionsPointer, optionsLength, hashKey)));
    wasm.check(handle, "Tokenizer.fromJSON");
    const { pointer } = wasm.result();  // the vocabulary size
    return new Tokenizer(handle, wasm, new DataView(wasm.memory.buffer).getInt32(pointer, true));
  }

  /** @private */
  static fromVocabIn(wasm, vocab, options) {
    const vocabBytes = toBytes(vocab, "vocab");
    const optionBytes = toJSONBytes(options, "tokenizer options");
    // A fresh secret key for the vocabulary's hash table (below 2^31 - 2, see Vocabulary.init), so that no vocab.txt can
    // be crafted to make its tokens collide.
    const hashKey = crypto.getRandomValues(new Uint32Array(1))[0] % 0x7FFFFFFE;
    const handle = wasm.withBytes(vocabBytes, (vocabPointer, vocabLength) =>
      wasm.withBytes(optionBytes, (optionsPointer, optionsLength) =>
        wasm.call("wasmicro_tokenizer_new", vocabPointer, vocabLength, optionsPointer, optionsLength, hashKey)));
    wasm.check(handle, "Tokenizer.fromVocab");
    const { pointer } = wasm.result();  // the vocabulary size, written by a successful wasmicro_tokenizer_new
    return new Tokenizer(handle, wasm, new DataView(wasm.memory.buffer).getInt32(pointer, true));
  }

  #live() {
    if (this.handle < 0) throw new Error("wasmicro: this tokenizer was disposed");
    if (this.owner.retired) throw new Error("wasmicro: this tokenizer belongs to an instance replaced by init()");
    return this.owner;
  }

  /** Number of tokens in the vocabulary. */
  get vocabularySize() {
    this.#live();
    return this.size;
  }

  /**
   * Encodes `[CLS] text [SEP]`, truncated to `maxLength` tokens (default: the tokenizer's model_max_length).
   * @returns {{ inputIds: Int32Array, tokenTypeIds: Int32Array, attentionMask: Int32Array, tokens: string[] }}
   */
  encode(text, { maxLength = 0 } = {}) {
    const wasm = this.#live();
    requireText(text, "text");
    checkMaxLength(maxLength);
    const bytes = encoder.encode(text);
    const pointer = wasm.textCopy(bytes);
    const count = wasm.check(wasm.call("wasmicro_tokenizer_encode", this.handle, pointer, bytes.length, 0, -1, maxLength), "encode");
    return readEncoding(wasm, count);
  }

  /**
   * Encodes the pair `[CLS] first [SEP] second [SEP]` with longest-first truncation (token types 0 then 1).
   * @returns {{ inputIds: Int32Array, tokenTypeIds: Int32Array, attentionMask: Int32Array, tokens: string[] }}
   */
  encodePair(first, second, { maxLength = 0 } = {}) {
    const wasm = this.#live();
    requireText(first, "first");
    requireText(second, "second");
    checkMaxLength(maxLength);
    const firstBytes = encoder.encode(first);
    const secondBytes = encoder.encode(second);
    const both = new Uint8Array(firstBytes.length + secondBytes.length);
    both.set(firstBytes);
    both.set(secondBytes, firstBytes.length);
    const pointer = wasm.textCopy(both, firstBytes.length, secondBytes.length);
    const count = wasm.check(wasm.call("wasmicro_tokenizer_encode", this.handle, pointer, firstBytes.length,
      pointer && pointer + firstBytes.length, secondBytes.length, maxLength), "encodePair");
    return readEncoding(wasm, count);
  }

  /** Releases the tokenizer's wasm memory. Models built from it keep working. */
  dispose() {
    if (this.handle >= 0 && !this.owner.retired) this.owner.call("wasmicro_release", this.handle);
    this.handle = -1;
  }
}

// MARK: - BERT encoder

/** A BERT encoder (no tokenizer): token ids in, last_hidden_state, pooler output or classifier logits out. */
export class BertModel {
  /** @private */
  constructor(handle, owner, info) {
    this.handle = handle;
    this.owner = owner;
    /** config.json sizes, plus whether the checkpoint has a pooler and how many classifier labels (0: none). */
    this.info = info;
  }

  /**
   * Loads a BERT checkpoint. The safetensors bytes are copied into wasm memory once and parsed in place there.
   * @param {{ safetensors: Uint8Array | ArrayBuffer, config: object | string | Uint8Array }} files
   */
  static load({ safetensors, config } = {}) {
    return BertModel.loadIn(requireState(multilingualReason({ config })), { safetensors, config });
  }

  /** @private */
  static loadIn(wasm, { safetensors, config }) {
    if (safetensors === undefined) throw new TypeError("wasmicro: load needs `safetensors` (model.safetensors bytes)");
    if (config === undefined) throw new TypeError("wasmicro: load needs `config` (config.json)");
    const weightBytes = toBytes(safetensors, "safetensors");
    const configBytes = toJSONBytes(config, "config");
    let weights = wasm.copyIn(weightBytes);
    try {
      const handle = wasm.check(wasm.withBytes(configBytes, (configPointer, configLength) =>
        wasm.call("wasmicro_model_new", weights, weightBytes.length, configPointer, configLength)), "load");
      weights = 0;  // the model owns them now
      const { pointer } = wasm.result();  // the model's shape, written by a successful wasmicro_model_new
      const [hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings, vocabSize, pooler,
        numLabels] = new Int32Array(wasm.memory.buffer.slice(pointer, pointer + 32));
      return new BertModel(handle, wasm, { hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
        maxPositionEmbeddings, vocabSize, hasPooler: pooler === 1, numLabels });
    } finally {
      wasm.free(weights);
    }
  }

  /** @private */
  live() {
    if (this.handle < 0) throw new Error("wasmicro: this model was disposed");
    if (this.owner.retired) throw new Error("wasmicro: this model belongs to an instance replaced by init()");
    return this.owner;
  }

  /** Runs `body(pointers)` with Int32 arrays copied into wasm memory and an output buffer of `outputFloats`. */
  #withInputs(arrays, outputFloats, body) {
    const wasm = this.live();
    const pointers = arrays.map((array) => (array ? wasm.copyIn(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)) : 0));
    const output = wasm.malloc(4 * outputFloats);
    try {
      const count = body(wasm, pointers, output);
      return new Float32Array(wasm.memory.buffer.slice(output, output + 4 * count));
    } finally {
      pointers.forEach((pointer) => wasm.free(pointer));
      wasm.free(output);
    }
  }

  /**
   * Runs the encoder on `[batchSize, sequenceLength]` token ids (row-major). `tokenTypeIds` defaults to zeros and
   * `attentionMask` to ones; each mask row must be right-padded (ones, then zeros), as HF tokenizers pad by default:
   * BERT's position ids count from the first column, so a row with padding first or in between would need other
   * positions (RangeError). Only real tokens are computed; padding rows of the result are zeros.
   * @returns {Float32Array} last_hidden_state `[batchSize, sequenceLength, hiddenSize]`
   */
  forward({ inputIds, tokenTypeIds, attentionMask, batchSize = 1, sequenceLength = inputIds?.length }) {
    const ids = toInt32Array(inputIds, "inputIds");
    const types = tokenTypeIds === undefined ? null : toInt32Array(tokenTypeIds, "tokenTypeIds");
    const mask = attentionMask === undefined ? null : toInt32Array(attentionMask, "attentionMask");
    requireInt32(batchSize, "batchSize");
    requireInt32(sequenceLength, "sequenceLength");
    for (const [array, name] of [[ids, "inputIds"], [types, "tokenTypeIds"], [mask, "attentionMask"]]) {
      if (array && array.length !== batchSize * sequenceLength) {
        throw new TypeError(`wasmicro: ${name} has ${array.length} values, expected batchSize * sequenceLength = ${batchSize * sequenceLength}`);
      }
    }
    // The sequences laid end to end without their padding: what the module's encoder runs (one matrix, no masks).
    const lengths = new Int32Array(batchSize);
    for (let row = 0; row < batchSize; row += 1) {
      let length = sequenceLength;
      if (mask) {
        const values = mask.subarray(row * sequenceLength, (row + 1) * sequenceLength);
        length = values.indexOf(0);
        if (length < 0) length = sequenceLength;
        if (values.subarray(length).some((value) => value !== 0)) {
          throw new RangeError(`wasmicro: attentionMask row ${row} is not right-padded (ones, then zeros): BERT's position ids `
            + "count from the first column, so padding must come last");
        }
      }
      lengths[row] = length;
    }
    const tokens = lengths.reduce((sum, length) => sum + length, 0);
    const pack = (array) => {
      if (!array) return null;
      const packed = new Int32Array(tokens);
      let offset = 0;
      lengths.forEach((length, row) => {
        packed.set(array.subarray(row * sequenceLength, row * sequenceLength + length), offset);
        offset += length;
      });
      return packed;
    };
    const hiddenSize = this.info.hiddenSize;
    const rows = this.#withInputs([pack(ids), pack(types), lengths], tokens * hiddenSize, (wasm, [a, b, c], output) =>
      wasm.check(wasm.call("wasmicro_model_forward", this.handle, a, b, c, batchSize, output), "forward"));
    const hidden = new Float32Array(batchSize * sequenceLength * hiddenSize);
    let offset = 0;
    lengths.forEach((length, row) => {
      hidden.set(rows.subarray(offset * hiddenSize, (offset + length) * hiddenSize), row * sequenceLength * hiddenSize);
      offset += length;
    });
    return hidden;
  }

  /** BERT's pooler, tanh(dense(hidden[:, 0])), from a forward result. @returns {Float32Array} `[batchSize, hiddenSize]` */
  pooler(lastHiddenState, batchSize, sequenceLength) {
    return this.#head(lastHiddenState, batchSize, sequenceLength, 0, this.info.hiddenSize);
  }

  /** Sequence-classification logits from a forward result. @returns {Float32Array} `[batchSize, numLabels]` */
  logits(lastHiddenState, batchSize, sequenceLength) {
    return this.#head(lastHiddenState, batchSize, sequenceLength, 1, Math.max(this.info.numLabels, 1));
  }

  #head(lastHiddenState, batchSize, sequenceLength, logits, width) {
    if (!(lastHiddenState instanceof Float32Array)) throw new TypeError("wasmicro: lastHiddenState must be a Float32Array");
    requireInt32(batchSize, "batchSize");
    requireInt32(sequenceLength, "sequenceLength");
    if (lastHiddenState.length !== batchSize * sequenceLength * this.info.hiddenSize) {
      throw new TypeError("wasmicro: lastHiddenState must be [batchSize, sequenceLength, hiddenSize]");
    }
    return this.#withInputs([lastHiddenState], batchSize * width, (wasm, [hidden], output) =>
      wasm.check(wasm.call("wasmicro_model_head", this.handle, hidden, batchSize, sequenceLength, logits, output), "head"));
  }

  /** Releases the model; its weights are freed once no embedder uses them either. */
  dispose() {
    if (this.handle >= 0 && !this.owner.retired) this.owner.call("wasmicro_release", this.handle);
    this.handle = -1;
  }
}

/** An Int32Array of `values`, refusing what `Int32Array.from` would wrap or truncate (2^32 + 7 is not 7, 1.5 not 1). */
function toInt32Array(values, what) {
  if (values instanceof Int32Array) return values;
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    throw new TypeError(`wasmicro: ${what} must be an Int32Array or an array of integers`);
  }
  const result = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) result[i] = requireInt32(values[i], `${what}[${i}]`, -(2 ** 31));
  return result;
}

// MARK: - Sequence classifier

/** A BertForSequenceClassification checkpoint with its tokenizer: text (or a text pair) → label. */
export class Classifier {
  /** @private */
  constructor(model, tokenizer, ownsTokenizer, labels, maxSeqLength) {
    /** The underlying encoder. */
    this.model = model;
    /** The tokenizer this classifier encodes with. */
    this.tokenizer = tokenizer;
    this.ownsTokenizer = ownsTokenizer;
    /** Label names by class id (config.json id2label, else LABEL_i). */
    this.labels = labels;
    /** Tokens per input after truncation. */
    this.maxSeqLength = maxSeqLength;
  }

  /**
   * Loads a classifier: `safetensors`, `config`, and `tokenizer` or `vocab` (+ `tokenizerConfig`); `maxSeqLength`
   * defaults to the tokenizer's model_max_length, capped at max_position_embeddings.
   */
  static load(files) {
    if (files === null || typeof files !== "object") throw new TypeError("wasmicro: Classifier.load expects an object of files");
    const { safetensors, config, tokenizer, tokenizerConfig } = files;
    requireTokenizerSource(files, "Classifier.load");
    const wasm = requireState(multilingualReason(files));
    const parsedConfig = toJSONValue(config, "config");
    const model = BertModel.loadIn(wasm, { safetensors, config });
    if (model.info.numLabels === 0 || !model.info.hasPooler) {
      model.dispose();
      throw new Error("wasmicro: Classifier.load: the checkpoint has no classifier head (not a BertForSequenceClassification)");
    }
    let modelTokenizer;
    try {
      modelTokenizer = loaderTokenizer(wasm, files, "Classifier.load").tokenizer;
    } catch (error) {
      model.dispose();
      throw error;
    }
    const id2label = parsedConfig?.id2label ?? {};
    let labels = Array.from({ length: model.info.numLabels }, (_, index) => id2label[index] ?? id2label[String(index)]);
    if (labels.some((label) => typeof label !== "string")) labels = labels.map((_, index) => `LABEL_${index}`);
    if (files.maxSeqLength !== undefined) requireInt32(files.maxSeqLength, "`maxSeqLength`");
    const limit = files.maxSeqLength > 0
      ? files.maxSeqLength
      : toJSONValue(tokenizerConfig, "tokenizer config")?.model_max_length ?? 512;
    const maxSeqLength = Math.max(2, Math.min(limit, model.info.maxPositionEmbeddings));
    return new Classifier(model, modelTokenizer, tokenizer === undefined, labels, maxSeqLength);
  }

  /**
   * Fetches a classifier directory (config.json, vocab.txt, model.safetensors, and tokenizer_config.json unless the
   * server answers 404) and loads it; progress and caching as `Model.fromURL`.
   */
  static async fromURL(baseURL, options) {
    const files = await filesFromURL("Classifier.fromURL", baseURL, options, classifierFiles);
    await requireStateLoading(multilingualReason(files));
    return Classifier.load(files);
  }

  /** Reads the same files as `Classifier.fromURL` from a directory on disk (Node) and loads them. */
  static async fromDirectory(path, options) {
    const files = await filesFromDirectory("Classifier.fromDirectory", path, options, classifierFiles);
    await requireStateLoading(multilingualReason(files));
    return Classifier.load(files);
  }

  /**
   * Classifies a text, or a text pair for NLI-style heads.
   * @returns {{ label: string, labelIndex: number, score: number, logits: Float32Array, probabilities: Float32Array }}
   */
  classify(text, pair) {
    requireText(text, "text");
    if (pair !== undefined) requireText(pair, "pair");
    const options = { maxLength: this.maxSeqLength };
    const encoding = pair === undefined ? this.tokenizer.encode(text, options) : this.tokenizer.encodePair(text, pair, options);
    const length = encoding.inputIds.length;
    const hidden = this.model.forward({
      inputIds: encoding.inputIds, tokenTypeIds: encoding.tokenTypeIds, attentionMask: encoding.attentionMask,
      batchSize: 1, sequenceLength: length,
    });
    const logits = this.model.logits(hidden, 1, length);
    const largest = Math.max(...logits);
    const exponentials = logits.map((value) => Math.exp(value - largest));
    const total = exponentials.reduce((sum, value) => sum + value, 0);
    const probabilities = exponentials.map((value) => value / total);
    const labelIndex = logits.indexOf(largest);
    return { label: this.labels[labelIndex], labelIndex, score: probabilities[labelIndex], logits, probabilities };
  }

  /** Frees the model (and the tokenizer when the classifier built it). */
  dispose() {
    this.model.dispose();
    if (this.ownsTokenizer) this.tokenizer.dispose();
  }
}

// MARK: - Sentence embedder

/** A sentence embedder: tokenizer + BERT encoder + pooling (+ L2 normalisation), as sentence-transformers. */
export class Model {
  /** @private */
  constructor(handle, owner, dimension, output, tokenizer, ownsTokenizer, pipeline) {
    this.handle = handle;
    this.owner = owner;
    /** Width of each embedding. */
    this.dimension = dimension;
    /** The pipeline the core decided from the files and options: `{ maxSeqLength, pooling, normalize }`. */
    this.pipeline = Object.freeze(pipeline);
    this.output = output;
    /** The tokenizer this model encodes with. */
    this.tokenizer = tokenizer;
    this.ownsTokenizer = ownsTokenizer;
  }

  /**
   * Loads a BERT sentence embedder. The safetensors bytes are copied into wasm memory once and parsed in place there.
   * @param {object} files
   * @param files.safetensors model.safetensors bytes (F32, F16 or BF16 tensors)
   * @param files.config config.json (object, JSON text or bytes)
   * @param files.tokenizer a Tokenizer, or else `vocab` (+ optional `tokenizerConfig`) to build one
   * @param files.modules modules.json, `files.poolingConfig` the Pooling folder's config.json (1_Pooling/config.json),
   *   `files.sentenceBertConfig` sentence_bert_config.json: each optional, and read by the module's core exactly as the CLI
   *   reads them from a directory (`Model.fromURL` / `fromDirectory` fetch them for you). Without modules.json there is
   *   no normalisation, as in sentence-transformers.
   * @param files.pooling an explicit choice over the files: "mean" | "cls" | "max" | "mean_sqrt_len" (or, as before,
   *   1_Pooling/config.json itself)
   * @param files.normalize an explicit choice over the files: L2-normalise embeddings or not
   * @param files.maxSeqLength an explicit choice over the files: tokens per text
   */
  static load(files) {
    if (files === null || typeof files !== "object") throw new TypeError("wasmicro: Model.load expects an object of files");
    const wasm = requireState(multilingualReason(files));
    const { safetensors, config, modules, sentenceBertConfig, pooling, normalize } = files;
    if (safetensors === undefined) throw new TypeError("wasmicro: Model.load needs `safetensors` (model.safetensors bytes)");
    if (config === undefined) throw new TypeError("wasmicro: Model.load needs `config` (config.json)");
    requireTokenizerSource(files, "Model.load");
    let { poolingConfig } = files;
    let poolingMode = -1;  // as the files say
    if (typeof pooling === "string" && !pooling.trimStart().startsWith("{")) {
      poolingMode = POOLING_MODES.indexOf(pooling);
      if (poolingMode < 0) throw new TypeError(`wasmicro: unknown pooling "${pooling}" (expected ${POOLING_MODES.join(", ")})`);
    } else if (pooling !== undefined) {
      if (poolingConfig !== undefined) throw new TypeError("wasmicro: Model.load takes `pooling` as a config or `poolingConfig`, not both");
      poolingConfig = pooling;
    }
    if (normalize !== undefined && typeof normalize !== "boolean") throw new TypeError("wasmicro: `normalize` must be a boolean");
    const maxSeqLength = files.maxSeqLength ?? 0;
    requireInt32(maxSeqLength, "`maxSeqLength`");
    // The pipeline files as they are: the core decides pooling, normalisation and length from them.
    const pipelineFiles = [[modules, "modules.json"], [poolingConfig, "pooling config"], [sentenceBertConfig, "sentence_bert_config.json"]]
      .map(([value, what]) => (value === undefined ? undefined : toJSONBytes(value, what)));

    const { tokenizer: modelTokenizer, owned: ownsTokenizer } = loaderTokenizer(wasm, files, "Model.load");
    let bert = null;
    try {
      modelTokenizer.vocabularySize;  // throws when disposed or stale
      bert = BertModel.loadIn(wasm, { safetensors, config });
      // A table of (pointer, length) pairs, one per pipeline file; pointer 0 = absent (an empty file is present).
      const pointers = pipelineFiles.map((bytes) => (bytes === undefined ? 0 : wasm.copyIn(bytes.length > 0 ? bytes : new Uint8Array(1))));
      const table = new Int32Array(pipelineFiles.flatMap((bytes, index) => [pointers[index], bytes?.length ?? 0]));
      const tablePointer = wasm.copyIn(new Uint8Array(table.buffer));
      let handle;
      try {
        handle = wasm.check(wasm.call("wasmicro_embedder_new", bert.handle, modelTokenizer.handle, tablePointer, poolingMode,
          normalize === undefined ? -1 : normalize ? 1 : 0, maxSeqLength), "Model.load");
      } finally {
        pointers.forEach((pointer) => pointer !== 0 && wasm.free(pointer));
        wasm.free(tablePointer);
      }
      // A successful wasmicro_embedder_new leaves the pipeline in the result buffer: dimension, max tokens per text,
      // pooling mode, normalize.
      const { pointer } = wasm.result();
      const [dimension, length, mode, normalized] = new Int32Array(wasm.memory.buffer.slice(pointer, pointer + 16));
      const output = wasm.malloc(4 * dimension + 4);  // + the text length slot of `embed`
      const pipeline = { maxSeqLength: length, pooling: POOLING_MODES[mode], normalize: normalized === 1 };
      return new Model(handle, wasm, dimension, output, modelTokenizer, ownsTokenizer, pipeline);
    } catch (error) {
      if (ownsTokenizer) modelTokenizer.dispose();
      throw error;
    } finally {
      bert?.dispose();  // the embedder holds its own reference to the weights
    }
  }

  /**
   * Fetches a sentence-transformers model directory and loads it: config.json, vocab.txt, model.safetensors, and when
   * the server has them (HTTP 404 means absent) tokenizer_config.json, modules.json, 1_Pooling/config.json and
   * sentence_bert_config.json, handed to `Model.load` as they are. In browsers the files are kept in the Cache API
   * (`MODEL_CACHE_NAME`), so a second load needs no network.
   * @param baseURL the directory's URL (relative to the page in browsers)
   * @param options `onProgress({ file, loaded, total })` per chunk of each file; `cache`: false, true or a cache name
   */
  static async fromURL(baseURL, options) {
    const files = await filesFromURL("Model.fromURL", baseURL, options, embedderFiles);
    await requireStateLoading(multilingualReason(files));
    return Model.load(files);
  }

  /** Reads the same files as `fromURL` from a directory on disk (Node) and loads them. */
  static async fromDirectory(path, options) {
    const files = await filesFromDirectory("Model.fromDirectory", path, options, embedderFiles);
    await requireStateLoading(multilingualReason(files));
    return Model.load(files);
  }

  #live() {
    if (this.handle < 0) throw new Error("wasmicro: this model was disposed");
    if (this.owner.retired) throw new Error("wasmicro: this model belongs to an instance replaced by init()");
    return this.owner;
  }

  /** Tokens per text after truncation (including [CLS] and [SEP]). */
  get maxSeqLength() {
    this.#live();
    return this.pipeline.maxSeqLength;
  }

  /** Embeds one text (a batch of one: the same path as `embedBatch`). @returns {Float32Array} `dimension` floats */
  embed(text) {
    const wasm = this.#live();
    requireText(text, "text");
    const bytes = encoder.encode(text);
    const pointer = wasm.textCopy(bytes);
    const lengthPointer = this.output + 4 * this.dimension;  // one Int32 after the output floats
    new DataView(wasm.memory.buffer).setInt32(lengthPointer, bytes.length, true);
    wasm.check(wasm.call("wasmicro_embedder_embed_batch", this.handle, pointer, lengthPointer, 1, this.output), "embed");
    return new Float32Array(wasm.memory.buffer.slice(this.output, this.output + 4 * this.dimension));
  }

  /**
   * Embeds texts in batches of `batchSize` (default 32): each batch is one forward pass over the real tokens of all its
   * texts (no padding), so a batch costs far less than its texts one by one. Each vector is `embed`'s, bit for bit.
   * @returns {Float32Array[]}
   */
  embedBatch(texts, { batchSize = 32 } = {}) {
    const wasm = this.#live();
    if (!Array.isArray(texts)) throw new TypeError("wasmicro: embedBatch expects an array of strings");
    texts.forEach((text, index) => requireText(text, `texts[${index}]`));
    if (!Number.isInteger(batchSize)) throw new TypeError(`wasmicro: embedBatch's batchSize must be an integer, got ${batchSize}`);
    if (batchSize < 1 || batchSize > 0x7fffffff) {
      throw new RangeError(`wasmicro: embedBatch's batchSize must be between 1 and 2147483647, got ${batchSize}`);
    }
    const vectors = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const encoded = texts.slice(start, start + batchSize).map((text) => encoder.encode(text));
      const lengths = Int32Array.from(encoded, (bytes) => bytes.length);
      const joined = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
      encoded.reduce((offset, bytes) => (joined.set(bytes, offset), offset + bytes.length), 0);
      const floats = encoded.length * this.dimension;
      // An over-limit text is refused by the module from its length alone: its bytes are never copied in.
      const overLimit = encoded.some((bytes) => bytes.length > MAX_TEXT_BYTES);
      const textsPointer = overLimit ? 0 : wasm.copyIn(joined.length > 0 ? joined : new Uint8Array(1));
      const lengthsPointer = wasm.copyIn(new Uint8Array(lengths.buffer));
      const output = wasm.malloc(4 * floats);
      try {
        wasm.check(wasm.call("wasmicro_embedder_embed_batch", this.handle, textsPointer, lengthsPointer,
          encoded.length, output), "embedBatch");
        const all = new Float32Array(wasm.memory.buffer.slice(output, output + 4 * floats));
        for (let index = 0; index < encoded.length; index += 1) {
          vectors.push(all.slice(index * this.dimension, (index + 1) * this.dimension));
        }
      } finally {
        if (textsPointer !== 0) wasm.free(textsPointer);
        wasm.free(lengthsPointer);
        wasm.free(output);
      }
    }
    return vectors;
  }

  /** Frees the weights, the model and (when the model built it) its tokenizer. */
  dispose() {
    if (this.handle >= 0 && !this.owner.retired) {
      this.owner.call("wasmicro_release", this.handle);
      this.owner.free(this.output);
      if (this.ownsTokenizer) this.tokenizer.dispose();
    }
    this.handle = -1;
  }
}

// MARK: - Embedding classifier (a head over sentence embeddings; the heads module)

/**
 * The heads module, wasmicro-heads.wasm next to this file: the default module's exports plus the embedding-head ones
 * that `EmbeddingClassifier` needs (they do not fit the default module's size budget). `await init(HEADS_MODULE)`.
 */
export const HEADS_MODULE = new URL("./wasmicro-heads.wasm", import.meta.url);

/**
 * The multilingual module, wasmicro-multilingual.wasm next to this file: the heads module plus tokenizers from
 * tokenizer.json (Unigram with the Precompiled charsmap, byte-level BPE, WordPiece) and the XLM-RoBERTa, RoBERTa and
 * DistilBERT encoders. The async loaders (`fromURL`, `fromDirectory`) instantiate it themselves, beside the module
 * `init()` loaded, when a model directory needs it; `await init(MULTILINGUAL_MODULE)` makes it the only one.
 */
export const MULTILINGUAL_MODULE = new URL("./wasmicro-multilingual.wasm", import.meta.url);

const HEAD_KINDS = ["softmax", "ovr", "binary"];  // the core's HeadKind raw values, in order

/**
 * A website classifier without fine-tuning: a sentence embedder and a logistic-regression head over its embeddings,
 * read from a head file (FORMAT.md, "Embedding head files"; reference/export_head.py converts scikit-learn and SetFit
 * heads). The module's core parses the head and computes the probabilities, exactly as `wasmicro classify --head`.
 */
export class EmbeddingClassifier {
  /** @private */
  constructor(model, ownsModel, handle, owner, head) {
    /** The sentence embedder. */
    this.model = model;
    this.ownsModel = ownsModel;
    this.handle = handle;
    this.owner = owner;
    /** Label names, in the head's class order. */
    this.labels = head.labels;
    /** "softmax" (multinomial), "ovr" (one-vs-rest) or "binary". */
    this.kind = head.kind;
    this.buffer = owner.malloc(4 * (model.dimension + head.labels.length));
  }

  /**
   * A classifier from a loaded `Model` (or the files `Model.load` takes, then owned by the classifier) and the head
   * file's bytes. Needs the heads module (`await init(HEADS_MODULE)`).
   */
  static load({ model, head } = {}) {
    if (model === undefined || model === null) throw new TypeError("wasmicro: EmbeddingClassifier.load needs `model` (a Model or its files)");
    // The head lives in the model's instance (the multilingual module has the head exports too).
    const wasm = model instanceof Model ? model.owner ?? requireState() : requireState(multilingualReason(model));
    if (typeof wasm.exports.wasmicro_head_new !== "function") {
      throw new Error("wasmicro: EmbeddingClassifier needs the heads module: `await init(HEADS_MODULE)` (wasmicro-heads.wasm, "
        + "built by `make wasm`); the default module has no embedding-head exports");
    }
    const headBytes = toBytes(head, "`head` (the head file's bytes)");
    const ownsModel = !(model instanceof Model);
    const embedder = ownsModel ? Model.load(model) : model;
    try {
      embedder.maxSeqLength;  // throws when disposed or stale
      let pointer = wasm.copyIn(headBytes.length > 0 ? headBytes : new Uint8Array(1));
      let handle;
      try {
        handle = wasm.check(wasm.call("wasmicro_head_new", pointer, headBytes.length), "EmbeddingClassifier.load");
        pointer = 0;  // the head owns its bytes now
      } finally {
        if (pointer !== 0) wasm.free(pointer);
      }
      const { pointer: result } = wasm.result();
      const [kind, dimension, count] = new Int32Array(wasm.memory.buffer.slice(result, result + 12));
      const lengths = new Int32Array(wasm.memory.buffer.slice(result + 12, result + 12 + 4 * count));
      const labels = [];
      let offset = result + 12 + 4 * count;
      for (const length of lengths) {
        labels.push(decoder.decode(wasm.bytes().subarray(offset, offset + length)));
        offset += length;
      }
      if (dimension !== embedder.dimension) {
        wasm.call("wasmicro_release", handle);
        throw new Error(`wasmicro: EmbeddingClassifier.load: the head expects ${dimension}-dimensional embeddings, the model `
          + `makes ${embedder.dimension}`);
      }
      return new EmbeddingClassifier(embedder, ownsModel, handle, wasm, { labels, kind: HEAD_KINDS[kind] });
    } catch (error) {
      if (ownsModel) embedder.dispose();
      throw error;
    }
  }

  /** `Model.fromURL(modelURL)` plus the head file at `headURL` (progress and caching as `Model.fromURL`). */
  static async fromURL(modelURL, headURL, options) {
    const head = await headFile("EmbeddingClassifier.fromURL", headURL, options, true);
    const model = await Model.fromURL(modelURL, options);
    return EmbeddingClassifier.#owning(model, head);
  }

  /** `Model.fromDirectory(modelPath)` plus the head file at `headPath` (Node). */
  static async fromDirectory(modelPath, headPath, options) {
    const head = await headFile("EmbeddingClassifier.fromDirectory", headPath, options, false);
    const model = await Model.fromDirectory(modelPath, options);
    return EmbeddingClassifier.#owning(model, head);
  }

  static #owning(model, head) {
    try {
      const classifier = EmbeddingClassifier.load({ model, head });
      classifier.ownsModel = true;
      return classifier;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  #live() {
    if (this.handle < 0) throw new Error("wasmicro: this classifier was disposed");
    if (this.owner.retired) throw new Error("wasmicro: this classifier belongs to an instance replaced by init()");
    return this.owner;
  }

  /**
   * Classifies one text: its embedding, then the head.
   * @returns {{ label: string, labelIndex: number, score: number, probabilities: Float32Array }}
   */
  classify(text) {
    const wasm = this.#live();
    return this.#apply(wasm, this.model.embed(text));
  }

  /** Classifies texts, embedded in batches as `Model.embedBatch` (each result equals `classify`'s). */
  classifyBatch(texts, options) {
    const wasm = this.#live();
    return this.model.embedBatch(texts, options).map((embedding) => this.#apply(wasm, embedding));
  }

  #apply(wasm, embedding) {
    const dimension = this.model.dimension;
    const output = this.buffer + 4 * dimension;
    new Float32Array(wasm.memory.buffer, this.buffer, dimension).set(embedding);
    const labelIndex = wasm.check(wasm.call("wasmicro_head_classify", this.handle, this.buffer, output), "classify");
    const probabilities = new Float32Array(wasm.memory.buffer.slice(output, output + 4 * this.labels.length));
    return { label: this.labels[labelIndex], labelIndex, score: probabilities[labelIndex], probabilities };
  }

  /** Frees the head (and the model, when the classifier loaded it). */
  dispose() {
    if (this.handle >= 0 && !this.owner.retired) {
      this.owner.call("wasmicro_release", this.handle);
      this.owner.free(this.buffer);
      if (this.ownsModel) this.model.dispose();
    }
    this.handle = -1;
  }
}

/** A head file's bytes: fetched (browsers; cached and reported as `fromURL` does) or read from disk (Node). */
async function headFile(loader, location, options, byURL) {
  const { onProgress, cache } = loaderOptions(loader, options, byURL);
  if (typeof location !== "string" && !(location instanceof URL)) {
    throw new TypeError(`wasmicro: ${loader}: the head file must be given as a ${byURL ? "URL" : "path"} (string or URL), got ${typeName(location)}`);
  }
  requireState();
  let url = null;
  if (byURL) {
    try {
      url = typeof globalThis.location?.href === "string" ? new URL(location, globalThis.location.href) : new URL(location);
    } catch {
      throw new TypeError(`wasmicro: ${loader}: head URL "${location}" is not an absolute URL`);
    }
  }
  const name = String(url ? url.pathname : location).split("/").pop();
  if (!url || url.protocol === "file:") {
    if (!isNode()) throw new Error(`wasmicro: ${loader} reads from disk and needs Node; in a browser use fromURL`);
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
    let bytes;
    try {
      bytes = new Uint8Array(await readFile(url ?? location));
    } catch (error) {
      const reason = error.code === "ENOENT" ? "no such file" : error.message;
      throw new Error(`wasmicro: ${loader}: cannot read the head file ${url?.pathname ?? location} (${reason})`, { cause: error });
    }
    onProgress?.({ file: name, loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const store = await openCache(loader, cache);
  return fetchModelFile(loader, { name, required: true }, url.href, store, onProgress);
}

// MARK: - Model directories by URL or path (fromURL / fromDirectory)

/**
 * The Cache API cache in which `fromURL` keeps the files it fetched (browsers), unless its `cache` option names
 * another. Delete it with `caches.delete(MODEL_CACHE_NAME)` to fetch everything again.
 */
export const MODEL_CACHE_NAME = "wasmicro-models-v1";

// The files of a model directory, as the loaders take them: file name → the loader's key, and whether it must exist.
// An optional file that is absent is passed as `undefined`, so the loader treats it exactly as if the caller had left
// it out. The weights come last, so that a missing or broken small file fails before the large download.
/** config.json's model_type, when the files have a readable one (which tokenizer file and module a model needs). */
function modelType(files) {
  try {
    const type = toJSONValue(files.config, "config.json")?.model_type;
    return typeof type === "string" ? type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tokenizer file of a model directory, by the core's rule (as `ModelDirectory` reads one): a BERT checkpoint
 * (model_type "bert" or none) is tokenized from vocab.txt, which the default module reads; any other from tokenizer.json
 * as HF does, else from vocab.txt. Only the file used is fetched.
 */
const isBertConfig = (files) => (modelType(files) ?? "bert") === "bert";
const tokenizerFiles = [
  { name: "tokenizer.json", key: "tokenizerJSON", skip: isBertConfig },
  { name: "vocab.txt", key: "vocab", required: true, skip: (files) => files.tokenizerJSON !== undefined },
];

const embedderFiles = [
  { name: "config.json", key: "config", required: true },
  ...tokenizerFiles,
  { name: "tokenizer_config.json", key: "tokenizerConfig" },
  { name: "modules.json", key: "modules" },
  // The Pooling module's folder, as modules.json names it (the core decides; "1_Pooling" without modules.json).
  { name: (files) => `${poolingFolder(files.modules)}/config.json`, key: "poolingConfig" },
  { name: "sentence_bert_config.json", key: "sentenceBertConfig" },
  { name: "model.safetensors", key: "safetensors", required: true },
];
const classifierFiles = [
  { name: "config.json", key: "config", required: true },
  ...tokenizerFiles,
  { name: "tokenizer_config.json", key: "tokenizerConfig" },
  { name: "model.safetensors", key: "safetensors", required: true },
];

function typeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/** Checks `{ onProgress, cache }` (TypeError naming what was expected); returns the progress callback and cache choice. */
function loaderOptions(loader, options, takesCache) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    const keys = takesCache ? "{ onProgress, cache }" : "{ onProgress }";
    throw new TypeError(`wasmicro: ${loader}: options must be an object ${keys}, got ${typeName(options)}`);
  }
  const { onProgress, cache } = options;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(`wasmicro: ${loader}: onProgress must be a function ({ file, loaded, total }) => void, got ${typeName(onProgress)}`);
  }
  if (takesCache && cache !== undefined && typeof cache !== "boolean" && !(typeof cache === "string" && cache !== "")) {
    throw new TypeError(`wasmicro: ${loader}: cache must be a boolean or a cache name (a non-empty string), got ${typeName(cache)}`);
  }
  return { onProgress, cache };
}

/**
 * Reads a body stream into one Uint8Array, calling `report(loaded, total)` after each chunk. `total` is the
 * Content-Length, or null when it is unknown or counts compressed bytes; the last report of a file always has
 * loaded === total.
 */
async function readBody(response, report) {
  const length = response.headers.get("content-length");
  const encoding = response.headers.get("content-encoding");
  const declared = length !== null && /^\d+$/.test(length.trim()) && (!encoding || encoding === "identity") ? Number(length) : null;
  report(0, declared);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report(bytes.length, bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(declared ?? 1 << 16);
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(2 * buffer.length, loaded + value.length));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.length;
      report(loaded, declared);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  if (declared !== loaded) report(loaded, loaded);
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

/** The cache to use: none with `cache: false`; the Cache API when present (required when `cache` was asked for). */
async function openCache(loader, cache) {
  if (cache === false) return null;
  const name = typeof cache === "string" ? cache : MODEL_CACHE_NAME;
  if (typeof caches === "undefined" || typeof caches.open !== "function") {
    if (cache === undefined) return null;
    throw new Error(`wasmicro: ${loader}: cache "${name}" was asked for, but the Cache API is not available here (Node, or a `
      + "page that is not served over https or from localhost); pass cache: false to load without it");
  }
  try {
    return await caches.open(name);
  } catch (error) {
    // Private browsing and opaque origins may refuse storage: by default load without a cache; on request, say why.
    if (cache === undefined) return null;
    throw new Error(`wasmicro: ${loader}: cannot open the Cache API cache "${name}" (${error.message})`, { cause: error });
  }
}

/** One file of a model directory by URL: from the cache when it holds it, else the network (then cached). */
async function fetchModelFile(loader, file, url, store, onProgress) {
  let response;
  if (store) {
    try {
      response = await store.match(url);
    } catch {
      response = undefined;  // an unreadable cache entry is a miss: fetch the file again
    }
  }
  const cached = response !== undefined;
  if (!cached) {
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`wasmicro: ${loader}: cannot fetch ${file.name} from ${url} (${error.message})`, { cause: error });
    }
  }
  if (response.status === 404 && !file.required) {
    // Absent, as the model directory says. Cached too, so that a second load of a model without this file stays offline.
    if (store && !cached) await store.put(url, response).catch(() => {});
    return undefined;
  }
  if (!response.ok) {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    if (response.status === 404) throw new Error(`wasmicro: ${loader}: missing required file ${file.name}: ${status} from ${url}`);
    throw new Error(`wasmicro: ${loader}: cannot fetch ${file.name}: ${status} from ${url}`);
  }
  let bytes;
  try {
    bytes = await readBody(response, (loaded, total) => onProgress?.({ file: file.name, loaded, total }));
  } catch (error) {
    throw new Error(`wasmicro: ${loader}: reading ${file.name} from ${url} failed (${error.message})`, { cause: error });
  }
  if (store && !cached) {
    // Only a complete body is stored. A failed write (e.g. over the storage quota) does not fail the load: the file is
    // in hand, and the next load fetches it again.
    const headers = { "content-length": String(bytes.length) };
    const type = response.headers.get("content-type");
    if (type) headers["content-type"] = type;
    await store.put(url, new Response(bytes, { status: 200, headers })).catch(() => {});
  }
  return bytes;
}

/** The directory URL files are resolved against: absolute, or relative to the page; always ending in "/". */
function directoryURL(loader, baseURL) {
  if (typeof baseURL !== "string" && !(baseURL instanceof URL)) {
    throw new TypeError(`wasmicro: ${loader}: baseURL must be a URL or a string (the model directory's URL), got ${typeName(baseURL)}`);
  }
  let url;
  try {
    url = typeof globalThis.location?.href === "string" ? new URL(baseURL, globalThis.location.href) : new URL(baseURL);
  } catch {
    throw new TypeError(`wasmicro: ${loader}: baseURL "${baseURL}" is not an absolute URL (outside a page there is no base `
      + "to resolve it against; for a directory on disk use fromDirectory(path))");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "file:") {
    throw new TypeError(`wasmicro: ${loader}: baseURL must be an http:, https: or file: URL, got ${url.protocol}`);
  }
  // Without the slash, "…/all-MiniLM-L6-v2" would resolve config.json next to the directory instead of inside it.
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** A file list entry with its name resolved (a name may depend on files read before it, e.g. the pooling folder's). */
/**
 * The file an entry of a file list stands for, given the files read so far: `name` and `required` may be functions of
 * them; null when the entry's `skip(files)` says it is not needed.
 */
function fileNamed(entry, files) {
  if (entry.skip?.(files)) return null;
  const name = typeof entry.name === "function" ? entry.name(files) : entry.name;
  const required = typeof entry.required === "function" ? entry.required(files) : entry.required;
  return { ...entry, name, required };
}


/** Fetches `fileList` below `baseURL` into the object the loader takes. */
async function filesFromURL(loader, baseURL, options, fileList) {
  const { onProgress, cache } = loaderOptions(loader, options, true);
  const base = directoryURL(loader, baseURL);
  requireState();  // before any download: the files are useless without the module
  if (base.protocol === "file:") {
    if (!isNode()) throw new TypeError(`wasmicro: ${loader}: a file: URL can be read only in Node; serve the directory over http(s)`);
    return filesFromDirectory(loader, base, { onProgress }, fileList);
  }
  const store = await openCache(loader, cache);
  const files = {};
  for (const entry of fileList) {
    const file = fileNamed(entry, files);
    if (file === null) continue;
    files[file.key] = await fetchModelFile(loader, file, new URL(file.name, base).href, store, onProgress);
  }
  return files;
}

/** Reads `fileList` from a directory on disk (Node) into the object the loader takes. */
async function filesFromDirectory(loader, directory, options, fileList) {
  const { onProgress } = loaderOptions(loader, options, false);
  if (typeof directory !== "string" && !(directory instanceof URL && directory.protocol === "file:")) {
    throw new TypeError(`wasmicro: ${loader}: path must be a string or a file: URL (the model directory), got ${typeName(directory)}`);
  }
  if (!isNode()) throw new Error(`wasmicro: ${loader} reads from disk and needs Node; in a browser use fromURL(baseURL)`);
  const { open, stat } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  const { join } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:path");
  const { fileURLToPath } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:url");
  const root = typeof directory === "string" ? directory : fileURLToPath(directory);
  requireState();
  let status;
  try {
    status = await stat(root);
  } catch (error) {
    const reason = error.code === "ENOENT" ? "no such directory" : error.message;
    throw new Error(`wasmicro: ${loader}: cannot read the model directory ${root} (${reason})`, { cause: error });
  }
  if (!status.isDirectory()) {
    throw new Error(`wasmicro: ${loader}: ${root} is a file, not a model directory (config.json, model.safetensors, vocab.txt)`);
  }
  const files = {};
  for (const entry of fileList) {
    const file = fileNamed(entry, files);
    if (file === null) continue;
    const path = join(root, file.name);
    let handle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      if (error.code === "ENOENT" && !file.required) {
        files[file.key] = undefined;
        continue;
      }
      if (error.code === "ENOENT") throw new Error(`wasmicro: ${loader}: missing required file ${file.name} at ${path}`, { cause: error });
      throw new Error(`wasmicro: ${loader}: cannot read ${file.name} at ${path} (${error.message})`, { cause: error });
    }
    try {
      const size = (await handle.stat()).size;
      const bytes = new Uint8Array(size);
      const report = (loaded) => onProgress?.({ file: file.name, loaded, total: size });
      report(0);
      const chunk = 1 << 23;  // 8 MiB per read: progress for large weights, few system calls
      let loaded = 0;
      while (loaded < size) {
        const { bytesRead } = await handle.read(bytes, loaded, Math.min(chunk, size - loaded), loaded);
        if (bytesRead === 0) throw new Error(`the file ended at byte ${loaded} of ${size}`);
        loaded += bytesRead;
        report(loaded);
      }
      files[file.key] = bytes;
    } catch (error) {
      throw new Error(`wasmicro: ${loader}: cannot read ${file.name} at ${path} (${error.message})`, { cause: error });
    } finally {
      await handle.close();
    }
  }
  return files;
}

// MARK: - Utilities

/** Cosine similarity of two vectors of the same length (for normalised embeddings this is their dot product). */
export function similarity(a, b) {
  if (!(a instanceof Float32Array || Array.isArray(a)) || !(b instanceof Float32Array || Array.isArray(b))) {
    throw new TypeError("wasmicro: similarity expects two Float32Arrays (or arrays of numbers)");
  }
  if (a.length !== b.length) throw new TypeError(`wasmicro: similarity of vectors of lengths ${a.length} and ${b.length}`);
  let dot = 0, normA = 0, normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** Wasm memory figures: the memory's size and the allocator's heap size and bytes in use. */
export function memoryStats() {
  const wasm = requireState();
  return {
    memoryBytes: wasm.memory.buffer.byteLength,
    heapBytes: wasm.exports.wasmicro_heap_size() >>> 0,
    heapInUseBytes: wasm.exports.wasmicro_heap_in_use() >>> 0,
  };
}
