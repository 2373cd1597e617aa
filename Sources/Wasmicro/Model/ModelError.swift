// Errors of the model area: loading weights against a config, and invalid inputs to forward.

/// What went wrong building or running a model; payloads name the tensor, shape or input at fault.
public enum ModelError: Error, Equatable {
  /// The safetensors file itself is malformed or a tensor cannot be read as floats.
  case safetensors(SafetensorsError)
  /// A configuration file is malformed or unsupported.
  case config(ConfigError)
  /// The checkpoint has no tensor with this name (under any accepted prefix or suffix).
  case missingTensor(String)
  /// The tensor exists but its shape disagrees with config.json.
  case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
  /// The checkpoint has no `classifier` head, or no pooler, but one was asked for.
  case notAClassifier
  /// `__metadata__` declares a wasmicro bundle format or version this runtime does not know (FORMAT.md).
  case unsupportedBundle(key: String, value: String)
  /// A matrix or scale tensor has a dtype its bundle's format does not allow (I8 needs q8, U8 needs q4, scales are F16).
  case unexpectedDType(tensor: String, dtype: DType, format: WeightFormat?)
  /// Inputs to forward are inconsistent: a token id outside the vocabulary, a sequence longer than the position table, …
  case invalidInput(String)
}

extension ModelError {
  /// A one-line human-readable description naming the tensor, shapes or input at fault.
  public var message: String { messageText.string }

  /// `message` as UTF-8 bytes (the wasm exports copy these into their error buffer without making a String).
  @_spi(WasmicroWasm) public var messageBytes: [UInt8] { messageText.bytes }

  /// `message` before it becomes a String: each case returns its bytes, decoded once by `message` (wasm size).
  var messageText: ByteText {
    switch self {
    case .safetensors(let error): return error.messageText
    case .config(let error): return error.messageText
    case .missingTensor(let name): return "checkpoint has no tensor \"\(name)\""
    case .shapeMismatch(let tensor, let expected, let actual):
      return "tensor \"\(tensor)\" has shape \(actual) but config.json implies \(expected)"
    case .notAClassifier: return "checkpoint has no pooler + classifier head (not a BertForSequenceClassification)"
    case .unsupportedBundle(let key, let value):
      return "__metadata__ \"\(key)\" is \"\(value)\": not a bundle format this runtime reads (q8, q4, f16; version 1)"
    case .unexpectedDType(let tensor, let dtype, let format):
      let declared: StaticString = format?.name ?? "no wasmicro.format"
      return "tensor \"\(tensor)\" is \(dtype.name), which a bundle with \(declared) does not allow"
    case .invalidInput(let problem): return "invalid model input: \(problem)"
    }
  }
}

extension ModelError: CustomStringConvertible {
  public var description: String { message }
}
