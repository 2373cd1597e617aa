// Line-oriented text input of the CLI (plain lines and JSON Lines, with line numbers in every error) and the model
// path resolution (--model, then $WASMICRO_MODEL, then ./models/all-MiniLM-L6-v2). Expected values are hand-written.
import Foundation
import Testing
import Wasmicro
import WasmicroHost

private func texts(_ input: String, _ format: TextLineFormat, skipBlankLines: Bool = false) throws(HostError)
  -> [TextLine]
{
  try parseTextLines(Array(input.utf8), format: format, source: "stdin", skipBlankLines: skipBlankLines)
}

/// The error of a parse that must fail, or nil when it succeeds.
private func failure(_ input: String, _ format: TextLineFormat, skipBlankLines: Bool = false) -> HostError? {
  do throws(HostError) {
    _ = try texts(input, format, skipBlankLines: skipBlankLines)
    return nil
  } catch {
    return error
  }
}

@Suite("TextInputTests")
struct TextInputTests {
  @Test func plainLinesAreTextsWithTheirLineNumbers() throws {
    #expect(
      try texts("one\r\ntwo \"quoted\"\n\nfour", .plain)
        == [
          TextLine(line: 1, text: "one"), TextLine(line: 2, text: "two \"quoted\""), TextLine(line: 3, text: ""),
          TextLine(line: 4, text: "four"),
        ])
    // A final newline ends the last line; it does not add an empty text.
    #expect(try texts("a\nb\n", .plain).map(\.text) == ["a", "b"])
    #expect(try texts("", .plain).isEmpty)
  }

  @Test func blankLinesAreSkippedForDocumentsButKeepTheNumbering() throws {
    #expect(
      try texts("alpha\n\n \t\nbeta\n", .plain, skipBlankLines: true)
        == [TextLine(line: 1, text: "alpha"), TextLine(line: 4, text: "beta")])
    #expect(
      try texts("\"alpha\"\n\n{\"text\":\"beta\"}\n", .jsonl, skipBlankLines: true)
        == [TextLine(line: 1, text: "alpha"), TextLine(line: 3, text: "beta")])
  }

  @Test func jsonlLinesAreStringsOrObjectsWithText() throws {
    let input = "\"line one\\nstill one\"\n{\"id\": 7, \"text\": \"caf\\u00e9\"}\n  \"padded\"  \n"
    #expect(try texts(input, .jsonl).map(\.text) == ["line one\nstill one", "café", "padded"])
  }

  @Test(arguments: [
    ("\"ok\"\none\n", 2, "not JSON"),
    ("\"ok\"\n\"ok\"\n[\"a\"]\n", 3, "a JSON array"),
    ("42\n", 1, "a JSON number"),
    ("{\"txt\": \"a\"}\n", 1, "without a \"text\" member"),
    ("{\"text\": null}\n", 1, "\"text\" member is a JSON null, not a string"),
    ("\"ok\"\n\n\"ok\"\n", 2, "empty line"),
    ("\"unterminated\n", 1, "not JSON (unexpected end of input"),
  ])
  func malformedJSONLNamesTheLine(input: String, line: Int, fragment: String) {
    let error = failure(input, .jsonl)
    guard case .invalidLine(let source, let reported, let problem) = error else {
      Issue.record("expected an invalidLine error for \(input.debugDescription), got \(String(describing: error))")
      return
    }
    #expect(source == "stdin")
    #expect(reported == line)
    #expect(problem.contains(fragment), "problem: \(problem)")
    #expect(error!.description.hasPrefix("stdin, line \(line): "))
  }

  @Test func modelPathPrecedence() {
    let fromOption = ModelLocation(option: "a", environment: ["WASMICRO_MODEL": "b"])
    #expect(fromOption.path == "a" && fromOption.origin == .option)
    let fromEnvironment = ModelLocation(option: nil, environment: ["WASMICRO_MODEL": "b"])
    #expect(fromEnvironment.path == "b" && fromEnvironment.origin == .environment)
    // An empty variable counts as unset.
    for environment in [[:], ["WASMICRO_MODEL": ""]] {
      let fallback = ModelLocation(option: nil, environment: environment)
      #expect(fallback.path == "models/all-MiniLM-L6-v2" && fallback.origin == .defaultPath)
    }
  }

  @Test func missingModelSaysHowToGetOne() {
    let defaultMessage = ModelLocation(option: nil, environment: [:])
      .describe(.fileMissing("models/all-MiniLM-L6-v2"))
    #expect(defaultMessage.contains("./models/all-MiniLM-L6-v2"))
    for hint in ["make model", "--model DIR", "WASMICRO_MODEL=DIR"] { #expect(defaultMessage.contains(hint)) }
    let environmentMessage = ModelLocation(option: nil, environment: ["WASMICRO_MODEL": "/x"])
      .describe(.fileMissing("/x"))
    #expect(environmentMessage.contains("/x (from $WASMICRO_MODEL)"))
    // A file missing inside an existing directory keeps its own message.
    let inner = HostError.fileMissing("/x/config.json")
    #expect(ModelLocation(option: "/x", environment: [:]).describe(inner) == inner.description)
  }

  /// A file over the limit is refused from its size, before a byte is read: a 2 GiB sparse vocab.txt costs no memory.
  @Test func oversizedFileRefusedBeforeReading() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("wasmicro-huge-\(getpid()).txt").path
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: 1 << 31)
    try handle.close()
    do {
      _ = try readFileBytes(path, limit: Vocabulary.maxFileBytes)
      Issue.record("a 2 GiB file was read")
    } catch {
      #expect(error.description == "\(path): file is 2147483648 bytes, over the limit of 2147483647")
    }
    #expect(throws: HostError.self) { try readFileBytes(path) }  // the default small-file limit (64 MiB)
  }

  /// A line that is one huge grapheme cluster (a letter and tens of thousands of combining marks) is read in linear
  /// time: comparing it as Characters normalized it, quadratically (20k marks took 4.75 s in the CLI). Measured as the
  /// ratio between two sizes, 4× apart (fastest of three runs each): linear work grows about 4×, quadratic 16×.
  @Test func oneHugeGraphemeClusterIsReadInLinearTime() throws {
    func seconds(marks: Int) throws -> Double {
      let line = "a" + String(repeating: "\u{0301}\u{0316}\u{0345}\u{05B0}", count: marks) + "\n"
      let bytes = Array(line.utf8)
      var best = Double.infinity  // the fastest of three: timer noise only ever adds
      for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        let parsed = try parseTextLines(bytes, format: .plain, source: "stdin")
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        #expect(parsed.count == 1)
      }
      return best
    }
    let small = try seconds(marks: 16_000)
    let large = try seconds(marks: 64_000)
    #expect(large / small < 10, "4x the marks took \(large / small)x the time (\(small) s, then \(large) s)")
  }
}
