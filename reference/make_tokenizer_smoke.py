#!/usr/bin/env python3
"""Generate tokenizer parity fixtures from HF's tokenizer for all-MiniLM-L6-v2.

Scope: what `AutoTokenizer.from_pretrained(model_dir)` (transformers 5.x, i.e. BertTokenizerFast / the Rust pipeline)
returns for a fixed list of texts, pairs and truncations, plus a code-point sweep. Non-goals: padding, offsets.

Usage (light venv, no torch):
    python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install transformers tokenizers
    /work/venv-tok/bin/python reference/make_tokenizer_smoke.py
        -> Tests/WasmicroTests/Fixtures/tokenizer-smoke.json     (committed)
        -> Tests/WasmicroTests/Fixtures/sweep-subset.json        (committed: a compact subset of the sweep)
    /work/venv-tok/bin/python reference/make_tokenizer_smoke.py --sweep /tmp/tokenizer-sweep.txt
        -> every Unicode scalar c in the text "a{c}b {c}": one line "cp id id ..." (pieces, no [CLS]/[SEP]); not
           committed (~17 MB). The Swift test `fullSweep` reads it when WASMICRO_TOKENIZER_SWEEP names it.
    /work/venv-tok/bin/python reference/make_tokenizer_smoke.py --fuzz /tmp/tokenizer-fuzz.jsonl
        -> 20,000 random mixed-script texts with HF ids (JSON lines); test `fuzz` reads WASMICRO_TOKENIZER_FUZZ.
"""
import hashlib
import json
import os
import random
import sys

import tokenizers
import transformers
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.environ.get("WASMICRO_MODEL_DIR", os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
FIXTURES = os.path.join(ROOT, "Tests", "WasmicroTests", "Fixtures")
SWEEP_CONTEXT = "a{c}b {c}"

# (language tag, text). Kept readable; escapes name the scalars that matter.
CASES = [
    # English and ASCII
    ("en", "Hello, world!"),
    ("en", "The quick brown fox jumps over the lazy dog."),
    ("en", "unaffable tokenization of UNBELIEVABLE words"),
    ("en", "I can't believe it's not butter; isn't it?"),
    ("en", "Mr. O'Neil paid $1,234.56 (approx.) on 2024-01-15 at 3:45pm."),
    ("en", "CamelCaseIdentifiers and snake_case_names and kebab-case-names"),
    ("en", "e-mail: someone@example.com #hashtag @mention"),
    ("en", "a^b `c` ~d~ |e| {f} [g] <h> \\i\\ _j_"),
    ("en", "Sentence embeddings are useful for semantic search and clustering."),
    ("en", "1234567890 3.14159 1e-10 0x1F 100%"),
    # Russian, Greek, Spanish, Vietnamese, other Latin/Cyrillic
    ("ru", "Привет, мир! Как дела?"),
    ("ru", "Съешь же ещё этих мягких французских булок, да выпей чаю."),
    ("ru", "ЁЛКА и ёлка, Йод и йод"),
    ("el", "Γειά σου Κόσμε"),
    ("el", "ΟΔΟΣ οδός Ἀθῆναι"),
    ("el", "Ωμέγα ΣΊΣΥΦΟΣ ς"),
    ("es", "¿Dónde está la biblioteca? ¡Allí!"),
    ("es", "El niño comió piña y jalapeños en Año Nuevo."),
    ("vi", "Tiếng Việt có nhiều dấu thanh: ả, ạ, ấ, ầ, ẩ, ẫ, ậ."),
    ("vi", "Chào buổi sáng, bạn khỏe không?"),
    ("de", "Straße, Größe, Übermaß, ẞ"),
    ("fr", "Ça coûte 5 € — très cher! L’œuvre d’art «naïve»."),
    ("tr", "İstanbul ıslak IĞDIR"),
    ("pl", "Zażółć gęślą jaźń"),
    # CJK
    ("zh", "我爱自然语言处理。"),
    ("zh", "北京是中国的首都，人口超过两千万。"),
    ("zh", "混合English和中文text"),
    ("zh", "繁體中文與簡體中文"),
    ("zh", "\U00020000\U0002a6d6\U0002b820\U0002b920\U0002ceaf\U00030000"),
    ("zh", "\uf900\ufa6c\U0002f800 compatibility ideographs"),
    ("ja", "こんにちは世界"),
    ("ja", "がぎぐげご ぱぴぷぺぽ ガギグゲゴ"),
    ("ja", "か\u3099 は\u309a bare\u3099mark"),
    ("ja", "東京タワーは日本の観光名所です。"),
    ("ja", "ｶﾀｶﾅ ﾊﾟﾝ halfwidth"),
    ("ko", "안녕하세요 세계"),
    ("ko", "한국어 자연어 처리"),
    ("ko", "\u1112\u1161\u11ab conjoining jamo"),
    # RTL and Indic, Thai
    ("ar", "مرحبا بالعالم"),
    ("ar", "اَلْعَرَبِيَّةُ لُغَةٌ جَمِيلَةٌ"),
    ("ar", "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645\u061f \u061b \u066a"),
    ("he", "שלום עולם"),
    ("he", "בְּרֵאשִׁית בָּרָא אֱלֹהִים"),
    ("hi", "नमस्ते दुनिया"),
    ("hi", "हिन्दी भाषा में क़ ख़ ग़ ज़ ड़ ढ़ फ़"),
    ("bn", "আমি বাংলায় গান গাই। ো ৌ"),
    ("ta", "தமிழ் மொழி ொ ோ ௌ"),
    ("th", "สวัสดีครับ ภาษาไทย"),
    ("th", "ผู้ใหญ่หาผ้าใหม่ให้สะใภ้ใช้คล้องคอ"),
    # Emoji and symbols
    ("emoji", "I love 🍕 and 🎉!"),
    ("emoji", "Family: 👨\u200d👩\u200d👧\u200d👦 and 🏳️\u200d🌈"),
    ("emoji", "Skin tones 👍🏽 👋🏿 and flags 🇺🇸🇯🇵"),
    ("emoji", "a🫠b new emoji"),
    ("emoji", "keycap 1️⃣ #️⃣ ©️ ®️ ™"),
    ("symbols", "a€b 5£ ¥100 ©2024 ° ± × ÷ → ⇒ ∀x∈ℝ"),
    ("symbols", "𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 Ⅻ ǅ ①②③ ㍿"),
    # Whitespace and invisible characters
    ("edge", ""),
    ("edge", " "),
    ("edge", " \t\n\r\u00a0\u3000 "),
    ("edge", "a\u0000b"),
    ("edge", "a\ufffdb \ufffd"),
    ("edge", "a\u0085b a\u00adb a\u200bb a\ue000b a\U000e0001b"),
    ("edge", "x\u0378y a\ufdd0b a\U0010fffeb"),
    ("edge", "a\u2028b a\u2029b a\u1680b a\u202fb a\u205fb a\u2000b a\u200ab"),
    ("edge", "a\u200cb a\u200db a\u2060b a\ufeffb"),
    ("edge", "\u200e\u200fRTL marks\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    ("edge", "\u0001\u0002\u0007\u001b[31mred\u001b[0m\u007f\u0080\u009f"),
    ("edge", "tab\tseparated\tvalues\nnew line\r\nwindows"),
    ("edge", "combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 c\u0327 \u0301alone"),
    ("edge", "stacked: a\u0301\u0302\u0303\u0304\u0305\u0306\u0307 Z\u0351\u036b\u0343\u036a\u0302"),
    ("edge", "order: a\U0001d16d\U0001d165 \U0001d15e\U0001d16d x\u302e\u0301\u302f"),
    ("edge", "fullwidth: ＡＢＣ ａｂｃ １２３ ！？"),
    ("edge", "ligatures: ﬁ ﬂ ﬀ ﬃ Ǆ ǆ ß ﬅ"),
    ("edge", "Angstrom Å Kelvin K Ohm Ω"),
    ("edge", "x" * 100),
    ("edge", "x" * 101),
    ("edge", "supercalifragilisticexpialidocious" * 4),
    ("edge", "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism"),
    ("edge", "\u0130\u0131 \u1e9e \u03a3\u03c3\u03c2 \u0149 \u01f0"),
    ("edge", "\u0890\u0891\u08e2 a\U000110cdb \U00013430"),
    ("edge", "\u166d\U000111c9\u2e43\u2e52 a\u1734b"),
    ("edge", "\U00011938 \U00011935\U00011930"),
    ("edge", "\ua7cb\ua7dc\U00010d50\U00016ea0 new case pairs"),
    # Special tokens in text
    ("special", "hello [SEP] world"),
    ("special", "[MASK]"),
    ("special", "a[SEP]b[CLS]c[PAD]d[UNK]e"),
    ("special", "[sep] [Mask] [ SEP ] [SEP"),
    ("special", "[SE\u200bP] [[SEP]] [MASK][MASK]"),
    ("special", "The capital of France is [MASK]."),
    # URLs and code
    ("url", "https://www.example.com/path/to/page?query=value&x=1#fragment"),
    ("url", "Visit http://例子.测试/路径 or ftp://files.example.org/~user/file.tar.gz"),
    ("code", "def f(x):\n    return x ** 2 + 1  # square"),
    ("code", "for (int i = 0; i < n; ++i) { sum += a[i]; }"),
    ("code", "const re = /^[a-z0-9_-]{3,16}$/; // regex"),
    ("code", "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;"),
    ("code", "{\"key\": [1, 2.5, null, true], \"nested\": {\"a\": \"b\"}}"),
    ("mixed", "Hello мир 世界 عالم שלום 🌍!"),
    ("mixed", "Ünïcödé ŧëxŧ wïŧħ àççéñŧş"),
]

# Long inputs generated by a rule, so the fixture stays small: text = repeat * count.
REPEATS = [
    ("edge", "ab ", 33334),   # a 100,002-character text
    ("edge", "x", 100000),    # one word of 100,000 characters -> [UNK]
    ("zh", "中文", 5000),
]

# (first, second, max_length or None)
PAIRS = [
    ("How old are you?", "I am six years old.", None),
    ("hello world how are you", "second text that is long", 8),
    ("a b c d e f g h i j", "k l m", 8),
    ("a b c", "d e f g h i j k l m", 9),
    ("short", "a much longer second sentence with many pieces in it", 10),
    ("Привет мир", "こんにちは世界", 6),
    ("one two three", "four five six", 3),
    ("first", " ", None),
    ("first only", "", None),
    ("a b c d", "e", 2),
    ("[MASK] is [SEP] here", "and [CLS] there too", 7),
    ("seven pieces of text in here", "seven more pieces of text in here", 9),
    ("世界和平万岁", "안녕하세요", 8),
]

# (text, max_length)
TRUNCATED = [
    ("The quick brown fox jumps over the lazy dog.", 6),
    ("unaffable tokenization", 4),
    ("我爱自然语言处理", 5),
    ("a b c", 2),
    ("a [SEP] b [MASK] c d e", 5),
    ("x" * 101 + " tail words here", 4),
]


def run_length(ids):
    out = []
    for value in ids:
        if out and out[-1][0] == value:
            out[-1][1] += 1
        else:
            out.append([value, 1])
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def smoke(tokenizer):
    cases = []
    for language, text in CASES:
        encoding = tokenizer(text)
        cases.append({"language": language, "text": text, "input_ids": encoding["input_ids"],
                      "tokens": tokenizer.convert_ids_to_tokens(encoding["input_ids"])})
    for language, repeat, count in REPEATS:
        encoding = tokenizer(repeat * count)
        cases.append({"language": language, "repeat": repeat, "count": count,
                      "input_ids_rle": run_length(encoding["input_ids"])})
    for text, max_length in TRUNCATED:
        encoding = tokenizer(text, truncation=True, max_length=max_length)
        cases.append({"language": "truncation", "text": text, "max_length": max_length,
                      "input_ids": encoding["input_ids"],
                      "tokens": tokenizer.convert_ids_to_tokens(encoding["input_ids"])})
    for first, second, max_length in PAIRS:
        if max_length is None:
            encoding = tokenizer(first, second)
        else:
            encoding = tokenizer(first, second, truncation=True, max_length=max_length)
        case = {"language": "pair", "text": first, "text_pair": second, "input_ids": encoding["input_ids"],
                "token_type_ids": encoding["token_type_ids"],
                "tokens": tokenizer.convert_ids_to_tokens(encoding["input_ids"])}
        if max_length is not None:
            case["max_length"] = max_length
        cases.append(case)
    return cases


def sweep_ids(tokenizer, code_points, batch=20000):
    """Pieces (no [CLS]/[SEP]) of SWEEP_CONTEXT for each code point."""
    out = {}
    for start in range(0, len(code_points), batch):
        chunk = code_points[start:start + batch]
        texts = [SWEEP_CONTEXT.format(c=chr(cp)) for cp in chunk]
        for cp, ids in zip(chunk, tokenizer(texts, add_special_tokens=False)["input_ids"]):
            out[cp] = ids
    return out


def all_scalars():
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def subset_code_points():
    """ASCII + Latin-1 + every 512th scalar + the scalars HF's overrides touch + a fixed random sample."""
    sys.path.insert(0, os.path.join(ROOT, "reference"))
    import gen_unicode_tables as tables
    chosen = set(range(0x100))
    chosen.update(range(0, 0x110000, 512))
    for name in ("FORMAT_KEPT", "MN_KEPT", "MN_EXTRA", "PUNCTUATION_MISSING", "PUNCTUATION_EXTRA", "CCC_ZERO",
                 "NOT_DECOMPOSED", "WHITE_SPACE_SET"):
        chosen.update(getattr(tables, name))
    chosen.update(tables.LOWERCASE_EXTRA)
    chosen.update(range(0x2B81C, 0x2B924))  # around HF's CJK range gap
    rng = random.Random(20240601)
    scalars = all_scalars()
    chosen.update(rng.sample(scalars, 1500))
    return sorted(cp for cp in chosen if not 0xD800 <= cp <= 0xDFFF)


def any_scalar(index):
    """The index-th Unicode scalar value (surrogates skipped)."""
    return index + 0x800 if index >= 0xD800 else index


def fuzz_texts(count, seed=7):
    """Random texts mixing vocabulary words, scripts, marks, controls, spaces and special tokens."""
    rng = random.Random(seed)
    with open(os.path.join(MODEL_DIR, "vocab.txt"), encoding="utf-8") as f:
        vocabulary = [line.rstrip("\n") for line in f]
    pools = [
        lambda: rng.choice(vocabulary).replace("##", ""),
        lambda: rng.choice(vocabulary).upper(),
        lambda: chr(rng.randint(0x20, 0x7E)),
        lambda: rng.choice(" \t\n\r\u00a0\u3000\u2028\u200b\u00ad\u0000\ufffd\u0085"),
        lambda: chr(rng.randint(0x300, 0x36F)),
        lambda: chr(rng.choice([0x1D165, 0x1D16D, 0x1D16E, 0x302E, 0x302F, 0x0F71, 0x0F72, 0x0F80, 0x05B0, 0x05BC,
                                0x0651, 0x064B, 0x3099, 0x309A, 0x093C, 0x094D, 0x1DFA, 0x16FF0, 0x0E48, 0x0E38])),
        lambda: chr(rng.randint(0xC0, 0x24F)),
        lambda: chr(rng.randint(0x370, 0x4FF)),
        lambda: chr(rng.randint(0x1E00, 0x1FFF)),
        lambda: chr(rng.randint(0x4E00, 0x9FFF)),
        lambda: chr(rng.randint(0xAC00, 0xD7A3)),
        lambda: chr(rng.randint(0x3040, 0x30FF)),
        lambda: chr(rng.randint(0x1F300, 0x1FAFF)),
        lambda: chr(rng.randint(0xF900, 0xFAFF)),
        lambda: chr(rng.choice([0x130, 0x1E9E, 0x2126, 0x212A, 0x212B, 0x3A3, 0xFB01, 0x1F88, 0x1FFC, 0x390])),
        lambda: rng.choice(["[SEP]", "[CLS]", "[MASK]", "[PAD]", "[UNK]", "[sep]", "[", "]", "##"]),
        lambda: chr(any_scalar(rng.randint(0, 0x10FFFF - 0x800))),
    ]
    texts = []
    for _ in range(count):
        parts = [rng.choice(pools)() for _ in range(rng.randint(1, 30))]
        joiner = rng.choice(["", " ", ""])
        texts.append(joiner.join(parts))
    return texts


def main():
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                "tokenizer_class": type(tokenizer).__name__, "model": os.path.basename(MODEL_DIR),
                "vocab_sha256": sha256(os.path.join(MODEL_DIR, "vocab.txt")),
                "tokenizer_json_sha256": sha256(os.path.join(MODEL_DIR, "tokenizer.json")),
                "generator": "reference/make_tokenizer_smoke.py"}
    if "--sweep" in sys.argv:
        path = sys.argv[sys.argv.index("--sweep") + 1]
        ids = sweep_ids(tokenizer, all_scalars())
        with open(path, "w") as f:
            f.write(f"# {json.dumps(versions)} context={SWEEP_CONTEXT!r}\n")
            for cp in sorted(ids):
                f.write(" ".join(str(v) for v in [cp] + ids[cp]) + "\n")
        print(f"wrote {path}: {len(ids)} code points")
        return
    if "--fuzz" in sys.argv:
        path = sys.argv[sys.argv.index("--fuzz") + 1]
        from tokenizers import normalizers
        count = int(os.environ.get("WASMICRO_FUZZ_COUNT", "20000"))
        # Normalizer switches: the model's own, then cased / no-strip / everything-off variants.
        variants = [None,
                    dict(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=False),
                    dict(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True),
                    dict(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)]
        with open(path, "w") as f:
            for number, variant in enumerate(variants):
                texts = fuzz_texts(count if variant is None else count // 4, seed=7 + number)
                if variant is not None:
                    tokenizer.backend_tokenizer.normalizer = normalizers.BertNormalizer(**variant)
                for text, ids in zip(texts, tokenizer(texts)["input_ids"]):
                    f.write(json.dumps({"text": text, "input_ids": ids, "options": variant}) + "\n")
        print(f"wrote {path}: random texts for {len(variants)} normalizer variants")
        return
    cases = smoke(tokenizer)
    with open(os.path.join(FIXTURES, "tokenizer-smoke.json"), "w") as f:
        json.dump({**versions, "cases": cases}, f, ensure_ascii=True, indent=None, separators=(",", ":"))
    code_points = subset_code_points()
    ids = sweep_ids(tokenizer, code_points)
    with open(os.path.join(FIXTURES, "sweep-subset.json"), "w") as f:
        json.dump({**versions, "context": SWEEP_CONTEXT, "cases": [[cp, ids[cp]] for cp in code_points]}, f,
                  separators=(",", ":"))
    print(f"wrote {len(cases)} smoke cases, {len(code_points)} sweep-subset code points")


if __name__ == "__main__":
    main()
