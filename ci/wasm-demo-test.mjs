// Headless check of the demo: serves web/ with the default model, opens /demo/?q=… in headless Chromium (driven over
// the DevTools protocol on --remote-debugging-pipe, ci/headless-page.mjs), waits until the Web Worker has loaded the
// model with Model.fromURL and embedded the documents and the page lists results, checks the top result and the intent
// classifier view (a label of the intents head, one bar per label, the sizes stated), and saves a screenshot to
// dist/demo.png. Any Node from 18 on.
// Usage: node ci/wasm-demo-test.mjs [--model models/all-MiniLM-L6-v2-q8] [--timeout 180]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startHeadless } from "./headless-page.mjs";
import { repoRoot } from "../web/test/support.mjs";

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const modelDirectory = resolve(repoRoot, argument("--model", "models/all-MiniLM-L6-v2-q8"));
const timeoutSeconds = Number(argument("--timeout", 180));
const query = "how do I keep my sourdough starter alive?";
const expectedTopic = "baking";

// The format the served model declares (FORMAT.md), which the page must name.
const served = readFileSync(join(modelDirectory, "model.safetensors"));
const headerLength = Number(served.readBigUInt64LE(0));
const expectedFormat = JSON.parse(served.toString("utf8", 8, 8 + headerLength)).__metadata__?.["wasmicro.format"] ?? "f32";
const expectedMiB = (served.length / 1048576).toFixed(1);
const headLabels = JSON.parse(readFileSync(join(repoRoot, "fixtures/head-intents-minilm.json"), "utf8")).head.labels;
const headless = await startHeadless({ mounts: { "/model/": modelDirectory, "/heads/": join(repoRoot, "fixtures/heads") } }).catch((error) => {
  console.error(`demo test: FAIL: ${error.message}`);
  process.exit(1);
});

let failure = null;
try {
  const page = await headless.open(`/demo/?q=${encodeURIComponent(query)}`);
  const evaluate = page.evaluate;
  const send = page.send;

  const deadline = Date.now() + timeoutSeconds * 1000;
  let state = null;
  while (Date.now() < deadline) {
    state = await evaluate(`JSON.stringify({
      results: document.body.dataset.results ?? null,
      status: document.getElementById("status")?.textContent,
      model: document.getElementById("model-info")?.textContent,
      top: [...document.querySelectorAll("#results li")].map((li) => li.querySelector(".topic")?.textContent),
      tokens: [...document.querySelectorAll("#tokens .token")].length,
      label: document.body.dataset.label ?? null,
      bars: document.querySelectorAll("#probabilities .bar").length,
      head: document.getElementById("head-info")?.textContent })`);
    if (state && JSON.parse(state).results && JSON.parse(state).label) break;
    await new Promise((done) => setTimeout(done, 500));
  }
  const shown = JSON.parse(state ?? "{}");
  const screenshot = await send("Page.captureScreenshot", { format: "png" });
  mkdirSync(join(repoRoot, "dist"), { recursive: true });
  writeFileSync(join(repoRoot, "dist/demo.png"), Buffer.from(screenshot.data, "base64"));
  console.log(`demo: ${shown.model}`);
  console.log(`demo: ${shown.status}`);
  console.log(`demo: result topics ${JSON.stringify(shown.top)}; ${shown.tokens} tokens shown; screenshot dist/demo.png`);
  console.log(`demo: ${shown.head}; label "${shown.label}", ${shown.bars} bars`);
  if (!shown.results) failure = `no results within ${timeoutSeconds} s (status: ${shown.status})`;
  else if (shown.top[0] !== expectedTopic) failure = `top result is "${shown.top[0]}", expected "${expectedTopic}"`;
  else if (shown.tokens < 3) failure = "the tokenizer view is empty";
  else if (!headLabels.includes(shown.label)) failure = `the classifier view shows label "${shown.label}", not one of the head's`;
  else if (shown.bars !== headLabels.length) failure = `the classifier view shows ${shown.bars} bars, not ${headLabels.length}`;
  else if (!/head file [\d.]+ KiB; module wasmicro-heads\.wasm [\d.]+ KiB/.test(shown.head ?? "")) {
    failure = `the classifier view does not state the sizes: "${shown.head}"`;
  }
  else if (!shown.model?.includes(expectedFormat === "f32" ? "f32 weights" : `${expectedFormat} bundle`)) {
    failure = `the page says "${shown.model}", not the ${expectedFormat} weights it loaded`;
  } else if (!shown.model.includes(`${expectedMiB} MiB`)) {
    failure = `the page says "${shown.model}", not the ${expectedMiB} MiB of model.safetensors`;
  }
} catch (error) {
  failure = error.message;
} finally {
  if (failure) console.error(headless.errors().split("\n").slice(-10).join("\n"));
  await headless.close();
}
if (failure) {
  console.error(`demo test: FAIL: ${failure}`);
  process.exit(1);
}
console.log("demo test: PASS");
