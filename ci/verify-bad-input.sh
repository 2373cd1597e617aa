#!/usr/bin/env bash
# wasmicro-verify on bad input: each broken setup must give its own clear message and distinct exit code, never a crash.
# Usage: ci/verify-bad-input.sh [path/to/wasmicro-verify]   (run from the repository root; needs the default model)
set -u
verify=${1:-.build/release/wasmicro-verify}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

expect_exit() {  # name, expected code, expected message fragment, fixtures dir, extra args...
  local name=$1 code=$2 fragment=$3 dir=$4; shift 4
  local output status
  output=$("$verify" --fixtures "$dir" --json "$work/report.json" --markdown "$work/parity.md" "$@" 2>&1)
  status=$?
  if [ "$status" -eq "$code" ] && grep -q -- "$fragment" <<<"$output"; then
    passed=$((passed + 1)); echo "ok   $name (exit $status)"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $status (want $code), output:"; echo "$output" | tail -5
  fi
}

tokenizer=fixtures/tokenizer-minilm-uncased.json
mkdir -p "$work/malformed" "$work/schema" "$work/checksum" "$work/missing" "$work/empty" "$work/notjson" "$work/bundle"
printf '{"schema_version": 1, "kind": "tokenizer", "name": "x"' > "$work/notjson/x.json"
expect_exit "fixture that is not JSON" 3 "not valid JSON" "$work/notjson"
python3 - "$tokenizer" "$work" <<'PY'
import json, sys
source, work = sys.argv[1], sys.argv[2]
fixture = json.load(open(source))
broken = dict(fixture); del broken["cases"]
json.dump(broken, open(f"{work}/malformed/t.json", "w"))
json.dump(dict(fixture, schema_version=99), open(f"{work}/schema/t.json", "w"))
wrong = json.loads(json.dumps(fixture)); wrong["model"]["files"]["vocab.txt"] = "0" * 64
json.dump(wrong, open(f"{work}/checksum/t.json", "w"))
gone = json.loads(json.dumps(fixture)); gone["model"]["path"] = "models/no-such-model"
json.dump(gone, open(f"{work}/missing/t.json", "w"))
bundle = json.load(open("fixtures/forward-tiny-bert-h48-l2-a3-gelu-new-q8.json"))
bundle["bundle"]["model_safetensors_sha256"] = "0" * 64
json.dump(bundle, open(f"{work}/bundle/b.json", "w"))
PY
cp fixtures/forward-tiny-bert-h48-l2-a3-gelu-new-q8.safetensors "$work/bundle/"
expect_exit "fixture missing its cases" 3 "malformed fixture" "$work/malformed"
expect_exit "schema version mismatch" 4 "schema_version 99" "$work/schema"
expect_exit "model checksum mismatch" 6 "different" "$work/checksum"
expect_exit "model missing" 5 "missing" "$work/missing"
expect_exit "re-created bundle differs from the fixture's" 6 "not deterministic" "$work/bundle"
expect_exit "no fixtures at all" 3 "no fixture files" "$work/empty"
expect_exit "fixture directory missing" 3 "not found" "$work/does-not-exist"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
