// The demo's Web Worker: owns the wasm instance and the model, so embedding never blocks the page.
// Messages in: {type: "load"}, {type: "search", id, query}, {type: "tokenize", id, text}, {type: "classify", id, text}.
// Out: "progress", "model", "head", "ready", "results", "tokens", "label", "error".
// It runs the heads module (wasmicro-heads.wasm: the default exports plus the embedding-head ones) so that the same
// instance embeds for search and labels intents with the head from fixtures/heads (reference/generate.py --heads).
import { EmbeddingClassifier, HEADS_MODULE, Model, init, similarity } from "../wasmicro.js";

let model = null;
let classifier = null;
let documents = [];
let vectors = [];

const modelURL = new URL("/model/", location.href);
const headURL = new URL("/heads/intents-minilm.safetensors", location.href);

/** "12.3 MiB" */
function mebibytes(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

async function load() {
  const started = performance.now();
  postMessage({ type: "progress", text: "loading wasmicro-heads.wasm…" });
  const moduleBytes = await (await fetch(HEADS_MODULE)).arrayBuffer();
  await init(moduleBytes);
  // fromURL fetches the model directory's files (from the Cache API after the first visit) and reports each file's bytes.
  let weightBytes = 0;
  model = await Model.fromURL(modelURL, {
    onProgress: ({ file, loaded, total }) => {
      if (file === "model.safetensors") weightBytes = total ?? loaded;
      const of = total === null ? "" : ` of ${mebibytes(total)}`;
      postMessage({ type: "progress", text: `loading all-MiniLM-L6-v2: ${file}, ${mebibytes(loaded)}${of}…` });
    },
  });
  postMessage({ type: "model", format: await weightFormat(new URL("model.safetensors", modelURL)), bytes: weightBytes });
  // The intents head: a logistic regression trained with scikit-learn on this model's embeddings of 96 short texts.
  const headResponse = await fetch(headURL);
  if (!headResponse.ok) throw new Error(`GET ${headURL}: HTTP ${headResponse.status}`);
  const head = new Uint8Array(await headResponse.arrayBuffer());
  classifier = EmbeddingClassifier.load({ model, head });
  postMessage({ type: "head", labels: classifier.labels, headBytes: head.length, moduleBytes: moduleBytes.byteLength });
  documents = (await (await fetch("./documents.json")).json()).documents;
  vectors = [];
  for (let i = 0; i < documents.length; i++) {
    postMessage({ type: "progress", text: `embedding documents ${i + 1}/${documents.length}…` });
    vectors.push(model.embed(documents[i].text));
  }
  postMessage({ type: "ready", documents: documents.length, dimension: model.dimension, milliseconds: Math.round(performance.now() - started) });
}

/**
 * The weight format model.safetensors declares (`wasmicro.format` in its header, FORMAT.md), or "f32" for a plain
 * checkpoint. Display only (the core reads the same header when it loads the model): reads the header from the copy
 * fromURL cached, else from the server, and stops there.
 */
async function weightFormat(url) {
  const response = (await globalThis.caches?.match(url).catch(() => undefined)) ?? await fetch(url);
  const reader = response.body.getReader();
  let bytes = new Uint8Array(0);
  let needed = 8;
  while (bytes.length < needed) {
    const { done, value } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(bytes.length + value.length);
    joined.set(bytes);
    joined.set(value, bytes.length);
    bytes = joined;
    if (needed === 8 && bytes.length >= 8) needed = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  }
  reader.cancel().catch(() => {});
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, needed)));
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

function classify(id, text) {
  const started = performance.now();
  const { label, score, probabilities } = classifier.classify(text);
  postMessage({ type: "label", id, label, score, probabilities: Array.from(probabilities), milliseconds: performance.now() - started });
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
    else if (data.type === "classify") classify(data.id, data.text);
  } catch (error) {
    postMessage({ type: "error", id: data.id, message: error.message });
  }
};
