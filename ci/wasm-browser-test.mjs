// Headless Chromium test of the wasm engine: serves web/ (+ the model at /model/, the small fixture checkpoint
// tiny-bert-h32-l1-a2 at /tiny/, fixtures at /fixtures/) on 127.0.0.1 and opens web/test-browser/ in headless Chromium
// twice. The first visit loads both models with Model.fromURL over the network and embeds every sentence of
// fixtures/forward-minilm.json; here the vectors are compared with the HF fixture (thresholds of
// fixtures/thresholds.json) and the progress events with the files on disk. Then the server stops serving /model/ and
// /tiny/ (it drops those connections and counts them) and the page is visited again: both models must load from the
// Cache API with no request reaching the server and embed bit for bit as before, and a load with `cache: false` must
// fail naming the file and its URL. The page also writes its summary into the DOM (#status/#result).
// Usage: node ci/wasm-browser-test.mjs [--model models/all-MiniLM-L6-v2] [--chromium chromium] [--timeout 300]
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { startHeadless, within } from "./headless-page.mjs";
import { MODEL_CACHE_NAME } from "../web/wasmicro.js";
import { EmbeddingCheck, fixturesDirectory, readFixture, readSafetensors, repoRoot, thresholds } from "../web/test/support.mjs";

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const modelDirectory = resolve(repoRoot, argument("--model", "models/all-MiniLM-L6-v2"));
const tinyDirectory = join(fixturesDirectory, "models", "tiny-bert-h32-l1-a2");
const chromium = argument("--chromium", process.env.CHROMIUM ?? "chromium");
const timeoutSeconds = Number(argument("--timeout", 300));
const modelFiles = ["config.json", "vocab.txt", "tokenizer_config.json", "modules.json", "1_Pooling/config.json",
  "sentence_bert_config.json", "model.safetensors"];

if (!existsSync(join(modelDirectory, "model.safetensors"))) {
  console.error(`browser test: no model in ${modelDirectory} (run \`make model\`)`);
  process.exit(1);
}
if (!existsSync(join(repoRoot, "web/wasmicro.wasm"))) {
  console.error("browser test: web/wasmicro.wasm is missing (run `make wasm`)");
  process.exit(1);
}

// Results posted by the page, in order; requests for the models, served or refused.
const results = [];
let waiting = null;
const served = { "/model/": [], "/tiny/": [] };
const refused = { "/model/": [], "/tiny/": [] };
let offline = false;
const headless = await startHeadless({
  chromium,
  mounts: { "/model/": modelDirectory, "/tiny/": tinyDirectory, "/fixtures/": fixturesDirectory },
  onResult: (json) => (waiting ? (waiting(json), (waiting = null)) : results.push(json)),
  onRequest: (path, request) => {
    const prefix = Object.keys(served).find((candidate) => path.startsWith(candidate));
    if (!prefix) return false;
    if (!offline) {
      served[prefix].push(path.slice(prefix.length));
      return false;
    }
    refused[prefix].push(path.slice(prefix.length));
    request.socket.destroy();  // as if the network were gone
    return true;
  },
}).catch((error) => {
  console.error(`browser test: ${error.message}`);
  process.exit(1);
});
const nextResult = () => (results.length ? Promise.resolve(results.shift()) : new Promise((resolvePromise) => (waiting = resolvePromise)));

const failures = [];
async function visit(number, page) {
  const path = `/test-browser/?visit=${number}`;
  if (page) await page.navigate(path);
  else {
    console.log(`browser test: ${chromium} --headless ${headless.url}${path}`);
    page = await headless.open(path);
  }
  const outcome = await within(nextResult(), headless, timeoutSeconds);
  if (outcome.timeout || outcome.exited !== undefined) {
    console.error(outcome.timeout ? `browser test: visit ${number}: no result within ${timeoutSeconds} s` : `browser test: chromium exited (${outcome.exited})`);
    console.error(headless.errors().split("\n").slice(-20).join("\n"));
    await headless.close();
    process.exit(1);
  }
  if (!outcome.ok) {
    console.error(`browser test: visit ${number}: the page failed: ${outcome.error}`);
    await headless.close();
    process.exit(1);
  }
  return { outcome, page };
}

/** Progress of one load against the files on disk: each present file reported in order, ending at its size. */
function checkProgress(what, events, directory) {
  const present = modelFiles.filter((name) => existsSync(join(directory, name)));
  const reported = [...new Set(events.map((event) => event.file))];
  if (JSON.stringify(reported) !== JSON.stringify(present)) failures.push(`${what}: progress names ${JSON.stringify(reported)}, expected ${JSON.stringify(present)}`);
  for (const name of present) {
    const own = events.filter((event) => event.file === name);
    const size = statSync(join(directory, name)).size;
    const last = own.at(-1);
    if (own[0]?.loaded !== 0) failures.push(`${what}: ${name}: the first event has loaded ${own[0]?.loaded}, expected 0`);
    if (own.some((event, index) => index > 0 && event.loaded < own[index - 1].loaded)) failures.push(`${what}: ${name}: loaded went down`);
    if (last?.loaded !== size || last?.total !== size) failures.push(`${what}: ${name}: last event ${JSON.stringify(last)}, expected ${size} of ${size} bytes`);
  }
  return events.filter((event) => event.file === "model.safetensors").length;
}

const first = await visit(1);
const firstServed = JSON.parse(JSON.stringify(served));
offline = true;
const second = await visit(2, first.page);
await headless.close();
const [one, two] = [first.outcome, second.outcome];

const weightEvents = checkProgress("visit 1 (network)", one.progress, modelDirectory);
checkProgress("visit 1 (network), tiny", one.tinyProgress, tinyDirectory);
checkProgress("visit 2 (cache)", two.progress, modelDirectory);
checkProgress("visit 2 (cache), tiny", two.tinyProgress, tinyDirectory);
if (weightEvents < 3) failures.push(`visit 1: ${weightEvents} progress events for model.safetensors: its body was not streamed`);
const wanted = modelFiles.join(",");
if (firstServed["/model/"].join(",") !== wanted) failures.push(`visit 1: /model/ requests ${firstServed["/model/"]}, expected each file once`);
if (firstServed["/tiny/"].join(",") !== wanted) failures.push(`visit 1: /tiny/ requests ${firstServed["/tiny/"]}, expected each file once (absent ones: 404)`);
const cachedWanted = [...modelFiles.map((name) => `/model/${name}`), ...modelFiles.map((name) => `/tiny/${name}`)].sort();
if (JSON.stringify(one.cached) !== JSON.stringify(cachedWanted)) failures.push(`visit 1: the cache holds ${JSON.stringify(one.cached)}`);

// Visit 2: nothing but the cache-less load may have reached the server, and that one must fail on the first file.
const secondRequests = [...refused["/tiny/"], ...served["/tiny/"].slice(firstServed["/tiny/"].length),
  ...served["/model/"].slice(firstServed["/model/"].length)];
if (secondRequests.length) failures.push(`visit 2: requests reached the server: ${secondRequests}`);
if (!refused["/model/"].length || refused["/model/"].some((path) => path !== "config.json")) {
  failures.push(`visit 2: the cache-less load asked for ${JSON.stringify(refused["/model/"])}, expected config.json only`);
}
const configURL = `${headless.url}/model/config.json`;
if (!two.uncached?.startsWith(`wasmicro: Model.fromURL: cannot fetch config.json from ${configURL} (`)) {
  failures.push(`visit 2: the load with cache: false gave ${JSON.stringify(two.uncached)}`);
}
let identical = 0;
for (const [id, vector] of Object.entries(one.embeddings)) {
  if (JSON.stringify(two.embeddings[id]) === JSON.stringify(vector)) identical += 1;
  else failures.push(`${id}: the cached model embeds differently`);
}
if (JSON.stringify(two.tinyEmbeddings) !== JSON.stringify(one.tinyEmbeddings)) failures.push("tiny: the cached model embeds differently");
const outcome = one;

const limits = thresholds();
const fixture = readFixture("forward-minilm.json");
const tensors = readSafetensors(join(fixturesDirectory, fixture.tensors_file));
const check = new EmbeddingCheck(limits);
for (const testCase of fixture.cases) {
  if (!testCase.outputs.embedding || testCase.text_pair != null) continue;
  const ours = outcome.embeddings[testCase.id];
  if (!ours) {
    check.failures.push(`${testCase.id}: no embedding from the page`);
    continue;
  }
  check.add(testCase.id, ours, tensors.get(testCase.outputs.embedding.tensor));
}
console.log(`browser: ${outcome.userAgent}`);
console.log(`browser: model loaded in ${outcome.loadMilliseconds} ms, ${outcome.count} sentences embedded in ${outcome.embedMilliseconds} ms; ` +
  `wasm memory ${(outcome.memory.memoryBytes / 1048576).toFixed(1)} MiB`);
console.log(`browser: ${check.count} embeddings vs sentence-transformers: min cosine ${check.worstCosine.toFixed(9)}, max abs ${check.worstAbs.toExponential(2)} ` +
  `(limits ${limits.embedding_cosine_min}, ${limits.embedding_max_abs})`);
console.log(`browser: visit 1 (network): ${one.progress.length} progress events (${weightEvents} for model.safetensors), ` +
  `${firstServed["/model/"].length + firstServed["/tiny/"].length} files asked for, MiniLM loaded in ${one.loadMilliseconds} ms`);
console.log(`browser: visit 2 (Cache API "${MODEL_CACHE_NAME}", server refusing the models): ${secondRequests.length} requests reached it, ` +
  `MiniLM loaded in ${two.loadMilliseconds} ms, ${identical}/${Object.keys(one.embeddings).length} embeddings bit-identical to visit 1; ` +
  `cache: false → ${JSON.stringify(two.uncached)}`);
failures.push(...check.failures);
if (failures.length) {
  console.error(`FAIL:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("browser test: PASS");
