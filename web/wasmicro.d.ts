// Type declarations for wasmicro.js: BERT sentence embeddings and WordPiece tokenization from a tiny wasm module.

/** Bytes as the loaders accept them. Strings are taken as UTF-8 text (vocab.txt, JSON). */
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView | string;
/** A JSON config: parsed object, JSON text, or bytes. */
export type JSONInput = object | string | Uint8Array | ArrayBuffer;

/**
 * Loads the wasm module. Without an argument it loads `wasmicro.wasm` next to wasmicro.js (fetch in browsers, the file
 * system in Node). Calling it again replaces the instance; tokenizers and models of the old one stop working.
 * Rejects with an Error naming where it looked when the module cannot be read, fetched or compiled (build it with
 * `make wasm`, or pass a URL, bytes, a Response or a WebAssembly.Module).
 */
export function init(source?: string | URL | ArrayBuffer | ArrayBufferView | Response | WebAssembly.Module): Promise<void>;

/** One encoded text: `[CLS] … [SEP]` ids with their token strings. */
export interface Encoding {
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  attentionMask: Int32Array;
  tokens: string[];
}

/** tokenizer_config.json keys the tokenizer reads (all optional; BERT uncased defaults). */
export interface TokenizerOptions {
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  model_max_length?: number;
  unk_token?: string | { content: string };
  cls_token?: string | { content: string };
  sep_token?: string | { content: string };
  pad_token?: string | { content: string };
  mask_token?: string | { content: string };
  [key: string]: unknown;
}

/** A tokenizer with HuggingFace tokenizers' behaviour: WordPiece from vocab.txt, or any pipeline tokenizer.json names. */
export class Tokenizer {
  private constructor();
  /** Builds a tokenizer from vocab.txt and tokenizer_config.json settings. Throws an Error on an invalid vocabulary. */
  static fromVocab(vocab: Bytes, options?: TokenizerOptions | JSONInput): Tokenizer;
  /**
   * Builds a tokenizer from a HuggingFace tokenizer.json (WordPiece, Unigram with the Precompiled charsmap and
   * Metaspace, byte-level BPE), exactly as HF tokenizers runs it; a component it does not run exactly is refused with an
   * Error naming it. Needs the multilingual module (`await init(MULTILINGUAL_MODULE)`).
   */
  static fromJSON(json: JSONInput, options?: TokenizerOptions | JSONInput): Tokenizer;
  /** Number of tokens in the vocabulary. */
  readonly vocabularySize: number;
  /** Encodes `[CLS] text [SEP]`, truncated to `maxLength` tokens (default: the tokenizer's model_max_length). */
  encode(text: string, options?: { maxLength?: number }): Encoding;
  /** Encodes `[CLS] first [SEP] second [SEP]` with longest-first truncation; token types 0 then 1. */
  encodePair(first: string, second: string, options?: { maxLength?: number }): Encoding;
  /** Frees the tokenizer's wasm memory. Models built from it keep working. */
  dispose(): void;
}

export type PoolingName = "mean" | "cls" | "max" | "mean_sqrt_len";

/** Files and settings for `Model.load`. */
export interface ModelFiles {
  /** model.safetensors (F32, F16 or BF16). Copied into wasm memory once and parsed in place. */
  safetensors: Uint8Array | ArrayBuffer | ArrayBufferView;
  /** config.json of a BERT model. */
  config: JSONInput;
  /**
   * The tokenizer to use; or give `vocab` or `tokenizerJSON` (+ `tokenizerConfig`) and the model builds and owns one.
   * A tokenizer.json, or a config.json whose model_type is not "bert", needs the multilingual module.
   */
  tokenizer?: Tokenizer;
  vocab?: Bytes;
  tokenizerJSON?: JSONInput;
  tokenizerConfig?: TokenizerOptions | JSONInput;
  /**
   * modules.json, the Pooling folder's config.json (1_Pooling/config.json) and sentence_bert_config.json: each optional,
   * and read by the module's core exactly as the CLI reads them from a directory (PipelineDescription): without
   * modules.json there is no normalisation, as in sentence-transformers; a module it does not run (Dense) is refused.
   */
  modules?: JSONInput;
  poolingConfig?: JSONInput;
  sentenceBertConfig?: JSONInput;
  /** An explicit choice over the files: a pooling name (or, as before, 1_Pooling/config.json itself). */
  pooling?: PoolingName | JSONInput;
  /** An explicit choice over the files: L2-normalise embeddings or not. */
  normalize?: boolean;
  /** An explicit choice over the files: tokens per text including [CLS]/[SEP]. */
  maxSeqLength?: number;
}

/** The pipeline the core decided for a `Model` from its files and options. */
export interface Pipeline {
  readonly maxSeqLength: number;
  readonly pooling: PoolingName;
  readonly normalize: boolean;
}

/** One progress report of `fromURL` / `fromDirectory`: bytes of `file` read so far. */
export interface LoadProgress {
  /** The file's name in the model directory, e.g. "model.safetensors" or "1_Pooling/config.json". */
  file: string;
  /** Bytes read so far (0 in the file's first report). */
  loaded: number;
  /**
   * The file's size: Content-Length (or the size on disk), or null while it is unknown (no Content-Length, or a
   * compressed response). The last report of each file has `loaded === total`.
   */
  total: number | null;
}

/** Options of `fromURL`. */
export interface FromURLOptions {
  /** Called for each chunk of each file that exists (absent optional files are not reported). */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * The Cache API cache for the fetched files, by URL. Default: `MODEL_CACHE_NAME` when the Cache API exists (browsers,
   * secure contexts), else none. `false`: never read or write a cache. `true` or a name: that cache, and an Error where
   * the Cache API is unavailable (Node, an insecure page).
   */
  cache?: boolean | string;
}

/** Options of `fromDirectory`. */
export interface FromDirectoryOptions {
  onProgress?: (progress: LoadProgress) => void;
}

/** The Cache API cache `fromURL` uses by default ("wasmicro-models-v1"); `caches.delete(MODEL_CACHE_NAME)` empties it. */
export const MODEL_CACHE_NAME: string;

/** A sentence embedder: tokenizer + BERT encoder + pooling (+ normalisation), like sentence-transformers. */
export class Model {
  private constructor();
  /** Loads a model. Throws an Error with the core's message for malformed weights or configs; the instance stays usable. */
  static load(files: ModelFiles): Model;
  /**
   * Fetches a sentence-transformers model directory and loads it with `Model.load`: config.json, vocab.txt and
   * model.safetensors (required), tokenizer_config.json, modules.json, the Pooling folder's config.json (the folder
   * modules.json names, else 1_Pooling) and
   * sentence_bert_config.json (an HTTP 404 means absent: left out, as `Model.load` treats a file it is not given).
   * `baseURL` is the directory (a missing trailing slash is added), absolute or relative to the page; a file: URL reads
   * from disk in Node. In browsers the files, and the 404s of optional ones, are kept in the Cache API, so a second load
   * needs no network.
   * Rejects with a TypeError for wrong argument types, an Error naming the file and its URL for a missing required file,
   * another HTTP status or a network failure, and `Model.load`'s errors for malformed files. Needs `await init()` first.
   */
  static fromURL(baseURL: string | URL, options?: FromURLOptions): Promise<Model>;
  /**
   * Reads the same files as `fromURL` from a directory on disk (Node; a path or a file: URL); an optional file that
   * does not exist is left out. A missing directory or required file is an Error naming its path.
   */
  static fromDirectory(path: string | URL, options?: FromDirectoryOptions): Promise<Model>;
  /** Width of each embedding (hidden size). */
  readonly dimension: number;
  /** Tokens per text after truncation, [CLS] and [SEP] included. */
  readonly maxSeqLength: number;
  /** Pooling, normalisation and length, as the core decided them from the files and options. */
  readonly pipeline: Pipeline;
  /** The tokenizer this model encodes with. */
  readonly tokenizer: Tokenizer;
  /** Embeds one text. */
  embed(text: string): Float32Array;
  /** Embeds each text; element i equals `embed(texts[i])`. */
  /** Embeds texts in batches of `batchSize` (default 32), one forward pass per batch; the vectors equal `embed`'s. */
  embedBatch(texts: string[], options?: { batchSize?: number }): Float32Array[];
  /** Frees the weights and the model (and its tokenizer when the model built it). */
  dispose(): void;
}

/** Cosine similarity of two vectors of equal length. */
export function similarity(a: Float32Array | number[], b: Float32Array | number[]): number;

/** Wasm memory figures in bytes: the linear memory, the allocator's heap, and the bytes allocated in it. */
export function memoryStats(): { memoryBytes: number; heapBytes: number; heapInUseBytes: number };

/** Sizes from config.json plus what the checkpoint holds. */
export interface BertInfo {
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  vocabSize: number;
  hasPooler: boolean;
  /** Classifier labels; 0 when the checkpoint has no classification head. */
  numLabels: number;
}

/** The bare BERT encoder: token ids in, hidden states / pooler output / logits out. */
export class BertModel {
  private constructor();
  static load(files: { safetensors: Uint8Array | ArrayBuffer | ArrayBufferView; config: JSONInput }): BertModel;
  readonly info: BertInfo;
  /**
   * last_hidden_state `[batchSize, sequenceLength, hiddenSize]`; token types default to 0, the mask to 1. Mask rows must
   * be right-padded (ones, then zeros: RangeError otherwise); only real tokens are computed, padding rows are zeros.
   */
  forward(input: {
    inputIds: Int32Array | number[];
    tokenTypeIds?: Int32Array | number[];
    attentionMask?: Int32Array | number[];
    batchSize?: number;
    sequenceLength?: number;
  }): Float32Array;
  /** tanh(dense(hidden[:, 0])): `[batchSize, hiddenSize]`. */
  pooler(lastHiddenState: Float32Array, batchSize: number, sequenceLength: number): Float32Array;
  /** Sequence-classification logits `[batchSize, numLabels]`. */
  logits(lastHiddenState: Float32Array, batchSize: number, sequenceLength: number): Float32Array;
  dispose(): void;
}

/** One classification result. */
export interface Classification {
  label: string;
  labelIndex: number;
  /** Softmax probability of `label`. */
  score: number;
  logits: Float32Array;
  probabilities: Float32Array;
}

/** The heads module (wasmicro-heads.wasm next to wasmicro.js), which `EmbeddingClassifier` needs: `await init(HEADS_MODULE)`. */
export const HEADS_MODULE: URL;
/**
 * The multilingual module (wasmicro-multilingual.wasm next to wasmicro.js): the heads module plus tokenizer.json
 * tokenizers and the XLM-RoBERTa, RoBERTa and DistilBERT encoders. `fromURL` / `fromDirectory` load it beside the
 * module `init()` loaded when a model directory needs it; `await init(MULTILINGUAL_MODULE)` makes it the only one.
 */
export const MULTILINGUAL_MODULE: URL;

/** One classification by an embedding head. */
export interface HeadClassification {
  label: string;
  labelIndex: number;
  /** The label's probability. */
  score: number;
  /** One probability per label, in `labels` order. */
  probabilities: Float32Array;
}

/**
 * A website classifier without fine-tuning: a sentence embedder plus a logistic-regression head over its embeddings,
 * from a head file (FORMAT.md, "Embedding head files"; reference/export_head.py converts scikit-learn / SetFit heads).
 * Needs the heads module: `await init(HEADS_MODULE)`; with the default module every loader throws an Error saying so.
 */
export class EmbeddingClassifier {
  private constructor();
  /** A `Model` (left to its owner) or the files `Model.load` takes (then owned), and the head file's bytes. */
  static load(input: { model: Model | ModelFiles; head: Bytes }): EmbeddingClassifier;
  /** `Model.fromURL(modelURL)` and the head file at `headURL`, fetched, reported and cached the same way. */
  static fromURL(modelURL: string | URL, headURL: string | URL, options?: FromURLOptions): Promise<EmbeddingClassifier>;
  /** `Model.fromDirectory(modelPath)` and the head file at `headPath` (Node). */
  static fromDirectory(modelPath: string | URL, headPath: string | URL, options?: FromDirectoryOptions): Promise<EmbeddingClassifier>;
  readonly model: Model;
  /** Label names in class order (sklearn's `classes_`, as strings). */
  readonly labels: string[];
  readonly kind: "softmax" | "ovr" | "binary";
  classify(text: string): HeadClassification;
  /** Embeds in batches as `Model.embedBatch`; each result equals `classify`'s. */
  classifyBatch(texts: string[], options?: { batchSize?: number }): HeadClassification[];
  /** Frees the head (and the model, when the classifier loaded it). */
  dispose(): void;
}

/** A BertForSequenceClassification checkpoint with its tokenizer. */
export class Classifier {
  private constructor();
  static load(files: {
    safetensors: Uint8Array | ArrayBuffer | ArrayBufferView;
    config: JSONInput;
    tokenizer?: Tokenizer;
    vocab?: Bytes;
    tokenizerJSON?: JSONInput;
    tokenizerConfig?: TokenizerOptions | JSONInput;
    maxSeqLength?: number;
  }): Classifier;
  /** Fetches config.json, vocab.txt, model.safetensors and (unless 404) tokenizer_config.json; as `Model.fromURL`. */
  static fromURL(baseURL: string | URL, options?: FromURLOptions): Promise<Classifier>;
  /** Reads the same files from a directory on disk (Node). */
  static fromDirectory(path: string | URL, options?: FromDirectoryOptions): Promise<Classifier>;
  readonly model: BertModel;
  readonly tokenizer: Tokenizer;
  readonly labels: string[];
  readonly maxSeqLength: number;
  /** Classifies a text, or a pair (NLI-style heads). */
  classify(text: string, pair?: string): Classification;
  dispose(): void;
}
