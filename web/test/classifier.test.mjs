// Classifier (text → label) in wasm against the synthetic BertForSequenceClassification fixtures: the JS pipeline
// (tokenize, forward, classifier head, softmax) must give HF's ids, logits within logits_max_abs and HF's label.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { Classifier } from "../wasmicro.js";
import { fixtureModelDirectory, hasFixture, loadWasm, maxAbsDifference, readFixture, readModelFile, thresholds } from "./support.mjs";

const limits = thresholds();

for (const name of ["forward-tiny-classifier-h32-l2-a4.json", "forward-tiny-classifier-h64-l1-a2-bf16.json"]) {
  test(`wasm Classifier matches ${name}`, { skip: hasFixture(name) ? false : `no fixtures/${name}` }, async () => {
    await loadWasm();
    const fixture = readFixture(name);
    const directory = fixtureModelDirectory(fixture);
    const classifier = Classifier.load({
      safetensors: readModelFile("model.safetensors", directory),
      config: JSON.parse(readModelFile("config.json", directory)),
      vocab: readModelFile("vocab.txt", directory),
      tokenizerConfig: fixture.tokenizer.options,
    });
    assert.deepEqual(classifier.labels, fixture.model.id2label);
    let worst = 0, count = 0;
    for (const testCase of fixture.cases) {
      if (testCase.batch) continue;  // padded batch members: covered by parity.test.mjs through BertModel
      assert.equal(testCase.max_length, classifier.maxSeqLength, `${testCase.id}: truncation length`);
      const result = testCase.text_pair == null ? classifier.classify(testCase.text) : classifier.classify(testCase.text, testCase.text_pair);
      const difference = maxAbsDifference(result.logits, testCase.logits);
      worst = Math.max(worst, difference);
      assert.ok(difference <= limits.logits_max_abs, `${testCase.id}: logits differ by ${difference}`);
      if (testCase.label_margin >= 2 * limits.logits_max_abs) assert.equal(result.label, testCase.label, testCase.id);
      assert.ok(Math.abs(result.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      count++;
    }
    classifier.dispose();
    console.log(`${name}: ${count} texts classified from raw text, logits max abs ${worst.toExponential(2)}, labels identical`);
  });
}
