// The demo's Web Worker: owns the wasm instance and the model, so embedding never blocks the page.
// Messages in: {type: "load"}, {type: "search", id, query}, {type: "tokenize", id, text}. Out: "progress", "ready",
// "results", "tokens", "error".
import { Model, init, similarity } from "../wasmicro.js";

let model = null;
let documents = [];
let vectors = [];

async function bytes(path, optional = false) {
  const response = await fetch(path);
  if (!response.ok) {
    if (optional) return undefined;
    throw new Error(`GET ${path}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function load() {
  const started = performance.now();
  postMessage({ type: "progress", text: "loading wasmicro.wasm…" });
  await init();
  postMessage({ type: "progress", text: "downloading all-MiniLM-L6-v2…" });
  const weights = await bytes("/model/model.safetensors");
  postMessage({ type: "model", format: weightFormat(weights), bytes: weights.length });
  model = Model.load({
    safetensors: weights,
    config: await bytes("/model/config.json"),
    vocab: await bytes("/model/vocab.txt"),
    tokenizerConfig: await bytes("/model/tokenizer_config.json", true),
    pooling: (await bytes("/model/1_Pooling/config.json", true)) ?? "mean",
    modules: await bytes("/model/modules.json", true),
    sentenceBertConfig: await bytes("/model/sentence_bert_config.json", true),
  });
  documents = (await (await fetch("./documents.json")).json()).documents;
  vectors = [];
  for (let i = 0; i < documents.length; i++) {
    postMessage({ type: "progress", text: `embedding documents ${i + 1}/${documents.length}…` });
    vectors.push(model.embed(documents[i].text));
  }
  postMessage({ type: "ready", documents: documents.length, dimension: model.dimension, milliseconds: Math.round(performance.now() - started) });
}

/** The weight format a safetensors file declares (`wasmicro.format` in its header, FORMAT.md), or "f32" for a plain
 * checkpoint. Display only: the core reads the same header when it loads the model. */
function weightFormat(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return header.__metadata__?.["wasmicro.format"] ?? "f32";
}

function search(id, query) {
  const started = performance.now();
  const vector = model.embed(query);
  const results = vectors
    .map((documentVector, index) => ({ index, score: similarity(vector, documentVector), ...documents[index] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
  postMessage({ type: "results", id, query, results, milliseconds: performance.now() - started });
}

function tokenize(id, text) {
  const encoding = model.tokenizer.encode(text);
  postMessage({ type: "tokens", id, tokens: encoding.tokens, ids: Array.from(encoding.inputIds) });
}

onmessage = async ({ data }) => {
  try {
    if (data.type === "load") await load();
    else if (data.type === "search") search(data.id, data.query);
    else if (data.type === "tokenize") tokenize(data.id, data.text);
  } catch (error) {
    postMessage({ type: "error", id: data.id, message: error.message });
  }
};
