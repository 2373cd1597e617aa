#!/usr/bin/env python3
"""Train a small XLM-R-shaped Unigram tokenizer and record HF's ids for it (parity fixtures for TextTokenizer).

Scope: `tokenizers`' UnigramTrainer on reference/corpus/multilingual.txt (+ the texts of
fixtures/tokenizer-multilingual-cased.json), in XLM-R's tokenizer.json shape: special tokens <s> <pad> </s> <unk> at
ids 0-3, <mask> last (in the model vocab with score 0, and an added token with lstrip true), normalizer
Sequence[Replace(Regex " {2,}" -> " ")], pre_tokenizer Metaspace("▁", prepend_scheme "always", split true),
post_processor TemplateProcessing("<s> $A </s>", "<s> $A </s> </s> $B </s>"), decoder Metaspace. Not the Precompiled
charsmap normalizer (another branch implements it; the lead adds it to this fixture after the merge).

The reference is HF's pipeline as the file declares it: what `AutoTokenizer` returns for a directory whose
tokenizer_config.json names `PreTrainedTokenizerFast` (transformers 5's TokenizersBackend, which runs the file
unchanged). The script checks that AutoTokenizer and `tokenizers.Tokenizer.from_file` agree on every case. (With
`tokenizer_class: XLMRobertaTokenizer`, transformers 5 rebuilds the pipeline instead: normalizer = the file's
Precompiled only, pre_tokenizer = Sequence[WhitespaceSplit, Metaspace]. The "variants" below record that pipeline too.)

Outputs (committed; deterministic):
  Tests/WasmicroTests/Fixtures/unigram-tokenizer.json        the trained tokenizer.json (~100 KB)
  Tests/WasmicroTests/Fixtures/unigram-bytefallback-tokenizer.json   a 1000-piece cut of it + <0x00>..<0xFF>,
                                                              byte_fallback true
  Tests/WasmicroTests/Fixtures/unigram-cases.json            ids for texts, pairs, truncations, and sweeps

Sweep (variants unigram, bytefallback, xlmr-class): every scalar value c except surrogates, in the text "a{c}b {c}", encoded without special tokens. Stored per
block of 256 code points as FNV-1a 64 (hex) over the block's ids, each text's ids followed by a 0xFFFFFFFF separator,
every value as 4 little-endian bytes. To see a failing block's ids:
  python reference/make_unigram_cases.py --show-block 0x1F6 [--variant bytefallback|xlmr-class|...]
which prints "U+XXXX id id ..." per code point, to diff with the Swift test's output.

Usage: /work/main/.venv-reference/bin/python reference/make_unigram_cases.py   (about 2 minutes)

Not bit-reproducible: UnigramTrainer sums scores in a varying order, so a new run changes the last digits of many
scores (same pieces). Regenerate all three files together; they are one consistent set.
"""
import json
import os
import struct
import sys

# One thread, so that UnigramTrainer gives the same vocabulary on every run (it is not reproducible in parallel).
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"

import tokenizers
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "WasmicroTests", "Fixtures")
CORPUS = os.path.join(ROOT, "reference", "corpus", "multilingual.txt")
CASES_SOURCE = os.path.join(ROOT, "fixtures", "tokenizer-multilingual-cased.json")
SWEEP_CONTEXT = "a{c}b {c}"
BLOCK = 256


def train():
    lines = [line.strip() for line in open(CORPUS, encoding="utf-8") if line.strip() and not line.startswith("#")]
    texts = [case["text"] for case in json.load(open(CASES_SOURCE, encoding="utf-8"))["cases"]]
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.Sequence([normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(
        vocab_size=4000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>", max_piece_length=16,
        n_sub_iterations=2, shrinking_factor=0.75)
    tokenizer.train_from_iterator(lines + texts, trainer=trainer)
    document = json.loads(tokenizer.to_str())
    # XLM-R keeps <mask> as the last piece of the model vocab (score 0) and as an added token with lstrip.
    vocab = document["model"]["vocab"]
    mask_id = len(vocab)
    vocab.append(["<mask>", 0.0])
    document["added_tokens"].append({"id": mask_id, "content": "<mask>", "single_word": False, "lstrip": True,
                                     "rstrip": False, "normalized": False, "special": True})
    document["post_processor"] = json.loads(processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]).__getstate__())
    document["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    return Tokenizer.from_str(json.dumps(document, ensure_ascii=False))


def byte_fallback_variant(tokenizer):
    """The first 1000 pieces, then <0x00>..<0xFF> (score of the last kept piece minus 1), byte_fallback true."""
    document = json.loads(tokenizer.to_str())
    vocab = document["model"]["vocab"][:1000]
    low = vocab[-1][1] - 1.0
    vocab += [[f"<0x{byte:02X}>", low] for byte in range(256)]
    vocab.append(["<mask>", 0.0])
    document["model"]["vocab"] = vocab
    document["model"]["byte_fallback"] = True
    for token in document["added_tokens"]:
        if token["content"] == "<mask>":
            token["id"] = len(vocab) - 1
    return Tokenizer.from_str(json.dumps(document, ensure_ascii=False))


def auto_tokenizer(tokenizer, directory, tokenizer_class="PreTrainedTokenizerFast"):
    os.makedirs(directory, exist_ok=True)
    tokenizer.save(os.path.join(directory, "tokenizer.json"))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": tokenizer_class, "model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<s>",
                   "sep_token": "</s>"}, f)
    return AutoTokenizer.from_pretrained(directory)


def extra_texts():
    texts = [
        "", " ", "  ", "   ", "a", " a", "a ", "  a  b   c    d ", "a\tb\nc\r\nd", "a \t b", "\u3000a\u3000b\u00a0c",
        "<mask>", " <mask>", "<mask> ", "  <mask>  ", "a<mask>b", "a <mask> b", "a  <mask>b", "\t<mask>\n",
        "<s>", " <s> ", "a<s>b", "a <s> b</s>", "<s><mask></s>", "<pad><unk>", "<mask><mask> <mask>",
        "The capital of France is <mask>.", "Paris est la <mask> de la France.",
        "<s>Hello world</s>", "x<0x41>y", "▁", "▁▁a▁", "a▁b", " ▁ ", "<unk>", "< mask >", "<MASK>", "<mas",
        "x<extra>y the<extra> there", "ꙮꙮꙮ", "a\u0000b", "a\ufffdb", "e\u0301", "😀😀 👍🏽", "ﬁﬂ", "𝐁𝐨𝐥𝐝",
        "x" * 300, "ab" * 200, ("hello " * 50).strip(),
    ]
    return texts


def case_texts():
    cases = json.load(open(CASES_SOURCE, encoding="utf-8"))["cases"]
    return [case["text"] for case in cases] + extra_texts()


def pairs(texts):
    selected = [t for t in texts if t][:40]
    result = [(selected[i], selected[(i * 7 + 3) % len(selected)]) for i in range(len(selected))]
    result += [("a <mask> b", " <mask>"), ("x", "  y  "), ("<s>", "</s>"), ("one two", "")]
    return result


def encode_case(auto, raw, text, pair, max_length):
    args = (text,) if pair is None else (text, pair)
    if max_length is None:
        ids = auto(*args)["input_ids"]
    else:
        ids = auto(*args, truncation=True, max_length=max_length)["input_ids"]
    # The Rust pipeline must agree with AutoTokenizer (the file's pipeline is run unchanged).
    raw.no_truncation()
    if max_length is not None and pair is not None and pair != "":
        raw.enable_truncation(max_length)
    elif max_length is not None:
        raw.enable_truncation(max_length)
    encoding = raw.encode(text, pair) if pair else raw.encode(text)
    if max_length is not None and max_length < raw.num_special_tokens_to_add(bool(pair)):
        pass  # transformers does not truncate then (see "limit" cases); the raw tokenizer would underflow
    else:
        assert encoding.ids == ids, (text, pair, max_length, encoding.ids, ids)
    return ids, encoding.type_ids if encoding.ids == ids else None


def fnv(ids_per_text):
    value = 0xCBF29CE484222325
    for ids in ids_per_text:
        for item in list(ids) + [0xFFFFFFFF]:
            for byte in struct.pack("<I", item & 0xFFFFFFFF):
                value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def sweep_texts(block):
    return [SWEEP_CONTEXT.format(c=chr(cp)) for cp in range(block * BLOCK, (block + 1) * BLOCK)
            if not 0xD800 <= cp <= 0xDFFF]


def sweep(raw):
    raw.no_truncation()
    hashes = []
    for block in range(0x110000 // BLOCK):
        texts = sweep_texts(block)
        if not texts:
            hashes.append("")
            continue
        encodings = raw.encode_batch(texts, add_special_tokens=False)
        hashes.append(fnv([e.ids for e in encodings]))
    return hashes


def inputs(texts):
    """Every case: {"text", optional "pair", optional "max_length"} (no max_length: no truncation)."""
    cases = [{"text": text} for text in texts]
    cases += [{"text": text, "pair": pair} for text, pair in pairs(texts)]
    long_texts = [t for t in texts if len(t) > 40][:30]
    for index, text in enumerate(long_texts):
        for max_length in (1, 2, 3, 5, 8, 13):
            cases.append({"text": text, "max_length": max_length})
            pair = long_texts[(index * 5 + 1) % len(long_texts)][: 10 + 7 * index]
            cases.append({"text": text, "pair": pair, "max_length": max_length})
    return cases


def record(auto, raw, cases, indices=None, with_types=False):
    """HF's input_ids for each case (or the cases at `indices`); type ids too when `with_types`, else checked all 0."""
    result, types_list = [], []
    for index in range(len(cases)) if indices is None else indices:
        case = cases[index]
        ids, types = encode_case(auto, raw, case["text"], case.get("pair"), case.get("max_length"))
        if with_types:
            assert types is not None, case
            types_list.append(types)
        else:
            assert types is None or set(types) <= {0}, (case, types)
        result.append(ids)
    return (result, types_list) if with_types else result


# Component variants: the trained model under other pipeline components (run on a subset of the cases), so that every
# component TextTokenizer accepts is checked against HF. Each replaces the named top-level keys of tokenizer.json.
MASK = {"content": "<mask>", "single_word": False, "normalized": False, "special": True}
COMPONENT_VARIANTS = [
    ("strip-replace-roberta", {
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Strip", "strip_left": True, "strip_right": True},
            {"type": "Replace", "pattern": {"String": "an"}, "content": "AN"},
            {"type": "Replace", "pattern": {"Regex": "e+"}, "content": "é"},
            {"type": "Replace", "pattern": {"Regex": "\\."}, "content": " . "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": False},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": True,
                           "add_prefix_space": True},
        "added_tokens": "mask-both-strip"}),
    ("first-bert", {
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
        "post_processor": {"type": "BertProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]}}),
    ("bertnormalizer-null", {
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": False},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "BertPreTokenizer"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always",
                                           "split": True}]},
        "post_processor": None}),
    ("whitespace-template", {
        "normalizer": {"type": "Strip", "strip_left": True, "strip_right": False},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "pair-sep", "type_id": 0}}],
             "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "pair-sep", "type_id": 0}},
                      {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "</s>", "type_id": 1}}],
             "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
                                "pair-sep": {"id": "pair-sep", "ids": [2, 1], "tokens": ["</s>", "<pad>"]}}}]},
        "added_tokens": "mask-rstrip-and-word"}),
]


def component_tokenizer(tokenizer, overrides):
    document = json.loads(tokenizer.to_str())
    for key, value in overrides.items():
        if key == "added_tokens":
            mask_id = next(t["id"] for t in document["added_tokens"] if t["content"] == "<mask>")
            tokens = [t for t in document["added_tokens"] if t["content"] != "<mask>"]
            if value == "mask-both-strip":
                tokens.append(dict(MASK, id=mask_id, lstrip=True, rstrip=True))
            else:  # rstrip only, plus a non-special added token matched raw
                tokens.append(dict(MASK, id=mask_id, lstrip=False, rstrip=True))
                # A token the model has (HF gives it the model's id whatever the file says) and one it has not.
                for content in ("the", "<extra>"):
                    tokens.append({"id": 0, "content": content, "single_word": False, "lstrip": False,
                                   "rstrip": False, "normalized": False, "special": False})
            document["added_tokens"] = tokens
        else:
            document[key] = value
    component = Tokenizer.from_str(json.dumps(document, ensure_ascii=False))
    # Written back with the ids HF assigned (TextTokenizer refuses files whose ids differ from those).
    document["added_tokens"] = json.loads(component.to_str())["added_tokens"]
    return component, document


def component_subset(cases):
    """Extra texts, every 8th multilingual text, every pair, every 6th truncation case."""
    indices = []
    for index, case in enumerate(cases):
        if "pair" in case and "max_length" not in case:
            indices.append(index)
        elif "max_length" in case and index % 6 == 0:
            indices.append(index)
        elif "pair" not in case and "max_length" not in case and (index % 8 == 0 or index >= 431):
            indices.append(index)
    return indices


def main():
    if "--show-block" in sys.argv:
        block = int(sys.argv[sys.argv.index("--show-block") + 1], 0)
        variant = sys.argv[sys.argv.index("--variant") + 1] if "--variant" in sys.argv else "unigram"
        name = "unigram-bytefallback-tokenizer.json" if variant == "bytefallback" else "unigram-tokenizer.json"
        document = json.load(open(os.path.join(FIXTURES, name), encoding="utf-8"))
        recorded = json.load(open(os.path.join(FIXTURES, "unigram-cases.json"), encoding="utf-8"))
        for entry in recorded["variants"]:
            if entry["name"] == variant:
                document.update(entry.get("overrides", {}))
        raw = Tokenizer.from_str(json.dumps(document))
        for text in sweep_texts(block):
            print(f"U+{ord(text[1]):04X}", " ".join(map(str, raw.encode(text, add_special_tokens=False).ids)))
        return
    tokenizer = train()
    fallback = byte_fallback_variant(tokenizer)
    work = "/tmp/wasmicro-unigram-cases"
    auto = auto_tokenizer(tokenizer, os.path.join(work, "unigram"))
    auto_fallback = auto_tokenizer(fallback, os.path.join(work, "bytefallback"))
    # The pipeline transformers 5's XLMRobertaTokenizer class builds around the same model (see the docstring).
    auto_class = auto_tokenizer(tokenizer, os.path.join(work, "xlmr-class"), "XLMRobertaTokenizer")
    class_document = json.loads(auto_class._tokenizer.to_str())
    class_raw = Tokenizer.from_str(auto_class._tokenizer.to_str())

    tokenizer.save(os.path.join(FIXTURES, "unigram-tokenizer.json"), pretty=False)
    fallback.save(os.path.join(FIXTURES, "unigram-bytefallback-tokenizer.json"), pretty=False)
    raw = Tokenizer.from_file(os.path.join(FIXTURES, "unigram-tokenizer.json"))
    raw_fallback = Tokenizer.from_file(os.path.join(FIXTURES, "unigram-bytefallback-tokenizer.json"))
    cases = inputs(case_texts())
    scores = [score for _, score in json.load(open(os.path.join(FIXTURES, "unigram-tokenizer.json")))["model"]["vocab"]]
    output = {
        "generator": {"script": "reference/make_unigram_cases.py", "tokenizers": tokenizers.__version__,
                      "transformers": transformers.__version__},
        "sweep": {"context": SWEEP_CONTEXT, "block": BLOCK,
                  "hash": "FNV-1a 64 over each text's ids then 0xFFFFFFFF, as 4 little-endian bytes each"},
        "score_bits": [struct.unpack("<q", struct.pack("<d", s))[0] for s in scores],  # signed: JSON-safe
        "cases": cases,
        "variants": [],
    }
    for name, auto_tok, raw_tok, overrides in [
        ("unigram", auto, raw, None),
        ("bytefallback", auto_fallback, raw_fallback, None),
        ("xlmr-class", auto_class, class_raw,
         {"normalizer": class_document["normalizer"], "pre_tokenizer": class_document["pre_tokenizer"]}),
    ]:
        variant = {"name": name, "ids": record(auto_tok, raw_tok, cases)}
        if overrides is not None:
            variant["overrides"] = overrides
        variant["sweep"] = sweep(raw_tok)
        output["variants"].append(variant)
        print(name, len(variant["ids"]), "cases", file=sys.stderr)
    subset = component_subset(cases)
    for name, overrides in COMPONENT_VARIANTS:
        component, document = component_tokenizer(tokenizer, overrides)
        auto_component = auto_tokenizer(component, os.path.join(work, name))
        ids, types = record(auto_component, component, cases, subset, with_types=True)
        output["variants"].append({
            "name": name, "subset": subset, "ids": ids, "type_ids": types,
            "overrides": {key: document[key] for key in overrides}})
        print(name, len(ids), "cases", file=sys.stderr)
    with open(os.path.join(FIXTURES, "unigram-cases.json"), "w", encoding="utf-8") as f:
        json.dump(output, f, ensure_ascii=False, separators=(",", ":"))
    print("vocab", raw.get_vocab_size(), "fallback vocab", raw_fallback.get_vocab_size(), file=sys.stderr)


if __name__ == "__main__":
    main()
