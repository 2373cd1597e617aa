// PrecompiledTests.swift — the `Precompiled` normalizer (sentencepiece's nmt_nfkc charsmap) against HF tokenizers
// 0.23.3, grapheme cluster boundaries, base64, malformed charsmaps, and linear time on hostile text.
// Fixture: Fixtures/precompiled-cases.json from `reference/charsmap.py --fixture` (HF's `normalize_str` outputs).
// The code-point sweep is stored exactly, not hashed: per context, the scalars whose output differs from the input
// with HF's output; every other scalar must come back unchanged. So every scalar is compared byte for byte, and a
// mismatch prints the scalar, the expected and the actual text.
import Foundation
import Testing

@testable import Wasmicro

private struct PrecompiledFixture {
  let base64: String
  let blobCount: Int
  let cases: [(text: String, expected: String)]
  /// Per context: the context and [scalar: expected output] for the scalars whose output is not the input.
  let sweeps: [(context: String, changed: [UInt32: [UInt8]])]

  static let shared: PrecompiledFixture? = try? load()

  /// Parsed with the core's JSON parser: Foundation's JSONSerialization drops U+FEFF from strings on Linux.
  static func load() throws -> PrecompiledFixture {
    let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let root = try JSONValue.parse(
      [UInt8](Data(contentsOf: directory.appendingPathComponent("precompiled-cases.json"))))
    let charsmap = try #require(root["charsmap"])
    var cases: [(text: String, expected: String)] = []
    for pair in try #require(root["cases"]?.arrayValue) {
      let strings = try #require(pair.arrayValue).compactMap(\.stringValue)
      try #require(strings.count == 2)
      cases.append((strings[0], strings[1]))
    }
    var sweeps: [(context: String, changed: [UInt32: [UInt8]])] = []
    for sweep in try #require(root["sweep"]?.arrayValue) {
      var changed: [UInt32: [UInt8]] = [:]
      var scalar: UInt32 = 0
      for entry in try #require(sweep["changed"]?.arrayValue) {
        let pair = try #require(entry.arrayValue)
        scalar += UInt32(try #require(pair[0].intValue))
        changed[scalar] = Array(try #require(pair[1].stringValue).utf8)
      }
      sweeps.append((try #require(sweep["context"]?.stringValue), changed))
    }
    return PrecompiledFixture(
      base64: try #require(charsmap["base64"]?.stringValue),
      blobCount: try #require(charsmap["bytes"]?.intValue), cases: cases, sweeps: sweeps)
  }

  func charsmap() throws -> PrecompiledCharsmap {
    let json = JSONValue.object([
      JSONMember(key: "type", value: .string("Precompiled")),
      JSONMember(key: "precompiled_charsmap", value: .string(base64)),
    ])
    return try PrecompiledCharsmap(json: json, field: "normalizer.normalizers[0]")
  }
}

private func normalized(_ charsmap: PrecompiledCharsmap, _ bytes: [UInt8]) -> [UInt8] {
  var output: [UInt8] = []
  bytes.withUnsafeBufferPointer { charsmap.normalize($0, into: &output) }
  return output
}

private func escaped(_ bytes: [UInt8]) -> String {
  String(decoding: bytes, as: UTF8.self).unicodeScalars.map {
    $0.value < 0x80 && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}"
  }.joined()
}

/// Graphemes of `text` as byte lengths, by repeated `nextBoundary`.
private func clusterLengths(_ text: String) -> [Int] {
  let bytes = Array(text.utf8)
  return bytes.withUnsafeBufferPointer { buffer in
    var lengths: [Int] = []
    var start = 0
    while start < buffer.count {
      let end = Graphemes.nextBoundary(in: buffer, from: start)
      lengths.append(end - start)
      start = end
    }
    return lengths
  }
}

/// A blob: little-endian trie size, units, then strings.
private func blob(trieBytes: UInt32? = nil, units: [UInt32], strings: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = []
  for value in [trieBytes ?? UInt32(units.count * 4)] + units {
    bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
  }
  return bytes + strings
}

/// A two-key trie built by hand: "a" → strings[valueA...] ("xy"), "b" → strings[valueB...] ("").
/// Units: 0 the root (offset 256), 256 ^ 0x61 = 0x161 the "a" node (has-leaf, offset 1, so its value unit is
/// 0x161 ^ 1 = 0x160), 256 ^ 0x62 = 0x162 the "b" node (value unit 0x163); 0x200 units in all.
private func handTrie(valueA: UInt32 = 0, valueB: UInt32 = 3) -> (units: [UInt32], strings: [UInt8]) {
  var units = [UInt32](repeating: 0, count: 0x200)
  units[0] = 256 << 10
  units[0x161] = 1 << 10 | 1 << 8 | 0x61
  units[0x160] = 1 << 31 | valueA
  units[0x162] = 1 << 10 | 1 << 8 | 0x62
  units[0x163] = 1 << 31 | valueB
  return (units, Array("xy\0\0".utf8))
}

private func blobError(_ bytes: [UInt8]) -> ConfigError? {
  do throws(ConfigError) {
    _ = try PrecompiledCharsmap(blob: bytes)
    return nil
  } catch {
    return error
  }
}

@Suite("Precompiled normalizer")
struct PrecompiledTests {
  @Test func fixtureCasesMatchHF() throws {
    let fixture = try #require(PrecompiledFixture.shared)
    let charsmap = try fixture.charsmap()
    #expect(charsmap.units.count * 4 + charsmap.strings.count + 4 == fixture.blobCount)
    var mismatches = 0
    for (text, expected) in fixture.cases {
      let actual = normalized(charsmap, Array(text.utf8))
      if actual != Array(expected.utf8) {
        mismatches += 1
        Issue.record(
          "\"\(escaped(Array(text.utf8)))\": expected \"\(escaped(Array(expected.utf8)))\", got \"\(escaped(actual))\"")
      }
    }
    #expect(mismatches == 0, "\(mismatches) of \(fixture.cases.count) cases differ from HF")
    #expect(fixture.cases.count >= 2000)
  }

  /// Every scalar value except surrogates, in each fixture context, byte for byte against HF.
  @Test(.enabled(if: sweepsEnabled, sweepsSkipped)) func codePointSweepMatchesHF() throws {
    let fixture = try #require(PrecompiledFixture.shared)
    let charsmap = try fixture.charsmap()
    var compared = 0
    var changed = 0
    for (context, expectedChanges) in fixture.sweeps {
      // Split on the bytes of "{c}" (Foundation's `components(separatedBy:)` compares Characters, and "}" + U+0301
      // is one Character, so it would not find the placeholder in "{c}\u{301}").
      let contextBytes = Array(context.utf8)
      var parts: [[UInt8]] = [[]]
      var at = 0
      while at < contextBytes.count {
        if at + 3 <= contextBytes.count && Array(contextBytes[at..<at + 3]) == Array("{c}".utf8) {
          parts.append([])
          at += 3
        } else {
          parts[parts.count - 1].append(contextBytes[at])
          at += 1
        }
      }
      var mismatches = 0
      var text: [UInt8] = []
      var scalarBytes: [UInt8] = []
      for value in UInt32(0)...0x10_FFFF where !(0xD800...0xDFFF).contains(value) {
        scalarBytes.removeAll(keepingCapacity: true)
        UTF8Scalars.append(value, to: &scalarBytes)
        text.removeAll(keepingCapacity: true)
        for (index, part) in parts.enumerated() {
          if index > 0 { text += scalarBytes }
          text += part
        }
        let actual = normalized(charsmap, text)
        let expected = expectedChanges[value] ?? text
        compared += 1
        if expectedChanges[value] != nil { changed += 1 }
        if actual != expected {
          mismatches += 1
          if mismatches <= 10 {
            Issue.record(
              "\(context) U+\(String(value, radix: 16)): expected \"\(escaped(expected))\", got \"\(escaped(actual))\"")
          }
        }
      }
      #expect(mismatches == 0, "context \(context): \(mismatches) scalars differ from HF")
    }
    #expect(compared == 4 * 1_112_064)
    #expect(changed == fixture.sweeps.reduce(0) { $0 + $1.changed.count })
  }

  @Test func base64MatchesFoundation() throws {
    let fixture = try #require(PrecompiledFixture.shared)
    let decoded = try #require(Base64.decode(fixture.base64))
    #expect(decoded == [UInt8](try #require(Data(base64Encoded: fixture.base64))))
    #expect(decoded.count == fixture.blobCount)
  }

  @Test func base64HandCases() {
    #expect(Base64.decode("") == [])
    #expect(Base64.decode("TQ==") == Array("M".utf8))
    #expect(Base64.decode("TWE=") == Array("Ma".utf8))
    #expect(Base64.decode("TWFu") == Array("Man".utf8))
    #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    #expect(Base64.decode("AA==") == [0])
    // Refused: bad length, bad characters, misplaced padding, whitespace, URL-safe alphabet, non-zero trailing bits.
    for bad in ["T", "TQ=", "TQ", "TQ===", "====", "A===", "T=Q=", "TQ==TQ==", "TW u", "TWF\n", "-_-_", "TR==", "TWF="]
    {
      #expect(Base64.decode(bad) == nil, "\(bad)")
    }
  }

  /// Cluster boundaries worked by hand from UAX #29 (Unicode 17.0).
  @Test func graphemeBoundaries() {
    #expect(clusterLengths("a\r\nb\r\r\n") == [1, 2, 1, 1, 2])  // GB3, GB4, GB5
    #expect(clusterLengths("e\u{301}\u{308}x") == [5, 1])  // GB9
    #expect(clusterLengths("\u{915}\u{93E}") == [6])  // GB9a: SpacingMark
    #expect(clusterLengths("\u{600}a") == [3])  // GB9b: Prepend
    #expect(clusterLengths("\u{600}\n") == [2, 1])  // GB5 beats GB9b
    #expect(clusterLengths("\u{1100}\u{1161}\u{11A8}\u{AC00}\u{11A8}\u{AC01}\u{1161}") == [9, 6, 3, 3])  // GB6-GB8
    #expect(clusterLengths("\u{915}\u{94D}\u{937}") == [9])  // GB9c: conjunct
    #expect(clusterLengths("\u{915}\u{94D}\u{200D}\u{937}") == [12])  // GB9c: ZWJ is InCB Extend
    #expect(clusterLengths("\u{915}\u{93C}\u{937}") == [6, 3])  // GB9c needs a Linker
    #expect(clusterLengths("a\u{94D}\u{937}") == [4, 3])  // and a Consonant before it
    #expect(clusterLengths("👨\u{200D}👩\u{200D}👧") == [18])  // GB11
    #expect(clusterLengths("👍\u{1F3FD}\u{200D}👍") == [15])  // GB11 across an Extend (skin tone)
    #expect(clusterLengths("a\u{200D}👩") == [4, 4])  // GB11 needs a pictograph before the ZWJ
    #expect(clusterLengths("🇺🇸🇫🇷🇩") == [8, 8, 4])  // GB12/GB13
    #expect(clusterLengths("🇺🇸\u{301}🇫") == [10, 4])
  }

  @Test func handTrieLookups() throws {
    let (units, strings) = handTrie()
    let charsmap = try PrecompiledCharsmap(blob: blob(units: units, strings: strings))
    #expect(normalized(charsmap, Array("abc".utf8)) == Array("xyc".utf8))
    // "a" + U+0301 is one cluster shorter than 6 bytes with a key as prefix: replaced whole, the mark dropped.
    #expect(normalized(charsmap, Array("a\u{301}b".utf8)) == Array("xy".utf8))
    // A cluster of 6 bytes or more is rewritten scalar by scalar.
    #expect(normalized(charsmap, Array("a\u{301}\u{301}\u{301}".utf8)) == Array("xy\u{301}\u{301}\u{301}".utf8))
    #expect(normalized(charsmap, Array("\0a".utf8)) == Array("\0xy".utf8))
  }

  @Test func malformedBlobsAreRefused() {
    let (units, strings) = handTrie()
    let good = blob(units: units, strings: strings)
    #expect(blobError(good) == nil)
    func expectRefused(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
      guard let error = blobError(bytes) else {
        Issue.record("accepted a malformed blob", sourceLocation: sourceLocation)
        return
      }
      guard case .invalidField(let field, let expected) = error else {
        Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
        return
      }
      #expect(field == "precompiled_charsmap", sourceLocation: sourceLocation)
      #expect(expected.contains(fragment), "\(expected)", sourceLocation: sourceLocation)
    }
    expectRefused([], "at least 4 bytes")
    expectRefused([8, 0, 0], "at least 4 bytes")
    expectRefused(blob(trieBytes: 0, units: [], strings: [0]), "non-zero multiple of 4")
    expectRefused(blob(trieBytes: 6, units: [0, 0], strings: [0]), "non-zero multiple of 4")
    expectRefused(blob(trieBytes: 0xFFFF_FFFC, units: [0], strings: [0]), "fits in")
    expectRefused(Array(good.dropLast(5)), "fits in")  // truncated inside the trie... or strings
    expectRefused(blob(units: units, strings: []), "end with a NUL")
    expectRefused(blob(units: units, strings: Array("xy".utf8)), "end with a NUL")
    expectRefused(blob(units: units, strings: [0xFF, 0]), "valid UTF-8")
    expectRefused(blob(units: units, strings: [0xC3, 0]), "valid UTF-8")
    let (outsideValue, shortStrings) = handTrie(valueB: 4)
    expectRefused(blob(units: outsideValue, strings: shortStrings), "starts a replacement string")
    var insideScalar = Array("é\0".utf8)
    insideScalar.insert(0, at: 0)
    let (midScalar, _) = handTrie(valueA: 2)  // points at the second byte of "é"
    expectRefused(blob(units: midScalar, strings: insideScalar), "starts a replacement string")
    var pointsOutside = units
    pointsOutside[0x161] = 0x3FF << 10 | 1 << 8 | 0x61  // value unit 0x161 ^ 0x3FF, past the 0x200 units
    expectRefused(blob(units: pointsOutside, strings: strings), "points inside the trie")
    // A truncated real charsmap.
    if let fixture = PrecompiledFixture.shared, let real = Base64.decode(fixture.base64) {
      expectRefused(Array(real.prefix(real.count / 2)), "fits in")
      expectRefused(Array(real.dropLast()), "end with a NUL")
    }
  }

  @Test func jsonErrorsNameTheField() {
    func error(_ json: JSONValue) -> ConfigError? {
      do throws(ConfigError) {
        _ = try PrecompiledCharsmap(json: json, field: "normalizer.normalizers[0]")
        return nil
      } catch {
        return error
      }
    }
    #expect(
      error(.object([JSONMember(key: "type", value: .string("NFKC"))]))
        == .unsupported(field: "normalizer.normalizers[0].type", value: "NFKC"))
    #expect(
      error(.object([JSONMember(key: "type", value: .string("Precompiled"))]))
        == .missingField("normalizer.normalizers[0].precompiled_charsmap"))
    #expect(
      error(
        .object([
          JSONMember(key: "type", value: .string("Precompiled")),
          JSONMember(key: "precompiled_charsmap", value: .string("not base64!")),
        ]))
        == .invalidField("normalizer.normalizers[0].precompiled_charsmap", expected: "base64 text"))
    #expect(
      error(
        .object([
          JSONMember(key: "type", value: .string("Precompiled")),
          JSONMember(key: "precompiled_charsmap", value: .string("AAAAAA==")),
        ]))
        == .invalidField(
          "normalizer.normalizers[0].precompiled_charsmap",
          expected: "a charsmap whose trie size is a non-zero multiple of 4 (it is 0)"))
    #expect(error(.array([])) == .invalidField("normalizer.normalizers[0]", expected: "a normalizer object"))
  }

  /// Hostile text is normalized in linear time: one huge cluster (a mapped letter then marks), a ZWJ emoji chain, a run
  /// of regional indicators, an endless Indic conjunct. Measured as the ratio between two sizes 4× apart (fastest of
  /// three runs each): linear work grows about 4×, quadratic 16×. No wall-clock threshold.
  @Test func hostileTextIsLinear() throws {
    let fixture = try #require(PrecompiledFixture.shared)
    let charsmap = try fixture.charsmap()
    let units: [(String, String, String)] = [
      ("ﬁ", "\u{301}\u{316}\u{345}\u{5B0}", ""), ("👨", "\u{200D}👩", ""), ("", "🇺", ""),
      ("\u{915}", "\u{94D}\u{937}", ""),
      ("", "\u{200D}", ""),
    ]
    for (head, unit, tail) in units {
      func seconds(_ repeats: Int) -> Double {
        let bytes = Array((head + String(repeating: unit, count: repeats) + tail).utf8)
        var best = Double.infinity
        for _ in 0..<3 {
          let start = DispatchTime.now().uptimeNanoseconds
          let output = normalized(charsmap, bytes)
          best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
          #expect(output.count <= 8 * bytes.count)
        }
        return best
      }
      let small = seconds(20_000)
      let large = seconds(80_000)
      #expect(
        large / small < 10, "\(escaped(Array(unit.utf8))): 4x the text took \(large / small)x (\(small) s, \(large) s)")
    }
  }
}
