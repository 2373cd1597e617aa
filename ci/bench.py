#!/usr/bin/env python3
"""`make bench`: one run, the same cases for every engine, peers in the same run.

Cases: 8 tokens (batch 1), 128 tokens (batch 1), 32 short sentences as one batch, and the cold start (bytes on disk to
the first embedding: process start included for the CLI, module instantiation and model load for wasm).
Engines: wasmicro native (every format of the default model), wasmicro wasm in Node, wasmicro wasm in headless
Chromium, and PyTorch / ONNX Runtime on one thread when BENCH_PYTHON names a Python that has them.
Writes reports/bench.json and reports/bench.svg and prints a table (median, min, max, tokens/s, GFLOP/s, ratio to ORT).
A benchmark, not a test: nothing here passes or fails on a timing.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "all-MiniLM-L6-v2"
FORMATS = ["f32", "q8", "q4", "f16"]
WORDS = ("the man is eating food and the woman is reading a book while the children play in the park near the old "
         "house by the river").split()
SENTENCES = [
    "A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby.",
    "A man is riding a horse.", "A woman is playing violin.", "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.", "A monkey is playing drums.",
    "Someone in a gorilla costume is playing a set of drums.", "A cheetah is running behind its prey.",
    "The new movie is awesome.", "The cat sits outside.", "The new movie is so great.", "I love pasta.",
    "Do you like pizza?", "The weather is lovely today.", "It is so sunny outside!", "He drove to the stadium.",
    "She reads a book in the garden.", "The train leaves at noon.", "We bought fresh bread this morning.",
    "The river runs past the old mill.", "My phone battery died again.", "The children are playing football.",
    "A dog is barking at the mailman.", "The coffee is too hot to drink.", "Rain is expected tomorrow afternoon.",
    "He fixed the bike in an hour.", "The museum opens at nine.", "They planted tomatoes in spring.",
    "The meeting was moved to Friday.", "Snow covered the mountain road.",
]


# The wasm module's GEMM path is fixed at build time (Sources/Wasmicro/Ops/Linear.swift, `linearKernelPath` under
# arch(wasm32)); the native one is reported by the bench binary itself.
WASM_KERNEL = "wasm simd128, 2x4 tile, f32x4, mul+add"


def run(command, **kwargs) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT, **kwargs).stdout


def model_dir(fmt: str) -> Path:
    return MODEL if fmt == "f32" else MODEL.parent / f"{MODEL.name}-{fmt}"


def make_cases(cli: Path) -> dict:
    groups = [("8 tokens", ["A man is eating food."]), ("128 tokens", [" ".join((WORDS * 6)[:126])]),
              ("32 sentences", SENTENCES)]
    cases = []
    for name, texts in groups:
        lines = run([str(cli), "tokenize", "--model", str(MODEL), "--jsonl", *texts]).splitlines()
        ids = [json.loads(line)["input_ids"] for line in lines]
        cases.append({"name": name, "texts": texts, "tokens": sum(map(len, ids)), "input_ids": ids})
    return {"cases": cases}


def flops(lengths, config) -> float:
    """Multiply-adds × 2 of the encoder over sequences of these lengths (no padding: the useful work)."""
    hidden, intermediate, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    return sum(2 * layers * (t * (4 * hidden * hidden + 2 * hidden * intermediate) + 2 * t * t * hidden) for t in lengths)


def cold_start_cli(cli: Path, directory: Path, runs: int) -> list:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run([str(cli), "embed", "--model", str(directory), "A man is eating food."])
        times.append((time.perf_counter() - started) * 1000)
    return times


def cpu_description() -> dict:
    flags = set()
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    shown = [f for f in ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                         "avx_vnni") if f in flags]
    return {"model": model, "flags": shown, "cores": os.cpu_count()}


def svg_chart(rows) -> str:
    """Horizontal bars of the median per case and engine, on one log-free scale per case."""
    cases = [c for c in ("8 tokens", "128 tokens", "32 sentences", "cold start") if any(r["case"] == c for r in rows)]
    bar, gap, label_width, width = 16, 26, 250, 760
    height = sum(gap + bar * sum(1 for r in rows if r["case"] == c) for c in cases) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="11"><rect width="100%" height="100%" fill="white"/>',
             '<text x="8" y="16" font-size="13" font-weight="bold">wasmicro make bench: median ms (shorter is faster)</text>']
    y = 30
    for case in cases:
        group = [r for r in rows if r["case"] == case]
        longest = max(r["median_ms"] for r in group) or 1
        parts.append(f'<text x="8" y="{y + 14}" font-weight="bold">{case}</text>')
        y += gap - 6
        for r in group:
            length = (width - label_width - 90) * r["median_ms"] / longest
            colour = "#2b7bb9" if r["engine"].startswith("wasmicro") else "#999"
            parts.append(f'<text x="8" y="{y + 12}">{r["engine"]} {r["format"] or ""}</text>')
            parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{bar - 4}" fill="{colour}"/>')
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 12}">{r["median_ms"]:.2f}</text>')
            y += bar
        y += 6
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--native-cpu", default="", help="the -target-cpu the native build used ('' = portable)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    cli = ROOT / ".build" / "release" / "wasmicro"
    bench = ROOT / ".build" / "release" / "WasmicroBench"
    config = json.loads((MODEL / "config.json").read_text())
    formats = [f for f in FORMATS if (model_dir(f) / "model.safetensors").is_file()]
    cases = make_cases(cli)
    work = Path(tempfile.mkdtemp(prefix="wasmicro-bench-"))
    cases_path = work / "cases.json"
    cases_path.write_text(json.dumps(cases))
    lengths = {c["name"]: [len(ids) for ids in c["input_ids"]] for c in cases["cases"]}
    raw = []  # (engine, format, case, milliseconds)

    print(f"native: {len(formats)} formats ({', '.join(formats)}), {args.runs} runs per case", file=sys.stderr)
    native = json.loads(run([str(bench), str(cases_path), str(args.runs), *map(str, map(model_dir, formats))]))
    for r in native["results"]:
        fmt = next(f for f in formats if str(model_dir(f)) == r["model"])
        raw.append(("wasmicro native", fmt, r["case"], r["milliseconds"]))
    for fmt in formats:
        raw.append(("wasmicro native", fmt, "cold start", cold_start_cli(cli, model_dir(fmt), args.runs)))

    print("wasm in Node", file=sys.stderr)
    node = json.loads(run(["node", "ci/bench-wasm.mjs", str(cases_path), str(args.runs), *formats]))
    raw += [("wasmicro wasm node", r["format"], r["case"], r["milliseconds"]) for r in node["results"]]
    browser_version = None
    if not args.no_browser:
        print("wasm in headless Chromium", file=sys.stderr)
        chromium = json.loads(run(["node", "ci/bench-browser.mjs", str(cases_path), str(args.runs), *formats]))
        browser_version = chromium.get("browser")
        raw += [("wasmicro wasm chromium", r["format"], r["case"], r["milliseconds"]) for r in chromium["results"]]

    peers_versions = None
    python = os.environ.get("BENCH_PYTHON")
    if python:
        print(f"peers with {python}", file=sys.stderr)
        peers = json.loads(run([python, "ci/bench-peers.py", str(cases_path), str(args.runs), str(MODEL)]))
        peers_versions = peers["versions"]
        raw += [(r["engine"], "f32", r["case"], r["milliseconds"]) for r in peers["results"]]
    else:
        print("peers skipped: set BENCH_PYTHON to a Python with torch, transformers and onnxruntime", file=sys.stderr)

    rows = []
    for engine, fmt, case, times in raw:
        median = statistics.median(times)
        row = {"engine": engine, "format": fmt, "case": case, "runs": len(times), "median_ms": median,
               "min_ms": min(times), "max_ms": max(times)}
        if case in lengths:
            row["tokens"] = sum(lengths[case])
            row["tokens_per_second"] = row["tokens"] / (median / 1000)
            row["gflops"] = flops(lengths[case], config) / (median / 1000) / 1e9
        rows.append(row)
    ort = {r["case"]: r["median_ms"] for r in rows if r["engine"] == "onnxruntime"}
    for row in rows:
        if row["case"] in ort:
            row["speed_vs_ort"] = ort[row["case"]] / row["median_ms"]  # > 1: faster than ORT
    report = {
        "tool": "ci/bench.py", "date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu": cpu_description(),
        "native_build": f"-target-cpu {args.native_cpu}" if args.native_cpu else "portable (default flags)",
        "native_kernel": native["kernel"], "wasm_kernel": WASM_KERNEL,
        "node": run(["node", "--version"]).strip(), "browser": browser_version, "peers": peers_versions,
        "threads": 1, "runs": args.runs, "cases": [{k: v for k, v in c.items() if k != "input_ids"} for c in cases["cases"]],
        "rows": rows,
    }
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (ROOT / "reports" / "bench.svg").write_text(svg_chart(rows) + "\n")

    print(f"cpu: {report['cpu']['model']}; flags: {' '.join(report['cpu']['flags'])}; native build: {report['native_build']}")
    print(f"GEMM path: native {report['native_kernel']}; wasm {report['wasm_kernel']}")
    print(f"{'engine':24} {'fmt':4} {'case':13} {'median ms':>10} {'min':>8} {'max':>8} {'tok/s':>9} {'GFLOP/s':>8} {'vs ORT':>7}")
    for r in rows:
        print(f"{r['engine']:24} {r['format']:4} {r['case']:13} {r['median_ms']:10.2f} {r['min_ms']:8.2f} {r['max_ms']:8.2f} "
              f"{r.get('tokens_per_second', 0):9.0f} {r.get('gflops', 0):8.2f} "
              f"{(format(r['speed_vs_ort'], '.2f') if 'speed_vs_ort' in r else '-'):>7}")
    print("wrote reports/bench.json and reports/bench.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
