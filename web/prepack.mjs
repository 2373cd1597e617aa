// prepack.mjs — run by `npm pack` / `npm publish` before packing (package.json "prepack"); not part of the package.
// Refuses to pack without the wasm module (a package without it installs but cannot run), and copies the repository's
// license files next to package.json, since npm packs only files inside the package directory.
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const webDirectory = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(webDirectory, "..");
const wasmMagic = [0x00, 0x61, 0x73, 0x6d];  // "\0asm"

function refuse(message) {
  console.error(`wasmicro prepack: ${message}`);
  process.exit(1);
}

// The three modules: the default one, the heads module that EmbeddingClassifier needs, and the multilingual module.
for (const name of ["wasmicro.wasm", "wasmicro-heads.wasm", "wasmicro-multilingual.wasm"]) {
  const wasmPath = join(webDirectory, name);
  if (!existsSync(wasmPath)) {
    refuse(`web/${name} is missing, so the package would not run. Build it first: \`make wasm\` at the `
      + "repository root (Swift 6 and binaryen's wasm-opt) writes dist/wasmicro.wasm, dist/wasmicro-heads.wasm, dist/wasmicro-multilingual.wasm and "
      + "copies them into web/.");
  }
  const head = readFileSync(wasmPath).subarray(0, 4);
  if (head.length < 4 || wasmMagic.some((byte, index) => head[index] !== byte)) {
    refuse(`web/${name} is not a WebAssembly module (no \\0asm header). Rebuild it with \`make wasm\`.`);
  }
}

for (const name of ["LICENSE-MIT", "LICENSE-APACHE"]) {
  const source = join(repoRoot, name);
  const target = join(webDirectory, name);
  if (existsSync(source)) copyFileSync(source, target);
  else if (!existsSync(target)) refuse(`${name} is missing: the package is licensed MIT OR Apache-2.0 and ships both texts.`);
}
