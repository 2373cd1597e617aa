// Text input and JSON output helpers for the command-line tools.
import Foundation
import Wasmicro

/// Reads all of standard input and splits it into lines (\n, with a trailing \r dropped).
/// Invalid UTF-8 becomes U+FFFD, which the tokenizer's cleaner then drops, as HF does.
public func readStandardInputLines() -> [String] {
  let data = FileHandle.standardInput.readDataToEndOfFile()
  var lines = [UInt8](data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
    String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
  }
  if lines.last == "" { lines.removeLast() }
  return lines
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

/// Decodes one JSONL line that must hold a single JSON string (used by `tokenize --stdin --jsonl`).
public func decodeJSONStringLine(_ line: String) throws(HostError) -> String {
  let value: JSONValue
  do { value = try JSONValue.parse(Array(line.utf8)) } catch {
    throw .invalidFile(path: "<stdin>", problem: "line is not JSON: \(describe(error))")
  }
  guard let text = value.stringValue else { throw .invalidFile(path: "<stdin>", problem: "line is JSON but not a string") }
  return text
}
