// Issue 11: tokenizing in wasm takes time linear in the text, for every text family that once was (or could be)
// pathological. Each family is tokenized at 128 KiB and at 1 MiB (8×); the time may grow at most 16× (twice linear,
// for timer noise and allocator growth), where the quadratic mark ordering of before grew about 64×. A ratio between
// two sizes on the same machine, not a wall-clock threshold (the old module did not finish the 1 MiB mark run in 10
// minutes; the timeout turns such a regression into a failure). The native twin is TokenizerTests' operation count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Tokenizer } from "../wasmicro.js";
import { loadWasm, modelSkipReason, readModelFile } from "./support.mjs";

/** Each family as a prefix and a unit repeated to about `bytes` bytes of UTF-8. The mark families are one base letter
 * followed by one run of marks, the case that was quadratic. */
const families = {
  "mixed-class combining marks": ["a", "\u0301\u0316\u0345\u05B0"],
  "same-class combining marks": ["e", "\u0301"],
  "CJK": ["", "你好世界漢字"],
  "Hangul": ["", "한국어텍스트"],
  "emoji ZWJ": ["", "\u{1F468}\u200D\u{1F469}\u200D\u{1F467} "],
  "one repeated character": ["", "x"],
  "words": ["", "the quick brown fox jumps "],
};

function text([prefix, unit], bytes) {
  const unitBytes = Buffer.byteLength(unit, "utf8");
  return prefix + unit.repeat(Math.max(1, Math.floor(bytes / unitBytes)));
}

function seconds(tokenizer, value) {
  let best = Infinity;
  for (let run = 0; run < 3; run += 1) {
    const start = performance.now();
    tokenizer.encode(value);
    best = Math.min(best, performance.now() - start);
  }
  return best / 1000;
}

test("wasm tokenization time grows linearly for every text family", { skip: modelSkipReason, timeout: 120_000 }, async () => {
  await loadWasm();
  const tokenizer = Tokenizer.fromVocab(readModelFile("vocab.txt"), readModelFile("tokenizer_config.json"));
  const report = [];
  for (const [name, family] of Object.entries(families)) {
    tokenizer.encode(text(family, 64 << 10));  // warm up the allocator and the JIT
    const small = seconds(tokenizer, text(family, 128 << 10));
    const large = seconds(tokenizer, text(family, 1 << 20));
    const ratio = large / Math.max(small, 1e-4);
    report.push(`${name}: 1 MiB in ${large.toFixed(3)} s, ${ratio.toFixed(1)}x the time of 128 KiB`);
    assert.ok(ratio <= 16, `${name}: 8x the text took ${ratio.toFixed(1)}x the time (limit 16x)\n${report.join("\n")}`);
  }
  console.log(report.join("\n"));
});
