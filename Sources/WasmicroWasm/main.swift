// wasmicro wasm module entry: intentionally empty. The module is linked with --no-entry, so `main` never runs, and
// globals declared in main.swift would be initialized by `main` (script mode) — i.e. never. The exports and their global
// state therefore live in Exports.swift, whose globals are initialized lazily on first use.
