// wasm engine runner for `wasmicro-verify --engine wasm`: the Swift harness starts this script once and sends requests,
// one JSON object per line on stdin; each gets exactly one JSON line on stdout, in order. All comparison logic stays in
// the harness — this only runs the wasm module (web/wasmicro.js + dist/wasmicro.wasm) and returns raw outputs.
//
// Usage: node ci/wasm-verify-runner.mjs [path/to/wasmicro.wasm]   (default dist/wasmicro.wasm, else web/wasmicro.wasm)
//
// Requests (`id` names a handle that later requests refer to):
//   {"op":"load_tokenizer","id":"t","vocab":"<vocab.txt path>","options":{tokenizer_config-style keys}}   -> {"ok":true,"vocabulary_size":n}
//   {"op":"encode","tokenizer":"t","text":"…","text_pair":null|"…","max_length":n}
//        -> {"input_ids":[…],"token_type_ids":[…],"attention_mask":[…],"tokens":[…]}
//   {"op":"load_model","id":"m","directory":"<model dir with config.json + model.safetensors>"}
//        -> {"ok":true,"hidden_size":h,"has_pooler":bool,"num_labels":n}
//   {"op":"forward","model":"m","input_ids":[…],"token_type_ids":[…],"attention_mask":[…],"batch_size":b,"sequence_length":s}
//        -> {"last_hidden_state":[b*s*h floats],"pooler_output":[b*h]|null,"logits":[b*labels]|null}
//   {"op":"load_embedder","id":"e","directory":"<sentence-transformers dir>"}   (vocab, tokenizer_config, 1_Pooling,
//        modules.json and sentence_bert_config.json are read when present)   -> {"ok":true,"dimension":d,"max_seq_length":n}
//   {"op":"embed","embedder":"e","texts":["…",…]}  -> {"embeddings":[[d floats],…]}
//   {"op":"memory"}  -> {"memory_bytes":…,"heap_bytes":…,"heap_in_use_bytes":…}
//   {"op":"dispose","id":"…"}  -> {"ok":true}
// Any failure -> {"error":"<message>"} (the runner keeps going). Floats are float32 values printed as shortest round-trip
// doubles, so they parse back to the exact float32.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { BertModel, Model, Tokenizer, init, memoryStats } from "../web/wasmicro.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasmPath = process.argv[2] ?? [join(repoRoot, "dist/wasmicro.wasm"), join(repoRoot, "web/wasmicro.wasm")].find(existsSync);
await init(readFileSync(wasmPath));

const handles = new Map();
const optional = (directory, name) => (existsSync(join(directory, name)) ? readFileSync(join(directory, name)) : undefined);

function handle(id, kind) {
  const value = handles.get(id);
  if (!(value instanceof kind)) throw new Error(`no ${kind.name} with id ${JSON.stringify(id)}`);
  return value;
}

function run(request) {
  switch (request.op) {
    case "load_tokenizer": {
      const tokenizer = Tokenizer.fromVocab(readFileSync(request.vocab), request.options ?? undefined);
      handles.set(request.id, tokenizer);
      return { ok: true, vocabulary_size: tokenizer.vocabularySize };
    }
    case "encode": {
      const tokenizer = handle(request.tokenizer, Tokenizer);
      const options = { maxLength: request.max_length ?? 0 };
      const encoding = request.text_pair == null
        ? tokenizer.encode(request.text, options)
        : tokenizer.encodePair(request.text, request.text_pair, options);
      return {
        input_ids: [...encoding.inputIds], token_type_ids: [...encoding.tokenTypeIds],
        attention_mask: [...encoding.attentionMask], tokens: encoding.tokens,
      };
    }
    case "load_model": {
      const model = BertModel.load({
        safetensors: readFileSync(join(request.directory, "model.safetensors")),
        config: readFileSync(join(request.directory, "config.json")),
      });
      handles.set(request.id, model);
      return { ok: true, hidden_size: model.info.hiddenSize, has_pooler: model.info.hasPooler, num_labels: model.info.numLabels };
    }
    case "forward": {
      const model = handle(request.model, BertModel);
      const batchSize = request.batch_size ?? 1;
      const sequenceLength = request.sequence_length ?? request.input_ids.length / batchSize;
      const hidden = model.forward({
        inputIds: request.input_ids, tokenTypeIds: request.token_type_ids ?? undefined,
        attentionMask: request.attention_mask ?? undefined, batchSize, sequenceLength,
      });
      return {
        last_hidden_state: [...hidden],
        pooler_output: model.info.hasPooler ? [...model.pooler(hidden, batchSize, sequenceLength)] : null,
        logits: model.info.numLabels > 0 ? [...model.logits(hidden, batchSize, sequenceLength)] : null,
      };
    }
    case "load_embedder": {
      const directory = request.directory;
      const model = Model.load({
        safetensors: readFileSync(join(directory, "model.safetensors")),
        config: readFileSync(join(directory, "config.json")),
        vocab: readFileSync(join(directory, "vocab.txt")),
        tokenizerConfig: optional(directory, "tokenizer_config.json"),
        pooling: optional(directory, "1_Pooling/config.json") ?? "mean",
        modules: optional(directory, "modules.json"),
        sentenceBertConfig: optional(directory, "sentence_bert_config.json"),
      });
      handles.set(request.id, model);
      return { ok: true, dimension: model.dimension, max_seq_length: model.maxSeqLength };
    }
    case "embed": {
      const model = handle(request.embedder, Model);
      return { embeddings: model.embedBatch(request.texts).map((vector) => [...vector]) };
    }
    case "memory": {
      const stats = memoryStats();
      return { memory_bytes: stats.memoryBytes, heap_bytes: stats.heapBytes, heap_in_use_bytes: stats.heapInUseBytes };
    }
    case "dispose": {
      handles.get(request.id)?.dispose();
      handles.delete(request.id);
      return { ok: true };
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(request.op)}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let response;
  try {
    response = run(JSON.parse(line));
  } catch (error) {
    response = { error: error.message };
  }
  process.stdout.write(JSON.stringify(response) + "\n");
}
