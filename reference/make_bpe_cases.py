#!/usr/bin/env python3
"""Generate Tests/WasmicroTests/Fixtures/bpe-cases.json: HF's byte-level BPE (ByteLevel pre-tokenizer + BPE model).

Scope: only those two components. A small byte-level BPE (vocab ~2000) is trained with tokenizers' BpeTrainer on
reference/corpus/multilingual.txt; texts are encoded by a tokenizer.json with that model, the ByteLevel pre-tokenizer,
no normalizer, no post-processor and no added tokens, so `encode(text, add_special_tokens=False).ids` is exactly
pre-tokenizer + model. Also: tiny hand-written models that exercise BPE options and quirks, with HF's ids or HF's
error, and a sweep over every scalar value. Non-goals: added tokens, post-processors, decoders, offsets.

Usage:
    /work/main/.venv-reference/bin/python reference/make_bpe_cases.py          # writes the fixture (~1.5 min)
    /work/main/.venv-reference/bin/python reference/make_bpe_cases.py --dump-block N
        # prints "cp ids..." for every scalar of sweep block N (code points N*4096 ..< (N+1)*4096), HF's side of a
        # block the Swift test reports as different; BytePairTests prints its own ids for that block the same way
        # when WASMICRO_BPE_DUMP_BLOCK=N is set, so `diff` shows the code points that differ.

Sweep storage: for each block of 4096 code points, in the text "a{c}b {c}" for every scalar c (surrogates skipped),
FNV-1a 64 over the ids (each as 4 little-endian bytes, then FF FF FF FF after each text) and over the pre-tokens
(each piece's UTF-8, then FF; then FE after each text).
"""
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "reference", "corpus", "multilingual.txt")
CASES = os.path.join(ROOT, "reference", "cases", "tokenizer.json")
FIXTURE = os.path.join(ROOT, "Tests", "WasmicroTests", "Fixtures", "bpe-cases.json")
VOCAB_SIZE = 2000
SWEEP_CONTEXT = "a{c}b {c}"
SWEEP_BLOCK = 4096
MAX_SCALAR = 0x10FFFF

# Texts beyond reference/cases/tokenizer.json: what the GPT-2 regex and the byte-level alphabet make special.
EXTRA_TEXTS = [
    "", " ", "  ", "a", " a", "  a", "a ", "a  ", "a   b", "a \tb", "a\t b", "\t\tx", "x\n\n y", "x  \n\n y  ",
    "I'm here, you're there, we've been, he'll go, she'd say, it's, don't",
    "'LL 'S 'RE 'Ve 'm 'd 't", "''s", " 's", "x's", "'", "' ", "'s'", "'ll'll", "rock'n'roll", "ʼs",
    "1,000.50 and 12345678901234567890 and ½ ² Ⅻ ٣٤٥ ४२",
    "ab12cd 12ab ab 12 !!ab !! 12!!",
    "a\u00a0b a\u00a0\u00a0b \u00a0x x\u00a0", "a\u3000b", "a\u2028b\u2029c", "a\u0085b", "a\u200bb\u200cc\u200dd",
    "a\u1680b\u180ec", "a\x1cb\x1dc\x1e\x1f", "a\x0bb\x0cc\rd", "\x00\x01\x7f", "\u00ad soft\u00adhyphen",
    "e\u0301 a\u0301b \u0301 \u0301\u0302 n\u0303o", "क्षत्रिय", "مرحبا بالعالم", "שלום עולם", "สวัสดีครับ",
    "日本語のテキスト、漢字とかな。", "中文文本，标点符号。", "한국어 텍스트입니다", "𠀀𠀁 𪚥",
    "😀😀 x 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️", "🫠🪿", "Ġ Ċ ĉ", "\ufeffBOM", "\ufffd\uffff", "\U000e0001\U000e0041",
    "tabs\tand\nnewlines\r\nmixed", "    indented code:\n        return x  # comment\n",
    "email: someone@example.org, https://example.com/path?q=1&r=2#frag",
    "The quick brown fox jumps over the lazy dog. " * 3,
]

# Tiny models (no pre-tokenizer: the whole text is one word): options and quirks, with HF's ids or HF's error.
# A model is raw JSON text so that duplicate keys can be written. "wasmicro" names what we refuse although HF loads it.
V = '"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5'
MODEL_CASES = [
    ("strings", '{"type":"BPE","vocab":{%s},"merges":["a b","ab c"]}' % V, ["abc", "cab", "bca", "x", "", "aabbcc"], None),
    ("pairs", '{"type":"BPE","vocab":{%s},"merges":[["a","b"],["ab","c"]]}' % V, ["abc", "cab"], None),
    ("no type", '{"vocab":{%s},"merges":["b c"]}' % V, ["abc"], None),
    ("rank order", '{"type":"BPE","vocab":{%s},"merges":["b c","a b","a bc"]}' % V, ["abc", "ab", "abcabc"], None),
    ("duplicate merge, last rank wins", '{"type":"BPE","vocab":{%s},"merges":["b c","a b","a bc","b c"]}' % V,
     ["abc", "bc"], None),
    ("duplicate merge 2", '{"type":"BPE","vocab":{%s},"merges":["a b","b c","a b"]}' % V, ["abc"], None),
    ("unknown dropped, neighbours merge", '{"type":"BPE","vocab":{%s},"merges":["a b","ab c"]}' % V,
     ["axbc", "xxx", "axxbxc"], None),
    ("unk", '{"type":"BPE","vocab":{%s,"<unk>":6},"merges":[],"unk_token":"<unk>"}' % V, ["axxb", "x"], None),
    ("unk fused", '{"type":"BPE","vocab":{%s,"<unk>":6},"merges":[],"unk_token":"<unk>","fuse_unk":true}' % V,
     ["axxb", "x", "xaxx"], None),
    ("unk merges", '{"type":"BPE","vocab":{"a":0,"<unk>":1,"a<unk>":2},"merges":["a <unk>"],"unk_token":"<unk>"}',
     ["ax", "axx", "xa"], None),
    ("byte fallback", '{"type":"BPE","vocab":{"<0x78>":0,"a":1,"<unk>":2},"merges":[],"byte_fallback":true,'
     '"unk_token":"<unk>"}', ["axyb"], None),
    ("byte fallback before pending unk", '{"type":"BPE","vocab":{"a":0,"<unk>":1,"<0x79>":2},"merges":[],'
     '"byte_fallback":true,"unk_token":"<unk>","fuse_unk":true}', ["axxyxa", "yxy"], None),
    ("byte fallback multibyte", '{"type":"BPE","vocab":{"a":0,"<0xC3>":2,"<0xA9>":3},"merges":[],"byte_fallback":true}',
     ["aéa", "é"], None),
    ("byte fallback lower-case names unused", '{"type":"BPE","vocab":{"a":0,"<0xc3>":2,"<0xa9>":3},"merges":[],'
     '"byte_fallback":true}', ["aéa"], None),
    ("continuing_subword_prefix", '{"type":"BPE","vocab":{"a":0,"##b":1,"ab":2,"b":3,"##a":4},"merges":["a ##b"],'
     '"continuing_subword_prefix":"##"}', ["ab", "ba", "bab"], None),
    ("prefix cut whatever it is", '{"type":"BPE","vocab":{"a":0,"xyb":1,"ab":2,"b":3,"##b":4},"merges":["a xyb"],'
     '"continuing_subword_prefix":"##"}', ["ab"], None),
    ("end_of_word_suffix", '{"type":"BPE","vocab":{"a":0,"b</w>":1,"ab</w>":2,"b":3},"merges":["a b</w>"],'
     '"end_of_word_suffix":"</w>"}', ["ab", "ba"], None),
    ("empty prefix and suffix", '{"type":"BPE","vocab":{%s},"merges":["a b"],"continuing_subword_prefix":"",'
     '"end_of_word_suffix":""}' % V, ["ab"], None),
    ("ignore_merges", '{"type":"BPE","vocab":{"a":0,"b":1,"c":2,"abc":3,"ab":4},"merges":["a b"],'
     '"ignore_merges":true}', ["abc", "ab", "abcabc"], None),
    ("nulls are defaults", '{"type":"BPE","vocab":{%s},"merges":["a b"],"dropout":null,"unk_token":null,'
     '"continuing_subword_prefix":null,"end_of_word_suffix":null,"fuse_unk":null,"byte_fallback":null,'
     '"ignore_merges":null}' % V, ["abc"], None),
    ("dropout 0", '{"type":"BPE","vocab":{%s},"merges":["a b"],"dropout":0}' % V, ["abc"], None),
    ("dropout 0.0", '{"type":"BPE","vocab":{%s},"merges":["a b"],"dropout":0.0}' % V, ["abc"], None),
    ("id gaps", '{"type":"BPE","vocab":{"a":0,"b":7,"ab":100},"merges":["a b"]}', ["ab", "ba", "abx"], None),
    ("empty token", '{"type":"BPE","vocab":{"":0,"a":1,"b":2,"ab":3},"merges":[" a","a b"]}', ["ab"], None),
    ("empty vocab", '{"type":"BPE","vocab":{},"merges":[]}', ["abc"], None),
    ("unknown key ignored", '{"type":"BPE","vocab":{%s},"merges":[],"foo":3}' % V, ["abc"], None),
    ("last duplicate field wins", '{"type":"BPE","vocab":{"a":0},"vocab":{"b":0},"merges":[]}', ["ab"], None),
    # Refused by HF.
    ("merge token not in vocab", '{"type":"BPE","vocab":{%s},"merges":["a d"]}' % V, [], None),
    ("merge result not in vocab", '{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]}', [], None),
    ("merge of three parts", '{"type":"BPE","vocab":{%s},"merges":["a b c"]}' % V, [], None),
    ("merge with two spaces", '{"type":"BPE","vocab":{%s},"merges":["a  b"]}' % V, [], None),
    ("merge of one part", '{"type":"BPE","vocab":{%s},"merges":["ab"]}' % V, [], None),
    ("empty merge", '{"type":"BPE","vocab":{%s},"merges":[""]}' % V, [], None),
    ("merge triple", '{"type":"BPE","vocab":{%s},"merges":[["a","b","c"]]}' % V, [], None),
    ("mixed merge forms", '{"type":"BPE","vocab":{%s},"merges":["a b",["b","c"]]}' % V, [], None),
    ("merges null", '{"type":"BPE","vocab":{%s},"merges":null}' % V, [], None),
    ("merges missing", '{"type":"BPE","vocab":{%s}}' % V, [], None),
    ("vocab missing", '{"type":"BPE","merges":[]}', [], None),
    ("vocab array", '{"type":"BPE","vocab":[["a",0]],"merges":[]}', [], None),
    ("negative id", '{"type":"BPE","vocab":{"a":-1},"merges":[]}', [], None),
    ("float id", '{"type":"BPE","vocab":{"a":1.0},"merges":[]}', [], None),
    ("string id", '{"type":"BPE","vocab":{"a":"0"},"merges":[]}', [], None),
    ("id above u32", '{"type":"BPE","vocab":{"a":4294967296},"merges":[]}', [], None),
    ("dropout 2", '{"type":"BPE","vocab":{%s},"merges":[],"dropout":2.0}' % V, [], None),
    ("dropout string", '{"type":"BPE","vocab":{%s},"merges":[],"dropout":"0"}' % V, [], None),
    ("unk_token number", '{"type":"BPE","vocab":{%s},"merges":[],"unk_token":5}' % V, [], None),
    ("fuse_unk string", '{"type":"BPE","vocab":{%s},"merges":[],"fuse_unk":"yes"}' % V, [], None),
    ("right token shorter than prefix", '{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"],'
     '"continuing_subword_prefix":"##"}', [], None),
    # Loaded by HF, refused by us (the reason is the fourth field).
    ("dropout 0.5", '{"type":"BPE","vocab":{%s},"merges":[],"dropout":0.5}' % V, ["abc"],
     "dropout > 0 is random"),
    ("dropout 1", '{"type":"BPE","vocab":{%s},"merges":["a b"],"dropout":1.0}' % V, ["abc"],
     "dropout > 0 is refused as a whole"),
    ("duplicate token", '{"type":"BPE","vocab":{"a":0,"b":1,"a":2,"ab":3},"merges":["a b"]}', ["ab", "a"],
     "HF silently drops the earlier id"),
    ("duplicate id", '{"type":"BPE","vocab":{"a":0,"b":0,"ab":1},"merges":["a b"]}', ["ab", "ba"],
     "id -> token is ambiguous in HF, and merges fire on either token"),
    ("unk_token not in vocab", '{"type":"BPE","vocab":{%s},"merges":[],"unk_token":"<unk>"}' % V, ["ab"],
     "HF fails only when an unknown character is met"),
    ("id above i32", '{"type":"BPE","vocab":{"a":4294967295},"merges":[]}', ["a"], "ids are Int32 in wasmicro"),
]


def texts_from_cases():
    texts = []
    for entry in json.load(open(CASES, encoding="utf-8"))["tokenizer"]:
        for key in ("text", "text_pair"):
            if key in entry and "repeat" not in entry:
                texts.append(entry[key])
        texts.extend(entry.get("texts", []))
        for pair in entry.get("pairs", []):
            texts.extend(pair)
    return texts


def train():
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    lines = [line.rstrip("\n") for line in open(CORPUS, encoding="utf-8") if line.strip() and not line.startswith("#")]
    tokenizer.train_from_iterator(lines, trainer)
    return json.loads(tokenizer.to_str())["model"]


def pipeline(model, add_prefix_space, use_regex):
    """A tokenizer.json with only the ByteLevel pre-tokenizer and the model."""
    document = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": True,
                          "use_regex": use_regex},
        "post_processor": None, "decoder": None, "model": model,
    }
    return Tokenizer.from_str(json.dumps(document))


def bare(model_json):
    """A tokenizer.json with the model only (the whole text is one word)."""
    return Tokenizer.from_str(
        '{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,'
        '"pre_tokenizer":null,"post_processor":null,"decoder":null,"model":%s}' % model_json)


FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv(hash_, data):
    for byte in data:
        hash_ = ((hash_ ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return hash_


def sweep_texts(block):
    first = block * SWEEP_BLOCK
    return [(cp, SWEEP_CONTEXT.replace("{c}", chr(cp))) for cp in range(first, min(first + SWEEP_BLOCK, MAX_SCALAR + 1))
            if not 0xD800 <= cp <= 0xDFFF]


def sweep(tokenizer):
    split = tokenizer.pre_tokenizer.pre_tokenize_str
    blocks = []
    for block in range((MAX_SCALAR + 1) // SWEEP_BLOCK):
        entries = sweep_texts(block)
        if not entries:
            blocks.append(["", ""])
            continue
        encodings = tokenizer.encode_batch([text for _, text in entries], add_special_tokens=False)
        ids_hash = pieces_hash = FNV_OFFSET
        for (_, text), encoding in zip(entries, encodings):
            for token_id in encoding.ids:
                ids_hash = fnv(ids_hash, token_id.to_bytes(4, "little"))
            ids_hash = fnv(ids_hash, b"\xff\xff\xff\xff")
            for piece, _ in split(text):
                pieces_hash = fnv(pieces_hash, piece.encode("utf-8") + b"\xff")
            pieces_hash = fnv(pieces_hash, b"\xfe")
        blocks.append([f"{ids_hash:016x}", f"{pieces_hash:016x}"])
    return blocks


def model_cases():
    out = []
    for name, model_json, texts, refused in MODEL_CASES:
        case = {"name": name, "model": model_json}
        try:
            tokenizer = bare(model_json)
            case["hf_ids"] = [tokenizer.encode(text, add_special_tokens=False).ids for text in texts]
            case["texts"] = texts
        except BaseException as error:  # pyo3 panics are BaseException
            case["hf_error"] = str(error).splitlines()[0][:200]
        if refused:
            case["wasmicro_refuses"] = refused
        out.append(case)
    return out


def main():
    model = train()
    plain = pipeline(model, False, True)
    if "--dump-block" in sys.argv:
        block = int(sys.argv[sys.argv.index("--dump-block") + 1])
        for cp, text in sweep_texts(block):
            print(cp, *plain.encode(text, add_special_tokens=False).ids)
        return
    prefixed = pipeline(model, True, True)
    whole = pipeline(model, False, False)
    split = plain.pre_tokenizer.pre_tokenize_str
    texts = texts_from_cases() + EXTRA_TEXTS
    cases = []
    for text in texts:
        cases.append({
            "text": text,
            "pieces": [piece for piece, _ in split(text)],
            "ids": plain.encode(text, add_special_tokens=False).ids,
            "ids_prefix_space": prefixed.encode(text, add_special_tokens=False).ids,
            "ids_no_regex": whole.encode(text, add_special_tokens=False).ids,
        })
    fixture = {
        "generator": "reference/make_bpe_cases.py",
        "tokenizers_version": tokenizers.__version__,
        "model": model,
        "cases": cases,
        "model_cases": model_cases(),
        "sweep": {"context": SWEEP_CONTEXT, "block": SWEEP_BLOCK, "hash": "fnv1a64", "blocks": sweep(plain)},
    }
    with open(FIXTURE, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {FIXTURE}: {os.path.getsize(FIXTURE)} bytes, vocab {len(model['vocab'])}, merges "
          f"{len(model['merges'])}, {len(cases)} texts, {len(fixture['model_cases'])} model cases")


if __name__ == "__main__":
    main()
