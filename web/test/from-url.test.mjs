// Model.fromDirectory / fromURL (and Classifier's): the files of a model directory, read from disk or fetched from a
// localhost server, load the same model as Model.load with the files passed by hand (embeddings equal bit for bit);
// absent optional files are left out as a caller would leave them out; progress names every file with its real size;
// and wrong arguments, missing files and bad HTTP statuses are errors that name what was expected, the file and where.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { after, test } from "node:test";
import { Classifier, Model } from "../wasmicro.js";
import { fixturesDirectory, loadDefaultModel, loadWasm, modelDirectory, modelSkipReason, readModelFile } from "./support.mjs";

const texts = ["A man is eating food.", "Grüße aus München!", ""];
const q8Directory = `${modelDirectory}-q8`;
const q8Skip = existsSync(join(q8Directory, "model.safetensors")) ? false : `no ${q8Directory} (run \`make models\`)`;
const tinyDirectory = join(fixturesDirectory, "models", "tiny-bert-h32-l1-a2");  // config, vocab, tokenizer_config, weights
const classifierDirectory = join(fixturesDirectory, "models", "tiny-classifier-h32-l2-a4");
const embedderFileNames = ["config.json", "vocab.txt", "tokenizer_config.json", "modules.json", "1_Pooling/config.json",
  "sentence_bert_config.json", "model.safetensors"];

const scratch = mkdtempSync(join(tmpdir(), "wasmicro-from-url-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Whether two embeddings are the same bits (not merely close). */
function sameBits(a, b) {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function assertSameEmbeddings(model, reference, what) {
  assert.equal(model.dimension, reference.dimension, what);
  assert.equal(model.maxSeqLength, reference.maxSeqLength, `${what}: max sequence length`);
  for (const text of texts) assert.ok(sameBits(model.embed(text), reference.embed(text)), `${what}: embedding of ${JSON.stringify(text)}`);
}

/**
 * Checks progress events against the directory: each existing file of `names` is reported in order, loaded grows from
 * 0 to the file's size, and the last event of each file has loaded === total === size.
 */
function assertProgress(events, directory, names) {
  const present = names.filter((name) => existsSync(join(directory, name)));
  const files = [...new Set(events.map((event) => event.file))];
  assert.deepEqual(files, present, "files reported, in order");
  for (const name of present) {
    const own = events.filter((event) => event.file === name);
    const size = statSync(join(directory, name)).size;
    assert.equal(own[0].loaded, 0, `${name}: first event`);
    own.forEach((event, index) => assert.ok(index === 0 || event.loaded >= own[index - 1].loaded, `${name}: loaded decreased`));
    assert.deepEqual(own.at(-1), { file: name, loaded: size, total: size }, `${name}: last event`);
  }
}

/** The files of a directory as Model.load takes them, absent optional files left out. */
function filesByHand(directory, names = embedderFileNames) {
  const keys = { "config.json": "config", "vocab.txt": "vocab", "tokenizer_config.json": "tokenizerConfig", "modules.json": "modules",
    "1_Pooling/config.json": "pooling", "sentence_bert_config.json": "sentenceBertConfig", "model.safetensors": "safetensors" };
  const files = {};
  for (const name of names) if (existsSync(join(directory, name))) files[keys[name]] = readModelFile(name, directory);
  return files;
}

/**
 * A tiny static server for one directory on 127.0.0.1, recording the paths asked for. `statuses` maps a path
 * ("/config.json") to a status to answer instead of the file.
 */
async function serve(directory, statuses = {}, { gzip = [], chunked = [] } = {}) {
  const requests = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    requests.push(path);
    if (statuses[path]) return response.writeHead(statuses[path]).end(`status ${statuses[path]}`);
    const file = join(directory, path);
    if (!existsSync(file) || !statSync(file).isFile()) return response.writeHead(404).end("not found");
    const bytes = readFileSync(file);
    const type = { "content-type": "application/octet-stream" };
    // gzip: Content-Length counts compressed bytes; chunked: no Content-Length at all. Either way the size is unknown.
    if (gzip.includes(path)) {
      const compressed = gzipSync(bytes);
      return response.writeHead(200, { ...type, "content-encoding": "gzip", "content-length": compressed.length }).end(compressed);
    }
    if (chunked.includes(path)) {
      response.writeHead(200, type);
      for (let start = 0; start < bytes.length; start += 1000) response.write(bytes.subarray(start, start + 1000));
      return response.end();
    }
    response.writeHead(200, { ...type, "content-length": bytes.length }).end(bytes);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
  };
}

/** A copy of `directory` without the named files. */
function copyWithout(directory, names, without) {
  const copy = mkdtempSync(join(scratch, "model-"));
  for (const name of names) {
    if (without.includes(name) || !existsSync(join(directory, name))) continue;
    mkdirSync(join(copy, name, ".."), { recursive: true });
    copyFileSync(join(directory, name), join(copy, name));
  }
  return copy;
}

test("fromURL before init() rejects before it fetches anything", async () => {
  const server = await serve(tinyDirectory);
  try {
    await assert.rejects(Model.fromURL(server.url), /call `await init\(\)` first/);
    await assert.rejects(Model.fromDirectory(tinyDirectory), /call `await init\(\)` first/);
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

test("Model.fromDirectory(all-MiniLM-L6-v2) embeds bit for bit as Model.load with the files by hand", { skip: modelSkipReason }, async () => {
  await loadWasm();
  const events = [];
  const model = await Model.fromDirectory(modelDirectory, { onProgress: (event) => events.push(event) });
  const reference = await loadDefaultModel(Model, modelDirectory);
  assertSameEmbeddings(model, reference, "fromDirectory(MiniLM)");
  assertProgress(events, modelDirectory, embedderFileNames);
  assert.equal(model.maxSeqLength, 256, "sentence_bert_config.json's max_seq_length");
  console.log(`fromDirectory(MiniLM): ${events.length} progress events, ${texts.length} embeddings bit-identical to Model.load`);
  model.dispose();
  reference.dispose();
});

test("Model.fromDirectory and fromURL on the q8 bundle embed bit for bit as Model.load", { skip: q8Skip }, async () => {
  await loadWasm();
  const reference = await loadDefaultModel(Model, q8Directory);
  const fromDisk = await Model.fromDirectory(pathToFileURL(q8Directory));  // a file: URL names the directory too
  assertSameEmbeddings(fromDisk, reference, "fromDirectory(q8)");
  fromDisk.dispose();
  const server = await serve(q8Directory);
  try {
    const events = [];
    // No trailing slash: the files must still be looked up inside the directory.
    const fromURL = await Model.fromURL(server.url.replace(/\/$/, ""), { onProgress: (event) => events.push(event) });
    assertSameEmbeddings(fromURL, reference, "fromURL(q8)");
    assertProgress(events, q8Directory, embedderFileNames);
    assert.deepEqual(server.requests, embedderFileNames.map((name) => `/${name}`), "each file fetched once, weights last");
    fromURL.dispose();
  } finally {
    await server.close();
  }
  reference.dispose();
});

test("absent optional files (HTTP 404, no file on disk) load as Model.load without them", async () => {
  await loadWasm();
  const reference = Model.load(filesByHand(tinyDirectory));
  const fromDisk = await Model.fromDirectory(tinyDirectory);
  assertSameEmbeddings(fromDisk, reference, "fromDirectory(tiny)");
  fromDisk.dispose();
  const server = await serve(tinyDirectory);
  try {
    const events = [];
    const fromURL = await Model.fromURL(new URL(server.url), { onProgress: (event) => events.push(event), cache: false });
    assertSameEmbeddings(fromURL, reference, "fromURL(tiny)");
    assertProgress(events, tinyDirectory, embedderFileNames);
    assert.deepEqual(server.requests, embedderFileNames.map((name) => `/${name}`));
    fromURL.dispose();
  } finally {
    await server.close();
  }
  reference.dispose();
});

test("a size the server does not give (chunked, or gzip-compressed) is reported as total: null until the end", async () => {
  await loadWasm();
  const reference = Model.load(filesByHand(tinyDirectory));
  const server = await serve(tinyDirectory, {}, { gzip: ["/vocab.txt"], chunked: ["/model.safetensors"] });
  try {
    const events = [];
    const model = await Model.fromURL(server.url, { onProgress: (event) => events.push(event) });
    assertSameEmbeddings(model, reference, "fromURL(tiny, gzip + chunked)");
    assertProgress(events, tinyDirectory, embedderFileNames);
    for (const name of ["vocab.txt", "model.safetensors"]) {
      const own = events.filter((event) => event.file === name);
      assert.ok(own.length >= 3, `${name}: ${own.length} events`);
      assert.ok(own.slice(0, -1).every((event) => event.total === null), `${name}: a total before the end: ${JSON.stringify(own)}`);
    }
    model.dispose();
  } finally {
    await server.close();
  }
  reference.dispose();
});

test("Classifier.fromDirectory and fromURL classify as Classifier.load", async () => {
  await loadWasm();
  const reference = Classifier.load(filesByHand(classifierDirectory, ["config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"]));
  const server = await serve(classifierDirectory);
  try {
    for (const classifier of [await Classifier.fromDirectory(classifierDirectory), await Classifier.fromURL(server.url)]) {
      assert.deepEqual(classifier.labels, reference.labels);
      assert.equal(classifier.maxSeqLength, reference.maxSeqLength);
      for (const text of texts) assert.ok(sameBits(classifier.classify(text).logits, reference.classify(text).logits), text);
      classifier.dispose();
    }
    assert.deepEqual(server.requests, ["/config.json", "/vocab.txt", "/tokenizer_config.json", "/model.safetensors"]);
  } finally {
    await server.close();
  }
  reference.dispose();
});

test("wrong argument types are TypeErrors that say what was expected", async () => {
  await loadWasm();
  const cases = [
    [() => Model.fromURL(42), /baseURL must be a URL or a string .*got number/],
    [() => Model.fromURL(), /baseURL must be a URL or a string .*got undefined/],
    [() => Model.fromURL("models/all-MiniLM-L6-v2"), /"models\/all-MiniLM-L6-v2" is not an absolute URL .*fromDirectory\(path\)/],
    [() => Model.fromURL("ftp://example.com/model/"), /http:, https: or file: URL, got ftp:/],
    [() => Model.fromURL("http://127.0.0.1:9/", "fast"), /options must be an object \{ onProgress, cache \}, got string/],
    [() => Model.fromURL("http://127.0.0.1:9/", { onProgress: true }), /onProgress must be a function .*got boolean/],
    [() => Model.fromURL("http://127.0.0.1:9/", { cache: 1 }), /cache must be a boolean or a cache name .*got number/],
    [() => Model.fromURL("http://127.0.0.1:9/", { cache: "" }), /cache must be a boolean or a cache name/],
    [() => Model.fromDirectory(42), /path must be a string or a file: URL .*got number/],
    [() => Model.fromDirectory(new URL("http://127.0.0.1/model/")), /path must be a string or a file: URL/],
    [() => Model.fromDirectory(tinyDirectory, null), /options must be an object \{ onProgress \}, got null/],
    [() => Classifier.fromURL([]), /Classifier.fromURL: baseURL must be a URL or a string .*got an array/],
    [() => Classifier.fromDirectory({}), /Classifier.fromDirectory: path must be a string/],
  ];
  for (const [call, message] of cases) {
    await assert.rejects(call(), (error) => error instanceof TypeError && message.test(error.message), String(message));
  }
});

test("a missing directory or required file names it and where it was looked for", async () => {
  await loadWasm();
  await assert.rejects(Model.fromDirectory(join(scratch, "nowhere")), /Model.fromDirectory: cannot read the model directory .*nowhere \(no such directory\)/);
  await assert.rejects(Model.fromDirectory(join(tinyDirectory, "config.json")), /config\.json is a file, not a model directory/);
  for (const name of ["config.json", "vocab.txt", "model.safetensors"]) {
    const directory = copyWithout(tinyDirectory, embedderFileNames, [name]);
    const path = join(directory, name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    await assert.rejects(Model.fromDirectory(directory), new RegExp(`^Error: wasmicro: Model.fromDirectory: missing required file ${name} at ${path}$`));
    const server = await serve(directory);
    try {
      const url = `${server.url}${name}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      await assert.rejects(Model.fromURL(server.url, { cache: false }),
        new RegExp(`^Error: wasmicro: Model.fromURL: missing required file ${name}: HTTP 404 Not Found from ${url}$`));
      if (name !== "model.safetensors") assert.ok(!server.requests.includes("/model.safetensors"), "the weights were fetched after a small file failed");
    } finally {
      await server.close();
    }
  }
});

test("HTTP errors, unreachable servers and an unavailable Cache API name the file and the URL", async () => {
  await loadWasm();
  for (const [path, status] of [["/model.safetensors", 500], ["/config.json", 403], ["/modules.json", 500]]) {
    // Only 404 means "absent"; any other failure, even of an optional file, stops the load.
    const server = await serve(tinyDirectory, { [path]: status });
    try {
      const url = `${server.url}${path.slice(1)}`;
      await assert.rejects(Model.fromURL(server.url), (error) => {
        assert.equal(error.message, `wasmicro: Model.fromURL: cannot fetch ${path.slice(1)}: HTTP ${status} `
          + `${status === 500 ? "Internal Server Error" : "Forbidden"} from ${url}`);
        return true;
      });
    } finally {
      await server.close();
    }
  }
  const closed = await serve(tinyDirectory);
  await closed.close();
  await assert.rejects(Model.fromURL(closed.url), (error) => {
    assert.match(error.message, new RegExp(`^wasmicro: Model.fromURL: cannot fetch config\\.json from ${closed.url}config\\.json \\(`));
    assert.ok(error.cause instanceof Error);
    return true;
  });
  // Node has no Cache API: asking for it is an error, the default (no `cache`) loads without it.
  await assert.rejects(Model.fromURL(closed.url, { cache: true }), /cache "wasmicro-models-v1" was asked for, but the Cache API is not available here/);
  await assert.rejects(Model.fromURL(closed.url, { cache: "mine" }), /cache "mine" was asked for/);
});

test("an exception thrown by onProgress stops the load and reaches the caller", async () => {
  await loadWasm();
  await assert.rejects(Model.fromDirectory(tinyDirectory, { onProgress: () => { throw new RangeError("stop"); } }), /stop/);
});
