// Runs in headless Chromium, once per visit (?visit=1, then ?visit=2 after ci/wasm-browser-test.mjs has stopped serving
// the models): loads all-MiniLM-L6-v2 from /model/ and the small fixture checkpoint from /tiny/ (no modules.json,
// pooling or sentence_bert_config.json: HTTP 404s) with Model.fromURL, records its progress events, embeds every
// fixture sentence, writes a summary into the DOM (#status, #result) and POSTs the raw vectors to the test server, which
// compares them with the HF fixture and the two visits with each other in Node (ci/wasm-browser-test.mjs). The second
// visit must load from the Cache API alone; there, a load with `cache: false` must fail naming the file and its URL.
import { MODEL_CACHE_NAME, Model, init, memoryStats } from "../wasmicro.js";

const status = document.getElementById("status");
const resultElement = document.getElementById("result");
const visit = Number(new URLSearchParams(location.search).get("visit") ?? 1);
const tinyTexts = ["The river runs past the old mill.", "Grüße aus München!"];

/** Model.fromURL with every progress event kept. */
async function loadRecorded(url) {
  const progress = [];
  const started = performance.now();
  const model = await Model.fromURL(url, { onProgress: (event) => progress.push(event) });
  return { model, progress, milliseconds: Math.round(performance.now() - started) };
}

async function run() {
  await init();
  const { model, progress, milliseconds: loadMilliseconds } = await loadRecorded("/model/");
  const loaded = performance.now();
  const fixture = await (await fetch("/fixtures/forward-minilm.json")).json();
  const embeddings = {};
  for (const testCase of fixture.cases) {
    if (!testCase.outputs.embedding || testCase.text_pair != null) continue;
    embeddings[testCase.id] = Array.from(model.embed(testCase.text));
  }
  const finished = performance.now();
  const memory = memoryStats();
  model.dispose();

  const tiny = await loadRecorded("/tiny");  // no trailing slash: still the directory
  const tinyEmbeddings = tinyTexts.map((text) => Array.from(tiny.model.embed(text)));
  tiny.model.dispose();

  let uncached = null;
  if (visit === 2) {
    // The server refuses model requests now: without the cache the load must fail, naming the file and its URL.
    uncached = await Model.fromURL("/model/", { cache: false }).then((m) => (m.dispose(), "loaded"), (error) => error.message);
  }
  const cache = await caches.open(MODEL_CACHE_NAME);
  const cached = (await cache.keys()).map((request) => new URL(request.url).pathname).sort();

  const report = {
    visit,
    userAgent: navigator.userAgent,
    count: Object.keys(embeddings).length,
    loadMilliseconds,
    embedMilliseconds: Math.round(finished - loaded),
    memory,
  };
  status.textContent = `visit ${visit} done: ${report.count} embeddings`;
  resultElement.textContent = JSON.stringify(report, null, 2);
  return { ok: true, ...report, embeddings, progress, tinyProgress: tiny.progress, tinyEmbeddings, uncached, cached };
}

run()
  .catch((error) => {
    status.textContent = `failed: ${error.message}`;
    return { ok: false, error: String(error && error.stack || error) };
  })
  .then((result) => fetch("/__result", { method: "POST", body: JSON.stringify(result) }));
