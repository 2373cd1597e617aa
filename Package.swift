// swift-tools-version:6.1
// wasmicro: a tiny BERT inference runtime. The core (`Wasmicro`) has no dependencies and no Foundation so
// that the same sources build natively and as an Embedded Swift wasm module (see Makefile `embedded-check`, `wasm`).
import PackageDescription

let package = Package(
  name: "wasmicro",
  platforms: [.macOS(.v15)],
  products: [
    // MARK: - Public API
    .library(name: "Wasmicro", targets: ["Wasmicro"]),
    .library(name: "WasmicroHost", targets: ["WasmicroHost"]),
    .executable(name: "wasmicro", targets: ["WasmicroCLI"]),
    .executable(name: "wasmicro-verify", targets: ["WasmicroVerify"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // MARK: - Public API
    // The core: safetensors, JSON/configs, WordPiece, ops, BERT, pooling. Embedded-clean.
    .target(name: "Wasmicro"),
    // Host conveniences (Foundation): model directories, file reading, JSON output helpers.
    .target(name: "WasmicroHost", dependencies: ["Wasmicro"]),
    .executableTarget(
      name: "WasmicroCLI",
      dependencies: ["Wasmicro", "WasmicroHost", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    // MARK: - Implementation details
    .executableTarget(
      name: "WasmicroVerify",
      dependencies: ["Wasmicro", "WasmicroHost", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    // The native side of `make bench` (ci/bench.py): a plain executable, never a dependency of the library.
    .executableTarget(name: "WasmicroBench", dependencies: ["Wasmicro", "WasmicroHost"]),
    // MARK: - Tests
    .testTarget(
      name: "WasmicroTests",
      dependencies: ["Wasmicro", "WasmicroHost"],
      resources: [.copy("Fixtures")]
    ),
  ]
)

// MARK: - WebAssembly (WASM=1; see Makefile `wasm` and shared/EMBEDDED.md)
// With WASM=1 the package shrinks to the core compiled as Embedded Swift, the C runtime shim and the export surface, so the
// native targets (Foundation, ArgumentParser) never meet the wasm32 triple. Without WASM the package above is unchanged.
// WASM_KEEP_NAMES=1 keeps the name section (no --strip-all) for ci/wasm-size.sh's per-function byte breakdown.
// WASM_HEADS=1 builds the heads module (dist/wasmicro-heads.wasm): the same exports plus the embedding-head ones
// (`#if WASMICRO_HEADS` in Sources/WasmicroWasm), which do not fit the default module's size budget.
// WASM_MULTILINGUAL=1 builds the multilingual module (dist/wasmicro-multilingual.wasm): the heads module plus tokenizers
// from tokenizer.json (Unigram, byte-level BPE, WordPiece) and the XLM-RoBERTa, RoBERTa and DistilBERT encoders
// (`#if WASMICRO_MULTILINGUAL`). web/wasmicro.js picks it for a model whose tokenizer or model_type needs it.
if Context.environment["WASM"] == "1" {
  let embeddedSettings: [SwiftSetting] = [
    .enableExperimentalFeature("Embedded"),
    // Dynamic exclusivity checks cost ~1.3 KB of swift_beginAccess calls; the release module skips them like C would.
    // LLVM's IR outliner (`-ir-outliner`, also on the stdlib's linkonce_odr specializations) turns repeated instruction
    // runs into shared functions: about 1 KB after wasm-opt -Oz. In the kernels it outlines only setup copies, never a
    // loop body (checked in dist/wasmicro.names.raw.wasm: no `outlined_ir_func` call inside the GEMM or GELU loops).
    // -disable-incremental-llvm-codegen: without it each source file's LLVM module carries a 16-byte hash for
    // incremental rebuilds in a `.swift_modhash` data segment that ships in the module (704 B for 44 files).
    .unsafeFlags([
      "-wmo", "-Osize", "-Xfrontend", "-disable-stack-protector", "-Xfrontend", "-disable-incremental-llvm-codegen",
      "-Xcc", "-msimd128", "-enforce-exclusivity=unchecked",
      "-Xllvm", "-ir-outliner", "-Xllvm", "-enable-linkonceodr-ir-outlining",
    ]),
  ]
  let linkerFlags = [
    "-Xclang-linker", "-nostdlib", "-Xlinker", "--no-entry", "-Xlinker", "--gc-sections",
    "-Xlinker", "--export=malloc", "-Xlinker", "--export=free",
  ]
  let multilingual = Context.environment["WASM_MULTILINGUAL"] == "1"
  let moduleDefines: [SwiftSetting] =
    (multilingual || Context.environment["WASM_HEADS"] == "1" ? [.define("WASMICRO_HEADS")] : [])
    + (multilingual ? [.define("WASMICRO_MULTILINGUAL")] : [])
  let stripFlags = Context.environment["WASM_KEEP_NAMES"] == "1" ? [] : ["-Xlinker", "--strip-all"]
  package.dependencies = []
  package.products = [.executable(name: "WasmicroWasm", targets: ["WasmicroWasm"])]
  package.targets = [
    .target(name: "Wasmicro", swiftSettings: embeddedSettings),
    // libc/libm subset and a freeing allocator for wasm32 (there is no libc for wasm32-unknown-none).
    .target(name: "WasmicroRuntime", cSettings: [.unsafeFlags(["-msimd128", "-mbulk-memory", "-Oz"])]),
    // The C-ABI export surface: marshalling only. Never `--export-dynamic` (it exports every public Swift symbol).
    .executableTarget(
      name: "WasmicroWasm",
      dependencies: ["Wasmicro", "WasmicroRuntime"],
      swiftSettings: embeddedSettings + moduleDefines,
      linkerSettings: [.unsafeFlags(linkerFlags + stripFlags)]
    ),
  ]
}
