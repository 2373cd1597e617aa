// The wasm engine of wasmicro-verify: runs one request over web/wasmicro.js + the .wasm in Node and prints the outputs.
// No comparisons happen here: the Swift harness (Sources/WasmicroVerify) compares them with the same code as native.
//
// Usage: node ci/wasm-verify-runner.mjs REQUEST.json [path/to/wasmicro.wasm] > RESPONSE.json
// Requests: {"op":"tokenize","vocab":PATH,"options":{…tokenizer_config…},"requests":[{"text","pair","maxLength"}]}
//           {"op":"forward","model":DIR,"requests":[{"inputIds","tokenTypeIds","attentionMask","batchSize","sequenceLength"}]}
//           {"op":"embed","model":DIR,"batches":[[text, …], …]}
//           {"op":"sweep","tokenizerJSON":PATH,"template":"a{c}b {c}","maxLength":512,"blocks":[[first, last], …]}
//           (`tokenizerJSON` in place of `vocab` + `options` in tokenize and sweep: the multilingual module)
// Float outputs are base64 of little-endian Float32Array bytes.
import { readFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { init, Tokenizer, BertModel, Model, EmbeddingClassifier } = await import(join(root, "web", "wasmicro.js"));

const request = JSON.parse(readFileSync(process.argv[2], "utf8"));
const wasmPath = process.argv[3] ?? join(root, "dist", "wasmicro.wasm");
if (!existsSync(wasmPath)) {
  console.error(`wasm-verify-runner: ${wasmPath} not found (run \`make wasm\`)`);
  process.exit(2);
}
// Embedding heads run in the heads module, built next to the default one (dist/wasmicro-heads.wasm).
const headsPath = join(dirname(wasmPath), "wasmicro-heads.wasm");
if (request.op === "classify" && !existsSync(headsPath)) {
  console.error(`wasm-verify-runner: ${headsPath} not found (run \`make wasm\`)`);
  process.exit(2);
}
// tokenizer.json and encoders other than BERT run in the multilingual module (dist/wasmicro-multilingual.wasm). For
// `embed` and `classify` the loaders pick it themselves, as for users (fromDirectory).
const multilingualPath = join(dirname(wasmPath), "wasmicro-multilingual.wasm");
const modelType = request.model && existsSync(join(request.model, "config.json"))
  ? JSON.parse(readFileSync(join(request.model, "config.json"), "utf8")).model_type ?? "bert" : "bert";
const multilingual = request.tokenizerJSON !== undefined || (request.op === "forward" && modelType !== "bert");
if (multilingual && !existsSync(multilingualPath)) {
  console.error(`wasm-verify-runner: ${multilingualPath} not found (run \`make wasm\`)`);
  process.exit(2);
}
await init(readFileSync(multilingual ? multilingualPath : request.op === "classify" ? headsPath : wasmPath));


const readJSON = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined);
const base64 = (floats) => (floats ? Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64") : null);

function requestTokenizer() {
  return request.tokenizerJSON !== undefined
    ? Tokenizer.fromJSON(readFileSync(request.tokenizerJSON), readJSON(join(dirname(request.tokenizerJSON), "tokenizer_config.json")))
    : Tokenizer.fromVocab(readFileSync(request.vocab), request.options);
}

function tokenize() {
  const tokenizer = requestTokenizer();
  const results = request.requests.map(({ text, pair, maxLength }) => {
    const encoding = pair == null ? tokenizer.encode(text, { maxLength }) : tokenizer.encodePair(text, pair, { maxLength });
    return {
      inputIds: Array.from(encoding.inputIds),
      tokenTypeIds: Array.from(encoding.tokenTypeIds),
      attentionMask: Array.from(encoding.attentionMask),
      tokens: encoding.tokens,
    };
  });
  tokenizer.dispose();
  return results;
}

function forward() {
  const model = BertModel.load({
    safetensors: readFileSync(join(request.model, "model.safetensors")),
    config: readFileSync(join(request.model, "config.json")),
  });
  const results = request.requests.map(({ inputIds, tokenTypeIds, attentionMask, batchSize, sequenceLength }) => {
    const hidden = model.forward({ inputIds, tokenTypeIds, attentionMask, batchSize, sequenceLength });
    const pooler = model.info.hasPooler ? model.pooler(hidden, batchSize, sequenceLength) : null;
    const logits = model.info.numLabels > 0 ? model.logits(hidden, batchSize, sequenceLength) : null;
    return { hidden: base64(hidden), pooler: base64(pooler), logits: base64(logits) };
  });
  model.dispose();
  return results;
}

/** Per-block SHA-256 of the sweep lines "id,id,…\\n" (see SweepRequest in Sources/WasmicroVerify/Engines.swift). */
function sweep() {
  const tokenizer = requestTokenizer();
  const parts = request.template.split("{c}");
  const results = request.blocks.map(([first, last]) => {
    const digest = createHash("sha256");
    for (let value = first; value <= last; value += 1) {
      if (value >= 0xd800 && value <= 0xdfff) continue;
      const c = String.fromCodePoint(value);
      const ids = tokenizer.encode(parts.join(c), { maxLength: request.maxLength }).inputIds;
      digest.update(`${Array.from(ids).join(",")}\n`);
    }
    return digest.digest("hex");
  });
  tokenizer.dispose();
  return results;
}

async function embed() {
  // As a user loads a directory: the loader reads the files and picks the module the model needs.
  const model = await Model.fromDirectory(request.model);
  const results = request.batches.map((texts) => model.embedBatch(texts).map(base64));
  model.dispose();
  return results;
}

async function classify() {
  const classifier = await EmbeddingClassifier.fromDirectory(request.model, request.head);
  const results = classifier.classifyBatch(request.texts).map(({ labelIndex, probabilities }) => ({
    labelIndex, probabilities: base64(probabilities),
  }));
  classifier.dispose();
  return results;
}
const operations = { tokenize, sweep, forward, embed, classify };
if (!(request.op in operations)) {
  console.error(`wasm-verify-runner: unknown op ${request.op}`);
  process.exit(2);
}
try {
  process.stdout.write(JSON.stringify({ results: await operations[request.op]() }));
} catch (error) {
  console.error(`wasm-verify-runner: ${error.message}`);
  process.exit(1);
}
