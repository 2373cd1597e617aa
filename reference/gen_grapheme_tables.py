#!/usr/bin/env python3
"""Generate Sources/Wasmicro/Tokenizer/GraphemeTables.swift: the Unicode data for extended grapheme clusters.

Scope: what UAX #29's extended grapheme cluster rules consult (Grapheme_Cluster_Break, Extended_Pictographic and
Indic_Conjunct_Break), as HF tokenizers' `Precompiled` normalizer sees them through the `unicode-segmentation` crate
inside tokenizers 0.23.3. Non-goals: word/sentence boundaries, legacy (non-extended) clusters.

Unicode version: 17.0, measured. tokenizers 0.23.3 joins NBSP + X into one cluster for exactly the BMP scalars X that
are Extend/SpacingMark/ZWJ in Unicode 17.0 (regex 2025.11.3), and for none of the scalars that became Extend or
SpacingMark after 17.0 (regex 2026.9.29: U+05C8-05C9, U+0B53-0B54, U+1ADE-1ADF, U+1AEC-1AF0) nor misses any that
16.0 lacks (U+1ACF-1ADD, U+1AE0-1AEB). The fixture sweep (reference/charsmap.py --fixture) checks every scalar.

Data source: the PyPI `regex` module pinned below, whose \\p{Grapheme_Cluster_Break=...}, \\p{Extended_Pictographic} and
\\p{InCB=...} carry Unicode 17.0 (Python's unicodedata has none of these properties). Install it in its own venv:

    python3 -m venv /work/venv-graphemes && /work/venv-graphemes/bin/pip install regex==2025.11.3
    /work/venv-graphemes/bin/python reference/gen_grapheme_tables.py            # writes the Swift file
    /work/venv-graphemes/bin/python reference/gen_grapheme_tables.py --verify   # segmenter model vs regex's \\X

`next_boundary` below is the model of the Swift segmenter (Graphemes.swift): a forward scan with O(1) state. `--verify`
compares it with regex's `\\X` on random strings drawn from every property class.
"""
import random

import regex

from unicode_tables_common import (
    HANGUL_FIRST, HANGUL_LAST, MAX_SCALAR, main as write_or_verify, palette_stream, scalars, swift_array, swift_file,
    swift_palette_stream, transitions_from_0x80,
)

EXPECTED_REGEX_VERSION = "2025.11.3"
UNICODE_VERSION = "17.0.0"

# Grapheme_Cluster_Break values, in the order of their codes (bits 0-3 of a property value).
GCB = ["Other", "CR", "LF", "Control", "Extend", "ZWJ", "Regional_Indicator", "Prepend", "SpacingMark", "L", "V", "T",
       "LV", "LVT"]
EXTENDED_PICTOGRAPHIC = 0x10  # bit 4
# Indic_Conjunct_Break (bits 5-6): 0 None, then these.
INCB = ["Consonant", "Linker", "Extend"]
INCB_SHIFT = 5


def property_sets():
    """{property value bits: set of scalars} from regex's Unicode data."""
    gcb = {}
    for code, name in enumerate(GCB[1:], start=1):
        pattern = regex.compile(r"\p{Grapheme_Cluster_Break=%s}" % name)
        gcb[code] = {cp for cp in scalars() if pattern.match(chr(cp))}
    pictographic = regex.compile(r"\p{Extended_Pictographic}")
    extpict = {cp for cp in scalars() if pictographic.match(chr(cp))}
    incb = {}
    for code, name in enumerate(INCB, start=1):
        pattern = regex.compile(r"\p{InCB=%s}" % name)
        incb[code] = {cp for cp in scalars() if pattern.match(chr(cp))}
    return gcb, extpict, incb


def property_values():
    """One 7-bit value per scalar: GCB code | Extended_Pictographic << 4 | InCB code << 5 (list indexed by scalar)."""
    gcb, extpict, incb = property_sets()
    values = [0] * (MAX_SCALAR + 1)
    for code, members in gcb.items():
        for cp in members:
            assert values[cp] & 0xF == 0, hex(cp)
            values[cp] |= code
    for cp in extpict:
        values[cp] |= EXTENDED_PICTOGRAPHIC
    for code, members in incb.items():
        for cp in members:
            assert values[cp] >> INCB_SHIFT == 0, hex(cp)
            values[cp] |= code << INCB_SHIFT
    # Facts the Swift segmenter relies on.
    for cp in range(0x80):
        expected = 1 if cp == 0x0D else 2 if cp == 0x0A else 3 if cp < 0x20 or cp == 0x7F else 0
        assert values[cp] == expected, hex(cp)  # ASCII is decided in code
    for cp in scalars():
        value = values[cp]
        kind = GCB[value & 0xF]
        if kind in ("LV", "LVT"):
            assert HANGUL_FIRST <= cp <= HANGUL_LAST and kind == ("LV" if (cp - HANGUL_FIRST) % 28 == 0 else "LVT")
        incb_code = value >> INCB_SHIFT
        if incb_code in (2, 3):
            # InCB Linker/Extend scalars always extend a cluster (GB9), so GB9c's state lives inside one cluster.
            assert kind in ("Extend", "ZWJ"), hex(cp)
        if value & EXTENDED_PICTOGRAPHIC:
            assert kind == "Other", hex(cp)
    assert all(HANGUL_FIRST <= cp <= HANGUL_LAST for cp in gcb[GCB.index("LV")] | gcb[GCB.index("LVT")])
    return values


# --- the segmenter model (mirrors Graphemes.swift) ----------------------------------------------------------------------


def next_boundary(values, text, start):
    """End of the extended grapheme cluster that starts at `start` (a boundary) in the scalar list `text`."""
    n = len(text)
    if start >= n:
        return n
    first = values[text[start]]
    kind = GCB[first & 0xF]
    if kind == "CR":
        return start + 2 if start + 1 < n and GCB[values[text[start + 1]] & 0xF] == "LF" else start + 1
    if kind in ("LF", "Control"):
        return start + 1
    previous = kind
    # GB11: the cluster so far ends in ExtPict Extend* (1) or ExtPict Extend* ZWJ (2); 0 otherwise.
    emoji = 1 if first & EXTENDED_PICTOGRAPHIC else 0
    # GB9c: the cluster so far ends in Consonant [Extend Linker]* (1), or with at least one Linker among those (2).
    conjunct = 1 if first >> INCB_SHIFT == 1 else 0
    # GB12/13: the number of Regional_Indicators in the cluster so far (a pair closes it).
    regional = 1 if kind == "Regional_Indicator" else 0
    i = start + 1
    while i < n:
        value = values[text[i]]
        current = GCB[value & 0xF]
        incb = value >> INCB_SHIFT
        if current in ("CR", "LF", "Control"):
            break  # GB5
        joins = False
        if previous in ("CR", "LF", "Control"):
            joins = False  # GB4 (unreachable past the first scalar)
        elif previous == "L" and current in ("L", "V", "LV", "LVT"):
            joins = True  # GB6
        elif previous in ("LV", "V") and current in ("V", "T"):
            joins = True  # GB7
        elif previous in ("LVT", "T") and current == "T":
            joins = True  # GB8
        elif current in ("Extend", "ZWJ", "SpacingMark"):
            joins = True  # GB9, GB9a
        elif previous == "Prepend":
            joins = True  # GB9b
        elif conjunct == 2 and incb == 1:
            joins = True  # GB9c
        elif emoji == 2 and value & EXTENDED_PICTOGRAPHIC:
            joins = True  # GB11
        elif previous == "Regional_Indicator" and current == "Regional_Indicator" and regional % 2 == 1:
            joins = True  # GB12, GB13
        if not joins:
            break
        # Update the rule states with the scalar just joined.
        if value & EXTENDED_PICTOGRAPHIC:
            emoji = 1
        elif current == "Extend" and emoji == 1:
            emoji = 1
        elif current == "ZWJ" and emoji == 1:
            emoji = 2
        else:
            emoji = 0
        if incb == 1:
            conjunct = 1
        elif incb == 2 and conjunct:
            conjunct = 2
        elif incb == 3 and conjunct:
            pass
        else:
            conjunct = 0
        regional = regional + 1 if current == "Regional_Indicator" else 0
        previous = current
        i += 1
    return i


def segment(values, text):
    scalars_ = [ord(c) for c in text]
    out, start = [], 0
    while start < len(scalars_):
        end = next_boundary(values, scalars_, start)
        out.append(text[start:end])
        start = end
    return out


def verify():
    values = property_values()
    pools = {}
    for cp in scalars():
        pools.setdefault(values[cp], []).append(cp)
    keys = sorted(pools)
    rng = random.Random(29)
    failures = 0
    count = 400_000
    for index in range(count):
        length = rng.randint(1, 10)
        text = "".join(chr(rng.choice(pools[rng.choice(keys)])) for _ in range(length))
        expected = regex.findall(r"\X", text)
        actual = segment(values, text)
        if expected != actual:
            failures += 1
            if failures <= 20:
                print("mismatch", [hex(ord(c)) for c in text], [len(g) for g in expected], [len(g) for g in actual])
    print(f"{count} random strings over {len(keys)} property classes: {failures} mismatches against regex \\X")
    return 0 if failures == 0 else 1


# --- tables ------------------------------------------------------------------------------------------------------------

BLOCK = 32
SHIFT = 21


def tables(values):
    """Property values of scalars >= U+0080 as transitions, in the encoding of UnicodeTables.propertyStream
    (`palette_stream`).

    Hangul syllables are stored as LV throughout (LVT is derived in code: (scalar - U+AC00) % 28 != 0).
    """
    lv = GCB.index("LV")

    def stored(cp):
        value = values[cp]
        return value & ~0xF | lv if GCB[value & 0xF] == "LVT" else value

    transitions = transitions_from_0x80(stored)
    palette, index, stream = palette_stream(transitions, BLOCK, SHIFT)
    return palette, index, stream, len(transitions)


def generate():
    assert regex.__version__ == EXPECTED_REGEX_VERSION, regex.__version__
    values = property_values()
    palette, index, stream, transition_count = tables(values)
    size = len(palette) + 4 * len(index) + len(stream)
    header = [
        f"// Unicode {UNICODE_VERSION} (PyPI regex {regex.__version__}), the version of the unicode-segmentation crate in",
        "// HF tokenizers 0.23.3 (measured). Scope: Grapheme_Cluster_Break, Extended_Pictographic, Indic_Conjunct_Break.",
        "// Non-goals: any other property. ASCII and the Hangul LV/LVT split are decided in code (Graphemes.swift).",
        f"// Data size: {size} bytes (palette {len(palette)}, block index {4 * len(index)}, stream {len(stream)}).",
    ]
    members = [
        swift_array("values", "UInt8", palette, [
            "Palette of property values: Grapheme_Cluster_Break code (bits 0-3: " + ", ".join(
                f"{code} {name}" for code, name in enumerate(GCB[:5])) + ",",
            ", ".join(f"{code} {name}" for code, name in enumerate(GCB) if code >= 5) + "),",
            "Extended_Pictographic (0x10), Indic_Conjunct_Break (bits 5-6: 0 none, 1 Consonant, 2 Linker, 3 Extend).",
            "Hangul syllables are all stored as LV."], per_line=16, hex_digits=2),
        *swift_palette_stream("blocks", "stream", index, stream, BLOCK, SHIFT, transition_count),
    ]
    doc = "Compact grapheme-break data, decoded by `Graphemes.property` (block index + packed transition stream)."
    return swift_file("gen_grapheme_tables.py", "GraphemeTables", header, doc, members), size


if __name__ == "__main__":
    write_or_verify("GraphemeTables.swift", generate, verify)
