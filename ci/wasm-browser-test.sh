#!/usr/bin/env bash
# Headless Chromium parity test of the wasm engine (see ci/wasm-browser-test.mjs). Needs: node, chromium, the model
# (make model), web/wasmicro.wasm (make wasm) and fixtures/forward-minilm.json.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node ci/wasm-browser-test.mjs "$@"
