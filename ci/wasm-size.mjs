// Where the bytes of dist/wasmicro.wasm go: section sizes, then function-body bytes grouped by owner (core type, Swift
// stdlib, C runtime, export surface), then the largest functions. Reads a -Oz build that kept its name section
// (WASM_KEEP_NAMES=1 + wasm-opt -g); names are demangled with `swift demangle`.
// Usage: node ci/wasm-size.mjs <module-with-names.wasm> [stripped -Oz size for the header]
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const [path, strippedSize] = process.argv.slice(2);
const bytes = readFileSync(path);
let offset = 8;

function readUnsigned() {
  let result = 0, shift = 0, byte;
  do {
    byte = bytes[offset++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
}
function readName() {
  const length = readUnsigned();
  const name = bytes.toString("utf8", offset, offset + length);
  offset += length;
  return name;
}

const sectionNames = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element",
  "code", "data", "data count"];
const sections = [];
let importedFunctions = 0;
const bodies = [];  // [{ index, size }]
const functionNames = new Map();
const dataSegments = [];

while (offset < bytes.length) {
  const id = bytes[offset++];
  const size = readUnsigned();
  const start = offset;
  const end = start + size;
  let label = sectionNames[id] ?? `unknown ${id}`;
  if (id === 0) {
    label = `custom "${readName()}"`;
    if (label === 'custom "name"') {
      while (offset < end) {
        const kind = bytes[offset++];
        const length = readUnsigned();
        const subEnd = offset + length;
        if (kind === 1) {
          const count = readUnsigned();
          for (let i = 0; i < count; i++) {
            const index = readUnsigned();
            functionNames.set(index, readName());
          }
        }
        offset = subEnd;
      }
    }
  } else if (id === 2) {
    const count = readUnsigned();
    for (let i = 0; i < count; i++) {
      readName();
      readName();
      const kind = bytes[offset++];
      if (kind === 0) { importedFunctions++; readUnsigned(); }
      else if (kind === 1) { offset++; const flags = readUnsigned(); readUnsigned(); if (flags & 1) readUnsigned(); }
      else if (kind === 2) { const flags = readUnsigned(); readUnsigned(); if (flags & 1) readUnsigned(); }
      else if (kind === 3) { offset += 2; }
    }
  } else if (id === 10) {
    const count = readUnsigned();
    for (let i = 0; i < count; i++) {
      const bodySize = readUnsigned();
      bodies.push({ index: importedFunctions + i, size: bodySize });
      offset += bodySize;
    }
  } else if (id === 11) {
    const count = readUnsigned();
    for (let i = 0; i < count; i++) {
      const flags = readUnsigned();
      if (flags === 0 || flags === 2) {
        if (flags === 2) readUnsigned();
        // constant expression: skip to `end` (0x0b)
        while (bytes[offset] !== 0x0b) offset++;
        offset++;
      }
      const length = readUnsigned();
      dataSegments.push(length);
      offset += length;
    }
  }
  sections.push({ label, size: end - start });
  offset = end;
}

// Demangle all names in one `swift demangle` call each: full names (with module prefixes) decide the owner, simplified
// names are what the report prints.
const rawNames = bodies.map((body) => functionNames.get(body.index) ?? `function[${body.index}]`);
function demangle(flags) {
  try {
    const output = execFileSync("swift", ["demangle", ...flags], { input: rawNames.join("\n") + "\n", maxBuffer: 1 << 28 });
    return output.toString().split("\n").slice(0, rawNames.length);
  } catch {
    return rawNames;  // keep mangled names when the toolchain is unavailable
  }
}
const fullNames = demangle([]);
const demangled = demangle(["--simplified"]);

const runtimeC = new Set(["malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memset", "memcpy",
  "memmove", "memcmp", "memchr", "strlen", "arc4random_buf", "expf", "tanhf", "erff", "logf", "powf", "fmaf", "roundf",
  "sqrtf", "sqrt", "fabsf", "floorf", "ceilf", "truncf", "wasmicro_heap_in_use", "wasmicro_heap_size"]);

function owner(raw, name) {
  if (runtimeC.has(raw) || raw.startsWith("wa_") || raw.startsWith("wm_")) return "C runtime shim (WasmicroRuntime)";
  if (raw.startsWith("wasmicro_")) return "export thunks wasmicro_* (after -Oz: with the core code binaryen inlined into them)";
  if (raw.startsWith("swift_") || raw.startsWith("_swift")) return "Swift embedded runtime (swift_*)";
  // Demangled names read like "Wasmicro.JSONValue.parse(...)", "specialized Wasmicro.Foo...", "closure #1 in Swift...".
  // The first module-qualified name in the full demangling: "Wasmicro.JSONValue...", "Swift._StringGuts...".
  const match = name.match(/(Wasmicro(?:Wasm)?|Swift)\.([A-Za-z_][A-Za-z0-9_]*)/);
  if (!match) return "other";
  if (match[1] === "Swift") return `Swift stdlib: ${match[2]}`;
  if (match[1] === "WasmicroWasm") return "export surface (WasmicroWasm)";
  return `core: ${match[2]}`;
}

const groups = new Map();
const functions = bodies.map((body, i) => ({
  size: body.size, raw: rawNames[i], full: fullNames[i] || rawNames[i], name: demangled[i] || rawNames[i],
}));
for (const fn of functions) {
  const key = owner(fn.raw, fn.full);
  const group = groups.get(key) ?? { size: 0, count: 0 };
  group.size += fn.size;
  group.count++;
  groups.set(key, group);
}
const codeTotal = functions.reduce((sum, fn) => sum + fn.size, 0);
const dataTotal = dataSegments.reduce((sum, n) => sum + n, 0);

const lines = [];
lines.push(`wasmicro.wasm byte breakdown (-Oz build with names kept; the stripped -Oz module is ${strippedSize ?? "?"} bytes)`);
lines.push("");
lines.push("sections (bytes):");
for (const section of sections) lines.push(`  ${String(section.size).padStart(8)}  ${section.label}`);
lines.push("");
lines.push(`code: ${codeTotal} bytes in ${functions.length} functions; data: ${dataTotal} bytes in ${dataSegments.length} segments`);
lines.push("");
lines.push("function bytes by owner:");
for (const [key, group] of [...groups].sort((a, b) => b[1].size - a[1].size)) {
  const percent = ((100 * group.size) / codeTotal).toFixed(1);
  lines.push(`  ${String(group.size).padStart(8)}  ${percent.padStart(5)}%  ${String(group.count).padStart(4)} fn  ${key}`);
}
lines.push("");
lines.push("largest functions:");
for (const fn of [...functions].sort((a, b) => b.size - a.size).slice(0, Number(process.env.WASM_SIZE_TOP || 40))) {
  const name = fn.name.length > 150 ? fn.name.slice(0, 147) + "..." : fn.name;
  lines.push(`  ${String(fn.size).padStart(8)}  ${name}`);
}
if (process.env.WASM_SIZE_OWNER) { for (const fn of functions) if (owner(fn.raw, fn.full).includes(process.env.WASM_SIZE_OWNER)) lines.push(`owner-match ${fn.size} ${fn.name.slice(0, 200)}`); }
console.log(lines.join("\n"));
