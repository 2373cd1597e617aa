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
  /// Inputs to forward are inconsistent: a token id outside the vocabulary, a sequence longer than the position table, …
  case invalidInput(String)
}

extension ModelError {
  /// A one-line human-readable description naming the tensor, shapes or input at fault.
  public var message: String {
    switch self {
    case .safetensors(let error): return error.message
    case .config(let error): return error.message
    case .missingTensor(let name): return ByteText("checkpoint has no tensor \"\(name)\"").string
    case .shapeMismatch(let tensor, let expected, let actual):
      return ByteText("tensor \"\(tensor)\" has shape \(actual) but config.json implies \(expected)").string
    case .notAClassifier: return "checkpoint has no pooler + classifier head (not a BertForSequenceClassification)"
    case .invalidInput(let problem): return ByteText("invalid model input: \(problem)").string
    }
  }
}

extension ModelError: CustomStringConvertible {
  public var description: String { message }
}
