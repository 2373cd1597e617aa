// Model parity in wasm against the HF fixtures: last_hidden_state / pooler / logits for every forward fixture (token ids
// from the fixture), sentence embeddings of all-MiniLM-L6-v2 from raw text (tokenizer + model + pooling + normalisation),
// and the semantic-search fixture. Thresholds are fixtures/thresholds.json's, the same as the native harness.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { init, BertModel, Model, MULTILINGUAL_MODULE } from "../wasmicro.js";
import {
  EmbeddingCheck, cosine, fixtureModelDirectory, fixturesDirectory, hasFixture, hasModel, loadDefaultModel, loadWasm, maxAbsDifference,
  modelSkipReason, readFixture, readModelFile, readSafetensors, thresholds, wasmPath,
} from "./support.mjs";

const limits = thresholds();
const forwardFixtures = hasFixture("") ? readdirSync(fixturesDirectory).filter((n) => /^forward-.*\.json$/.test(n)).sort() : [];

/** Max |ours - HF| over the rows whose attention mask is 1. */
function maskedMaxAbs(ours, expected, mask, hiddenSize) {
  let worst = 0;
  mask.forEach((keep, row) => {
    if (!keep) return;
    for (let i = row * hiddenSize; i < (row + 1) * hiddenSize; i++) worst = Math.max(worst, Math.abs(ours[i] - expected[i]));
  });
  return worst;
}

for (const name of forwardFixtures) {
  const fixture = readFixture(name);
  const directory = fixtureModelDirectory(fixture);
  const external = fixture.model.location === "external";
  test(`wasm forward matches ${name}`, { skip: external && !hasModel ? modelSkipReason : false }, async (t) => {
    // XLM-RoBERTa, RoBERTa and DistilBERT run in the multilingual module; the default one is restored after.
    const modelType = JSON.parse(readModelFile("config.json", directory)).model_type ?? "bert";
    if (modelType === "bert") {
      await loadWasm();
    } else {
      await init(MULTILINGUAL_MODULE);
      t.after(() => init(readFileSync(wasmPath)));
    }
    const tensors = readSafetensors(join(fixturesDirectory, fixture.tensors_file));
    const model = BertModel.load({ safetensors: readModelFile("model.safetensors", directory), config: readModelFile("config.json", directory) });
    const hiddenSize = model.info.hiddenSize;
    // Group cases: singles run alone, batch members run together in index order.
    const groups = new Map();
    for (const testCase of fixture.cases) {
      const key = testCase.batch ? `batch:${testCase.batch.id}` : `single:${testCase.id}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(testCase);
    }
    let hiddenWorst = 0, poolerWorst = 0, logitsWorst = 0, compared = 0;
    const failures = [];
    for (const cases of groups.values()) {
      cases.sort((a, b) => (a.batch?.index ?? 0) - (b.batch?.index ?? 0));
      const sequenceLength = cases[0].input_ids.length;
      const batchSize = cases.length;
      const hidden = model.forward({
        inputIds: cases.flatMap((c) => c.input_ids), tokenTypeIds: cases.flatMap((c) => c.token_type_ids),
        attentionMask: cases.flatMap((c) => c.attention_mask), batchSize, sequenceLength,
      });
      const pooled = model.info.hasPooler ? model.pooler(hidden, batchSize, sequenceLength) : null;
      const logits = model.info.numLabels > 0 ? model.logits(hidden, batchSize, sequenceLength) : null;
      cases.forEach((testCase, row) => {
        const rowHidden = hidden.subarray(row * sequenceLength * hiddenSize, (row + 1) * sequenceLength * hiddenSize);
        const difference = maskedMaxAbs(rowHidden, tensors.get(testCase.outputs.last_hidden_state.tensor), testCase.attention_mask, hiddenSize);
        hiddenWorst = Math.max(hiddenWorst, difference);
        if (difference > limits.hidden_state_max_abs) failures.push(`${testCase.id}: last_hidden_state max abs ${difference}`);
        if (pooled && testCase.outputs.pooler_output) {
          const d = maxAbsDifference(pooled.subarray(row * hiddenSize, (row + 1) * hiddenSize), tensors.get(testCase.outputs.pooler_output.tensor));
          poolerWorst = Math.max(poolerWorst, d);
          if (d > limits.hidden_state_max_abs) failures.push(`${testCase.id}: pooler_output max abs ${d}`);
        }
        if (logits && testCase.logits) {
          const labels = model.info.numLabels;
          const ours = logits.subarray(row * labels, (row + 1) * labels);
          const d = maxAbsDifference(ours, testCase.logits);
          logitsWorst = Math.max(logitsWorst, d);
          if (d > limits.logits_max_abs) failures.push(`${testCase.id}: logits max abs ${d}`);
          const label = ours.indexOf(Math.max(...ours));
          if (label !== testCase.label_id && testCase.label_margin >= 2 * limits.logits_max_abs) {
            failures.push(`${testCase.id}: label ${label}, HF ${testCase.label_id}`);
          }
        }
        compared++;
      });
    }
    model.dispose();
    console.log(`${name}: ${compared} cases; last_hidden_state max abs ${hiddenWorst.toExponential(2)}` +
      (poolerWorst ? `, pooler ${poolerWorst.toExponential(2)}` : "") + (logitsWorst ? `, logits ${logitsWorst.toExponential(2)}` : "") +
      ` (limit ${limits.hidden_state_max_abs})`);
    assert.equal(failures.length, 0, failures.slice(0, 10).join("\n"));
  });
}

test("wasm sentence embeddings from text match sentence-transformers (forward-minilm)", {
  skip: !hasModel ? modelSkipReason : !hasFixture("forward-minilm.json") ? "no fixtures/forward-minilm.json" : false,
}, async () => {
  await loadWasm();
  const fixture = readFixture("forward-minilm.json");
  const tensors = readSafetensors(join(fixturesDirectory, fixture.tensors_file));
  const model = await loadDefaultModel(Model);
  assert.equal(model.maxSeqLength, fixture.sentence_transformers.max_seq_length);
  const check = new EmbeddingCheck(limits);
  for (const testCase of fixture.cases) {
    if (!testCase.outputs.embedding || testCase.text_pair != null) continue;
    // Our tokenization must give HF's ids (batch members are padded: compare the unpadded prefix).
    const length = testCase.attention_mask.reduce((sum, bit) => sum + bit, 0);
    const ids = [...model.tokenizer.encode(testCase.text, { maxLength: testCase.max_length }).inputIds];
    assert.deepEqual(ids, testCase.input_ids.slice(0, length), `${testCase.id}: token ids differ`);
    check.add(testCase.id, model.embed(testCase.text), tensors.get(testCase.outputs.embedding.tensor));
  }
  model.dispose();
  console.log(`forward-minilm embeddings from text: ${check.count} texts, min cosine ${check.worstCosine.toFixed(9)}, max abs ${check.worstAbs.toExponential(2)}`);
  assert.equal(check.failures.length, 0, check.failures.join("\n"));
});

test("wasm semantic search matches sentence-transformers (search-minilm)", {
  skip: !hasModel ? modelSkipReason : !hasFixture("search-minilm.json") ? "no fixtures/search-minilm.json" : false,
}, async () => {
  await loadWasm();
  const fixture = readFixture("search-minilm.json");
  const tensors = readSafetensors(join(fixturesDirectory, fixture.tensors_file));
  const hidden = tensors.get("documents.embeddings").length / fixture.documents.length;
  const model = await loadDefaultModel(Model);
  const documents = model.embedBatch(fixture.documents.map((d) => d.text));
  const queries = model.embedBatch(fixture.queries.map((q) => q.text));
  let worstCosine = 1, worstAbs = 0;
  const check = (ours, all, row) => {
    const expected = all.subarray(row * hidden, (row + 1) * hidden);
    worstCosine = Math.min(worstCosine, cosine(ours, expected));
    worstAbs = Math.max(worstAbs, maxAbsDifference(ours, expected));
  };
  documents.forEach((vector, row) => check(vector, tensors.get("documents.embeddings"), row));
  queries.forEach((vector, row) => check(vector, tensors.get("queries.embeddings"), row));
  let agree = 0;
  fixture.queries.forEach((query, row) => {
    const scores = documents.map((document) => cosine(queries[row], document));
    const top = scores.indexOf(Math.max(...scores));  // ties go to the lower index, as in the fixture
    if (top === query.hf_top1) agree++;
  });
  model.dispose();
  console.log(`search-minilm: ${documents.length} documents, ${queries.length} queries; top-1 agrees with HF on ${agree}/${queries.length}; ` +
    `embedding min cosine ${worstCosine.toFixed(9)}, max abs ${worstAbs.toExponential(2)}`);
  assert.equal(agree, queries.length);
  assert.ok(worstCosine >= limits.embedding_cosine_min, `min cosine ${worstCosine}`);
  assert.ok(worstAbs <= limits.embedding_max_abs, `max abs ${worstAbs}`);
});
