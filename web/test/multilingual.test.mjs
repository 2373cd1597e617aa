// The multilingual module (issue 12): tokenizer.json tokenizers and the XLM-RoBERTa / RoBERTa / DistilBERT encoders.
// Checked: the async loaders pick it by the directory's files while the default module stays loaded (and fetch
// tokenizer.json, not vocab.txt, for XLM-R; vocab.txt, not tokenizer.json, for BERT); a directory shaped like
// sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 embeds as the native CLI does; Tokenizer.fromJSON matches
// HF on fixture cases; the sync loaders without the module, and unsupported tokenizer.json components, are clear errors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { init, Model, Tokenizer, MULTILINGUAL_MODULE } from "../wasmicro.js";
import { fixturesDirectory, loadWasm, modelDirectory, modelSkipReason, repoRoot, wasmPath } from "./support.mjs";

const layout = join(fixturesDirectory, "models", "tiny-multilingual-minilm-layout");
const multilingualPath = join(repoRoot, "web", "wasmicro-multilingual.wasm");
const cli = join(repoRoot, ".build", "release", "wasmicro");
const skip = !existsSync(multilingualPath) ? "web/wasmicro-multilingual.wasm is missing (run `make wasm`)"
  : !existsSync(layout) ? `no ${layout} (run \`make references\`)` : false;
const texts = ["Wie backe ich Brot?", "¿Dónde está la biblioteca?", "东京是日本的首都。", ""];

/** A static server for `directory` on 127.0.0.1 that records the paths asked for (404 for missing files). */
async function serve(directory) {
  const asked = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    asked.push(path);
    const file = join(directory, path);
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    asked,
    close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
  };
}

function maxAbs(a, b) {
  assert.equal(a.length, b.length);
  return a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - b[index])), 0);
}

test("the sync loaders refuse tokenizer.json and non-BERT configs without the multilingual module, naming it", { skip }, async () => {
  await init(readFileSync(wasmPath));  // the default module, no multilingual instance yet
  const files = {
    safetensors: readFileSync(join(layout, "model.safetensors")),
    config: readFileSync(join(layout, "config.json")),
    tokenizerJSON: readFileSync(join(layout, "tokenizer.json")),
  };
  assert.throws(() => Model.load(files), /needs the multilingual module \(tokenizer\.json\): `await init\(MULTILINGUAL_MODULE\)`/);
  assert.throws(() => Tokenizer.fromJSON(files.tokenizerJSON), /needs the multilingual module/);
  // A vocab.txt tokenizer does not help an XLM-R config: the encoder needs the module too.
  assert.throws(() => Model.load({ ...files, tokenizerJSON: undefined, vocab: "[PAD]\n[UNK]\n[CLS]\n[SEP]\n" }),
    /needs the multilingual module \(model_type "xlm-roberta"\)/);
});

test("fromDirectory picks the multilingual module beside the default one; embeddings equal the native CLI's", { skip }, async () => {
  await init(readFileSync(wasmPath));
  const bert = modelSkipReason ? null : await Model.fromDirectory(modelDirectory);  // stays on the default module
  const model = await Model.fromDirectory(layout);
  assert.deepEqual(model.pipeline, { maxSeqLength: 128, pooling: "mean", normalize: false });
  assert.equal(model.tokenizer.encode("Hallo Welt").inputIds[0], 0, "XLM-R's <s> is id 0");
  if (existsSync(cli)) {
    const input = texts.map((text) => JSON.stringify(text)).join("\n") + "\n";
    const output = execFileSync(cli, ["embed", "--model", layout, "--stdin", "--jsonl"], { input, encoding: "utf8" });
    const native = output.trim().split("\n").map((line) => Float32Array.from(JSON.parse(line).embedding));
    const ours = model.embedBatch(texts);
    native.forEach((vector, index) => assert.ok(maxAbs(vector, ours[index]) <= 1e-5, `text ${index}`));
  }
  if (bert) {
    assert.equal(bert.embed("still works").length, 384, "the default-module model is unaffected");
    bert.dispose();
  }
  model.dispose();
});

test("fromURL fetches tokenizer.json (not vocab.txt or sentencepiece.bpe.model) for XLM-R", { skip }, async () => {
  await init(readFileSync(wasmPath));
  const server = await serve(layout);
  try {
    const model = await Model.fromURL(server.url, { cache: false });
    assert.ok(server.asked.includes("/tokenizer.json"));
    assert.ok(!server.asked.includes("/vocab.txt"));
    assert.ok(!server.asked.includes("/sentencepiece.bpe.model"));
    assert.equal(model.embed("Guten Morgen").length, model.dimension);
    model.dispose();
  } finally {
    await server.close();
  }
});

test("Tokenizer.fromJSON matches HF on the fixture cases of all three tokenizer.json families", { skip }, async () => {
  await init(MULTILINGUAL_MODULE);
  for (const [fixture, directory] of [
    ["tokenizer-unigram-xlmr.json", join(fixturesDirectory, "models", "unigram-xlmr")],
    ["tokenizer-pairs-bpe-roberta.json", join(fixturesDirectory, "models", "bpe-roberta")],
    ["tokenizer-json-minilm-uncased.json", modelDirectory],
  ]) {
    if (!existsSync(join(directory, "tokenizer.json"))) continue;
    const { cases } = JSON.parse(readFileSync(join(fixturesDirectory, fixture), "utf8"));
    const config = existsSync(join(directory, "tokenizer_config.json")) ? readFileSync(join(directory, "tokenizer_config.json")) : undefined;
    const tokenizer = Tokenizer.fromJSON(readFileSync(join(directory, "tokenizer.json")), config);
    for (const item of cases.slice(0, 120)) {
      const options = { maxLength: item.max_length };
      const encoding = item.text_pair == null ? tokenizer.encode(item.text, options) : tokenizer.encodePair(item.text, item.text_pair, options);
      assert.deepEqual(Array.from(encoding.inputIds), item.expected.input_ids, `${fixture} ${item.id}`);
    }
    tokenizer.dispose();
  }
});

test("a tokenizer.json component the core does not run is an Error naming it; the instance goes on", { skip }, async () => {
  await init(MULTILINGUAL_MODULE);
  const file = JSON.parse(readFileSync(join(fixturesDirectory, "models", "unigram-xlmr", "tokenizer.json"), "utf8"));
  assert.throws(() => Tokenizer.fromJSON({ ...file, normalizer: { type: "NFKC" } }), /tokenizer\.json: unsupported normalizer\.type "NFKC"/);
  assert.throws(() => Tokenizer.fromJSON({ ...file, model: { ...file.model, type: "WordLevel" } }), /unsupported model\.type "WordLevel"/);
  assert.throws(() => Tokenizer.fromJSON("{ not json"), /tokenizer\.json: not valid JSON/);
  assert.throws(() => Tokenizer.fromJSON(file, { tokenizer_class: "T5Tokenizer" }), /unsupported tokenizer_config\.json tokenizer_class "T5Tokenizer"/);
  const tokenizer = Tokenizer.fromJSON(file);
  assert.ok(tokenizer.encode("still fine").inputIds.length > 2);
  tokenizer.dispose();
});
