#!/usr/bin/env python3
"""sentencepiece's nmt_nfkc precompiled charsmap (XLM-RoBERTa's normalization rule), and the Precompiled fixture.

`nmt_nfkc_charsmap()` trains a tiny sentencepiece model on reference/corpus/multilingual.txt with
`normalization_rule_name="nmt_nfkc"` and returns `normalizer_spec.precompiled_charsmap` from the model proto. The
charsmap is sentencepiece's compiled-in rule, so it does not depend on the corpus (only on the sentencepiece version):
the result is deterministic. Other generators import it:

    sys.path.insert(0, "reference"); from charsmap import nmt_nfkc_charsmap

Run with the reference venv (sentencepiece, protobuf, tokenizers 0.23.3):

    /work/main/.venv-reference/bin/python reference/charsmap.py --fixture
        # writes Tests/WasmicroTests/Fixtures/precompiled-cases.json: the charsmap (base64) and HF tokenizers'
        # `Precompiled(charsmap).normalize_str` of (a) hand-picked and random strings, (b) every scalar value except
        # surrogates in the contexts below, stored as the scalars whose output is not the input itself.
"""
import base64
import hashlib
import io
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "reference", "corpus", "multilingual.txt")
FIXTURE = os.path.join(ROOT, "Tests", "WasmicroTests", "Fixtures", "precompiled-cases.json")

# Sweep contexts: "{c}" stands for the scalar.
SWEEP_CONTEXTS = ["a{c}b", "{c}\u0301", " {c}", "{c}{c}"]


def nmt_nfkc_charsmap() -> bytes:
    """The precompiled charsmap of sentencepiece's nmt_nfkc normalization rule (deterministic)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with open(CORPUS, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="unigram", vocab_size=1000,
        hard_vocab_limit=False, normalization_rule_name="nmt_nfkc", minloglevel=2, num_threads=1)
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


# One or a few scalars of each grapheme-break class (Unicode 17.0) and of the charsmap's interesting mappings: the
# random strings below are drawn from these, so short clusters of every kind meet mapped first scalars.
SAMPLES = {
    "ascii": "aZ09 .-",
    "control": "\x00\x01\x1f\x7f\x85\u200b\u2028",
    "crlf": "\r\n",
    "extend": "\u0301\u0308\u0327\u093c\u094d\u09bc\u0e31\u302a\ufe0f\U0001f3fb\U000e0020\u200c\u0897\u1acf",
    "zwj": "\u200d",
    "regional": "\U0001f1e6\U0001f1fa\U0001f1f8",
    "prepend": "\u0600\u0605\u06dd\u110bd\u0d4e",
    "spacing_mark": "\u0903\u093e\u0e33\u0eb3\u1b04",
    "hangul": "\u1100\u1112\u1161\u1175\u11a8\u11c2\uac00\uac01\ud7a3\ua960\ud7b0",
    "pictographic": "\u00a9\u00ae\u203c\u2122\u2639\u263a\U0001f468\U0001f469\U0001f466\U0001f600\U0001f44d\U0001f3f3\u26a7",
    "incb_consonant": "\u0915\u0937\u0958\u0959\u09a1\u09dc\u0a38\u0a59\u0b21\u0b5c\u0d15",
    "incb_linker": "\u094d\u09cd\u0acd\u0b4d\u0d4d",
    "mapped": "\u00a0\ufb01\uff21\uff76\uff9e\u2460\u337f\u00bd\u2002\u3000\u0f73\u1e9b\u212b\u2126\u3131\u30ac\u00b4"
              "\u00b8\u0374\u037e\u1fee\u2024\u2474\u2488\u24b6\u3250\u32ff\u33ff\ufe10\ufe50\ufdfa\uff0c\u1d400"
              "\u2000\u2009\u200a\u202f\u205f\u00ad\ufeff\t",
}

HAND_STRINGS = [
    "", "a", "Hello, world!", "ﬁ", "ﬁ\u0301", "ﬁ\u0301x", "ﬃ", "Ａ\u0301", "ＡＢＣ１２３", "①②③", "⑴⒈", "㍿", "㌔", "½ ¼ ¾",
    "a\u00a0b", "a\tb", "a\r\nb", "a\rb", "a\nb", "a\r\n\r\nb", "e\u0301", "é", "\u1100\u1161\u11a8", "각", "한국어",
    "ｶﾞ", "ｶ\uff9e", "ガ", "カ\u3099", "Ω", "Å", "ẛ̣", "ﾊﾟ", "™", "…", "‥", "ℌ", "ℵ", "㎏", "㏂", "ǅ", "ǉ", "Ǆ",
    "नमस्ते", "क्ष", "क्\u200dष", "क्क़\u0301", "क़\u0301", "ड़", "ক্ষ", "ড়", "ਖ਼", "ଡ଼", "ക്ഷ", "ภาษาไทย", "กำ", "ສຳ",
    "👨\u200d👩\u200d👧\u200d👦", "👍🏽", "👍\U0001f3fd\u200d", "❤\ufe0f", "🏳\ufe0f\u200d🌈", "🇺🇸🇫🇷🇩", "🇺🇸\u0301",
    "©\ufe0f", "™\ufe0f", "‼\ufe0f", "a\u200db", "\u200d\u200d", "\u0301", "\u0301\u0301\u0301",
    "\u0600a", "\u0600\u00a0", "\u0600ﬁ", "x\u0903", "\u00a0\u0301", "\u00a0\u0897", "\u00a0\u05c8", "\u3000\u0301",
    "Straße", "İstanbul", "ΟΔΟΣ", "Москва", "Ελληνικά", "עברית", "العربية", "ﷺ", "ﷻ", "ﻼ", "ﻻ\u0301", "中文字符",
    "日本語のテキスト", "ﾃｷｽﾄ", "\u2028\u2029", "\ufeffbom", "soft\u00adhyphen", "zero\u200bwidth", "\x00", "a\x00b",
    "\U0001d400\U0001d401", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0002f800", "\uf900", "\ufa6c", "\U000e0001\U000e0020", "\ue000", "\U000f0000",
    "\ufffd", "\uffff", "\U0010ffff", "  spaced  out  ", "\t\t", "a\u3000b", "x\u2003y", "₁₂₃", "¹²³", "ℕ", "ⅷ", "Ⅻ",
]


def random_strings(count, seed=12):
    """Short strings (1-8 scalars) over SAMPLES: every kind of short cluster, with and without mapped scalars."""
    rng = random.Random(seed)
    groups = list(SAMPLES.values())
    out = []
    for _ in range(count):
        length = rng.randint(1, 8)
        out.append("".join(rng.choice(rng.choice(groups)) for _ in range(length)))
    return out


def long_strings():
    """Long clusters and runs (the linear-time paths), kept small enough for the fixture."""
    return [
        "ﬁ" + "\u0301" * 300, "\u00a0" + "\u0301\u093c" * 100 + "x", "🇺🇸" * 40 + "🇫", "🇺" * 81,
        ("👨\u200d" * 60) + "👩", "क्" * 50 + "क", "\u0600" * 30 + "ﬁ", "\u1100" * 40 + "\u1161" * 40 + "\u11a8" * 40,
        "\r\n" * 30, "Ａ\u0301" * 50, "ｶﾞ" * 50,
    ]


def scalars():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def write_fixture():
    import tokenizers
    from tokenizers.normalizers import Precompiled

    blob = nmt_nfkc_charsmap()
    normalizer = Precompiled(blob)
    texts = HAND_STRINGS + long_strings() + random_strings(2000)
    cases = [[text, normalizer.normalize_str(text)] for text in texts]
    sweeps = []
    for context in SWEEP_CONTEXTS:
        changed = []
        previous = 0
        for cp in scalars():
            text = context.replace("{c}", chr(cp))
            output = normalizer.normalize_str(text)
            if output != text:
                changed.append([cp - previous, output])
                previous = cp
        sweeps.append({"context": context, "changed": changed})
    fixture = {
        "schema_version": 1,
        "generator": "reference/charsmap.py --fixture",
        "tokenizers_version": tokenizers.__version__,
        "charsmap": {
            "rule": "nmt_nfkc",
            "sentencepiece_version": __import__("sentencepiece").__version__,
            "bytes": len(blob),
            "sha256": hashlib.sha256(blob).hexdigest(),
            "base64": base64.b64encode(blob).decode("ascii"),
        },
        "cases_doc": "[text, HF Precompiled(charsmap).normalize_str(text)]",
        "cases": cases,
        "sweep_doc": ("for each context, every scalar value c except surrogates is substituted for {c}; 'changed' lists "
                      "[c - previous listed c, HF output] for each c whose output differs from the input text; every "
                      "other c maps to the input unchanged"),
        "sweep": sweeps,
    }
    with open(FIXTURE, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    counts = ", ".join(f"{sweep['context']!r}: {len(sweep['changed'])} changed" for sweep in sweeps)
    print(f"wrote {FIXTURE}: {os.path.getsize(FIXTURE)} bytes, {len(cases)} cases; sweep {counts}")


def main():
    if "--fixture" in sys.argv:
        write_fixture()
    else:
        blob = nmt_nfkc_charsmap()
        print(f"nmt_nfkc charsmap: {len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()}")


if __name__ == "__main__":
    main()
