"""Shared pieces of the Unicode table generators (gen_unicode_tables.py, gen_grapheme_tables.py, gen_bytelevel_tables.py).

Scope: code-point range lists, scalar iteration, the value-transition scan over scalars >= U+0080, the palette/delta
transition stream with its block index (UnicodeTables.propertyStream, GraphemeTables.stream), Swift array and enum
formatting, and the write-or-verify `main`. Non-goals: any Unicode data or property model (each generator owns its own,
with its own Python and Unicode version), and this module imports no Unicode library so any of those Pythons can use it.
"""
import os
import sys

MAX_SCALAR = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

# White_Space from PropList.txt (Rust `char::is_whitespace`, Oniguruma's \s); Python has no API for the property.
WHITE_SPACE = "0009-000D 0020 0085 00A0 1680 2000-200A 2028 2029 202F 205F 3000"


def parse_ranges(text):
    """'0041-005A 00B5' -> set of code points."""
    result = set()
    for item in text.split():
        first, _, last = item.partition("-")
        result.update(range(int(first, 16), int(last or first, 16) + 1))
    return result


def is_surrogate(cp):
    return 0xD800 <= cp <= 0xDFFF


def scalars():
    return (cp for cp in range(MAX_SCALAR + 1) if not is_surrogate(cp))


def transitions_from_0x80(value_of):
    """[(position, new value)] where `value_of(scalar)` changes, from U+0080 on, starting from value 0.

    Surrogates take the value of the position before them (they are never looked up).
    """
    transitions = []
    current = 0
    for cp in range(0x80, MAX_SCALAR + 1):
        value = current if is_surrogate(cp) else value_of(cp)
        if value != current:
            transitions.append((cp, value))
            current = value
    return transitions


def varint(value):
    """Little-endian base-128: 7 bits per byte, bit 7 set on every byte but the last."""
    assert value >= 0
    out = []
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return out


class Blocks:
    """Where a packed table's blocks begin: every `size` entries, and wherever an entry's gap does not fit its field.

    `starts` and `offsets` (the block's first key word and its position in the packed data) feed `block_index`.
    """

    def __init__(self, size):
        self.size, self.starts, self.offsets, self.in_block = size, [], [], 0

    def begins(self, gap_fits, start, offset):
        """Records the next entry; True when it opens a new block (whose first entry then stores no gap)."""
        opens = self.in_block == self.size or not gap_fits or not self.starts
        if opens:
            self.starts.append(start)
            self.offsets.append(offset)
            self.in_block = 0
        self.in_block += 1
        return opens


def block_index(starts, offsets, shift, end):
    """One word per block: the block's first position | its offset << shift; then a sentinel holding the end offset."""
    starts, offsets = starts + [(1 << shift) - 1], offsets + [end]
    for start, offset in zip(starts, offsets):
        assert start < (1 << shift) and offset < (1 << (32 - shift)), (hex(start), offset)
    return [start | (offset << shift) for start, offset in zip(starts, offsets)]


def palette_stream(transitions, block_size, shift):
    """Transitions as a palette (at most 64 values) and a byte stream with a block index.

    Transition: [delta code << 6 | palette index] [delta if code == 0], where the delta from the previous transition is
    the code (1-3) or the next byte (4-255). A block starts every `block_size` transitions and wherever the delta exceeds
    255; its index word holds its first position - 1 (its first transition has delta code 1), so a block's transitions
    are decoded without the previous block. Returns (palette, block index, stream).
    """
    palette = sorted({value for _, value in transitions} | {0})
    assert len(palette) <= 64, len(palette)
    stream, blocks = [], Blocks(block_size)
    previous = 0
    for cp, value in transitions:
        delta = cp - previous
        if blocks.begins(delta <= 0xFF, cp - 1, len(stream)):
            delta = 1
        if delta <= 3:
            stream.append(delta << 6 | palette.index(value))
        else:
            stream += [palette.index(value), delta]
        previous = cp
    return palette, block_index(blocks.starts, blocks.offsets, shift, len(stream)), stream


# --- Swift output -------------------------------------------------------------------------------------------------------


def hex_literal(value, digits):
    """0x-literal with `digits` hex digits, grouped by 4 from the right when longer (swift-format GroupNumericLiterals)."""
    text = f"{value:0{digits}X}"
    if len(text) > 4:
        groups = []
        while text:
            groups.insert(0, text[-4:])
            text = text[:-4]
        text = "_".join(groups)
    return "0x" + text


def swift_array(name, type_, values, doc, per_line=8, hex_digits=6):
    lines = ["  /// " + line for line in doc]
    lines.append(f"  static let {name}: [{type_}] = [")
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        lines.append("    " + ", ".join(hex_literal(v, hex_digits) for v in chunk) + ",")
    lines.append("  ]")
    return "\n".join(lines)


def swift_file(generator, enum_name, header, doc, members):
    """A generated Swift file: the GENERATED line, `header` comment lines, then `enum enum_name` with its doc line and
    `members` (Swift text each) separated by blank lines."""
    return "\n".join([
        f"// {enum_name}.swift — GENERATED by reference/{generator}; do not edit by hand.",
        *header,
        "",
        "/// " + doc,
        f"enum {enum_name} {{",
        "\n\n".join(members),
        "}",
        "",
    ])


def main(swift_name, generate, verify):
    """`--verify`: exit with verify()'s status; else write generate()'s source to Sources/Wasmicro/Tokenizer/swift_name."""
    if "--verify" in sys.argv:
        sys.exit(verify())
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = os.path.join(root, "Sources", "Wasmicro", "Tokenizer", swift_name)
    source, total = generate()
    with open(output, "w") as f:
        f.write(source)
    print(f"wrote {output}: {total} bytes of table data")


def swift_palette_stream(blocks_name, stream_name, index, stream, block_size, shift, transition_count):
    """The block index and stream of `palette_stream` as two Swift arrays (the palette has its own doc)."""
    return [
        swift_array(blocks_name, "UInt32", index, [
            f"One word per block of `{stream_name}` (at most {block_size} transitions): first position - 1 | byte offset"
            f" << {shift};", "then a sentinel, (end offset) << shift | all position bits."]),
        swift_array(stream_name, "UInt8", stream, [
            f"The property value of scalars from U+0080 on, as {transition_count} transitions [delta code << 6 | palette "
            "index]",
            "[delta if code == 0]: the value changes at previous position + delta, delta = code (1-3) or the next byte."],
            per_line=16, hex_digits=2),
    ]
