// Headless Chromium test of the wasm engine: serves web/ (+ the model at /model/, fixtures at /fixtures/) on 127.0.0.1,
// opens web/test-browser/ in headless Chromium, which loads all-MiniLM-L6-v2 through the public JS API and embeds every
// sentence of fixtures/forward-minilm.json, then compares the vectors with the HF fixture here, with the thresholds of
// fixtures/thresholds.json. The page also writes its summary into the DOM (#status/#result) for a human or --dump-dom.
// Usage: node ci/wasm-browser-test.mjs [--model models/all-MiniLM-L6-v2] [--chromium chromium] [--timeout 300]
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { runHeadlessPage } from "./headless-page.mjs";
import { EmbeddingCheck, fixturesDirectory, readFixture, readSafetensors, repoRoot, thresholds } from "../web/test/support.mjs";

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const modelDirectory = resolve(repoRoot, argument("--model", "models/all-MiniLM-L6-v2"));
const chromium = argument("--chromium", process.env.CHROMIUM ?? "chromium");
const timeoutSeconds = Number(argument("--timeout", 300));

if (!existsSync(join(modelDirectory, "model.safetensors"))) {
  console.error(`browser test: no model in ${modelDirectory} (run \`make model\`)`);
  process.exit(1);
}
if (!existsSync(join(repoRoot, "web/wasmicro.wasm"))) {
  console.error("browser test: web/wasmicro.wasm is missing (run `make wasm`)");
  process.exit(1);
}

const { outcome, browserErrors } = await runHeadlessPage({
  mounts: { "/model/": modelDirectory, "/fixtures/": fixturesDirectory }, path: "/test-browser/", timeoutSeconds, chromium,
  announce: (url) => console.log(`browser test: ${chromium} --headless ${url}`),
});

if (outcome.timeout || outcome.exited !== undefined) {
  console.error(outcome.timeout ? `browser test: no result within ${timeoutSeconds} s` : `browser test: chromium exited (${outcome.exited})`);
  console.error(browserErrors.split("\n").slice(-20).join("\n"));
  process.exit(1);
}
if (!outcome.ok) {
  console.error(`browser test: the page failed: ${outcome.error}`);
  process.exit(1);
}

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
if (check.failures.length) {
  console.error(`FAIL:\n${check.failures.join("\n")}`);
  process.exit(1);
}
console.log("browser test: PASS");
