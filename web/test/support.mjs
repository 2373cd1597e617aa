// Shared helpers for the Node tests of the wasmicro JS package: paths, fixture and safetensors reading, thresholds.
// The wasm module is web/wasmicro.wasm (built by `make wasm`) unless WASMICRO_WASM names another file.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../wasmicro.js";

export const webDirectory = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = resolve(webDirectory, "..");
export const fixturesDirectory = join(repoRoot, "fixtures");
export const modelDirectory = resolve(repoRoot, process.env.WASMICRO_MODEL_DIR ?? "models/all-MiniLM-L6-v2");
export const wasmPath = resolve(process.env.WASMICRO_WASM ?? join(webDirectory, "wasmicro.wasm"));

export const hasModel = existsSync(join(modelDirectory, "model.safetensors"));
export const modelSkipReason = hasModel ? false : `no model at ${modelDirectory} (run \`make model\`)`;

export function hasFixture(name) {
  return existsSync(join(fixturesDirectory, name));
}

export function fixtureSkipReason(name) {
  return hasFixture(name) ? false : `fixture ${name} is absent (run \`make references\`)`;
}

let initialized = null;
/** Loads the wasm module once per test process. */
export function loadWasm() {
  initialized ??= init(readFileSync(wasmPath));
  return initialized;
}

export function readModelFile(name, directory = modelDirectory) {
  return readFileSync(join(directory, name));
}

export function readFixture(name) {
  return JSON.parse(readFileSync(join(fixturesDirectory, name), "utf8"));
}

/** The model directory a fixture refers to ("fixtures" location: fixtures/models/<name>; "external": models/<name>). */
export function fixtureModelDirectory(fixture) {
  if (fixture.model.location === "fixtures") return join(fixturesDirectory, "models", fixture.model.name);
  const preferred = join(repoRoot, "models", fixture.model.name);
  return existsSync(preferred) ? preferred : resolve(repoRoot, fixture.model.path);
}

/** Reads a safetensors file of float32 tensors into a Map name -> Float32Array. */
export function readSafetensors(path) {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.toString("utf8", 8, 8 + headerLength));
  const tensors = new Map();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (info.dtype !== "F32") throw new Error(`${path}: ${name} is ${info.dtype}, expected F32`);
    const [start, end] = info.data_offsets;
    const copy = bytes.buffer.slice(bytes.byteOffset + 8 + headerLength + start, bytes.byteOffset + 8 + headerLength + end);
    tensors.set(name, new Float32Array(copy));
  }
  return tensors;
}

/** Named pass/fail limits shared with the native harness (fixtures/thresholds.json). */
export function thresholds() {
  const fallback = { hidden_state_max_abs: 1e-4, embedding_cosine_min: 0.99999, embedding_max_abs: 1e-4, logits_max_abs: 1e-4 };
  if (!hasFixture("thresholds.json")) return fallback;
  const values = {};
  for (const [name, entry] of Object.entries(readFixture("thresholds.json").thresholds)) values[name] = entry.value;
  return { ...fallback, ...values };
}

export function cosine(a, b) {
  let dot = 0, normA = 0, normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}

export function maxAbsDifference(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Compares embeddings with HF's under the shared limits, keeping the worst cosine / max abs and the failures. */
export class EmbeddingCheck {
  constructor(limits) {
    this.limits = limits;
    this.worstCosine = 1;
    this.worstAbs = 0;
    this.count = 0;
    this.failures = [];
  }

  add(id, ours, expected) {
    const similarity = cosine(ours, expected), difference = maxAbsDifference(ours, expected);
    this.worstCosine = Math.min(this.worstCosine, similarity);
    this.worstAbs = Math.max(this.worstAbs, difference);
    if (similarity < this.limits.embedding_cosine_min || difference > this.limits.embedding_max_abs) {
      this.failures.push(`${id}: cosine ${similarity}, max abs ${difference}`);
    }
    this.count++;
  }
}

/** Loads the default sentence embedder (all-MiniLM-L6-v2) the way an app would, from its sentence-transformers files. */
export async function loadDefaultModel(Model, directory = modelDirectory) {
  return Model.load({
    safetensors: readModelFile("model.safetensors", directory),
    config: readModelFile("config.json", directory),
    vocab: readModelFile("vocab.txt", directory),
    tokenizerConfig: readModelFile("tokenizer_config.json", directory),
    pooling: readModelFile("1_Pooling/config.json", directory),
    modules: readModelFile("modules.json", directory),
    sentenceBertConfig: readModelFile("sentence_bert_config.json", directory),
  });
}

/** The small synthetic checkpoint committed with the fixtures, its Model.load files, and a skip reason when absent. */
export const tinyDirectory = join(fixturesDirectory, "models", "tiny-bert-h32-l1-a2");
export const tinySkipReason = existsSync(join(tinyDirectory, "model.safetensors"))
  ? false : `no synthetic checkpoint at ${tinyDirectory}`;

export function tinyFiles() {
  return {
    safetensors: readModelFile("model.safetensors", tinyDirectory),
    config: JSON.parse(readModelFile("config.json", tinyDirectory)),
    vocab: readModelFile("vocab.txt", tinyDirectory),
    tokenizerConfig: readModelFile("tokenizer_config.json", tinyDirectory),
  };
}
