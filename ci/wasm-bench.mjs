// Speed of the wasm engine in Node: model load time and the median embed time at several text lengths, plus the
// effective GFLOP/s of the encoder. Prints a table and writes reports/wasm-bench.json. Not a test: no assertions.
// Usage: node ci/wasm-bench.mjs [--model models/all-MiniLM-L6-v2] [--runs 15] [--wasm dist/wasmicro.wasm]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Model, init } from "../web/wasmicro.js";
import { loadDefaultModel, repoRoot } from "../web/test/support.mjs";

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const modelDirectory = resolve(repoRoot, argument("--model", "models/all-MiniLM-L6-v2"));
const runs = Number(argument("--runs", 15));
const wasmPath = resolve(repoRoot, argument("--wasm", existsSync(join(repoRoot, "dist/wasmicro.wasm")) ? "dist/wasmicro.wasm" : "web/wasmicro.wasm"));

await init(readFileSync(wasmPath));
let started = performance.now();
const model = await loadDefaultModel(Model, modelDirectory);
const loadMilliseconds = performance.now() - started;
const config = JSON.parse(readFileSync(join(modelDirectory, "config.json"), "utf8"));

/** Multiply-adds of one encoder pass over `tokens` tokens (projections, feed-forward, attention scores and context). */
function flops(tokens) {
  const hidden = config.hidden_size, intermediate = config.intermediate_size, layers = config.num_hidden_layers;
  const perLayer = tokens * (4 * hidden * hidden + 2 * hidden * intermediate) + 2 * tokens * tokens * hidden;
  return 2 * layers * perLayer;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const words = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches".split(" ");
const rows = [];
for (const target of [8, 32, 128, 256]) {
  const text = Array.from({ length: target }, (_, i) => words[i % words.length]).join(" ");
  const tokens = model.tokenizer.encode(text, { maxLength: model.maxSeqLength }).inputIds.length;
  model.embed(text);  // warm-up (JIT tiers, buffers)
  const times = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    model.embed(text);
    times.push(performance.now() - started);
  }
  const milliseconds = median(times);
  rows.push({ tokens, median_ms: Number(milliseconds.toFixed(2)), gflops: Number((flops(tokens) / milliseconds / 1e6).toFixed(2)) });
}
model.dispose();

console.log(`wasm engine (${wasmPath.replace(repoRoot + "/", "")}), Node ${process.versions.node}, ${runs} runs per length`);
console.log(`model load (copy into wasm memory + parse + weight views): ${loadMilliseconds.toFixed(0)} ms`);
console.log("tokens  median ms  GFLOP/s");
for (const row of rows) console.log(`${String(row.tokens).padStart(6)}  ${row.median_ms.toFixed(2).padStart(9)}  ${row.gflops.toFixed(2).padStart(7)}`);
mkdirSync(join(repoRoot, "reports"), { recursive: true });
writeFileSync(join(repoRoot, "reports/wasm-bench.json"), JSON.stringify({
  engine: "wasm", node: process.versions.node, runs, load_ms: Number(loadMilliseconds.toFixed(1)), embed: rows,
}, null, 2) + "\n");
