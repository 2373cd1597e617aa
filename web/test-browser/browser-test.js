// Runs in headless Chromium: loads the default model through the public API, embeds every fixture sentence, writes a
// summary into the DOM (#status, #result) and POSTs the raw vectors to the test server, which compares them with the
// HF fixture in Node (ci/wasm-browser-test.mjs), so the comparison code is the same as for the Node tests.
import { Model, init, memoryStats } from "../wasmicro.js";

const status = document.getElementById("status");
const resultElement = document.getElementById("result");

async function bytes(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function optionalBytes(path) {
  const response = await fetch(path);
  return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

async function run() {
  const started = performance.now();
  await init();
  const model = Model.load({
    safetensors: await bytes("/model/model.safetensors"),
    config: await bytes("/model/config.json"),
    vocab: await bytes("/model/vocab.txt"),
    tokenizerConfig: await optionalBytes("/model/tokenizer_config.json"),
    pooling: (await optionalBytes("/model/1_Pooling/config.json")) ?? "mean",
    modules: await optionalBytes("/model/modules.json"),
    sentenceBertConfig: await optionalBytes("/model/sentence_bert_config.json"),
  });
  const loaded = performance.now();
  const fixture = await (await fetch("/fixtures/forward-minilm.json")).json();
  const embeddings = {};
  for (const testCase of fixture.cases) {
    if (!testCase.outputs.embedding || testCase.text_pair != null) continue;
    embeddings[testCase.id] = Array.from(model.embed(testCase.text));
  }
  const finished = performance.now();
  const report = {
    userAgent: navigator.userAgent,
    count: Object.keys(embeddings).length,
    loadMilliseconds: Math.round(loaded - started),
    embedMilliseconds: Math.round(finished - loaded),
    memory: memoryStats(),
  };
  model.dispose();
  status.textContent = `done: ${report.count} embeddings`;
  resultElement.textContent = JSON.stringify(report, null, 2);
  return { ok: true, ...report, embeddings };
}

run()
  .catch((error) => {
    status.textContent = `failed: ${error.message}`;
    return { ok: false, error: String(error && error.stack || error) };
  })
  .then((result) => fetch("/__result", { method: "POST", body: JSON.stringify(result) }));
