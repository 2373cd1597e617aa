#!/usr/bin/env bash
# Native test of the wasm runtime shim: math vs glibc libm (ulp sweeps) and an allocator stress test with heap walks.
# The shim's sources are plain C headers included by the (wasm-only) .c files, so the same code runs here natively.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-wasm-runtime-test
mkdir -p "$out"
# Any host C compiler: cc if present, else the clang that ships with the Swift toolchain.
compiler=${CC:-$(command -v cc || command -v clang)}
"$compiler" -std=c11 -O2 -Wall -Wextra -Wno-unused-function -I Sources/WasmicroRuntime ci/wasm-runtime-test.c -lm -o "$out/runtime-test"
"$out/runtime-test"
