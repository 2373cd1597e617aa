#!/usr/bin/env python3
"""Generate Sources/Wasmicro/Tokenizer/ByteLevelTables.swift: the character classes of HF's byte-level split regex.

Scope: the GPT-2 pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+` that
`tokenizers`' ByteLevel pre-tokenizer runs with the Oniguruma engine only asks, of each scalar, which of four disjoint
classes it is in: letter (\\p{L}), number (\\p{N}), whitespace (\\s) or other. This script writes that class for every
scalar >= U+0080 (ASCII is handled in code). Non-goals: any other regex, any other property.

Usage:
    python3 reference/gen_bytelevel_tables.py            # writes the Swift file (Python unicodedata 14.0)
    /work/main/.venv-reference/bin/python reference/gen_bytelevel_tables.py --verify
                                                          # checks every scalar against tokenizers' ByteLevel split

Base data is Python's `unicodedata` (Unicode 14.0 in CPython 3.11): L* is a letter, N* a number. Oniguruma (bundled by
the `onig` crate in tokenizers 0.23.3) carries Unicode 16.0 data: the HF_*_EXTRA lists below are the letters and
numbers assigned in Unicode 15.0-16.0, measured with --verify over every scalar (no scalar changed class the other
way). \\s is the White_Space property (25 scalars; U+001C-001F and U+200B are *not* whitespace), also measured.
"""
import sys
import unicodedata

from unicode_tables_common import (
    MAX_SCALAR, WHITE_SPACE, Blocks, main as write_or_verify, parse_ranges, scalars, swift_array, swift_file,
    transitions_from_0x80, varint,
)

EXPECTED_UNICODE_VERSION = "14.0.0"

# --- HF behaviour that is not plain Unicode 14.0 (measured with --verify, tokenizers 0.23.3) ---------------------------

# Letters (L*) in Oniguruma's Unicode 16.0 data, unassigned in Unicode 14.0.
HF_LETTER_EXTRA = (
    "1C89-1C8A A7CB-A7CD A7DA-A7DC 105C0-105F3 10D4A-10D65 10D6F-10D85 10EC2-10EC4 1123F-11240 11380-11389 1138B "
    "1138E 11390-113B5 113B7 113D1 113D3 11BC0-11BE0 11F02 11F04-11F10 11F12-11F33 1342F 13441-13446 13460-143FA "
    "16100-1611D 16D40-16D6C 18CFF 1B132 1B155 1DF25-1DF2A 1E030-1E06D 1E4D0-1E4EB 1E5D0-1E5ED 1E5F0 2B739 "
    "2EBF0-2EE5D 31350-323AF"
)
# Numbers (N*) in Oniguruma's Unicode 16.0 data, unassigned in Unicode 14.0.
HF_NUMBER_EXTRA = (
    "10D40-10D49 116D0-116E3 11BF0-11BF9 11F50-11F59 16130-16139 16D70-16D79 1CCF0-1CCF9 1D2C0-1D2D3 1E4F0-1E4F9 "
    "1E5F1-1E5FA"
)
# Oniguruma's \s is WHITE_SPACE (PropList.txt's White_Space, from unicode_tables_common).

OTHER, LETTER, NUMBER, SPACE = 0, 1, 2, 3
CLASS_NAMES = {OTHER: "other", LETTER: "letter", NUMBER: "number", SPACE: "whitespace"}

LETTER_EXTRA = parse_ranges(HF_LETTER_EXTRA)
NUMBER_EXTRA = parse_ranges(HF_NUMBER_EXTRA)
WHITE_SPACE_SET = parse_ranges(WHITE_SPACE)


def scalar_class(cp):
    """The regex class of a scalar as HF's Oniguruma sees it."""
    if cp in WHITE_SPACE_SET:
        return SPACE
    if cp in LETTER_EXTRA:
        return LETTER
    if cp in NUMBER_EXTRA:
        return NUMBER
    category = unicodedata.category(chr(cp))
    if category[0] == "L":
        return LETTER
    if category[0] == "N":
        return NUMBER
    return OTHER


# --- table builder ------------------------------------------------------------------------------------------------------

BLOCK = 32


def class_tables():
    """Classes of scalars >= U+0080 as transitions (position where the class changes, new class), in a byte stream.

    Transition: [delta << 2 | class] when the delta from the previous transition is 1-63, else [class] followed by the
    delta as a little-endian base-128 varint. A block starts every BLOCK transitions; `blockStarts` holds its first
    position - 1 and its first transition stores delta 1, so a block decodes without the previous one.
    Surrogates take the class of the scalar before them (never looked up).
    """
    assert OTHER == 0  # the scan starts from value 0
    transitions = transitions_from_0x80(scalar_class)
    stream, blocks = [], Blocks(BLOCK)
    previous = 0x7F
    for cp, value in transitions:
        delta = cp - previous
        if blocks.begins(True, cp - 1, len(stream)):
            delta = 1
        if delta < 64:
            stream.append(delta << 2 | value)
        else:
            stream += [value] + varint(delta)
        previous = cp
    starts, offsets = blocks.starts + [MAX_SCALAR + 1], blocks.offsets + [len(stream)]
    assert len(stream) < 0x10000
    return starts, offsets, stream, len(transitions)


def generate():
    assert unicodedata.unidata_version == EXPECTED_UNICODE_VERSION, unicodedata.unidata_version
    starts, offsets, stream, count = class_tables()
    total = 4 * len(starts) + 2 * len(offsets) + len(stream)
    header = [
        f"// Unicode {unicodedata.unidata_version} (Python {sys.version.split()[0]} unicodedata) plus the Unicode 15-16",
        "// letters and numbers Oniguruma knows (measured overrides listed in the generator).",
        "// Scope: the four classes of HF's byte-level split regex (letter, number, whitespace, other) for scalars >= U+0080.",
        "// Non-goals: any other property.",
        f"// Data size: {total} bytes ({count} transitions).",
    ]
    members = [
        swift_array("blockStarts", "UInt32", starts, [
            f"First position - 1 of each block of `classStream` (at most {BLOCK} transitions), then U+10FFFF + 1."]),
        swift_array("blockOffsets", "UInt16", offsets, [
            "Byte offset in `classStream` of each block, then the stream's length."], hex_digits=4),
        swift_array("classStream", "UInt8", stream, [
            f"The class (0 other, 1 letter \\p{{L}}, 2 number \\p{{N}}, 3 whitespace \\s) of scalars from U+0080 on, as "
            f"{count}",
            "transitions: [delta << 2 | class] for a delta of 1-63 from the previous transition, else [class] and the",
            "delta as a little-endian base-128 varint. A block's first transition has delta 1 from its start."],
            per_line=16, hex_digits=2),
    ]
    doc = "The byte-level split regex's character classes, decoded by `ByteLevelPreTokenizer.scalarClass`."
    return swift_file("gen_bytelevel_tables.py", "ByteLevelTables", header, doc, members), total


# --- verification against HF --------------------------------------------------------------------------------------------


def measured_class(split, cp):
    """The class HF's split shows: a letter/number/other joins a preceding letter/number/other ('!' is other)."""
    c = chr(cp)
    if len(split("a" + c)) == 1:
        return LETTER
    if len(split("1" + c)) == 1:
        return NUMBER
    if len(split("!" + c)) == 1:
        return OTHER
    return SPACE


def verify():
    from tokenizers import __version__, pre_tokenizers
    split = pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str
    mismatches = []
    for cp in scalars():
        expected = measured_class(split, cp)
        actual = scalar_class(cp)
        if expected != actual:
            mismatches.append((cp, expected, actual))
    print(f"tokenizers {__version__}: {len(mismatches)} mismatches over every scalar value")
    for cp, expected, actual in mismatches[:40]:
        print(f"   U+{cp:04X}: HF {CLASS_NAMES[expected]}, table {CLASS_NAMES[actual]}")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    write_or_verify("ByteLevelTables.swift", generate, verify)
