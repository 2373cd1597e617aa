// Errors never trap the wasm instance: malformed safetensors, bad configs, bad vocabularies, lone surrogates and misuse
// all surface as JS Errors/TypeErrors with the core's message, and afterwards the same instance embeds exactly as before.
// Uses the small synthetic checkpoint committed with the fixtures (fixtures/models/tiny-bert-h32-l1-a2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BertModel, Model, Tokenizer, memoryStats, similarity } from "../wasmicro.js";
import { loadWasm, tinyFiles, tinySkipReason } from "./support.mjs";

const skip = tinySkipReason;
const files = tinyFiles;

/** Rebuilds a safetensors file with `edit(header)` applied to its JSON header (data section unchanged). */
function editSafetensors(bytes, edit) {
  const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes).toString("utf8", 8, 8 + headerLength));
  edit(header);
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, Buffer.from(bytes).subarray(8 + headerLength)]);
}

test("errors become JS Errors and the instance keeps working", { skip }, async () => {
  await loadWasm();
  const base = files();
  const model = Model.load(base);
  const text = "Grüße aus München! A man is eating food.";
  const before = model.embed(text);
  const firstTensor = (header) => Object.keys(header).find((name) => name !== "__metadata__");
  const badWeights = {
    "empty file": new Uint8Array(0),
    "shorter than the 8-byte header length": new Uint8Array([1, 2, 3]),
    "header length past the end": (() => { const b = Buffer.from(base.safetensors); b.writeBigUInt64LE(1n << 40n); return b; })(),
    "header is not JSON": (() => { const b = Buffer.from(base.safetensors); b.fill(0x7b, 8, 40); return b; })(),
    "truncated data section": base.safetensors.subarray(0, base.safetensors.length - 1000),
    "offsets out of range": editSafetensors(base.safetensors, (h) => { h[firstTensor(h)].data_offsets[1] += 1 << 20; }),
    "unknown dtype": editSafetensors(base.safetensors, (h) => { h[firstTensor(h)].dtype = "F8_E4M3X"; }),
    "shape disagrees with bytes": editSafetensors(base.safetensors, (h) => { h[firstTensor(h)].shape[0] += 1; }),
    "missing tensor": editSafetensors(base.safetensors, (h) => { delete h["embeddings.word_embeddings.weight"]; delete h["bert.embeddings.word_embeddings.weight"]; }),
  };
  const log = (line) => { if (!quiet) console.log(line); };
  let quiet = false;
  const provokeErrors = () => {
  for (const [what, safetensors] of Object.entries(badWeights)) {
    assert.throws(() => Model.load({ ...base, safetensors }), (error) => {
      assert.ok(error instanceof Error && !(error instanceof TypeError), `${what}: ${error}`);
      assert.match(error.message, /^wasmicro: /, what);
      log(`  ${what}: ${error.message}`);
      return true;
    }, what);
  }

  const badConfigs = {
    "not JSON": "{\"hidden_size\": ",
    "not BERT": { ...base.config, model_type: "gpt2" },
    "hidden size disagrees with the weights": { ...base.config, hidden_size: base.config.hidden_size * 2, num_attention_heads: 2 },
    "heads do not divide hidden size": { ...base.config, num_attention_heads: 7 },
    "unknown activation": { ...base.config, hidden_act: "swishy" },
  };
  for (const [what, config] of Object.entries(badConfigs)) {
    assert.throws(() => Model.load({ ...base, config }), (error) => {
      log(`  config ${what}: ${error.message}`);
      return error instanceof Error && /^wasmicro: /.test(error.message);
    }, what);
  }

  for (const [what, vocab] of Object.entries({ "empty vocab": "", "no [UNK]": "[CLS]\n[SEP]\n[PAD]\nhello\n", "duplicate": "a\nb\na\n" })) {
    assert.throws(() => Tokenizer.fromVocab(vocab), (error) => {
      log(`  vocab ${what}: ${error.message}`);
      return error instanceof Error && /^wasmicro: /.test(error.message);
    });
  }
  assert.throws(() => Model.load({ ...base, pooling: "{\"pooling_mode_mean_tokens\": 3" }), /pooling/);
  assert.throws(() => BertModel.load({ safetensors: base.safetensors, config: "[]" }), /config/);

  // Misuse is a TypeError from the JS layer, before wasm is touched.
  assert.throws(() => model.embed(42), TypeError);
  assert.throws(() => model.embedBatch("not an array"), TypeError);
  assert.throws(() => Model.load(null), TypeError);
  assert.throws(() => Model.load({ config: base.config, vocab: base.vocab }), TypeError);
  assert.throws(() => Model.load({ ...base, pooling: "median" }), TypeError);
  assert.throws(() => model.tokenizer.encode("x", { maxLength: -1 }), RangeError);
  assert.throws(() => similarity(new Float32Array(2), new Float32Array(3)), TypeError);

  // Bad UTF-16: TextEncoder turns lone surrogates into U+FFFD, so these embed like the replacement character.
  assert.deepEqual(model.embed("abc\uD800def"), model.embed("abc\uFFFDdef"));
  assert.deepEqual(model.tokenizer.encode("\uDC00").tokens, model.tokenizer.encode("\uFFFD").tokens);
  model.embed("");  // empty text: [CLS] [SEP]

  // Token ids outside the vocabulary are a core error, not a trap.
  const bert = BertModel.load({ safetensors: base.safetensors, config: base.config });
  assert.throws(() => bert.forward({ inputIds: [2, 999999, 3] }), /wasmicro: forward:/);
  assert.throws(() => bert.forward({ inputIds: new Int32Array(1000).fill(5) }), /wasmicro: forward:/);  // past max positions
  bert.dispose();
  };

  provokeErrors();
  const after = model.embed(text);
  assert.deepEqual(after, before, "the same instance gives the same embedding after the errors");
  // The first round may grow the reusable result/error/scratch buffers; a second round must not allocate anything more.
  const heapAfterFirstRound = memoryStats().heapInUseBytes;
  quiet = true;
  provokeErrors();
  assert.deepEqual(model.embed(text), before);
  assert.equal(memoryStats().heapInUseBytes, heapAfterFirstRound, "failed loads leave no allocation behind");
  model.dispose();
  assert.throws(() => model.embed(text), /disposed/);
});
