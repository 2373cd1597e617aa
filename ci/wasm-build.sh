#!/usr/bin/env bash
# Builds dist/wasmicro.wasm from the same core sources as the native library (Embedded Swift, wasm32, SIMD128, -Osize),
# optimises it with binaryen's wasm-opt -Oz, writes dist/size.json {raw, oz, gzip} and dist/size-breakdown.txt, copies the
# module into web/, and fails when the -Oz size exceeds ci/wasm-budget.json. Needs: swift, wasm-opt (binaryen), gzip, node.
set -euo pipefail
cd "$(dirname "$0")/.."
triple=wasm32-unknown-none-wasm
swift=${SWIFT:-swift}
# --strip-all drops the target-features section, so wasm-opt must be told which features the module uses.
features="--enable-simd --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals"
mkdir -p dist

echo "== building the wasm module (Embedded Swift, $triple)"
WASM=1 "$swift" build -c release --triple "$triple" --product WasmicroWasm --scratch-path .build-wasm
raw=.build-wasm/$triple/release/WasmicroWasm.wasm
cp "$raw" dist/wasmicro.raw.wasm
# --low-memory-unused is safe: wasm-ld places data at 1024 and up, so no pointer targets the first 1 KiB.
# One -Oz round, then twice --flatten --rereloop + -Oz (rebuild each function's control flow from its basic blocks;
# both passes preserve semantics), the last -Oz to convergence: about 840 B smaller than -Oz alone, same embed times.
passes="-Oz --flatten --rereloop -Oz --flatten --rereloop -Oz --converge --low-memory-unused"
# shellcheck disable=SC2086
wasm-opt $passes $features "$raw" -o dist/wasmicro.wasm
cp dist/wasmicro.wasm web/wasmicro.wasm

# A variant module: the same sources with more exports, built with `env` set ($2) into its own scratch path, optimised
# like the default one and copied into web/. Prints its -Oz size.
build_variant() {
  local name=$1 setting=$2
  echo "== building dist/$name.wasm ($setting)" >&2
  env WASM=1 "$setting" "$swift" build -c release --triple "$triple" --product WasmicroWasm \
    --scratch-path ".build-$name" >&2
  # shellcheck disable=SC2086
  wasm-opt $passes $features ".build-$name/$triple/release/WasmicroWasm.wasm" -o "dist/$name.wasm"
  cp "dist/$name.wasm" "web/$name.wasm"
  stat -c %s "dist/$name.wasm"
}
budget_of() {
  node -e 'console.log(JSON.parse(require("fs").readFileSync("ci/wasm-budget.json","utf8"))[process.argv[1]])' "$1"
}

# The heads module: the same exports plus the embedding-head ones (EmbeddingClassifier in web/wasmicro.js), which do
# not fit the default module's budget. Its own budget: heads_oz_bytes_max.
heads_bytes=$(build_variant wasmicro-heads WASM_HEADS=1)
heads_gzip=$(gzip -9 -c dist/wasmicro-heads.wasm | wc -c)
heads_budget=$(budget_of heads_oz_bytes_max)
# The multilingual module: the heads module plus tokenizer.json tokenizers (Unigram, byte-level BPE, WordPiece) and
# the XLM-RoBERTa, RoBERTa and DistilBERT encoders. Its own budget: multilingual_oz_bytes_max.
multilingual_bytes=$(build_variant wasmicro-multilingual WASM_MULTILINGUAL=1)
multilingual_gzip=$(gzip -9 -c dist/wasmicro-multilingual.wasm | wc -c)
multilingual_budget=$(budget_of multilingual_oz_bytes_max)

raw_bytes=$(stat -c %s "$raw")
oz_bytes=$(stat -c %s dist/wasmicro.wasm)
gzip_bytes=$(gzip -9 -c dist/wasmicro.wasm | wc -c)
budget=$(budget_of oz_bytes_max)
target=$(budget_of oz_bytes_target)
cat > dist/size.json <<JSON
{"raw": $raw_bytes, "oz": $oz_bytes, "gzip": $gzip_bytes, "budget": $budget, "target": $target, "heads_oz": $heads_bytes, "heads_gzip": $heads_gzip, "heads_budget": $heads_budget, "multilingual_oz": $multilingual_bytes, "multilingual_gzip": $multilingual_gzip, "multilingual_budget": $multilingual_budget}
JSON
echo "== sizes: raw $raw_bytes B, -Oz $oz_bytes B, -Oz+gzip $gzip_bytes B (budget $budget B, target $target B)"
echo "== heads module: -Oz $heads_bytes B, -Oz+gzip $heads_gzip B (budget $heads_budget B)"
echo "== multilingual module: -Oz $multilingual_bytes B, -Oz+gzip $multilingual_gzip B (budget $multilingual_budget B)"

if [ "${WASM_SKIP_BREAKDOWN:-0}" != 1 ]; then
  echo "== byte breakdown (a second link that keeps the name section)"
  WASM=1 WASM_KEEP_NAMES=1 "$swift" build -c release --triple "$triple" --product WasmicroWasm \
    --scratch-path .build-wasm-names >/dev/null
  # Keep names (-g) but drop DWARF first: with DWARF present wasm-opt preserves it and optimises less, which would skew
  # the figures. Two views: the linked module (Swift's own function boundaries: who owns the code), and the same module
  # after -Oz (what ships, after binaryen inlined small functions into their callers, e.g. the export thunks).
  # shellcheck disable=SC2086
  wasm-opt -g --strip-dwarf $features ".build-wasm-names/$triple/release/WasmicroWasm.wasm" -o dist/wasmicro.names.raw.wasm
  # shellcheck disable=SC2086
  wasm-opt $passes -g $features dist/wasmicro.names.raw.wasm -o dist/wasmicro.names.wasm
  {
    echo "== after wasm-opt -Oz (what ships; names kept) =="
    node ci/wasm-size.mjs dist/wasmicro.names.wasm "$oz_bytes"
    echo
    echo "== before wasm-opt (the linked module: function boundaries as Swift/clang emitted them) =="
    node ci/wasm-size.mjs dist/wasmicro.names.raw.wasm "$oz_bytes"
  } > dist/size-breakdown.txt
  sed -n '1,/^largest functions/p' dist/size-breakdown.txt | head -n 40
fi

if [ "$multilingual_bytes" -gt "$multilingual_budget" ]; then
  echo "FAIL: dist/wasmicro-multilingual.wasm is $multilingual_bytes bytes after -Oz, over the $multilingual_budget-byte budget (ci/wasm-budget.json)" >&2
  [ "${WASM_BUDGET_GATE:-1}" = 0 ] || exit 1
fi
if [ "$heads_bytes" -gt "$heads_budget" ]; then
  echo "FAIL: dist/wasmicro-heads.wasm is $heads_bytes bytes after -Oz, over the $heads_budget-byte budget (ci/wasm-budget.json)" >&2
  [ "${WASM_BUDGET_GATE:-1}" = 0 ] || exit 1
fi
if [ "$oz_bytes" -gt "$budget" ]; then
  echo "FAIL: dist/wasmicro.wasm is $oz_bytes bytes after -Oz, over the $budget-byte budget (ci/wasm-budget.json)" >&2
  # WASM_BUDGET_GATE=0 (make wasm-test / demo) reports the overrun without failing; `make wasm` is the gate.
  [ "${WASM_BUDGET_GATE:-1}" = 0 ] || exit 1
  exit 0
fi
echo "OK: $oz_bytes <= $budget bytes"
