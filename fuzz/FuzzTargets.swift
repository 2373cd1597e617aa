// libFuzzer entry point for the core's parsers, compiled together with Sources/Wasmicro by ci/fuzz.sh
// (`swiftc -sanitize=fuzzer,address`), so every target sees the core's internals. One binary, one target per run,
// chosen by WASMICRO_FUZZ_TARGET:
//   safetensors  safetensors bytes → SafetensorsFile → BertModel (fixed tiny config) → forward
//   bundle       the same for quantized bundles (q8/q4/f16 metadata), with the config of the quantized fixtures
//   json         JSONValue and every config parser (config.json, tokenizer_config, modules, pooling, sentence_bert)
//   vocab        vocab.txt → Vocabulary → WordPieceTokenizer → encode
//   tokenizer    any text (≥ 1 MB with -max_len) through the uncased and the cased pipelines, single and pair
//   tokenizerjson  tokenizer.json bytes → TextTokenizer (as written, and rebuilt as XLMRobertaTokenizer) → encode
//   multilingual any text through the fixtures' Unigram (XLM-R) and byte-level BPE (RoBERTa) tokenizers, single and pair
// A target passes when every input returns (a typed error or a result): a crash, an ASan report, a leak, a timeout or
// an out-of-memory fails the run. Non-goals: checking results (the fixtures do that).
import Glibc

enum FuzzTarget {
  case safetensors, bundle, json, vocab, tokenizer, tokenizerJSON, multilingual
}

/// The target named by WASMICRO_FUZZ_TARGET; the run stops at once on a missing or unknown name.
let fuzzTarget: FuzzTarget = {
  let name = getenv("WASMICRO_FUZZ_TARGET").map { String(cString: $0) } ?? ""
  switch name {
  case "safetensors": return .safetensors
  case "bundle": return .bundle
  case "json": return .json
  case "vocab": return .vocab
  case "tokenizer": return .tokenizer
  case "tokenizerjson": return .tokenizerJSON
  case "multilingual": return .multilingual
  default:
    fputs(
      "WASMICRO_FUZZ_TARGET must be safetensors, bundle, json, vocab, tokenizer, tokenizerjson or multilingual "
        + "(got '\(name)')\n", stderr)
    exit(2)
  }
}()

/// config.json of fixtures/models/tiny-bert-h32-l1-a2 (the f32 seeds) and of the quantized tiny BERT fixtures.
let tinyConfig = try! BertConfig.parse(
  Array(
    """
    {"hidden_size": 32, "intermediate_size": 48, "num_attention_heads": 2, "num_hidden_layers": 1,
     "max_position_embeddings": 128, "type_vocab_size": 2, "vocab_size": 3000, "hidden_act": "gelu",
     "layer_norm_eps": 1e-12, "model_type": "bert"}
    """.utf8))
let quantizedConfig = try! BertConfig.parse(
  Array(
    """
    {"hidden_size": 48, "intermediate_size": 96, "num_attention_heads": 3, "num_hidden_layers": 2,
     "max_position_embeddings": 128, "type_vocab_size": 2, "vocab_size": 3000, "hidden_act": "gelu_new",
     "layer_norm_eps": 1e-12, "model_type": "bert"}
    """.utf8))

/// A WordPiece vocabulary for the tokenizer target: the file named by WASMICRO_FUZZ_VOCAB (ci/fuzz.sh passes
/// MiniLM's), read once.
let fuzzVocabulary: Vocabulary = {
  guard let path = getenv("WASMICRO_FUZZ_VOCAB") else {
    fputs("WASMICRO_FUZZ_VOCAB must name a vocab.txt for the tokenizer target\n", stderr)
    exit(2)
  }
  return try! Vocabulary(vocabTxt: readWholeFile(String(cString: path)))
}()

/// A file's bytes; the run stops when it cannot be read.
func readWholeFile(_ path: String) -> [UInt8] {
  guard let file = fopen(path, "rb") else {
    fputs("cannot read \(path)\n", stderr)
    exit(2)
  }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = fread(&chunk, 1, chunk.count, file)
    if count <= 0 { break }
    bytes += chunk[0..<count]
  }
  return bytes
}

/// The fixtures' trained tokenizer.json tokenizers for the multilingual target (ci/fuzz.sh runs from the repo root).
let unigramTokenizer = try! TextTokenizer(
  json: readWholeFile("fixtures/models/unigram-xlmr/tokenizer.json"),
  tokenizerConfig: readWholeFile("fixtures/models/unigram-xlmr/tokenizer_config.json"), hashKey: 0x1234_5677)
let bytePairTokenizer = try! TextTokenizer(
  json: readWholeFile("fixtures/models/bpe-roberta/tokenizer.json"),
  tokenizerConfig: readWholeFile("fixtures/models/bpe-roberta/tokenizer_config.json"), hashKey: 0x1234_5677)
/// tokenizer_config.json of an XLM-R model: the tokenizerjson target also runs each file through that class's rebuild.
let xlmRobertaConfig = Array(#"{"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512}"#.utf8)

let uncased = try! WordPieceTokenizer(vocabulary: fuzzVocabulary, options: TokenizerOptions())
let cased: WordPieceTokenizer = {
  var options = TokenizerOptions()
  options.lowercase = false
  options.tokenizeChineseChars = false
  return try! WordPieceTokenizer(vocabulary: fuzzVocabulary, options: options)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
  switch fuzzTarget {
  case .safetensors: loadAndRun(bytes, config: tinyConfig)
  case .bundle: loadAndRun(bytes, config: quantizedConfig)
  case .json:
    let array = Array(bytes)
    _ = try? JSONValue.parse(bytes)
    _ = try? BertConfig.parse(array)
    _ = try? TokenizerConfig.parse(array)
    _ = try? PoolingConfig.parse(array)
    _ = try? SentenceTransformersModules.parse(array)
    _ = try? SentenceBertConfig.parse(array)
  case .vocab:
    guard let vocabulary = try? Vocabulary(vocabTxt: bytes) else { return 0 }
    if let tokenizer = try? WordPieceTokenizer(vocabulary: vocabulary, options: TokenizerOptions()) {
      _ = tokenizer.encode("Hello, wörld! 你好 [MASK] unaffable")
    }
  case .tokenizer:
    let text = String(decoding: bytes, as: UTF8.self)
    _ = uncased.encode(text)
    _ = cased.encode(text, maxLength: 64)
    // A pair: the input split at its first NUL byte (or at the middle).
    let split = bytes.firstIndex(of: 0) ?? bytes.count / 2
    let first = String(decoding: bytes[0..<split], as: UTF8.self)
    let second = String(decoding: bytes[split...], as: UTF8.self)
    _ = uncased.encode(first, second, maxLength: 32)
  case .tokenizerJSON:
    let json = Array(bytes)
    for config in [nil, xlmRobertaConfig] {
      guard let tokenizer = try? TextTokenizer(json: json, tokenizerConfig: config, hashKey: 0x1234_5677) else {
        continue
      }
      _ = tokenizer.encode("Hello, wörld! 你好 <mask> unaffable  ", maxLength: 16)
      _ = tokenizer.encode("a <s> b", "ﬁ\u{301} 한국어", maxLength: 8)
    }
  case .multilingual:
    let text = String(decoding: bytes, as: UTF8.self)
    let split = bytes.firstIndex(of: 0) ?? bytes.count / 2
    let first = String(decoding: bytes[0..<split], as: UTF8.self)
    let second = String(decoding: bytes[split...], as: UTF8.self)
    for tokenizer in [unigramTokenizer, bytePairTokenizer] {
      _ = tokenizer.encode(text, maxLength: nil)
      _ = tokenizer.encode(first, second, maxLength: 32)
    }
  }
  return 0
}

/// Parses a safetensors file, builds a model over it when its tensors fit `config`, and runs one short forward.
func loadAndRun(_ bytes: UnsafeRawBufferPointer, config: BertConfig) {
  guard let file = try? SafetensorsFile(bytes: bytes) else { return }
  guard let model = try? BertModel(config: config, file: file) else { return }
  _ = try? model.forward(inputIDs: [2, 17, 3, 0], attentionMask: [1, 1, 1, 0], batchSize: 1, sequenceLength: 4)
}
