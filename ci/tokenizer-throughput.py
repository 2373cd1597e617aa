#!/usr/bin/env python3
"""Tokenizer throughput per text family: seconds per MB with the release CLI (`wasmicro tokenize --stdin`) and, when
web/wasmicro.wasm and node are there, with the wasm module in Node (ci/tokenizer-throughput.mjs).

The families are those of TokenizerTests' linear-work test (issue 11): marks of mixed combining classes once took
quadratic time. Each text is one line of about --megabytes MB. Not part of `make test` (no wall-clock assertions);
the test counts operations instead. Usage: ci/tokenizer-throughput.py [--cli .build/release/wasmicro] [--megabytes 1]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

FAMILIES = [
    ("mixed-class marks", "a", "\u0301\u0316\u0345\u05B0"),
    ("mixed-class kept marks", "a", "\U0001D16D\U0001D165\u302E\u1B44"),
    ("same-class marks", "a", "\u0301"),
    ("CJK", "", "中文字"),
    ("Hangul", "", "한국어 "),
    ("emoji ZWJ", "", "👩\u200D👩\u200D👧"),
    ("one repeated character", "", "a"),
    ("words", "", "hello world, "),
    ("accented words", "", "Grüße aus Hà Nội "),
]


def family_text(prefix, unit, size):
    """prefix + unit repeated to about `size` UTF-8 bytes (one line)."""
    return prefix + unit * max(1, (size - len(prefix.encode())) // len(unit.encode()))


def time_cli(cli, model, path, timeout):
    start = time.perf_counter()
    try:
        with open(path, "rb") as stdin:
            subprocess.run([cli, "tokenize", "--model", model, "--stdin"], stdin=stdin, stdout=subprocess.DEVNULL,
                           check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - start


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=os.path.join(root, ".build/release/wasmicro"))
    parser.add_argument("--model", default=os.path.join(root, "models/all-MiniLM-L6-v2"))
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a run counts as a hang")
    parser.add_argument("--no-wasm", action="store_true")
    args = parser.parse_args()
    size = int(args.megabytes * (1 << 20))
    node = shutil.which("node")
    wasm = os.path.join(root, "web/wasmicro.wasm")
    use_wasm = not args.no_wasm and node is not None and os.path.exists(wasm)

    with tempfile.TemporaryDirectory() as directory:
        empty = os.path.join(directory, "empty.txt")
        with open(empty, "wb") as file:
            file.write(b"x\n")
        startup = min(time_cli(args.cli, args.model, empty, args.timeout) for _ in range(3))
        print(f"native CLI start-up (model + vocab load, one short text): {startup:.3f} s, subtracted below")
        print(f"{'family':<26} {'MB':>6} {'native s/MB':>12} {'wasm s/MB':>10}")
        for name, prefix, unit in FAMILIES:
            path = os.path.join(directory, "text.txt")
            data = family_text(prefix, unit, size).encode()
            with open(path, "wb") as file:
                file.write(data + b"\n")
            megabytes = len(data) / (1 << 20)
            seconds = time_cli(args.cli, args.model, path, args.timeout)
            native = f"> {args.timeout:.0f} s" if seconds is None else f"{max(seconds - startup, 0) / megabytes:.3f}"
            wasm_figure = "-"
            if use_wasm:
                try:
                    result = subprocess.run(
                        [node, os.path.join(root, "ci/tokenizer-throughput.mjs"), wasm, args.model, path],
                        capture_output=True, text=True, check=True, timeout=args.timeout)
                    wasm_figure = f"{float(result.stdout.strip()) / megabytes:.3f}"
                except subprocess.TimeoutExpired:
                    wasm_figure = f"> {args.timeout:.0f} s"
            print(f"{name:<26} {megabytes:>6.2f} {native:>12} {wasm_figure:>10}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
