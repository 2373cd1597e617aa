// Hostile input to the JS package (issue 11): a text over the per-call limit is an Error that says so, and afterwards
// the same instance embeds a reference sentence bit for bit.
// Uses the small synthetic checkpoint committed with the fixtures (fixtures/models/tiny-bert-h32-l1-a2).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Model, memoryStats } from "../wasmicro.js";
import { fixturesDirectory, loadWasm, readModelFile } from "./support.mjs";

const tinyDirectory = join(fixturesDirectory, "models", "tiny-bert-h32-l1-a2");
const skip = existsSync(join(tinyDirectory, "model.safetensors")) ? false : `no synthetic checkpoint at ${tinyDirectory}`;
/** WordPieceTokenizer.maxTextBytes in the core: 16 MiB of UTF-8 per text. */
const maxTextBytes = 16 * 1024 * 1024;
const reference = "Grüße aus München! A man is eating food.";

function files() {
  return {
    safetensors: readModelFile("model.safetensors", tinyDirectory),
    config: JSON.parse(readModelFile("config.json", tinyDirectory)),
    vocab: readModelFile("vocab.txt", tinyDirectory),
    tokenizerConfig: readModelFile("tokenizer_config.json", tinyDirectory),
  };
}

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
