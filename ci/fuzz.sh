#!/usr/bin/env bash
# Fuzzes the core's parsers with libFuzzer + AddressSanitizer (fuzz/FuzzTargets.swift compiled with Sources/Wasmicro).
# Usage: ci/fuzz.sh SECONDS [TARGET...]   (default: every target; `make fuzz` = 600 s each, `make fuzz-smoke` = 20 s)
# Seeds come from the committed fixtures; each target's corpus grows in .build-fuzz/corpus/TARGET between runs.
# Fails on any crash, ASan report, leak, per-input timeout (10 s) or out-of-memory (2 GB), and says which input.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: ci/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors bundle json vocab tokenizer tokenizerjson multilingual)
vocab=models/all-MiniLM-L6-v2/vocab.txt
[ -f "$vocab" ] || { echo "ci/fuzz.sh: $vocab is missing: run make model first" >&2; exit 1; }

work=.build-fuzz
binary=$work/wasmicro-fuzz
mkdir -p "$work"
sources=$(find Sources/Wasmicro -name '*.swift' | sort)
if [ ! -x "$binary" ] || [ -n "$(find $sources fuzz/FuzzTargets.swift ci/fuzz.sh -newer "$binary" 2>/dev/null)" ]; then
  echo "== building $binary (swiftc -sanitize=fuzzer,address)"
  # shellcheck disable=SC2086
  swiftc -sanitize=fuzzer,address -O -parse-as-library -module-name WasmicroFuzz $sources fuzz/FuzzTargets.swift \
    -o "$binary" 2> >(grep -v 'ld.gold: warning: Cannot export local symbol' >&2)
fi

# Seeds: small fixture files of each kind, and for the tokenizer every fixture text plus the pathological families of
# issue 11 (combining marks of mixed classes, CJK, Hangul, emoji ZWJ sequences, one repeated character).
seed() {  # seed TARGET FILE...
  local dir=$work/seeds/$1
  shift
  mkdir -p "$dir"
  for file in "$@"; do cp "$file" "$dir/$(echo "$file" | tr '/' '_')"; done
}
rm -rf "$work/seeds"
seed safetensors fixtures/models/tiny-bert-h32-l1-a2/model.safetensors fixtures/models/tiny-bert-h32-l2-a2-f16/model.safetensors
seed bundle fixtures/models/tiny-bert-h48-l2-a3-gelu-new-{q8,q4,f16}/model.safetensors
seed json $(find fixtures/models -name '*.json' -size -64k) fixtures/thresholds.json
seed vocab fixtures/models/multilingual-cased/vocab.txt fixtures/models/tiny-bert-h32-l1-a2/vocab.txt
seed tokenizerjson fixtures/models/{unigram-xlmr,bpe-roberta,tiny-distilbert}/tokenizer.json
mkdir -p "$work/seeds/tokenizer"
python3 - "$work/seeds/tokenizer" <<'EOF'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
texts = []
for path in sorted(pathlib.Path("fixtures").glob("tokenizer-*.json")):
    for case in json.loads(path.read_text()).get("cases", []):  # sweep fixtures have none
        texts.append(case["text"] + ("\0" + case["text_pair"] if case.get("text_pair") else ""))
families = ["a" + "\u0301\u0316\u0345\u05b0" * 500, "你好世界" * 500, "한국어" * 500,
            "\U0001F468\u200d\U0001F469\u200d\U0001F467" * 300, "x" * 4000, "e" + "\u0301" * 2000]
for index, text in enumerate(texts + families):
    (out / f"{index:04}.txt").write_bytes(text.encode("utf-8", "surrogatepass"))
EOF
cp -r "$work/seeds/tokenizer" "$work/seeds/multilingual"

status=0
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  mkdir -p "$corpus" "$work/crashes/$target"
  max_len=$({ [ "$target" = tokenizer ] || [ "$target" = multilingual ]; } && echo 1048576 || echo 2097152)
  log=$work/$target.log
  echo "== fuzz $target for ${seconds}s (max_len $max_len)"
  if WASMICRO_FUZZ_TARGET=$target WASMICRO_FUZZ_VOCAB=$vocab "$binary" "$corpus" "$work/seeds/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$work/crashes/$target/" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "   $target: $runs executions, no crash"
  else
    status=1
    echo "   $target: FAILED; the input is in $work/crashes/$target/; the report:" >&2
    grep -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|==[0-9]+==ERROR|Fatal error|SUMMARY' "$log" | head -60 >&2
  fi
done
exit $status
