// Hostile input to the JS package (issue 11): a text over the per-call limit, a modules.json with a module we do not run,
// and arguments that JS would coerce (wrap, truncate or find on a prototype). Each is an Error or a TypeError/RangeError
// that says what was expected, and afterwards the same instance embeds a reference sentence bit for bit.
// Uses the small synthetic checkpoint committed with the fixtures (fixtures/models/tiny-bert-h32-l1-a2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BertModel, Model, memoryStats } from "../wasmicro.js";
import { loadWasm, tinyFiles, tinySkipReason } from "./support.mjs";

const skip = tinySkipReason;
const files = tinyFiles;
/** WordPieceTokenizer.maxTextBytes in the core: 16 MiB of UTF-8 per text. */
const maxTextBytes = 16 * 1024 * 1024;
const reference = "Grüße aus München! A man is eating food.";


/** Asserts that `body` throws `kind` (and not a subclass standing for another kind) with a message matching `pattern`. */
function assertRejects(body, kind, pattern, what) {
  assert.throws(body, (error) => {
    assert.equal(error.constructor, kind, `${what}: ${error}`);
    assert.match(error.message, pattern, what);
    return true;
  }, what);
}

test("a text over the per-call limit is the module's error, with no trap and no copy into wasm memory", { skip }, async () => {
  await loadWasm();
  const model = Model.load(files());
  const before = model.embed(reference);
  const tooLong = "x".repeat(maxTextBytes + 1);
  const tooLongInUTF8 = "é".repeat(maxTextBytes / 2 + 1);  // fewer UTF-16 units than the limit, more UTF-8 bytes
  const memoryBefore = memoryStats().memoryBytes;
  const limitMessage = /^wasmicro: \w+: text is over the limit of 16777216 bytes$/;
  assertRejects(() => model.tokenizer.encode(tooLong), Error, limitMessage, "encode");
  assertRejects(() => model.tokenizer.encode(tooLongInUTF8), Error, limitMessage, "encode (UTF-8 length)");
  assertRejects(() => model.tokenizer.encodePair(tooLong, "a"), Error, limitMessage, "encodePair, first");
  assertRejects(() => model.tokenizer.encodePair("a", tooLong), Error, limitMessage, "encodePair, second");
  assertRejects(() => model.embed(tooLong), Error, limitMessage, "embed");
  assertRejects(() => model.embedBatch(["a", tooLong]), Error, limitMessage, "embedBatch");
  assert.equal(memoryStats().memoryBytes, memoryBefore, "an over-limit text is never copied into wasm memory");
  assert.deepEqual(model.embed(reference), before, "the same instance embeds as before");

  // At the limit a text is tokenized (one word longer than 100 characters: [UNK]), and so is a pair of two such texts.
  const atLimit = "x".repeat(maxTextBytes);
  assert.deepEqual(model.tokenizer.encode(atLimit).tokens, ["[CLS]", "[UNK]", "[SEP]"]);
  assert.equal(model.tokenizer.encodePair(atLimit, atLimit).tokens.length, 5);
  assert.deepEqual(model.embed(reference), before);
  model.dispose();
});

test("Model.load refuses a modules.json with a module it does not run, as the CLI does", { skip }, async () => {
  await loadWasm();
  const base = files();
  const transformer = { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" };
  const pooling = { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" };
  const dense = { idx: 2, name: "2", path: "2_Dense", type: "sentence_transformers.models.Dense" };
  const normalize = { idx: 3, name: "3", path: "3_Normalize", type: "sentence_transformers.models.Normalize" };
  const heapBefore = memoryStats().heapInUseBytes;
  const unsupported = /^wasmicro: Model\.load: modules\.json: unsupported sentence-transformers module "sentence_transformers\.models\.Dense"$/;
  assertRejects(() => Model.load({ ...base, modules: [transformer, pooling, dense, normalize] }), Error, unsupported, "Dense");
  assertRejects(() => Model.load({ ...base, modules: JSON.stringify([transformer, pooling, dense]) }), Error, unsupported,
    "Dense, as JSON text");
  assertRejects(() => Model.load({ ...base, normalize: true, modules: [transformer, dense] }), Error, unsupported,
    "Dense, with normalize given");
  assertRejects(() => Model.load({ ...base, modules: { type: "x" } }), Error, /modules\.json: field "modules" must be a JSON array/, "not an array");
  assertRejects(() => Model.load({ ...base, modules: [{ path: "x" }] }), Error, /field "modules\[0\]\.type" must be a string/, "no type");
  assert.equal(memoryStats().heapInUseBytes, heapBefore, "refused loads leave no allocation behind");

  // The modules it runs still decide normalisation.
  const normalized = Model.load({ ...base, modules: [transformer, pooling, normalize] });
  const plain = Model.load({ ...base, modules: [transformer, pooling] });
  const vector = plain.embed(reference);
  assert.ok(Math.abs(Math.hypot(...normalized.embed(reference)) - 1) < 1e-6);
  assert.ok(Math.abs(Math.hypot(...vector) - 1) > 1e-3);
  normalized.dispose();
  plain.dispose();
});

test("arguments JS would coerce are rejected, and the instance still embeds bit for bit", { skip }, async () => {
  await loadWasm();
  const base = files();
  const model = Model.load(base);
  const before = model.embed(reference);
  const bert = BertModel.load({ safetensors: base.safetensors, config: base.config });
  const ids = model.tokenizer.encode(reference).inputIds;
  const hidden = bert.forward({ inputIds: ids });

  const cases = [
    // Token ids: Int32Array.from wrapped them (2^32 + 7 became 7) and truncated fractions.
    ["inputIds 2^32 + 7", () => bert.forward({ inputIds: [2 ** 32 + 7] }), RangeError, /inputIds\[0\] must be an integer from -2147483648 to 2147483647, got 4294967303/],
    ["inputIds 2^31", () => bert.forward({ inputIds: [101, 2 ** 31] }), RangeError, /inputIds\[1\]/],
    ["inputIds below -2^31", () => bert.forward({ inputIds: [-(2 ** 31) - 1] }), RangeError, /inputIds\[0\]/],
    ["inputIds 1.5", () => bert.forward({ inputIds: [1.5] }), TypeError, /inputIds\[0\] must be an integer, got 1\.5/],
    ["inputIds NaN", () => bert.forward({ inputIds: [NaN] }), TypeError, /inputIds\[0\] must be an integer/],
    ["inputIds string", () => bert.forward({ inputIds: ["7"] }), TypeError, /inputIds\[0\] must be an integer, got string/],
    ["inputIds Uint32Array", () => bert.forward({ inputIds: new Uint32Array([2 ** 32 - 1]) }), RangeError, /inputIds\[0\]/],
    // Padding first or in between: BERT's position ids count from column 0, so only right padding is run.
    ["attentionMask left-padded", () => bert.forward({ inputIds: [0, 101, 102], attentionMask: [0, 1, 1] }), RangeError,
      /attentionMask row 0 is not right-padded/],
    ["attentionMask with a hole", () => bert.forward({ inputIds: [101, 7, 102, 0, 101, 102], attentionMask: [1, 1, 1, 0, 1, 1], batchSize: 2, sequenceLength: 3 }),
      RangeError, /attentionMask row 1 is not right-padded/],
    ["inputIds Float64Array", () => bert.forward({ inputIds: new Float64Array([2.5]) }), TypeError, /inputIds\[0\]/],
    ["attentionMask 2^32 + 1", () => bert.forward({ inputIds: [101, 102], attentionMask: [1, 2 ** 32 + 1] }), RangeError, /attentionMask\[1\]/],
    ["tokenTypeIds 0.5", () => bert.forward({ inputIds: [101, 102], tokenTypeIds: [0, 0.5] }), TypeError, /tokenTypeIds\[1\]/],
    // Sizes: a non-integer or out-of-range size reached the module as a wrapped i32.
    ["batchSize 0.5 (forward)", () => bert.forward({ inputIds: ids, batchSize: 0.5, sequenceLength: 2 * ids.length }), TypeError, /batchSize must be an integer, got 0\.5/],
    ["batchSize 0.5 (pooler)", () => bert.pooler(hidden, 0.5, 2 * ids.length), TypeError, /batchSize must be an integer, got 0\.5/],
    ["sequenceLength 2^32 (logits)", () => bert.logits(hidden, 1, 2 ** 32), RangeError, /sequenceLength must be an integer from 0 to 2147483647/],
    ["batchSize -1 (forward)", () => bert.forward({ inputIds: [], batchSize: -1, sequenceLength: 0 }), RangeError, /batchSize/],
    // Limits: maxSeqLength 2^32 + 5 became a limit of 5 tokens.
    ["maxSeqLength 2^32 + 5", () => Model.load({ ...base, maxSeqLength: 2 ** 32 + 5 }), RangeError, /`maxSeqLength` must be an integer from 0 to 2147483647, got 4294967301/],
    // A file's value is the core's to judge (sentence_bert_config.json, as the CLI reads it), not coerced by JS.
    ["max_seq_length 2^32 + 5", () => Model.load({ ...base, sentenceBertConfig: { max_seq_length: 2 ** 32 + 5 } }), Error,
      /sentence_bert_config\.json: field "max_seq_length" must be an integer/],
    ["maxSeqLength 1.5", () => Model.load({ ...base, maxSeqLength: 1.5 }), TypeError, /`maxSeqLength` must be an integer/],
    ["maxLength 2^32 + 5", () => model.tokenizer.encode(reference, { maxLength: 2 ** 32 + 5 }), RangeError, /maxLength must be an integer from 0 to 2147483647/],
    ["pair maxLength 2^32 + 5", () => model.tokenizer.encodePair("a", "b", { maxLength: 2 ** 32 + 5 }), RangeError, /maxLength/],
    ["maxLength -1", () => model.tokenizer.encode(reference, { maxLength: -1 }), RangeError, /maxLength/],
    // Pooling names: an `in` check found "constructor" on Object.prototype.
    ["pooling constructor", () => Model.load({ ...base, pooling: "constructor" }), TypeError, /unknown pooling "constructor" \(expected mean, cls, max, mean_sqrt_len\)/],
    ["pooling toString", () => Model.load({ ...base, pooling: "toString" }), TypeError, /unknown pooling "toString"/],
    ["pooling __proto__", () => Model.load({ ...base, pooling: "__proto__" }), TypeError, /unknown pooling "__proto__"/],
  ];
  const heapBefore = memoryStats().heapInUseBytes;
  for (const [what, body, kind, pattern] of cases) {
    assertRejects(body, kind, pattern, what);
    assert.deepEqual(model.embed(reference), before, `after ${what}, the same instance embeds bit for bit`);
  }
  assert.equal(memoryStats().heapInUseBytes, heapBefore, "rejected arguments leave no allocation behind");

  // What is valid still works: an Array or any integer typed array of in-range ids, and maxLength at its bounds.
  assert.deepEqual(bert.forward({ inputIds: Array.from(ids) }), hidden);
  assert.deepEqual(bert.forward({ inputIds: new Uint16Array(ids) }), hidden);
  assert.equal(model.tokenizer.encode(reference, { maxLength: 2 ** 31 - 1 }).inputIds.length, ids.length);
  const longest = Model.load({ ...base, maxSeqLength: 2 ** 31 - 1 });
  assert.equal(longest.maxSeqLength, base.config.max_position_embeddings);
  longest.dispose();
  bert.dispose();
  model.dispose();
});
