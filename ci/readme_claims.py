#!/usr/bin/env python3
"""Regenerate README.md's claim tables from reports written by wasmicro-verify (and make wasm's dist/size.json).

Every number in the README's generated blocks comes from those files; nothing is typed by hand. The blocks sit between
`<!-- claims:NAME:begin -->` and `<!-- claims:NAME:end -->` markers and are replaced whole.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    if abs(value) < 1e-3:
        return f"{value:.1e}"
    if 0.999 < value < 1:
        return f"{value:.10f}"
    return f"{value:.6f}"


def parity_table(report: dict) -> str:
    rows = ["| engine | fixture | kind | result | key figures |", "|---|---|---|---|---|"]
    keys = {
        "tokenizer": ["token_id_matches", "token_cases"],
        "forward": ["hidden_state_max_abs", "embedding_cosine_min", "pooler_max_abs", "logits_max_abs"],
        "search": ["search_top1_agree_with_hf", "search_top1_agree_with_intended", "search_top10_spearman_mean", "queries"],
        "quality": ["embedding_cosine_min", "embedding_cosine_mean", "search_top1_agree_with_hf",
                    "search_top1_agree_with_intended", "bundle_bytes"],
        "embedding-head": ["labels_agree_with_sklearn", "probabilities_max_abs", "cases"],
    }
    for entry in report["fixtures"]:
        metrics = entry["metrics"]
        if entry["kind"] == "tokenizer":
            figures = f"{fmt(metrics['token_id_matches'])}/{fmt(metrics['token_cases'])} exact ids"
        elif entry["kind"] == "tokenizer-sweep":
            figures = (f"{fmt(metrics['sweep_block_matches'])}/{fmt(metrics['sweep_blocks'])} blocks exact, "
                       f"{int(metrics['sweep_code_points']):,} code points")
        else:
            figures = ", ".join(f"{k} {fmt(metrics[k])}" for k in keys[entry["kind"]] if k in metrics)
        result = "pass" if entry["passed"] else "**FAIL**"
        rows.append(f"| {entry['engine']} | {entry['fixture']} | {entry['kind']} | {result} | {figures} |")
    thresholds = report["thresholds"]
    rows.append("")
    rows.append(
        "Thresholds (fixtures/thresholds.json): hidden states max abs ≤ "
        f"{fmt(thresholds['hidden_state_max_abs'])}, embedding cosine ≥ {thresholds['embedding_cosine_min']}, "
        f"token ids {fmt(thresholds['token_id_match'] * 100)}% exact, search top-1 equal to HF's on "
        f"{fmt(thresholds['search_top1_agree_with_hf'] * 100)}% of queries."
    )
    return "\n".join(rows)


def size_table(size: dict) -> str:
    rows = ["| build | bytes |", "|---|---:|"]
    for key, label in (("raw", "raw (wasm-ld)"), ("oz", "wasm-opt -Oz"), ("gzip", "-Oz + gzip -9"),
                       ("heads_oz", "heads module (wasmicro-heads.wasm), -Oz"),
                       ("heads_gzip", "heads module, -Oz + gzip -9"),
                       ("multilingual_oz", "multilingual module (wasmicro-multilingual.wasm), -Oz"),
                       ("multilingual_gzip", "multilingual module, -Oz + gzip -9")):
        if key in size:
            rows.append(f"| {label} | {size[key]:,} |")
    if "budget" in size and "oz" in size:
        verdict = "within" if size["oz"] <= size["budget"] else "**over**"
        rows.append("")
        sentence = f"The -Oz module is {verdict} the CI budget of {size['budget']:,} bytes (ci/wasm-budget.json)"
        if "target" in size:
            reached = "meets" if size["oz"] <= size["target"] else "does not yet meet"
            sentence += f" and {reached} the {size['target']:,}-byte target"
        if "heads_oz" in size and "heads_budget" in size:
            heads = "within" if size["heads_oz"] <= size["heads_budget"] else "**over**"
            sentence += (f". The heads module (the default exports plus the embedding-head ones, for EmbeddingClassifier) is "
                         f"{heads} its own budget of {size['heads_budget']:,} bytes")
        if "multilingual_oz" in size and "multilingual_budget" in size:
            multilingual = "within" if size["multilingual_oz"] <= size["multilingual_budget"] else "**over**"
            sentence += (f". The multilingual module (the heads module plus tokenizer.json tokenizers and the XLM-RoBERTa, "
                         f"RoBERTa and DistilBERT encoders) is {multilingual} its own budget of "
                         f"{size['multilingual_budget']:,} bytes")
        rows.append(sentence + ".")
    return "\n".join(rows)


def bytes_table(breakdown: str, top: int = 12) -> str:
    """Where the bytes go, from dist/size-breakdown.txt: the shipped module's code/data split, then the largest owners
    in the linked module (before wasm-opt inlines small functions into the export thunks, so ownership is still clear)."""
    shipped, _, linked = breakdown.partition("== before wasm-opt")
    split = re.search(r"code: (\d+) bytes in (\d+) functions; data: (\d+) bytes", shipped)
    owners = re.findall(r"^\s+(\d+)\s+([\d.]+)%\s+(\d+) fn\s+(.+)$", linked, re.M)
    rows = []
    if split:
        code, functions, data = (int(value) for value in split.groups())
        rows.append(f"Shipped module: {code:,} bytes of code in {functions} functions and {data:,} bytes of data "
                    "(tables, message texts, type metadata).")
        rows.append("")
    if owners:
        rows += ["| owner (linked module, before -Oz) | functions | bytes | share of its code |", "|---|---:|---:|---:|"]
        for size, share, count, owner in owners[:top]:
            rows.append(f"| {owner} | {count} | {int(size):,} | {share}% |")
    return "\n".join(rows)


def formats_table(report: dict) -> str:
    """One row per weight format, from reports/wasm-formats.json (node ci/wasm-formats.mjs, run by make wasm-test)."""
    rows = ["| format | model.safetensors | wasm memory after load | cosine vs f32 HF (min / mean) |", "|---|---:|---:|---|"]
    for row in report["rows"]:
        mib = lambda key: f"{row[key] / 1048576:.2f} MiB"
        rows.append(f"| {row['format']} | {mib('model_safetensors_bytes')} | {mib('wasm_memory_after_load_bytes')} | "
                    f"{row['cosine_vs_f32_hf_min']:.6f} / {row['cosine_vs_f32_hf_mean']:.6f} |")
    sentences = report["rows"][0]["sentences"] if report["rows"] else 0
    rows.append("")
    rows.append(f"all-MiniLM-L6-v2 in the wasm engine (Node), each format in a fresh instance; cosine over the {sentences} "
                "sentences of fixtures/forward-minilm.json against sentence-transformers' f32 embeddings.")
    return "\n".join(rows)


def bench_table(report: dict) -> str:
    """Median ms per engine and case from reports/bench.json (make bench), with the speed ratio to ONNX Runtime."""
    cases = ["8 tokens", "128 tokens", "32 sentences", "cold start"]
    engines = []
    for row in report["rows"]:
        key = (row["engine"], row["format"])
        if key not in engines:
            engines.append(key)
    rows = ["| engine | format | " + " | ".join(cases) + " |", "|---|---|" + "---:|" * len(cases)]
    for engine, fmt in engines:
        cells = []
        for case in cases:
            match = [r for r in report["rows"] if (r["engine"], r["format"], r["case"]) == (engine, fmt, case)]
            if not match:
                cells.append("–")
                continue
            r = match[0]
            ratio = f" ({r['speed_vs_ort']:.2f}×)" if "speed_vs_ort" in r and engine != "onnxruntime" else ""
            cells.append(f"{r['median_ms']:.1f}{ratio}")
        rows.append(f"| {engine} | {fmt} | " + " | ".join(cells) + " |")
    cpu = report["cpu"]
    peers = report.get("peers") or {}
    rows.append("")
    rows.append(
        f"Median ms over {report['runs']} runs, one thread, {report['date']}; in parentheses ORT's time / ours (> 1: faster "
        f"than ONNX Runtime {peers.get('onnxruntime', '?')}; PyTorch {peers.get('torch', '?')}). CPU: {cpu['model']} "
        f"({' '.join(cpu['flags'])}); native build: {report['native_build']}; Node {report['node']}; "
        f"{report.get('browser') or 'no browser'}. Chart: reports/bench.svg.")
    return "\n".join(rows)


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- claims:{name}:begin -->\n).*?(\n<!-- claims:{name}:end -->)", re.S)
    if not pattern.search(text):
        print(f"readme-claims: README.md has no claims:{name} block", file=sys.stderr)
        return text
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    report_path = ROOT / "reports" / "verify-report.json"
    if not report_path.exists():
        print("readme-claims: run `make verify` first (no reports/verify-report.json)", file=sys.stderr)
        return 1
    text = replace_block(text, "parity", parity_table(json.loads(report_path.read_text())))
    size_path = ROOT / "dist" / "size.json"
    if size_path.exists():
        text = replace_block(text, "size", size_table(json.loads(size_path.read_text())))
    breakdown_path = ROOT / "dist" / "size-breakdown.txt"
    if breakdown_path.exists():
        text = replace_block(text, "bytes", bytes_table(breakdown_path.read_text()))
    formats_path = ROOT / "reports" / "wasm-formats.json"
    if formats_path.exists():
        text = replace_block(text, "formats", formats_table(json.loads(formats_path.read_text())))
    bench_path = ROOT / "reports" / "bench.json"
    if bench_path.exists():
        text = replace_block(text, "bench", bench_table(json.loads(bench_path.read_text())))
    readme.write_text(text)
    print("readme-claims: README.md updated from", report_path.relative_to(ROOT), "and dist/size.json" if size_path.exists() else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
