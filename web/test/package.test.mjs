// The npm package without a build: init() with no wasm module explains how to get one (default location, a missing
// path, a failed fetch, bytes that are not wasm), and `npm pack` refuses to pack without web/wasmicro.wasm but packs
// the licenses with it. Needs no wasm module and no model, so it runs on a fresh clone.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { repoRoot, webDirectory } from "./support.mjs";

const scratch = mkdtempSync(join(tmpdir(), "wasmicro-package-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the package's own files (no wasm) in `scratch/<name>/web`, with the repository's licenses one level up. */
function packageCopy(name) {
  const root = join(scratch, name);
  const web = join(root, "web");
  mkdirSync(web, { recursive: true });
  for (const file of ["package.json", "prepack.mjs", "wasmicro.js", "wasmicro.d.ts", "README.md"]) {
    copyFileSync(join(webDirectory, file), join(web, file));
  }
  for (const file of ["LICENSE-MIT", "LICENSE-APACHE"]) copyFileSync(join(repoRoot, file), join(root, file));
  return web;
}

const hint = /build it with `make wasm` in the wasmicro repository .*or pass the module to init\(\)/;

test("init() with no wasmicro.wasm next to wasmicro.js names the path and says how to build or pass one", async () => {
  const web = packageCopy("init-default");
  // A fresh module instance: the copy's import.meta.url points at a directory without wasmicro.wasm.
  const { init } = await import(pathToFileURL(join(web, "wasmicro.js")).href);
  await assert.rejects(init(), (error) => {
    assert.match(error.message, /^wasmicro: cannot read the wasm module at .*init-default\/web\/wasmicro\.wasm \(no such file\); /);
    assert.match(error.message, hint);
    assert.equal(error.cause?.code, "ENOENT");
    return true;
  });
});

test("init() with a bad path, a failed fetch or non-wasm bytes explains what to do", async () => {
  const { init } = await import(pathToFileURL(join(packageCopy("init-sources"), "wasmicro.js")).href);
  await assert.rejects(init(join(scratch, "nowhere.wasm")), (error) => {
    assert.match(error.message, /cannot read the wasm module at .*nowhere\.wasm \(no such file\)/);
    assert.match(error.message, hint);
    return true;
  });
  await assert.rejects(init(new Response("Not Found", { status: 404 })), (error) => {
    assert.match(error.message, /^wasmicro: fetching the wasm module failed with HTTP 404; /);
    assert.match(error.message, hint);
    return true;
  });
  // An HTML page served in place of the module (a SPA fallback) fails compilation: name it and give the same hint.
  await assert.rejects(init(new TextEncoder().encode("<!doctype html><p>hello</p>")), (error) => {
    assert.match(error.message, /^wasmicro: the bytes given to init\(\): not a valid wasm module \(.*expected magic word/);
    assert.ok(error.cause instanceof WebAssembly.CompileError);
    assert.match(error.message, hint);
    return true;
  });
  await assert.rejects(init(42), TypeError);
});

const npm = spawnSync("npm", ["--version"], { encoding: "utf8" });
const npmSkip = npm.status === 0 ? false : "npm is not installed";

function npmPack(directory) {
  return spawnSync("npm", ["pack", "--dry-run", "--json"], {
    cwd: directory, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" },
  });
}

test("npm pack refuses to pack without wasmicro.wasm, and packs it with both licenses", { skip: npmSkip }, () => {
  const web = packageCopy("pack");
  const refused = npmPack(web);
  assert.notEqual(refused.status, 0, "npm pack succeeded without wasmicro.wasm");
  assert.match(refused.stderr, /wasmicro prepack: web\/wasmicro\.wasm is missing, .*`make wasm` at the repository root/);

  writeFileSync(join(web, "wasmicro.wasm"), "<html></html>");
  const notWasm = npmPack(web);
  assert.notEqual(notWasm.status, 0, "npm pack succeeded with a wasmicro.wasm that is not wasm");
  assert.match(notWasm.stderr, /is not a WebAssembly module/);

  // The smallest valid module: the "\0asm" magic and version 1. The heads module is required too.
  const smallest = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  writeFileSync(join(web, "wasmicro.wasm"), smallest);
  const noHeads = npmPack(web);
  assert.notEqual(noHeads.status, 0, "npm pack succeeded without wasmicro-heads.wasm");
  assert.match(noHeads.stderr, /wasmicro prepack: web\/wasmicro-heads\.wasm is missing/);
  writeFileSync(join(web, "wasmicro-heads.wasm"), smallest);
  const noMultilingual = npmPack(web);
  assert.notEqual(noMultilingual.status, 0, "npm pack succeeded without wasmicro-multilingual.wasm");
  assert.match(noMultilingual.stderr, /wasmicro prepack: web\/wasmicro-multilingual\.wasm is missing/);
  writeFileSync(join(web, "wasmicro-multilingual.wasm"), smallest);
  const packed = npmPack(web);
  assert.equal(packed.status, 0, packed.stderr);
  const [manifest] = JSON.parse(packed.stdout);
  assert.deepEqual(manifest.files.map((file) => file.path).sort(),
    ["LICENSE-APACHE", "LICENSE-MIT", "README.md", "package.json", "wasmicro-heads.wasm", "wasmicro-multilingual.wasm",
      "wasmicro.d.ts", "wasmicro.js", "wasmicro.wasm"]);
});
