#!/usr/bin/env python3
"""Generate Sources/Wasmicro/Tokenizer/UnicodeTables.swift: the compact Unicode data the WordPiece tokenizer needs.

Scope: the character classes and mappings used by HF `tokenizers`' BertNormalizer and BertPreTokenizer, i.e. what the
cleaner deletes, White_Space, punctuation, non-spacing marks + canonical combining classes (for NFD reordering), per-scalar
lowercase, and canonical decompositions (Hangul syllables are decomposed algorithmically in Swift, not stored).
Non-goals: NFC/NFKC, compatibility decompositions, case folding, anything HF's BERT pipeline does not use.

Usage:
    python3 reference/gen_unicode_tables.py            # writes the Swift file (system python3, unicodedata 14.0)
    /work/venv-tok/bin/python reference/gen_unicode_tables.py --verify
                                                        # checks every code point against HF tokenizers' components

Base data is Python's `unicodedata` (Unicode 14.0 in CPython 3.11). HF does not use one Unicode version: the
`unicode_categories` and `unicode-normalization-alignments` crates it uses carry older tables (about Unicode 9, with NFD
data up to 12), while `char::to_lowercase`/`char::is_whitespace` come from Rust's std (Unicode 16). The HF_* override
lists below are the measured differences, each found with `--verify` against tokenizers 0.23.3 (every scalar value).
"""
import sys
import unicodedata

from unicode_tables_common import (
    HANGUL_FIRST, HANGUL_LAST, WHITE_SPACE, Blocks, block_index, main as write_or_verify, palette_stream,
    parse_ranges, scalars, swift_array, swift_file, swift_palette_stream, transitions_from_0x80,
)

EXPECTED_UNICODE_VERSION = "14.0.0"

# --- HF behaviour that is not plain Unicode 14.0 (measured with --verify, tokenizers 0.23.3) ---------------------------

# Cf in Unicode 14.0 but unknown to unicode_categories: HF's cleaner keeps them.
HF_FORMAT_KEPT = "0890-0891 08E2 110CD 13430-13438"
# Mn in Unicode 14.0 but not in unicode_categories' Mn table: HF's accent stripping keeps them.
HF_MN_KEPT = (
    "07FD 0898-089F 08CA-08E1 09FE 0AFA-0AFF 0B55 0C04 0C3C 0D00 0D3B-0D3C 0D81 0EBA 180F 1885-1886 1ABF-1ACE "
    "1DF6-1DFB A82C A8C5 A8FF A9BD 10D24-10D27 10EAB-10EAC 10F46-10F50 10F82-10F85 11070 11073-11074 110C2 111C9 "
    "111CF 1123E 1133B 11438-1143F 11442-11444 11446 1145E 1182F-11837 11839-1183A 1193B-1193C 1193E 11943 "
    "119D4-119D7 119DA-119DB 119E0 11A01-11A0A 11A33-11A38 11A3B-11A3E 11A47 11A51-11A56 11A59-11A5B 11A8A-11A96 "
    "11A98-11A99 11C30-11C36 11C38-11C3D 11C3F 11C92-11CA7 11CAA-11CB0 11CB2-11CB3 11CB5-11CB6 11D31-11D36 11D3A "
    "11D3C-11D3D 11D3F-11D45 11D47 11D90-11D91 11D95 11D97 11EF3-11EF4 16F4F 16FE4 1CF00-1CF2D 1CF30-1CF46 "
    "1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A 1E130-1E136 1E2AE 1E2EC-1E2EF 1E944-1E94A"
)
# Mc in Unicode 14.0 (HANUNOO SIGN PAMUDPOD, Mn before 14.0): HF strips it.
HF_MN_EXTRA = "1734"
# P* in Unicode 14.0 but not punctuation for unicode_categories: HF does not split on them.
HF_PUNCTUATION_MISSING = (
    "061D 09FD 0A76 0C77 0C84 1B7D-1B7E 2E43-2E4F 2E52-2E5D 10EAD 10F55-10F59 10F86-10F89 1144B-1144F 1145A-1145B "
    "1145D 11660-1166C 116B9 1183B 11944-11946 119E2 11A3F-11A46 11A9A-11A9C 11A9E-11AA2 11C41-11C45 11C70-11C71 "
    "11EF7-11EF8 11FFF 12FF1-12FF2 16E97-16E9A 16FE2 1E95E-1E95F"
)
# Po in older Unicode (now So / Mn): HF still splits on them.
HF_PUNCTUATION_EXTRA = "166D 111C9"
# Combining class > 0 in Unicode 14.0 but 0 (unknown) in unicode-normalization-alignments: never reordered by HF's NFD.
HF_CCC_ZERO = (
    "07FD 0898-089F 08CA-08D3 09FE 0C3C 0D3B-0D3C 0EBA 1715 1ABF-1ACE 1DF6-1DFA A82C 10D24-10D27 10EAB-10EAC "
    "10F46-10F50 10F82-10F85 11070 1133B 1145E 11839-1183A 1193D-1193E 11943 119E0 11A34 11A47 11A99 11D42 "
    "11D44-11D45 11D97 16FF0-16FF1 1E130-1E136 1E2AE 1E2EC-1E2EF"
)
# Canonical decompositions newer than unicode-normalization-alignments' data: HF does not decompose them.
HF_NOT_DECOMPOSED = "11938"
# Lowercase mappings from Rust std (Unicode 16) for code points unassigned in Unicode 14.0: (first, last, delta).
HF_LOWERCASE_EXTRA = [
    (0x1C89, 0x1C89, 1), (0xA7CB, 0xA7CB, 0x0264 - 0xA7CB), (0xA7CC, 0xA7CC, 1), (0xA7CE, 0xA7CE, 1),
    (0xA7D2, 0xA7D2, 1), (0xA7D4, 0xA7D4, 1), (0xA7DA, 0xA7DA, 1), (0xA7DC, 0xA7DC, 0x019B - 0xA7DC),
    (0x10D50, 0x10D65, 0x20), (0x16EA0, 0x16EB8, 0x1B),
]
# White_Space (Rust `char::is_whitespace`) is WHITE_SPACE from unicode_tables_common.


def is_ascii_punctuation(cp):
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126


# --- the HF model of each property --------------------------------------------------------------------------------------

FORMAT_KEPT = parse_ranges(HF_FORMAT_KEPT)
MN_KEPT = parse_ranges(HF_MN_KEPT)
MN_EXTRA = parse_ranges(HF_MN_EXTRA)
PUNCTUATION_MISSING = parse_ranges(HF_PUNCTUATION_MISSING)
PUNCTUATION_EXTRA = parse_ranges(HF_PUNCTUATION_EXTRA)
CCC_ZERO = parse_ranges(HF_CCC_ZERO)
NOT_DECOMPOSED = parse_ranges(HF_NOT_DECOMPOSED)
WHITE_SPACE_SET = parse_ranges(WHITE_SPACE)
LOWERCASE_EXTRA = {cp: cp + delta for first, last, delta in HF_LOWERCASE_EXTRA for cp in range(first, last + 1)}


def is_deleted(cp):
    """BertNormalizer clean_text: NUL, U+FFFD and `is_other` minus \\t\\n\\r (Cc, Cf, Co; Cn is kept)."""
    if cp in (0, 0xFFFD):
        return True
    if cp in (0x09, 0x0A, 0x0D):
        return False
    category = unicodedata.category(chr(cp))
    if category == "Cf" and cp in FORMAT_KEPT:
        return False
    return category in ("Cc", "Cf", "Co")


def is_punctuation(cp):
    if is_ascii_punctuation(cp) or cp in PUNCTUATION_EXTRA:
        return True
    return unicodedata.category(chr(cp)).startswith("P") and cp not in PUNCTUATION_MISSING


def is_nonspacing_mark(cp):
    if cp in MN_EXTRA:
        return True
    return unicodedata.category(chr(cp)) == "Mn" and cp not in MN_KEPT


def combining_class(cp):
    return 0 if cp in CCC_ZERO else unicodedata.combining(chr(cp))


def lowercase(cp):
    """Rust `char::to_lowercase` of one scalar, as a list of scalars."""
    if cp in LOWERCASE_EXTRA:
        return [LOWERCASE_EXTRA[cp]]
    return [ord(c) for c in chr(cp).lower()]


def canonical_decomposition(cp):
    """One level of the canonical decomposition mapping (Hangul excluded), or None."""
    if cp in NOT_DECOMPOSED or HANGUL_FIRST <= cp <= HANGUL_LAST:
        return None
    mapping = unicodedata.decomposition(chr(cp))
    if not mapping or mapping.startswith("<"):
        return None
    return [int(part, 16) for part in mapping.split()]


def full_nfd(cp):
    """Recursive canonical decomposition with canonical reordering, as HF computes it for one scalar."""
    if HANGUL_FIRST <= cp <= HANGUL_LAST:
        index = cp - HANGUL_FIRST
        out = [0x1100 + index // 588, 0x1161 + (index % 588) // 28]
        if index % 28:
            out.append(0x11A7 + index % 28)
        return out
    mapping = canonical_decomposition(cp)
    if mapping is None:
        return [cp]
    out = []
    for part in mapping:
        out.extend(full_nfd(part))
    return canonical_reorder(out)


def canonical_reorder(scalars_):
    out = list(scalars_)
    # Stable sort of each run of non-zero combining classes.
    i = 0
    while i < len(out):
        if combining_class(out[i]) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and combining_class(out[j]) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=combining_class)
        i = j
    return out


# --- table builders -----------------------------------------------------------------------------------------------------


PROPERTY_BLOCK = 32
PROPERTY_SHIFT = 21
# Bits of a property value: combining class (0-7), then flags.
NONSPACING_MARK, DELETED, WHITE_SPACE_FLAG, PUNCTUATION = 0x100, 0x200, 0x400, 0x800


def property_value(cp):
    """Everything the tokenizer asks about a non-ASCII scalar, as one 12-bit value."""
    value = combining_class(cp) | (NONSPACING_MARK if is_nonspacing_mark(cp) else 0)
    value |= DELETED if is_deleted(cp) else 0
    value |= WHITE_SPACE_FLAG if cp in WHITE_SPACE_SET else 0
    value |= PUNCTUATION if is_punctuation(cp) else 0
    return value


def property_tables():
    """Property values of scalars >= U+0080 as transitions (position where the value changes, new value), in the
    palette/delta stream of `palette_stream` with PROPERTY_BLOCK transitions a block."""
    transitions = transitions_from_0x80(property_value)
    assert transitions[0][0] == 0x80
    palette, index, stream = palette_stream(transitions, PROPERTY_BLOCK, PROPERTY_SHIFT)
    return palette, index, stream, len(transitions)


LOWERCASE_SHIFT = 21
LOWERCASE_BLOCK = 32


def lowercase_tables():
    """Non-ASCII one-scalar lowercase mappings as runs with a common delta and stride 1 or 2, in a byte stream.

    Run: one word, start - previous start (1-127) | isStride2 << 7 | (count - 1) << 8 | delta << 15 (17-bit two's
    complement). A block starts every LOWERCASE_BLOCK runs and wherever the start gap exceeds 127; its index word holds
    its first start - 1 | its first run's index << LOWERCASE_SHIFT.
    """
    mappings = []
    for cp in scalars():
        lower = lowercase(cp)
        if lower == [cp]:
            continue
        if len(lower) != 1:
            # Rust's to_lowercase yields two scalars only for U+0130 (i + U+0307); handled in code.
            assert cp == 0x130 and lower == [0x69, 0x307], (hex(cp), lower)
            continue
        if cp < 0x80:
            assert 0x41 <= cp <= 0x5A and lower[0] == cp + 0x20  # ASCII is handled in code
            continue
        mappings.append((cp, lower[0] - cp))
    runs = []  # [start, last, stride, delta]
    for cp, delta in mappings:
        if runs:
            start, last, stride, run_delta = runs[-1]
            if run_delta == delta:
                if stride == 0 and cp - last in (1, 2):
                    runs[-1][1], runs[-1][2] = cp, cp - last
                    continue
                if stride and cp - last == stride and (cp - start) // stride < 128:
                    runs[-1][1] = cp
                    continue
        runs.append([cp, cp, 0, delta])
    words, blocks = [], Blocks(LOWERCASE_BLOCK)
    previous_start = previous_last = 0
    for start, last, stride, delta in runs:
        assert start > previous_last  # runs never interleave, so the last run starting at or before a scalar decides
        gap = start - previous_start
        if blocks.begins(gap <= 0x7F, start - 1, len(words)):
            gap = 1
        stride = stride or 1
        count = (last - start) // stride + 1
        assert count <= 128 and -(1 << 16) <= delta < (1 << 16)
        words.append(gap | int(stride == 2) << 7 | (count - 1) << 8 | (delta & 0x1_FFFF) << 15)
        previous_start, previous_last = start, last
    return block_index(blocks.starts, blocks.offsets, LOWERCASE_SHIFT, len(words)), words, len(runs)


DECOMPOSITION_BLOCK = 32
DECOMPOSITION_SHIFT = 17
CJK_COMPATIBILITY = [(0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def decomposition_tables():
    """Canonical decompositions (one level, Hangul excluded), in two parts.

    CJK compatibility ideographs (singletons onto unified ideographs): the low 16 bits of the target of every scalar
    in the two spans of keys (0 for the few that do not decompose) and a bitmap of targets in plane 2.
    Every other key: a byte stream of entries, searched through a block index.
    Entry: [gapFlag << 7 | second index] [key gap - 1 if gapFlag] [first code] [2 bytes if code == 0xFF], where
    the first component is `previous first + code - 60` (0x00-0xA4; previous is 0 at a block start),
    `key + 0xB0 - code` (0xA5-0xBE), ASCII `code - 0x84` (0xBF-0xFE) or explicit low 16 bits in the key's plane (0xFF).
    """
    keys = [cp for cp in scalars() if canonical_decomposition(cp) is not None]
    cjk = [cp for cp in keys if any(a <= cp <= b for a, b in CJK_COMPATIBILITY)]
    others = [cp for cp in keys if not any(a <= cp <= b for a, b in CJK_COMPATIBILITY)]
    # One entry per scalar of each block's span of keys (first to last); a scalar without a decomposition gets 0.
    cjk_spans = [(min(cp for cp in cjk if a <= cp <= b), max(cp for cp in cjk if a <= cp <= b))
                 for a, b in CJK_COMPATIBILITY]
    cjk_targets = []
    for first, last in cjk_spans:
        for cp in range(first, last + 1):
            mapping = canonical_decomposition(cp)
            assert mapping is None or (len(mapping) == 1 and mapping[0] >> 16 in (0, 2)), hex(cp)
            cjk_targets.append(0 if mapping is None else mapping[0])
    cjk_planes = [0] * ((len(cjk_targets) + 7) // 8)
    for index, target in enumerate(cjk_targets):
        if target >> 16:
            cjk_planes[index // 8] |= 1 << (index % 8)
    cjk_targets = [target & 0xFFFF for target in cjk_targets]
    # Seconds by frequency; a second component lies in its key's plane, so 16 bits are stored.
    frequency = {}
    for cp in others:
        mapping = canonical_decomposition(cp)
        if len(mapping) == 2:
            assert mapping[1] >> 16 == cp >> 16, hex(cp)
            frequency[mapping[1]] = frequency.get(mapping[1], 0) + 1
    seconds = [0] + sorted(frequency, key=lambda second: (-frequency[second], second))
    assert len(seconds) <= 0x80
    stream, blocks = [], Blocks(DECOMPOSITION_BLOCK)
    previous_key = previous_first = 0
    for cp in others:
        mapping = canonical_decomposition(cp)
        assert 1 <= len(mapping) <= 2, hex(cp)
        first = mapping[0]
        gap = cp - previous_key - 1
        # A new block every DECOMPOSITION_BLOCK entries, and wherever the key gap does not fit in a byte.
        if blocks.begins(gap <= 0xFF, cp, len(stream)):
            previous_first = gap = 0
        second = seconds.index(mapping[1]) if len(mapping) == 2 else 0
        stream.append(second | (0x80 if gap else 0))
        if gap:
            stream.append(gap)
        # First-component codes (ranges chosen to leave the fewest explicit ones).
        if -60 <= first - previous_first <= 104:
            stream.append(first - previous_first + 60)  # 0x00-0xA4
        elif -11 <= cp - first <= 14:
            stream.append(0xB0 + cp - first)  # 0xA5-0xBE
        elif 0x3B <= first <= 0x7A:
            stream.append(first + 0x84)  # 0xBF-0xFE
        else:
            assert first >> 16 == cp >> 16, hex(cp)
            stream += [0xFF, first & 0xFF, (first >> 8) & 0xFF]
        previous_key, previous_first = cp, first
    index = block_index(blocks.starts, blocks.offsets, DECOMPOSITION_SHIFT, len(stream))
    return {
        "cjk_spans": cjk_spans, "cjk_targets": cjk_targets, "cjk_planes": cjk_planes, "index": index,
        "stream": stream, "seconds": [second & 0xFFFF for second in seconds], "count": len(keys),
        "others": len(others),
    }


def generate():
    assert unicodedata.unidata_version == EXPECTED_UNICODE_VERSION, unicodedata.unidata_version
    palette, property_index, property_stream, transition_count = property_tables()
    lowercase_index, lowercase_stream, lowercase_count = lowercase_tables()
    decomposition = decomposition_tables()
    sizes = {
        "properties": 2 * len(palette) + 4 * len(property_index) + len(property_stream), "lowercase": 4 * len(lowercase_index) + 4 * len(lowercase_stream),
        "decomposition": 2 * len(decomposition["cjk_targets"])
        + len(decomposition["cjk_planes"]) + 4 * len(decomposition["index"]) + len(decomposition["stream"])
        + 2 * len(decomposition["seconds"]),
    }
    total = sum(sizes.values())
    cjk_spans = decomposition["cjk_spans"]
    header = [
        f"// Unicode {unicodedata.unidata_version} (Python {sys.version.split()[0]} unicodedata) plus the measured HF",
        "// overrides listed in the generator (HF's crates carry older category/NFD tables; Rust std lowercase is newer).",
        "// Scope: data for BertNormalizer/BertPreTokenizer only. Non-goals: NFC/NFKC, case folding, general properties.",
        f"// Data size: {total} bytes (" + ", ".join(f"{k} {v}" for k, v in sizes.items()) + ").",
    ]
    members = [
        swift_array("propertyValues", "UInt16", palette, [
            "Palette of property values: combining class (bits 0-7), non-spacing mark (Mn as HF sees it, 0x100), deleted",
            "by the cleaner (NUL, U+FFFD, Cc/Cf/Co except TAB, LF, CR; 0x200), White_Space (0x400), punctuation as HF",
            "sees it (P* in its tables; 0x800)."], hex_digits=3),
        *swift_palette_stream("propertyBlocks", "propertyStream", property_index, property_stream, PROPERTY_BLOCK,
                              PROPERTY_SHIFT, transition_count),
        swift_array("lowercaseBlocks", "UInt32", lowercase_index, [
            f"One word per block of `lowercaseRuns` (at most {LOWERCASE_BLOCK} runs): first start - 1 | first run << "
            f"{LOWERCASE_SHIFT};", "then a sentinel, (end offset) << shift | all position bits."]),
        swift_array("lowercaseRuns", "UInt32", lowercase_stream, [
            f"Non-ASCII lowercase mappings as {lowercase_count} runs, one word each: start - previous start (1-127) |",
            "isStride2 << 7 | (count - 1) << 8 | delta << 15 (17-bit two's complement). A scalar maps to scalar + delta",
            "when it is start + k * stride, k < count. U+0130 is handled in code."], hex_digits=8),
        "\n".join([
            f"  /// CJK compatibility ideographs with a (singleton) decomposition: U+{cjk_spans[0][0]:04X}...U+"
            f"{cjk_spans[0][1]:04X} take the first",
            "  /// `compatibilityIdeographCount` entries of `compatibilityIdeographTargets`, U+"
            f"{cjk_spans[1][0]:04X}...U+{cjk_spans[1][1]:04X} the rest.",
            f"  static let compatibilityIdeographFirst: UInt32 = 0x{cjk_spans[0][0]:X}",
            f"  static let compatibilityIdeographCount: UInt32 = {cjk_spans[0][1] - cjk_spans[0][0] + 1}",
            f"  static let compatibilityIdeographSupplementFirst: UInt32 = 0x{cjk_spans[1][0]:X}",
            f"  static let compatibilityIdeographSupplementCount: UInt32 = {cjk_spans[1][1] - cjk_spans[1][0] + 1}",
        ]),
        swift_array("compatibilityIdeographTargets", "UInt16", decomposition["cjk_targets"], [
            "Low 16 bits of each compatibility ideograph's unified ideograph (0: no decomposition)."], per_line=12, hex_digits=4),
        swift_array("compatibilityIdeographPlanes", "UInt8", decomposition["cjk_planes"], [
            "Bit i % 8 of byte i / 8: target i is in plane 2 (else in the BMP)."], per_line=16, hex_digits=2),
        swift_array("decompositionBlocks", "UInt32", decomposition["index"], [
            f"Other canonical decompositions ({decomposition['others']} keys; {decomposition['count']} with the ideographs, "
            "Hangul excluded):",
            f"one word per block of `decompositionStream` (at most {DECOMPOSITION_BLOCK} entries): first key | byte offset << "
            f"{DECOMPOSITION_SHIFT};", "then a sentinel, (end offset) << shift | all position bits."]),
        swift_array("decompositionStream", "UInt8", decomposition["stream"], [
            "Entries [gapFlag << 7 | second index] [key - previous key - 1 if gapFlag] [first code]",
            "[low byte, high byte if code == 0xFF]. First component: previous first + code - 60 (0x00-0xA4; previous is 0",
            "at a block start), key + 0xB0 - code (0xA5-0xBE), ASCII code - 0x84 (0xBF-0xFE), explicit in the key's plane",
            "(0xFF). A block's first entry stores no key gap; a gap over 255 starts a new block."],
            per_line=16, hex_digits=2),
        swift_array("decompositionSeconds", "UInt16", decomposition["seconds"], [
            "Low 16 bits of the second components (in the key's plane), most frequent first; index 0 means none."],
            per_line=12, hex_digits=4),
    ]
    doc = "Compact Unicode tables for the WordPiece tokenizer, decoded by `UnicodeData` (block indexes + packed streams)."
    return swift_file("gen_unicode_tables.py", "UnicodeTables", header, doc, members), total


# --- verification against HF --------------------------------------------------------------------------------------------

CJK_RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
              (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def verify():
    """Compare the model above with HF tokenizers' own components for every scalar value."""
    from tokenizers import normalizers, pre_tokenizers
    import tokenizers

    def bert(clean=False, chinese=False, strip=False, lower=False):
        return normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=chinese, strip_accents=strip,
                                          lowercase=lower)

    clean, chinese, strip, lower = bert(clean=True), bert(chinese=True), bert(strip=True), bert(lower=True)
    nfd = normalizers.NFD()
    pre = pre_tokenizers.BertPreTokenizer()
    failures = {}

    def fail(kind, cp, expected, actual):
        failures.setdefault(kind, []).append((cp, expected, actual))

    def text(cps):
        return "".join(map(chr, cps))

    for cp in scalars():
        c = chr(cp)
        expected = "" if is_deleted(cp) else (" " if cp in WHITE_SPACE_SET else c)
        if clean.normalize_str(c) != expected:
            fail("clean", cp, expected, clean.normalize_str(c))
        decomposed = full_nfd(cp)
        if nfd.normalize_str(c) != text(decomposed):
            fail("nfd", cp, text(decomposed), nfd.normalize_str(c))
        stripped = text(x for x in decomposed if not is_nonspacing_mark(x))
        if strip.normalize_str(c) != stripped:
            fail("strip", cp, stripped, strip.normalize_str(c))
        if lower.normalize_str(c) != text(lowercase(cp)):
            fail("lowercase", cp, text(lowercase(cp)), lower.normalize_str(c))
        padded = f" {c} " if any(a <= cp <= b for a, b in CJK_RANGES) else c
        if chinese.normalize_str(c) != padded:
            fail("chinese", cp, padded, chinese.normalize_str(c))
        words = [w for w, _ in pre.pre_tokenize_str("a" + c + "b")]
        if cp in WHITE_SPACE_SET:
            expected_words = ["a", "b"]
        elif is_punctuation(cp):
            expected_words = ["a", c, "b"]
        else:
            expected_words = ["a" + c + "b"]
        if words != expected_words:
            fail("pretokenize", cp, expected_words, words)
    # Canonical ordering: every scalar with a combining class against a reference mark of each class.
    marks = [cp for cp in scalars() if combining_class(cp) or unicodedata.combining(chr(cp))]
    references = {}
    for cp in marks:
        references.setdefault(combining_class(cp), cp)
    references.pop(0, None)
    for cp in marks:
        if canonical_decomposition(cp) is not None:
            continue
        for reference in references.values():
            for pair in ((cp, reference), (reference, cp)):
                expected = text(canonical_reorder(list(pair)))
                if nfd.normalize_str(text(pair)) != expected:
                    fail("reorder", cp, expected, nfd.normalize_str(text(pair)))
    print(f"tokenizers {tokenizers.__version__}, unicodedata {unicodedata.unidata_version}")
    for kind in ("clean", "nfd", "strip", "lowercase", "chinese", "pretokenize", "reorder"):
        items = failures.get(kind, [])
        print(f"{kind}: {len(items)} mismatches")
        for cp, expected, actual in items[:20]:
            print(f"   U+{cp:04X}: expected {expected!r} actual {actual!r}")
    return 0 if not failures else 1


if __name__ == "__main__":
    write_or_verify("UnicodeTables.swift", generate, verify)
