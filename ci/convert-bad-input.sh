#!/usr/bin/env bash
# `wasmicro convert` on bad input: each case must end with a clear message and a non-zero exit, and must leave nothing
# at the output path (no half-written directory that looks complete, no temporary directory). Also checks the
# progress bar: drawn on a terminal, silent otherwise.
# Usage: ci/convert-bad-input.sh [path/to/wasmicro]   (run from the repository root)
set -u
wasmicro=${1:-.build/release/wasmicro}
work=$(mktemp -d)
cleanup() { mountpoint -q "$work/small" 2>/dev/null && umount "$work/small"; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0 skipped=0
source=fixtures/models/tiny-bert-h48-l2-a3-gelu-new

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; printf '%s\n' "$@" | tail -5; }

# name, expected exit code, expected message fragment, output path that must not appear, convert arguments...
expect_failure() {
  local name=$1 code=$2 fragment=$3 out=$4; shift 4
  local output status
  output=$("$wasmicro" convert "$@" 2>&1)
  status=$?
  if [ "$status" -ne "$code" ] || ! grep -q -- "$fragment" <<<"$output"; then
    bad "$name: exit $status (want $code), output:" "$output"
  elif [ -n "$out" ] && [ -e "$out" ]; then
    bad "$name: $out exists after the failure"
  elif ls -a "$(dirname "${out:-$work/x}")" | grep -q "converting"; then
    bad "$name: a temporary directory was left behind"
  else
    ok "$name (exit $status)"
  fi
}

mkdir -p "$work/empty" "$work/dtype"
expect_failure "source directory missing" 1 "not a model directory" "$work/o1" --model "$work/nope" --to q8 --out "$work/o1"
expect_failure "directory that is not a model" 1 "has no config.json" "$work/o2" --model "$work/empty" --to q8 --out "$work/o2"
expect_failure "input already quantized" 1 "already a wasmicro bundle" "$work/o3" --model "$source-q8" --to q4 --out "$work/o3"
cp "$source"/* "$work/dtype/"
python3 - "$work/dtype/model.safetensors" <<'PY'
import json, struct, sys
path = sys.argv[1]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
header["encoder.layer.0.attention.self.query.weight"]["dtype"] = "I32"  # same byte size as F32
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (n - len(text))
open(path, "wb").write(raw[:8] + text + raw[8 + n:])
PY
expect_failure "unsupported dtype" 1 "I32" "$work/o4" --model "$work/dtype" --to q8 --out "$work/o4"
expect_failure "unknown target format" 64 "must be q8, q4 or f16" "$work/o5" --model "$source" --to q3 --out "$work/o5"
touch "$work/a-file"
expect_failure "unwritable output path" 1 "cannot write" "$work/a-file/out" --model "$source" --to q8 --out "$work/a-file/out"

mkdir -p "$work/existing" && echo keep > "$work/existing/sentinel"
expect_failure "existing output without --force" 1 "already exists" "" --model "$source" --to q8 --out "$work/existing"
if [ -f "$work/existing/sentinel" ]; then ok "the existing output is untouched"; else bad "the existing output was changed"; fi
if "$wasmicro" convert --model "$source" --to q8 --out "$work/existing" --force >/dev/null 2>"$work/stderr" \
  && [ -f "$work/existing/model.safetensors" ] && [ ! -e "$work/existing/sentinel" ] && [ ! -s "$work/stderr" ]; then
  ok "--force replaces the output; stderr stays empty when it is not a terminal"
else
  bad "--force did not replace the output cleanly" "$(cat "$work/stderr")"
fi

# A full disk: a 64 KiB tmpfs holds the side files but not model.safetensors.
mkdir -p "$work/small"
if mount -t tmpfs -o size=64k tmpfs "$work/small" 2>/dev/null; then
  expect_failure "disk full" 1 "disk full" "$work/small/out" --model "$source" --to f16 --out "$work/small/out"
  if [ -z "$(ls -A "$work/small")" ]; then ok "the full disk holds nothing afterwards"; else bad "left on the full disk:" "$(ls -A "$work/small")"; fi
else
  skipped=$((skipped + 1)); echo "skip disk full: cannot mount a tmpfs here (not root?)"
fi

# The progress bar on a terminal (script(1) gives the command a pseudo-terminal).
if command -v script >/dev/null 2>&1; then
  transcript=$(script -qec "$wasmicro convert --model $source --to q4 --out $work/tty --force" /dev/null 2>&1)
  if grep -q "tensor [0-9]*/[0-9]*, .* MiB written" <<<"$transcript"; then ok "progress bar on a terminal"; else bad "no progress bar on a terminal" "$transcript"; fi
else
  skipped=$((skipped + 1)); echo "skip progress bar: script(1) is not installed"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
