// Quantized bundles in the wasm engine: Model.load takes a q8 / q4 / f16 model.safetensors unchanged, the q8
// MiniLM loads in at most 40 MiB of wasm memory (87.7 MiB for f32), and malformed bundles are JS Errors after which
// the same instance embeds exactly as before. Bundles: the committed synthetic ones (always) and MiniLM's from
// `make models`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Model, init, memoryStats, similarity } from "../wasmicro.js";
import { fixturesDirectory, loadDefaultModel, modelDirectory, readModelFile, wasmPath } from "./support.mjs";
import { readFileSync } from "node:fs";

/** The bound on wasm linear memory after loading the q8 MiniLM bundle. */
const q8MemoryLimitBytes = 40 * 1024 * 1024;
const bundle = (format) => `${modelDirectory}-${format}`;
const skipMiniLM = (format) =>
  existsSync(join(bundle(format), "model.safetensors")) ? false : `no ${bundle(format)} (run \`make models\`)`;

/** Rebuilds a safetensors file with `edit(header)` applied to its JSON header, keeping the data section. */
function editHeader(bytes, edit) {
  const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes).toString("utf8", 8, 8 + headerLength));
  edit(header);
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((32 - ((json.length + 8) % 32)) % 32, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, Buffer.from(bytes).subarray(8 + headerLength)]);
}

test("the q8 MiniLM bundle loads in <= 40 MiB of wasm memory and embeds like f32", { skip: skipMiniLM("q8") }, async () => {
  await init(readFileSync(wasmPath)); // a fresh instance: memory only grows, so measure before anything else loads
  const model = await loadDefaultModel(Model, bundle("q8"));
  const afterLoad = memoryStats().memoryBytes;
  const vector = model.embed("A man is eating food.");
  console.log(`q8 MiniLM: wasm memory after load ${(afterLoad / 1048576).toFixed(2)} MiB, after one embed ` +
    `${(memoryStats().memoryBytes / 1048576).toFixed(2)} MiB`);
  assert.ok(afterLoad <= q8MemoryLimitBytes, `wasm memory ${afterLoad} B after loading q8 exceeds ${q8MemoryLimitBytes} B`);
  model.dispose();
  await init(readFileSync(wasmPath));
  const reference = await loadDefaultModel(Model, modelDirectory);
  const f32 = reference.embed("A man is eating food.");
  reference.dispose();
  // The quality gates proper are wasmicro-verify's (quality-*.json); this only proves the bundle is used sensibly.
  assert.ok(similarity(vector, f32) > 0.999, `q8 vs f32 cosine ${similarity(vector, f32)}`);
});

for (const format of ["q8", "q4", "f16"]) {
  const directory = join(fixturesDirectory, "models", `tiny-classifier-h64-l1-a2-bf16-${format}`);
  const skip = existsSync(join(directory, "model.safetensors")) ? false : `no bundle at ${directory}`;
  test(`a malformed ${format} bundle is a JS Error and the instance keeps working`, { skip }, async () => {
    await init(readFileSync(wasmPath));
    const files = () => ({
      safetensors: readModelFile("model.safetensors", directory),
      config: JSON.parse(readModelFile("config.json", directory)),
      vocab: readModelFile("vocab.txt", directory),
      tokenizerConfig: readModelFile("tokenizer_config.json", directory),
    });
    const model = Model.load(files());
    const text = "The river runs past the old mill.";
    const before = model.embed(text);
    const query = "bert.encoder.layer.0.attention.self.query.weight";
    const broken = [
      [(h) => { h.__metadata__["wasmicro.format"] = "q3"; }, /wasmicro\.format/],
      [(h) => { h.__metadata__["wasmicro.format_version"] = "2"; }, /wasmicro\.format_version/],
      [(h) => { delete h.__metadata__["wasmicro.format"]; }, format === "f16" ? null : /does not allow/],
      [(h) => { if (h[`${query}.scales`]) { h[`${query}.scales`].shape = [1, 64]; } else { h[query].shape = [32, 128]; } }, /shape/],
      [(h) => { if (h[`${query}.scales`]) { h[`${query}.scalez`] = h[`${query}.scales`]; delete h[`${query}.scales`]; } else { h[query].dtype = "I8"; h[query].shape = [64, 128]; } }, /scales|does not allow/],
    ];
    // Two passes: the first may grow the instance's error-message buffer once; the second must leave the heap as is.
    const heapAfterPass = [];
    for (let pass = 0; pass < 2; pass += 1) {
      for (const [edit, message] of broken) {
        const bytes = editHeader(files().safetensors, edit);
        if (message === null) {
          Model.load({ ...files(), safetensors: bytes }).dispose(); // an f16 file needs no declaration
          continue;
        }
        assert.throws(() => Model.load({ ...files(), safetensors: bytes }), (error) => error instanceof Error && message.test(error.message));
      }
      heapAfterPass.push(memoryStats().heapInUseBytes);
    }
    assert.deepEqual(model.embed(text), before, "the instance embeds differently after the errors");
    assert.equal(heapAfterPass[1], heapAfterPass[0], "failed loads left allocations behind");
    model.dispose();
  });
}
