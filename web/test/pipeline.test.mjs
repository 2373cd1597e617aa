// One pipeline policy (issue 10): the same model directory gives the same embeddings in both engines, because both hand
// its files to the core's PipelineDescription. Checked on all-MiniLM-L6-v2 as shipped, without modules.json (then no
// normalisation, as in sentence-transformers), with a Pooling folder of another name set to CLS pooling, and with a Dense
// module (both refuse it). The native side is the release CLI (`make release`), the wasm side `Model.fromDirectory`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Model } from "../wasmicro.js";
import { loadWasm, modelDirectory, modelSkipReason, repoRoot } from "./support.mjs";

const cli = join(repoRoot, ".build", "release", "wasmicro");
const texts = ["A man is eating food.", "Wie backe ich Brot?", ""];
const scratch = mkdtempSync(join(tmpdir(), "wasmicro-pipeline-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the model directory (symlinked files) without `leaveOut`, plus `extra` files written as given. */
function variant(name, leaveOut, extra = {}) {
  const directory = join(scratch, name);
  mkdirSync(directory);
  for (const entry of readdirSync(modelDirectory)) {
    if (!leaveOut.includes(entry)) symlinkSync(join(modelDirectory, entry), join(directory, entry));
  }
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(directory, path, ".."), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  return directory;
}

/** The native engine's embeddings of `texts` (the CLI in JSONL mode). */
function nativeEmbeddings(directory) {
  const input = texts.map((text) => JSON.stringify(text)).join("\n") + "\n";
  const output = execFileSync(cli, ["embed", "--model", directory, "--stdin", "--jsonl"], { input, encoding: "utf8" });
  return output.trim().split("\n").map((line) => Float32Array.from(JSON.parse(line).embedding));
}

function nativeError(directory) {
  try {
    execFileSync(cli, ["embed", "--model", directory, "x"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    return error.stderr;
  }
  return null;
}

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

const skip = modelSkipReason || (existsSync(cli) ? false : `no ${cli} (run \`make release\`)`);

async function compare(directory, expected) {
  await loadWasm();
  const model = await Model.fromDirectory(directory);
  try {
    assert.deepEqual({ ...model.pipeline }, expected);
    const ours = model.embedBatch(texts);
    const native = nativeEmbeddings(directory);
    assert.equal(native.length, texts.length);
    for (let index = 0; index < texts.length; index += 1) {
      let worst = 0;
      for (let i = 0; i < ours[index].length; i += 1) worst = Math.max(worst, Math.abs(ours[index][i] - native[index][i]));
      // The engines differ only in float summation order (verify reports vs_native_max_abs ≈ 3e-6).
      assert.ok(worst <= 1e-5, `text ${index}: wasm and native differ by ${worst}`);
      if (texts[index] !== "") assert.equal(Math.abs(norm(ours[index]) - 1) < 1e-5, expected.normalize, `text ${index} norm`);
    }
  } finally {
    model.dispose();
  }
}

test("MiniLM as shipped: mean pooling, normalised, 256 tokens, the same in both engines", { skip }, async () => {
  await compare(modelDirectory, { maxSeqLength: 256, pooling: "mean", normalize: true });
});

test("without modules.json: no normalisation in either engine (sentence-transformers' default pipeline)", { skip }, async () => {
  await compare(variant("no-modules", ["modules.json"]), { maxSeqLength: 256, pooling: "mean", normalize: false });
});

test("a Pooling folder named by modules.json (CLS) is found by both engines", { skip }, async () => {
  const modules = JSON.stringify([
    { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
    { idx: 1, name: "1", path: "pool", type: "sentence_transformers.models.Pooling" },
  ]);
  const directory = variant("cls-pool", ["modules.json", "1_Pooling"], {
    "modules.json": modules,
    "pool/config.json": JSON.stringify({ word_embedding_dimension: 384, pooling_mode_cls_token: true }),
  });
  await compare(directory, { maxSeqLength: 256, pooling: "cls", normalize: false });
});

test("a Dense module is refused by both engines, naming modules.json", { skip }, async () => {
  await loadWasm();
  const modules = JSON.stringify([
    { type: "sentence_transformers.models.Transformer", path: "" },
    { type: "sentence_transformers.models.Pooling", path: "1_Pooling" },
    { type: "sentence_transformers.models.Dense", path: "2_Dense" },
  ]);
  const directory = variant("dense", ["modules.json"], { "modules.json": modules });
  await assert.rejects(Model.fromDirectory(directory),
    /modules\.json: unsupported sentence-transformers module "sentence_transformers\.models\.Dense"/);
  assert.match(nativeError(directory), /modules\.json: unsupported sentence-transformers module "sentence_transformers\.models\.Dense"/);
});

test("explicit options override the files, and pooling crosses as a mode name", { skip }, async () => {
  await loadWasm();
  const files = {
    safetensors: readFileSync(join(modelDirectory, "model.safetensors")),
    config: readFileSync(join(modelDirectory, "config.json")),
    vocab: readFileSync(join(modelDirectory, "vocab.txt")),
  };
  const chosen = Model.load({ ...files, pooling: "max", normalize: true, maxSeqLength: 64 });
  assert.deepEqual({ ...chosen.pipeline }, { maxSeqLength: 64, pooling: "max", normalize: true });
  chosen.dispose();
  // No tokenizer_config.json and no sentence_bert_config.json: the position table's 512.
  const bare = Model.load(files);
  assert.deepEqual({ ...bare.pipeline }, { maxSeqLength: 512, pooling: "mean", normalize: false });
  bare.dispose();
  assert.throws(() => Model.load({ ...files, pooling: "median" }), TypeError);
  assert.throws(() => Model.load({ ...files, normalize: "yes" }), TypeError);
});
