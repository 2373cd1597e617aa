// Tokenizer parity in wasm: every case of the HF tokenizer fixtures (fixtures/tokenizer-*.json), ids/types/mask exact.
// A fixture whose tokenizer block names a file (tokenizer.json) runs Tokenizer.fromJSON in the multilingual module; the
// code-point sweep fixtures (kind "tokenizer-sweep") are checked by `make verify` in both engines.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { init, Tokenizer, MULTILINGUAL_MODULE } from "../wasmicro.js";
import { fixtureModelDirectory, fixturesDirectory, hasFixture, loadWasm, readFixture, readModelFile, wasmPath } from "./support.mjs";

const fixtureNames = hasFixture("")
  ? readdirSync(fixturesDirectory).filter((n) => /^tokenizer-.*\.json$/.test(n) && readFixture(n).kind === "tokenizer").sort()
  : [];

test("tokenizer fixtures are present", { skip: fixtureNames.length ? false : "no fixtures/tokenizer-*.json (run `make references`)" }, () => {
  assert.ok(fixtureNames.length > 0);
});

for (const name of fixtureNames) {
  const fixture = readFixture(name);
  const directory = fixtureModelDirectory(fixture);
  const file = fixture.tokenizer.file;  // "tokenizer.json", or absent: vocab.txt
  const source = join(directory, file ?? "vocab.txt");
  test(`wasm tokenizer matches ${name}`, { skip: existsSync(source) ? false : `no ${source}` }, async (t) => {
    let tokenizer;
    if (file) {
      // As transformers loads it: tokenizer.json with the directory's tokenizer_config.json (its tokenizer_class).
      await init(MULTILINGUAL_MODULE);
      t.after(() => init(readFileSync(wasmPath)));
      const config = join(directory, "tokenizer_config.json");
      tokenizer = Tokenizer.fromJSON(readFileSync(source), existsSync(config) ? readFileSync(config) : undefined);
    } else {
      await loadWasm();
      // Build from vocab.txt + the options HF really ran with (the fixture's, not tokenizer_config.json).
      tokenizer = Tokenizer.fromVocab(readModelFile("vocab.txt", directory), fixture.tokenizer.options);
    }
    const mismatches = [];
    for (const testCase of fixture.cases) {
      const options = { maxLength: testCase.max_length };
      const actual = testCase.text_pair == null
        ? tokenizer.encode(testCase.text, options)
        : tokenizer.encodePair(testCase.text, testCase.text_pair, options);
      const expected = testCase.expected;
      const same = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);
      if (!same([...actual.inputIds], expected.input_ids) || !same([...actual.tokenTypeIds], expected.token_type_ids) ||
          !same([...actual.attentionMask], expected.attention_mask)) {
        mismatches.push(`${testCase.id} ${JSON.stringify(testCase.text)}\n  expected ${expected.tokens.join(" ")}\n  actual   ${actual.tokens.join(" ")}`);
      }
    }
    tokenizer.dispose();
    console.log(`${name}: ${fixture.cases.length - mismatches.length}/${fixture.cases.length} cases identical to HF`);
    assert.equal(mismatches.length, 0, `token mismatches:\n${mismatches.slice(0, 10).join("\n")}`);
  });
}
