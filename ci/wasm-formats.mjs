// One row per weight format of the default model in the wasm engine (Node): model.safetensors size, wasm memory
// right after loading it into a fresh instance, and the embedding cosine against the f32 HF (sentence-transformers)
// embeddings of forward-minilm's sentences. Writes reports/wasm-formats.json for the README (make readme-claims).
// Not a test: no assertions (the gates are wasmicro-verify's quality fixtures and web/test/quantized.test.mjs).
// Usage: node ci/wasm-formats.mjs   (after make wasm, make model and make models)
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Model, init, memoryStats, similarity } from "../web/wasmicro.js";
import { loadDefaultModel, modelDirectory, readFixture, readSafetensors, fixturesDirectory, repoRoot, wasmPath } from "../web/test/support.mjs";

const fixture = readFixture("forward-minilm.json");
const expected = readSafetensors(join(fixturesDirectory, fixture.tensors_file));
const cases = fixture.cases.filter((item) => item.outputs.embedding);
const rows = [];
for (const format of ["f32", "f16", "q8", "q4"]) {
  const directory = format === "f32" ? modelDirectory : `${modelDirectory}-${format}`;
  if (!existsSync(join(directory, "model.safetensors"))) {
    console.log(`${format}: no ${directory} (run \`make models\`), skipped`);
    continue;
  }
  await init(readFileSync(wasmPath)); // a fresh instance per format: wasm memory never shrinks
  const model = await loadDefaultModel(Model, directory);
  const memoryAfterLoad = memoryStats().memoryBytes;
  let minimum = 1, sum = 0;
  for (const item of cases) {
    const cosine = similarity(model.embed(item.text), expected.get(item.outputs.embedding.tensor));
    minimum = Math.min(minimum, cosine);
    sum += cosine;
  }
  model.dispose();
  const row = {
    format,
    model_safetensors_bytes: statSync(join(directory, "model.safetensors")).size,
    wasm_memory_after_load_bytes: memoryAfterLoad,
    cosine_vs_f32_hf_min: minimum,
    cosine_vs_f32_hf_mean: sum / cases.length,
    sentences: cases.length,
  };
  rows.push(row);
  const mib = (bytes) => (bytes / 1048576).toFixed(2);
  console.log(`${format.padEnd(4)} model.safetensors ${mib(row.model_safetensors_bytes)} MiB, wasm memory after load ` +
    `${mib(memoryAfterLoad)} MiB, cosine vs f32 HF min ${minimum.toFixed(6)} mean ${row.cosine_vs_f32_hf_mean.toFixed(6)}`);
}
mkdirSync(join(repoRoot, "reports"), { recursive: true });
writeFileSync(join(repoRoot, "reports", "wasm-formats.json"), JSON.stringify({ tool: "ci/wasm-formats.mjs", rows }, null, 2) + "\n");
