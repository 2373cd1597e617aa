#!/usr/bin/env bash
# The `wasmicro` subcommands' text streams and model path: --stdin reads one text per line, --jsonl reads JSON Lines
# (a JSON string or an object with a "text" string per line) and writes JSONL, a malformed line is an error naming its
# line number, `search` names documents by line number, and the model comes from --model, else $WASMICRO_MODEL, else
# ./models/all-MiniLM-L6-v2, with a hint when it is missing. Bad numbers get a "positive integer" message.
# Uses the small fixture models only. Usage: ci/cli-streams.sh [path/to/wasmicro]   (run from the repository root)
set -u
wasmicro=$(realpath "${1:-.build/release/wasmicro}")
model=$(realpath fixtures/models/tiny-bert-h48-l2-a3-gelu-new)
classifier=$(realpath fixtures/models/tiny-classifier-h32-l2-a4)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; printf '%s\n' "$@" | tail -5; }

# name, expected exit code, expected message fragment, stdin text, wasmicro arguments...
expect_failure() {
  local name=$1 code=$2 fragment=$3 input=$4; shift 4
  local output status
  output=$(printf '%b' "$input" | "$wasmicro" "$@" 2>&1)
  status=$?
  if [ "$status" -eq "$code" ] && grep -qF -- "$fragment" <<<"$output"; then
    ok "$name (exit $status)"
  else
    bad "$name: exit $status (want $code and \"$fragment\"), output:" "$output"
  fi
}

# name, expected output, actual output
expect_same() {
  if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else bad "$1:" "want: ${2:0:200}" "got:  ${3:0:200}"; fi
}

# --- JSONL input: every malformed line is named by its number, in every subcommand that reads texts.
expect_failure "tokenize --jsonl: a raw text line" 1 "stdin, line 1: not JSON" 'one\n' \
  tokenize --model "$model" --stdin --jsonl
expect_failure "embed --jsonl: an object without \"text\" on line 3" 1 'stdin, line 3: an object without a "text" member' \
  '"a"\n{"text": "b"}\n{"txt": "c"}\n' embed --model "$model" --stdin --jsonl
expect_failure "embed --jsonl: a blank line" 1 "stdin, line 2: empty line" '"a"\n\n"b"\n' \
  embed --model "$model" --stdin --jsonl
expect_failure "classify --jsonl: a number as \"text\"" 1 'stdin, line 2: its "text" member is a JSON number' \
  '"fine"\n{"text": 5}\n' classify --model "$classifier" --stdin --jsonl
expect_failure "search --jsonl: a query line that is an array" 1 "stdin, line 1: a JSON array" '["q"]\n' \
  search --model "$model" --docs /dev/null --stdin --jsonl
printf '"first"\n\n{"text": "third"}\nnot json\n' >"$work/docs.jsonl"
expect_failure "search --jsonl: a malformed documents line" 1 "$work/docs.jsonl, line 4: not JSON" '' \
  search --model "$model" --docs "$work/docs.jsonl" --jsonl query
: >"$work/blank.txt"; printf '\n \n' >"$work/blank.txt"
expect_failure "search: a documents file of blank lines" 1 "no documents" '' \
  search --model "$model" --docs "$work/blank.txt" query
expect_failure "search: a missing documents file" 1 "missing file: $work/none.txt" '' \
  search --model "$model" --docs "$work/none.txt" query
expect_failure "texts and --stdin together" 64 "not both" 'x\n' embed --model "$model" --stdin text

# --- The same texts give the same output whichever way they come in.
expect_same "embed --stdin: one raw line per text" \
  "$("$wasmicro" embed --model "$model" 'one' 'two "quoted"')" \
  "$(printf 'one\ntwo "quoted"\n' | "$wasmicro" embed --model "$model" --stdin)"
expect_same "embed --stdin --jsonl: a JSON string holds a newline; an object's \"text\" is read" \
  "$("$wasmicro" embed --model "$model" --jsonl "$(printf 'a\nb')" $'caf\u00e9' 'one')" \
  "$(printf '"a\\nb"\n"caf\\u00e9"\n{"id": 1, "text": "one"}\n' | "$wasmicro" embed --model "$model" --stdin --jsonl)"
expect_same "tokenize --stdin --jsonl matches the arguments" \
  "$("$wasmicro" tokenize --model "$model" --jsonl 'hello world' 'x')" \
  "$(printf '{"text":"hello world"}\n"x"\n' | "$wasmicro" tokenize --model "$model" --stdin --jsonl)"
expect_same "classify --stdin --jsonl matches the arguments" \
  "$("$wasmicro" classify --model "$classifier" --jsonl 'good' 'bad')" \
  "$(printf '"good"\n{"text":"bad"}\n' | "$wasmicro" classify --model "$classifier" --stdin --jsonl)"

# --- classify --head: an embedding head over the model's embeddings (fixtures/heads, reference/generate.py --heads).
head=fixtures/heads/intents-minilm.safetensors
minilm=models/all-MiniLM-L6-v2
expect_same "classify --head --stdin --jsonl matches the arguments" \
  "$("$wasmicro" classify --model "$minilm" --head "$head" --jsonl 'will it rain in Paris tomorrow?' 'play some jazz')" \
  "$(printf '"will it rain in Paris tomorrow?"\n{"text":"play some jazz"}\n' | "$wasmicro" classify --model "$minilm" --head "$head" --stdin --jsonl)"
if "$wasmicro" classify --model "$minilm" --head "$head" --jsonl 'will it rain in Paris tomorrow?' | grep -q '"label":"weather"'; then
  ok "classify --head labels a weather question \"weather\""
else
  bad "classify --head did not label a weather question \"weather\""
fi
expect_failure "classify --head: a file that is not a head" 1 'field "__metadata__" must be {"format": "wasmicro-embedding-head"' \
  '' classify --model "$model" --head "$model/model.safetensors" 'x'
expect_failure "classify --head: a head for another embedding width" 1 \
  'field "__metadata__.dimension" must be 48, the embedding width of the model' '' classify --model "$model" --head "$head" 'x'
expect_failure "classify --head: a missing file" 1 'missing file: nowhere.safetensors' '' classify --model "$model" --head nowhere.safetensors 'x'
expect_failure "classify --head: --batch-size 0" 64 'must be at least 1' '' classify --model "$model" --head "$head" --batch-size 0 'x'

# --- search names documents by their line in the file (blank lines keep the numbering).
printf 'the cat sat on the mat\n\nrain falls in spring\n\nstock prices fell sharply today\n' >"$work/docs.txt"
top=$("$wasmicro" search --model "$model" --docs "$work/docs.txt" --top 1 'stock prices fell sharply today')
if grep -qE '^  1\. line 5  [0-9.]+  stock prices fell sharply today$' <<<"$top"; then
  ok "search reports the matching document as line 5"
else
  bad "search line numbers:" "$top"
fi
top=$(printf 'rain falls in spring\n' | "$wasmicro" search --model "$model" --docs "$work/docs.txt" --top 1 --stdin)
if grep -qE '^  1\. line 3  ' <<<"$top"; then ok "search --stdin (plain) reports line 3"; else bad "search plain line numbers:" "$top"; fi
printf '{"text": "rain falls in spring", "id": "r"}\n\n"the cat sat on the mat"\n' >"$work/docs2.jsonl"
top=$("$wasmicro" search --model "$model" --docs "$work/docs2.jsonl" --top 1 --jsonl 'the cat sat on the mat')
if grep -qF '"results":[{"line":3,' <<<"$top" && grep -qF '"text":"the cat sat on the mat"' <<<"$top"; then
  ok "search --jsonl reads a JSONL documents file and reports line 3"
else
  bad "search JSONL docs:" "$top"
fi
expect_failure "search --jsonl: a plain documents file is not JSON Lines" 1 "$work/docs.txt, line 1: not JSON" '' \
  search --model "$model" --docs "$work/docs.txt" --jsonl query

# --- Numbers: a negative value gets the validation message, not "Missing value".
expect_failure "tokenize --max-length -5" 64 "--max-length must be a positive integer" '' \
  tokenize --model "$model" --max-length -5 hello
expect_failure "tokenize --max-length=-5" 64 "--max-length must be a positive integer" '' \
  tokenize --model "$model" --max-length=-5 hello
expect_failure "search --top -1" 64 "--top must be a positive integer" '' search --model "$model" --docs "$work/docs.txt" --top -1 q
expect_failure "embed --batch-size 0" 64 "--batch-size must be a positive integer" '' embed --model "$model" --batch-size 0 x

# --- Model path: --model, else $WASMICRO_MODEL, else ./models/all-MiniLM-L6-v2 (relative to the working directory).
mkdir -p "$work/elsewhere"
(
  cd "$work/elsewhere" || exit 1
  unset WASMICRO_MODEL
  expect_failure "no model anywhere: the default path and how to get it" 1 \
    'no model directory at ./models/all-MiniLM-L6-v2 (the default, relative to the current directory): run `make model`' \
    '' embed x
  WASMICRO_MODEL="$work/nope" expect_failure "a missing \$WASMICRO_MODEL is named as such" 1 \
    "no model directory at $work/nope (from \$WASMICRO_MODEL)" '' embed x
  expect_same "\$WASMICRO_MODEL is used when --model is absent" \
    "$("$wasmicro" embed --model "$model" x)" "$(WASMICRO_MODEL="$model" "$wasmicro" embed x)"
  expect_same "--model wins over \$WASMICRO_MODEL" \
    "$("$wasmicro" tokenize --model "$classifier" hello)" \
    "$(WASMICRO_MODEL="$work/nope" "$wasmicro" tokenize --model "$classifier" hello)"
  mkdir -p models && ln -s "$model" models/all-MiniLM-L6-v2
  expect_same "./models/all-MiniLM-L6-v2 is the default" \
    "$("$wasmicro" embed --model "$model" x)" "$("$wasmicro" embed x)"
  echo "$passed $failed" >"$work/counts"
)
read -r passed failed <"$work/counts"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
