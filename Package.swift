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
    // MARK: - Tests
    .testTarget(
      name: "WasmicroTests",
      dependencies: ["Wasmicro", "WasmicroHost"],
      resources: [.copy("Fixtures")]
    ),
  ]
)
