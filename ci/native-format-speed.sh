#!/usr/bin/env bash
# Native time per embed of one 8-token text ("A man is eating food." = [CLS] … [SEP]) for each weight format of the
# default model: the CLI embeds N copies from stdin, minus the same run with one copy (process start, model load),
# divided by N − 1. Best of 3 runs. Not a test (no thresholds): a stand-in until `make bench` exists.
# Usage: ci/native-format-speed.sh [path/to/wasmicro] [N]   (after make release, make model, make models)
set -euo pipefail
wasmicro=${1:-.build/release/wasmicro}
count=${2:-2000}
text="A man is eating food."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$count"); do echo "$text"; done > "$work/many.txt"
echo "$text" > "$work/one.txt"
seconds() { local start end; start=$(date +%s.%N); "$wasmicro" embed --model "$1" --stdin < "$2" > /dev/null; end=$(date +%s.%N); awk "BEGIN { print $end - $start }"; }
echo "tokens: $("$wasmicro" tokenize "$text")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); avx2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no)"
for model in models/all-MiniLM-L6-v2 models/all-MiniLM-L6-v2-q8 models/all-MiniLM-L6-v2-q4 models/all-MiniLM-L6-v2-f16; do
  [ -f "$model/model.safetensors" ] || { echo "$model: missing (make model / make models)"; continue; }
  best=""
  for _ in 1 2 3; do
    per=$(awk "BEGIN { print ($(seconds "$model" "$work/many.txt") - $(seconds "$model" "$work/one.txt")) * 1000 / ($count - 1) }")
    if [ -z "$best" ] || awk "BEGIN { exit !($per < $best) }"; then best=$per; fi
  done
  printf '%-32s %.3f ms per embed (best of 3)\n' "$model" "$best"
done
