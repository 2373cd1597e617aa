// Seconds to tokenize one text with the wasm module in Node (for ci/tokenizer-throughput.py).
// Usage: node ci/tokenizer-throughput.mjs WASM MODEL_DIR TEXT_FILE  → prints the seconds of one `encode`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer, init } from "../web/wasmicro.js";

const [wasm, model, textFile] = process.argv.slice(2);
await init(readFileSync(wasm));
const tokenizer = Tokenizer.fromVocab(readFileSync(join(model, "vocab.txt")), readFileSync(join(model, "tokenizer_config.json")));
const text = readFileSync(textFile, "utf8").replace(/\n$/, "");
const start = performance.now();
tokenizer.encode(text);
console.log(((performance.now() - start) / 1000).toFixed(4));
