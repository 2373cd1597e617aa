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

/** A WordPiece tokenizer with HuggingFace BertTokenizer(Fast) behaviour. */
export class Tokenizer {
  private constructor();
  /** Builds a tokenizer from vocab.txt and tokenizer_config.json settings. Throws an Error on an invalid vocabulary. */
  static fromVocab(vocab: Bytes, options?: TokenizerOptions | JSONInput): Tokenizer;
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
  /** The tokenizer to use; or give `vocab` (+ `tokenizerConfig`) and the model builds and owns one. */
  tokenizer?: Tokenizer;
  vocab?: Bytes;
  tokenizerConfig?: TokenizerOptions | JSONInput;
  /** Pooling name or 1_Pooling/config.json. Default "mean". */
  pooling?: PoolingName | JSONInput;
  /** L2-normalise embeddings. Default: what `modules` says, else true. */
  normalize?: boolean;
  /** modules.json: embeddings are normalised when it lists a Normalize module. */
  modules?: JSONInput;
  /** Tokens per text including [CLS]/[SEP]; default `sentenceBertConfig.max_seq_length`, else the tokenizer's limit. */
  maxSeqLength?: number;
  /** sentence_bert_config.json. */
  sentenceBertConfig?: JSONInput;
}

/** A sentence embedder: tokenizer + BERT encoder + pooling (+ normalisation), like sentence-transformers. */
export class Model {
  private constructor();
  /** Loads a model. Throws an Error with the core's message for malformed weights or configs; the instance stays usable. */
  static load(files: ModelFiles): Model;
  /** Width of each embedding (hidden size). */
  readonly dimension: number;
  /** Tokens per text after truncation, [CLS] and [SEP] included. */
  readonly maxSeqLength: number;
  /** The tokenizer this model encodes with. */
  readonly tokenizer: Tokenizer;
  /** Embeds one text. */
  embed(text: string): Float32Array;
  /** Embeds each text; element i equals `embed(texts[i])`. */
  embedBatch(texts: string[]): Float32Array[];
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
  /** last_hidden_state `[batchSize, sequenceLength, hiddenSize]`; token types default to 0, the mask to 1. */
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

/** A BertForSequenceClassification checkpoint with its tokenizer. */
export class Classifier {
  private constructor();
  static load(files: {
    safetensors: Uint8Array | ArrayBuffer | ArrayBufferView;
    config: JSONInput;
    tokenizer?: Tokenizer;
    vocab?: Bytes;
    tokenizerConfig?: TokenizerOptions | JSONInput;
    maxSeqLength?: number;
  }): Classifier;
  readonly model: BertModel;
  readonly tokenizer: Tokenizer;
  readonly labels: string[];
  readonly maxSeqLength: number;
  /** Classifies a text, or a pair (NLI-style heads). */
  classify(text: string, pair?: string): Classification;
  dispose(): void;
}
