// embedBatch runs each batch as one forward pass in wasm (wasmicro_embedder_embed_batch): the vectors are `embed`'s bit
// for bit, whatever the batch size, and the wasm heap is where it was afterwards. Bad batch sizes are TypeError or
// RangeError. Uses MiniLM (make model).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Model, memoryStats } from "../wasmicro.js";
import { loadWasm, modelSkipReason, readModelFile } from "./support.mjs";

const texts = [
  "A man is eating food.", "", "Grüße aus München!", "一个男人在吃东西。", "short",
  "A much longer sentence that has quite a few more tokens than the others in this small batch of texts.", "x y z",
];

test("embedBatch equals embed bit for bit in batches of any size", { skip: modelSkipReason }, async () => {
  await loadWasm();
  const model = Model.load({
    safetensors: readModelFile("model.safetensors"), config: readModelFile("config.json"),
    vocab: readModelFile("vocab.txt"), tokenizerConfig: readModelFile("tokenizer_config.json"),
    modules: readModelFile("modules.json"), pooling: readModelFile("1_Pooling/config.json"),
    sentenceBertConfig: readModelFile("sentence_bert_config.json"),
  });
  const single = texts.map((text) => model.embed(text));
  model.embedBatch(texts);  // the workspace reaches its size for this batch
  const heap = memoryStats().heapInUseBytes;
  for (const batchSize of [1, 3, 7, 32]) {
    const batched = model.embedBatch(texts, { batchSize });
    assert.equal(batched.length, texts.length);
    batched.forEach((vector, index) => assert.deepEqual(vector, single[index], `batchSize ${batchSize}, text ${index}`));
  }
  assert.equal(memoryStats().heapInUseBytes, heap, "the heap is where it was after the batches");
  assert.deepEqual(model.embedBatch([]), []);
  for (const [batchSize, kind] of [[0, RangeError], [-1, RangeError], [2 ** 31, RangeError], [0.5, TypeError],
    ["32", TypeError], [NaN, TypeError]]) {
    assert.throws(() => model.embedBatch(texts, { batchSize }), kind, `batchSize ${batchSize}`);
  }
  assert.deepEqual(model.embed(texts[0]), single[0], "the instance still embeds as before");
  model.dispose();
});
