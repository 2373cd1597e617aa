// Shared test support: a deterministic generator for test data and fuzz-style tests.
import Foundation
import Testing

/// SplitMix64: deterministic, seedable, good enough to spread test inputs.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A float in [-1, 1) with 23 random bits.
  mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// Whether the full code-point sweeps run (every scalar value through a tokenizer or normalizer). `make asan` sets
/// WASMICRO_SKIP_SWEEPS: under AddressSanitizer they would add minutes of the same work, and they are reported as
/// skipped there, not passed. They run in `swift test`, and `make verify` runs the tokenizer sweeps in both engines.
let sweepsEnabled = ProcessInfo.processInfo.environment["WASMICRO_SKIP_SWEEPS"] == nil
let sweepsSkipped: Comment = "WASMICRO_SKIP_SWEEPS is set (make asan)"
