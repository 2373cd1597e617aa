// Memory stability: embedding 10,000 short texts in a loop must not grow wasm memory after the first few calls (the
// failure mode of a bump allocator). Prints the memory figures after the first 10 and after all embeds. The model keeps
// its forward buffers and grows them only for a longer input, so a warm-up text longer than any in the loop comes first:
// after it, no embed may change the heap.
// WASMICRO_MEMORY_ITERATIONS overrides the count (default 10,000; about 3 minutes with all-MiniLM-L6-v2 in Node).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Model, memoryStats } from "../wasmicro.js";
import { loadDefaultModel, loadWasm, modelSkipReason } from "./support.mjs";

const iterations = Number(process.env.WASMICRO_MEMORY_ITERATIONS ?? 10000);
const subjects = ["the weather", "a cat", "my password", "the train", "sourdough bread", "volcanoes", "a café in Paris",
  "北京", "Straßenbahn", "quarterly taxes", "a red bicycle", "jazz"];
const verbs = ["is", "was", "looks", "might be", "seems"];
const endings = ["nice.", "late again!", "hard to reset", "very old?", "on fire", "über cool", "🙂", "fine, thanks"];

/** Short texts of varying length and script, so allocations vary in size from call to call. */
function textNumber(i) {
  return `${subjects[i % subjects.length]} ${verbs[i % verbs.length]} ${endings[(i * 7) % endings.length]} #${i}`;
}

const megabytes = (bytes) => (bytes / 1048576).toFixed(2) + " MiB";

test(`wasm memory is stable over ${iterations} embeds`, { skip: modelSkipReason, timeout: 30 * 60 * 1000 }, async () => {
  await loadWasm();
  const model = await loadDefaultModel(Model);
  model.embed(Array.from({ length: 40 }, (_, i) => textNumber(i)).join(" ")); // longer than any text below
  let afterTen = null;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    model.embed(textNumber(i));
    if (i === 9) afterTen = memoryStats();
  }
  const seconds = (performance.now() - started) / 1000;
  const afterAll = memoryStats();
  console.log(`after 10 embeds: wasm memory ${megabytes(afterTen.memoryBytes)}, heap in use ${afterTen.heapInUseBytes} B`);
  console.log(`after ${iterations} embeds: wasm memory ${megabytes(afterAll.memoryBytes)}, heap in use ${afterAll.heapInUseBytes} B ` +
    `(${(1000 * seconds / iterations).toFixed(1)} ms per embed)`);
  model.dispose();
  const afterDispose = memoryStats();
  console.log(`after dispose: heap in use ${megabytes(afterDispose.heapInUseBytes)} (the model's weights are freed)`);
  // Load/dispose cycles reuse the freed heap: the model's ~87 MiB are not allocated a second time.
  for (let cycle = 0; cycle < 3; cycle++) (await loadDefaultModel(Model)).dispose();
  const afterCycles = memoryStats();
  console.log(`after 3 more load/dispose cycles: wasm memory ${megabytes(afterCycles.memoryBytes)}`);
  assert.equal(afterCycles.memoryBytes, afterAll.memoryBytes, "reloading a disposed model grew wasm memory");
  assert.equal(afterAll.memoryBytes, afterTen.memoryBytes, "wasm memory grew after the first 10 embeds");
  assert.equal(afterAll.heapInUseBytes, afterTen.heapInUseBytes, "allocations leaked across embeds");
  assert.ok(afterDispose.heapInUseBytes < 1 << 20, "dispose released the model");
});
