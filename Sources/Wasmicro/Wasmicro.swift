// Wasmicro core: forward-only BERT inference over host-owned bytes.
// Scope: safetensors parsing, config JSON, WordPiece tokenization, encoder forward, pooling.
// Non-goals: training, autograd, file I/O (the host owns the bytes), Foundation.

#if canImport(Glibc)
  import Glibc
#endif

/// The library's version string, reported by the CLI and the verify harness.
public let wasmicroVersion = "0.1.0"
