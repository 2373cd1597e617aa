#!/usr/bin/env bash
# Bounded memory while parsing a safetensors header (issue 11). The documented bound (SafetensorsFile): parsing an
# N-byte header allocates at most 5·N bytes plus a small constant, besides the caller's bytes. This runs
# `wasmicro embed` on a tiny fixture model whose model.safetensors carries a hostile header of HEADER_MB megabytes
# (default 100) and checks, under /usr/bin/time -v, that the peak RSS stays within the same run on the unmodified
# model plus 6·N: 5·N for the parser and 1·N for the header's own pages, which the CLI maps and the parser reads.
# Families (each the fixture's real header plus one hostile part, so the model still loads where the header is valid):
#   shape-numbers     one tensor whose shape is N bytes of 1s          → refused (.rankTooLarge)
#   unknown-numbers   an unknown field of N bytes of numbers in a tensor entry → skipped, the model loads
#   metadata-strings  __metadata__ of N bytes of "":"" pairs        → validated, not held; the model loads
#   many-tensors      N bytes of extra zero-size tensors (~1.7 M)       → held (the result), the model loads
#   rank64-tensors    extra tensors of rank 64 (the bound's worst case) → held, the model loads
# No wall-clock thresholds. Usage: ci/header-memory.sh [path/to/wasmicro]   (run from the repository root)
set -euo pipefail
wasmicro=${1:-.build/release/wasmicro}
header_mb=${HEADER_MB:-100}
allowed_multiple=6  # 5·N (the parser's bound) + 1·N (the mapped header pages)
source=fixtures/models/tiny-bert-h32-l1-a2
[ -x /usr/bin/time ] || { echo "ci/header-memory.sh: /usr/bin/time is missing (make need-time installs it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Peak RSS in KiB of `wasmicro embed` on model directory $1; the exit status and the last output line go to $2.
peak_kib() {
  local status=0
  /usr/bin/time -v -o "$work/time" "$wasmicro" embed --model "$1" "a hostile header" >/dev/null 2>"$work/stderr" \
    || status=$?
  echo "$status $(tail -1 "$work/stderr")" >"$2"
  awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time"
}

(python3 - "$source/model.safetensors" "$work" "$header_mb" <<'PY'
import json, os, shutil, struct, sys
source, work, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = open(source, "rb").read()
length = struct.unpack("<Q", raw[:8])[0]
header, data = json.loads(raw[8 : 8 + length]), raw[8 + length :]
target = min(megabytes * 1_000_000, 99_000_000)  # under SafetensorsFile.maximumHeaderLength (100 MB)

def compact(value):
    return json.dumps(value, separators=(",", ":"))

members = [compact(name) + ":" + compact(value) for name, value in header.items()]
room = target - len(",".join(members)) - 200  # what the hostile part may take

def repeat(make):
    """make(index) repeated while it fits in `room` (joined by commas)."""
    parts, size, index = [], 0, 0
    while True:
        part = make(index)
        if size + len(part) + 1 > room:
            return ",".join(parts)
        parts.append(part)
        size += len(part) + 1
        index += 1

def write(family, text):
    text = text.encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)  # keep the data section 8-byte aligned
    directory = os.path.join(work, family)
    shutil.copytree(os.path.dirname(source), directory)
    with open(os.path.join(directory, "model.safetensors"), "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + data)
    print(family, len(text))

ones = "1," * (room // 2)
write("shape-numbers", "{" + ",".join(members) + ',"big":{"dtype":"F32","shape":[' + ones + '1],"data_offsets":[0,4]}}')
name, value = next((name, value) for name, value in header.items() if name != "__metadata__")
first = compact(name) + ":" + compact(value)[:-1] + ',"extra":[' + ones + "1]}"
write("unknown-numbers", "{" + ",".join(first if member.startswith(compact(name) + ":") else member for member in members) + "}")
tensors = [member for member in members if not member.startswith('"__metadata__"')]
pairs = repeat(lambda index: '"":""')  # keys may repeat in __metadata__: the smallest pair
write("metadata-strings", '{"__metadata__":{"format":"pt",' + pairs + "}," + ",".join(tensors) + "}")
empty = compact({"dtype": "U8", "shape": [0], "data_offsets": [0, 0]})
write("many-tensors", "{" + ",".join(members) + "," + repeat(lambda index: f'"x{index}":{empty}') + "}")
rank64 = compact({"dtype": "U8", "shape": [1] * 63 + [0], "data_offsets": [0, 0]})
write("rank64-tensors", "{" + ",".join(members) + "," + repeat(lambda index: f'"x{index}":{rank64}') + "}")
PY
) >"$work/families.txt"

baseline=$(peak_kib "$source" "$work/baseline.result")
read -r status line <"$work/baseline.result"
[ "$status" = 0 ] || { echo "FAIL baseline: wasmicro embed on $source exited $status: $line" >&2; exit 1; }
echo "baseline (unmodified $source): peak RSS $((baseline / 1024)) MiB"
failed=0
while read -r family bytes; do
  peak=$(peak_kib "$work/$family" "$work/$family.result")
  read -r status line <"$work/$family.result"
  limit=$((baseline + allowed_multiple * bytes / 1024))
  ratio=$(awk -v peak="$peak" -v base="$baseline" -v bytes="$bytes" 'BEGIN { printf "%.2f", (peak - base) * 1024 / bytes }')
  summary="$family: header $((bytes / 1000000)) MB, peak RSS $((peak / 1024)) MiB = baseline + ${ratio} x header (limit ${allowed_multiple} x), exit $status"
  # shape-numbers must be refused for its rank; the others are valid and must load.
  if [ "$family" = shape-numbers ]; then expected="must be at most 64 dimensions"; else expected=""; fi
  if [ "$peak" -gt "$limit" ]; then
    failed=1
    echo "FAIL $summary"
  elif [ -n "$expected" ] && ! grep -q "$expected" <<<"$line"; then
    failed=1
    echo "FAIL $summary: expected an error containing '$expected', got: $line"
  elif [ -z "$expected" ] && [ "$status" != 0 ]; then
    failed=1
    echo "FAIL $summary: the model should load, got: $line"
  else
    echo "ok   $summary"
  fi
  rm -rf "${work:?}/$family"
done <"$work/families.txt"
exit $failed
