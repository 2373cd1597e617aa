// `make bench`, wasm in Node: runs web/bench/run-cases.mjs over the default model's formats and prints JSON.
// Usage: node ci/bench-wasm.mjs CASES.json RUNS FORMAT...   (formats: f32 for models/all-MiniLM-L6-v2, else -FORMAT)
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Model, init } from "../web/wasmicro.js";
import { runCases } from "../web/bench/run-cases.mjs";
import { modelDirectory, wasmPath } from "../web/test/support.mjs";

const [casesPath, runs, ...formats] = process.argv.slice(2);
const { cases } = JSON.parse(readFileSync(casesPath, "utf8"));
const directory = (format) => (format === "f32" ? modelDirectory : `${modelDirectory}-${format}`);
const optional = async (path) => readFile(path).catch(() => undefined);
const results = await runCases({
  init, Model, formats, cases, runs: Number(runs), now: () => performance.now(),
  wasmSource: () => readFile(wasmPath),
  loadFiles: async (format) => ({
    safetensors: await readFile(join(directory(format), "model.safetensors")),
    config: await readFile(join(directory(format), "config.json")),
    vocab: await readFile(join(directory(format), "vocab.txt")),
    tokenizerConfig: await optional(join(directory(format), "tokenizer_config.json")),
    poolingConfig: (await optional(join(directory(format), "1_Pooling/config.json"))) ?? undefined,
    modules: await optional(join(directory(format), "modules.json")),
    sentenceBertConfig: await optional(join(directory(format), "sentence_bert_config.json")),
  }),
});
process.stdout.write(JSON.stringify({ engine: "wasm-node", node: process.version, results }));
