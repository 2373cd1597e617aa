// Where the command-line tools find their model: `--model`, else $WASMICRO_MODEL, else ./models/all-MiniLM-L6-v2,
// and what to tell the user when nothing is there. Non-goal: searching other directories or downloading anything.

/// The model directory used when neither `--model` nor the environment names one (relative to the working directory;
/// `make model` fetches it there).
public let defaultModelPath = "models/all-MiniLM-L6-v2"

/// The environment variable that names the model directory when `--model` is not given.
public let modelEnvironmentVariable = "WASMICRO_MODEL"

/// A model directory path and where it came from, so that errors can say which setting to fix.
public struct ModelLocation: Equatable, Sendable {
  public enum Origin: Equatable, Sendable {
    case option
    case environment
    case defaultPath
  }

  public var path: String
  public var origin: Origin

  /// `--model` when given, else `$WASMICRO_MODEL` when set and not empty, else `defaultModelPath`.
  public init(option: String?, environment: [String: String]) {
    if let option {
      self.path = option
      self.origin = .option
    } else if let variable = environment[modelEnvironmentVariable], !variable.isEmpty {
      self.path = variable
      self.origin = .environment
    } else {
      self.path = defaultModelPath
      self.origin = .defaultPath
    }
  }

  /// Where the path came from, as the user would write it.
  public var originDescription: String {
    switch origin {
    case .option: return "from --model"
    case .environment: return "from $\(modelEnvironmentVariable)"
    case .defaultPath: return "the default, relative to the current directory"
    }
  }

  /// A one-line message for a failure to open this model directory. When the directory itself is missing it says
  /// how to get a model; other failures (a missing or malformed file inside it) keep their own message.
  public func describe(_ error: HostError) -> String {
    guard case .fileMissing(let missing) = error, missing == path else { return error.description }
    switch origin {
    case .option, .environment:
      return "no model directory at \(path) (\(originDescription)): pass an existing one with --model DIR or "
        + "\(modelEnvironmentVariable)=DIR (`make model` in the wasmicro repository fetches all-MiniLM-L6-v2 into ./models)"
    case .defaultPath:
      return "no model directory at ./\(path) (\(originDescription)): run `make model` in the wasmicro repository "
        + "to fetch it, or pass --model DIR, or set \(modelEnvironmentVariable)=DIR"
    }
  }
}
