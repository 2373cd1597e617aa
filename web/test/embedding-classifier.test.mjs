// EmbeddingClassifier (issue 10, item 5): all-MiniLM-L6-v2 plus the intents head that reference/generate.py trained with
// scikit-learn, in the heads module, against sklearn's predict_proba (fixtures/head-intents-minilm.json): labels 100%,
// probabilities max abs ≤ 1e-5. Also the three head kinds on tiny heads, the errors a web page can run into, and the
// heap after dispose. The default module has no head exports: that error is checked too.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EmbeddingClassifier, HEADS_MODULE, Model, init, memoryStats } from "../wasmicro.js";
import { fixturesDirectory, modelDirectory, modelSkipReason, wasmPath, webDirectory } from "./support.mjs";

const headsPath = join(webDirectory, "wasmicro-heads.wasm");
const fixture = JSON.parse(readFileSync(join(fixturesDirectory, "head-intents-minilm.json"), "utf8"));
const headPath = join(fixturesDirectory, fixture.head.file);
const skip = modelSkipReason || (existsSync(headsPath) ? false : `no ${headsPath} (run \`make wasm\`)`);

test("the default module refuses with a message naming the heads module", { skip }, async () => {
  await init(readFileSync(wasmPath));
  await assert.rejects(EmbeddingClassifier.fromDirectory(modelDirectory, headPath), /needs the heads module: `await init\(HEADS_MODULE\)`/);
});

test("the intents head over MiniLM matches scikit-learn: labels 100%, probabilities ≤ 1e-5", { skip }, async () => {
  await init(HEADS_MODULE);
  // A first load and classification grow the module's shared result and text buffers once; then the heap must return.
  const warmUp = await EmbeddingClassifier.fromDirectory(modelDirectory, headPath);
  warmUp.classifyBatch(fixture.cases.map((item) => item.text));
  warmUp.classify(fixture.cases[3].text);
  warmUp.dispose();
  const heapBefore = memoryStats().heapInUseBytes;
  const classifier = await EmbeddingClassifier.fromDirectory(modelDirectory, headPath);
  assert.deepEqual(classifier.labels, fixture.head.labels);
  assert.equal(classifier.kind, "softmax");
  const texts = fixture.cases.map((item) => item.text);
  const results = classifier.classifyBatch(texts);
  let worst = 0;
  fixture.cases.forEach((item, index) => {
    assert.equal(results[index].label, item.label, `${item.id} "${item.text}"`);
    item.probabilities.forEach((p, k) => (worst = Math.max(worst, Math.abs(results[index].probabilities[k] - p))));
  });
  assert.ok(worst <= 1e-5, `probabilities max abs ${worst}`);
  // One text alone gives the batch's result, bit for bit.
  const single = classifier.classify(texts[3]);
  assert.deepEqual(single.probabilities, results[3].probabilities);
  assert.equal(single.score, single.probabilities[single.labelIndex]);
  classifier.dispose();
  assert.equal(memoryStats().heapInUseBytes, heapBefore, "dispose frees the head, its buffers and the model it loaded");
});

test("tiny binary, one-vs-rest and softmax heads match scikit-learn", { skip }, async () => {
  await init(HEADS_MODULE);
  const tiny = JSON.parse(readFileSync(join(fixturesDirectory, "heads", "tiny-cases.json"), "utf8"));
  // An 8-wide head needs an 8-wide model: a stand-in Model whose embeddings are the fixture's inputs.
  for (const entry of tiny.heads) {
    const head = readFileSync(join(fixturesDirectory, "heads", entry.file));
    let index = 0;
    const stand = Object.create(Model.prototype, {
      dimension: { value: entry.dimension },
      maxSeqLength: { value: 8 },
      embed: { value: () => Float32Array.from(entry.inputs[index]) },
    });
    const classifier = EmbeddingClassifier.load({ model: stand, head });
    assert.equal(classifier.kind, entry.kind);
    for (index = 0; index < entry.inputs.length; index += 1) {
      const result = classifier.classify("ignored");
      assert.equal(result.label, String(entry.predict[index]), `${entry.file} input ${index}`);
      entry.probabilities[index].forEach((p, k) => assert.ok(Math.abs(result.probabilities[k] - p) <= 1e-5, `${entry.file} ${index}/${k}`));
    }
    classifier.dispose();
  }
});

test("bad heads and arguments are clear errors, and the instance goes on", { skip }, async () => {
  await init(HEADS_MODULE);
  const model = await Model.fromDirectory(modelDirectory);
  const tinyHead = readFileSync(join(fixturesDirectory, "heads", "binary-tiny.safetensors"));
  const notAHead = readFileSync(join(fixturesDirectory, "models", "tiny-bert-h32-l1-a2", "model.safetensors"));
  // The longest error message grows the module's error buffer once; after that, refusals must leave the heap as it was.
  assert.throws(() => EmbeddingClassifier.load({ model, head: notAHead }));
  const heapBefore = memoryStats().heapInUseBytes;
  assert.throws(() => EmbeddingClassifier.load({ model, head: tinyHead }), /the head expects 8-dimensional embeddings, the model makes 384/);
  assert.throws(() => EmbeddingClassifier.load({ model, head: new Uint8Array([1, 2, 3]) }), /EmbeddingClassifier\.load: head file: /);
  assert.throws(() => EmbeddingClassifier.load({ model, head: notAHead }), /field "__metadata__" must be \{"format": "wasmicro-embedding-head"/);
  assert.throws(() => EmbeddingClassifier.load({ model }), TypeError);
  assert.throws(() => EmbeddingClassifier.load({ head: tinyHead }), TypeError);
  await assert.rejects(EmbeddingClassifier.fromDirectory(modelDirectory, 42), TypeError);
  await assert.rejects(EmbeddingClassifier.fromDirectory(modelDirectory, join(fixturesDirectory, "heads", "missing.safetensors")),
    /cannot read the head file .*missing\.safetensors \(no such file\)/);
  assert.equal(memoryStats().heapInUseBytes, heapBefore, "refused heads leave no allocation behind");
  const classifier = EmbeddingClassifier.load({ model, head: readFileSync(headPath) });
  assert.throws(() => classifier.classify(7), TypeError);
  assert.equal(classifier.classify("what's the weather tomorrow?").label, "weather");
  classifier.dispose();
  assert.ok(model.embed("still works").length === 384, "a classifier given a Model leaves it to its owner");
  model.dispose();
});
