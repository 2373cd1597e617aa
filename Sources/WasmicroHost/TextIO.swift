// Text input and JSON output helpers for the command-line tools.
import Foundation
import Wasmicro

/// How the lines of a text input are read.
public enum TextLineFormat: Sendable {
  /// Each line is one text, as is.
  case plain
  /// JSON Lines: each line is a JSON string, or an object whose "text" member is a string (other members are ignored).
  case jsonl
}

/// One text of a line-oriented input, with the 1-based line number it was read from.
public struct TextLine: Equatable, Sendable {
  public var line: Int
  public var text: String

  public init(line: Int, text: String) {
    self.line = line
    self.text = text
  }
}

/// Splits bytes into lines at \n, dropping a trailing \r; a final newline ends the last line (it starts no empty one).
/// Invalid UTF-8 becomes U+FFFD, which the tokenizer's cleaner then drops, as HF does.
public func splitLines(_ bytes: [UInt8]) -> [String] {
  var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
    String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
  }
  if lines.last?.isEmpty == true { lines.removeLast() }
  return lines
}

/// Reads the texts of a line-oriented input (`source` names it in errors: "stdin", a file path).
///
/// With `skipBlankLines`, lines holding only spaces and tabs are not texts (a documents file); otherwise a blank plain
/// line is an empty text and a blank JSONL line is an error. A JSONL line that is not a JSON string or an object with
/// a string "text" member is an error naming its line number.
public func parseTextLines(
  _ bytes: [UInt8], format: TextLineFormat, source: String, skipBlankLines: Bool = false
) throws(HostError) -> [TextLine] {
  var texts: [TextLine] = []
  for (index, line) in splitLines(bytes).enumerated() {
    let number = index + 1
    // Bytes, not Characters: comparing Characters normalizes them, which took quadratic time on a line of one huge
    // grapheme cluster (a letter and 80k combining marks: 4.75 s; issue 11's mixed-class marks).
    if line.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
      if skipBlankLines { continue }
      if format == .jsonl {
        throw .invalidLine(source: source, line: number, problem: "empty line; \(jsonlLineRule)")
      }
    }
    switch format {
    case .plain: texts.append(TextLine(line: number, text: line))
    case .jsonl: texts.append(TextLine(line: number, text: try decodeJSONTextLine(line, line: number, source: source)))
    }
  }
  return texts
}

/// What every --jsonl input line must be; ends each JSONL error so the fix is in the message.
private let jsonlLineRule = "each JSONL line must be a JSON string or an object with a \"text\" string"

/// Decodes one JSONL line: a JSON string, or an object with a string "text" member.
public func decodeJSONTextLine(_ line: String, line number: Int, source: String) throws(HostError) -> String {
  let value: JSONValue
  do { value = try JSONValue.parse(Array(line.utf8)) } catch {
    throw .invalidLine(source: source, line: number, problem: "not JSON (\(error.message)); \(jsonlLineRule)")
  }
  if let text = value.stringValue { return text }
  guard value.objectValue != nil else {
    throw .invalidLine(source: source, line: number, problem: "a JSON \(jsonKind(value)); \(jsonlLineRule)")
  }
  guard let member = value["text"] else {
    throw .invalidLine(source: source, line: number, problem: "an object without a \"text\" member; \(jsonlLineRule)")
  }
  guard let text = member.stringValue else {
    throw .invalidLine(
      source: source, line: number, problem: "its \"text\" member is a JSON \(jsonKind(member)), not a string")
  }
  return text
}

private func jsonKind(_ value: JSONValue) -> String {
  switch value {
  case .null: return "null"
  case .bool: return "boolean"
  case .int, .double: return "number"
  case .string: return "string"
  case .array: return "array"
  case .object: return "object"
  }
}

/// Reads all of standard input as texts, one per line (see `parseTextLines`).
public func readStandardInputTexts(format: TextLineFormat) throws(HostError) -> [TextLine] {
  let data = FileHandle.standardInput.readDataToEndOfFile()
  return try parseTextLines([UInt8](data), format: format, source: "stdin")
}

/// A JSON string literal for `text` (RFC 8259 escaping; non-ASCII passes through as UTF-8).
public func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value) {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

/// A JSON array of floats in shortest round-trip form.
public func jsonArray(_ values: [Float]) -> String {
  "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
}

/// A JSON array of integers.
public func jsonArray(_ values: [Int32]) -> String {
  "[" + values.map { String($0) }.joined(separator: ",") + "]"
}

/// A JSON array of strings.
public func jsonArray(_ values: [String]) -> String {
  "[" + values.map(jsonString).joined(separator: ",") + "]"
}
