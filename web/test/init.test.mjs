// init() accepts every documented source (bytes, path, file URL, compiled Module) and replacing the instance makes the
// old handles fail with a clear message instead of touching the new instance.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { Tokenizer, init, memoryStats } from "../wasmicro.js";
import { wasmPath } from "./support.mjs";

test("init accepts bytes, a path, a file URL and a WebAssembly.Module", async () => {
  const bytes = readFileSync(wasmPath);
  for (const source of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), wasmPath,
    pathToFileURL(wasmPath), await WebAssembly.compile(bytes)]) {
    await init(source);
    assert.ok(memoryStats().memoryBytes > 0);
  }
  await assert.rejects(init(42), TypeError);
});

test("handles from a replaced instance fail clearly", async () => {
  await init(readFileSync(wasmPath));
  const tokenizer = Tokenizer.fromVocab("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
  assert.deepEqual(tokenizer.encode("hello").tokens, ["[CLS]", "hello", "[SEP]"]);
  await init(readFileSync(wasmPath));
  assert.throws(() => tokenizer.encode("hello"), /replaced by init\(\)/);
  assert.throws(() => Tokenizer.fromVocab(""), /wasmicro: Tokenizer.fromVocab: vocab.txt: /);
});
