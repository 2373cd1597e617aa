#!/usr/bin/env python3
"""`make bench`, the peers: PyTorch (transformers) and ONNX Runtime on one thread, the same cases and token ids.

Runs under BENCH_PYTHON (a Python with torch, transformers, onnxruntime and onnx, e.g. the reference venv plus
`pip install onnxruntime onnx onnxscript`). The model is exported to ONNX once (models/onnx/<name>.onnx, reused while the
model file's size and mtime match). Both peers get the ids our tokenizer made (ci/bench.py puts them in the cases file);
a batch is right-padded as those libraries run it. Cold start: model file on disk -> session / model ready -> first
embedding, inside this process (Python start and imports excluded). Prints JSON; ci/bench.py does the statistics.

Usage: $BENCH_PYTHON ci/bench-peers.py CASES.json RUNS MODEL_DIR
"""
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402
from transformers import BertModel  # noqa: E402

torch.set_num_threads(1)


def padded(item):
    ids = item["input_ids"]
    width = max(len(row) for row in ids)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, values in enumerate(ids):
        input_ids[row, :len(values)] = values
        mask[row, :len(values)] = 1
    return input_ids, mask


def mean_pool(hidden, mask):
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def export_onnx(model_dir: Path) -> Path:
    source = model_dir / "model.safetensors"
    target = model_dir.parent / "onnx" / f"{model_dir.name}.onnx"
    stamp = target.with_suffix(".source")
    signature = f"{source.stat().st_size} {source.stat().st_mtime_ns}"
    if target.is_file() and stamp.is_file() and stamp.read_text() == signature:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    bert = BertModel.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(Encoder().eval(), (ids, torch.ones_like(ids)), str(target), input_names=["input_ids", "attention_mask"],
                      output_names=["last_hidden_state"], dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                      "attention_mask": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}},
                      opset_version=17, dynamo=False)
    stamp.write_text(signature)
    return target


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())["cases"]
    runs = int(sys.argv[2])
    model_dir = Path(sys.argv[3])
    onnx_path = export_onnx(model_dir)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1

    def ort_session():
        return onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def torch_model():
        return BertModel.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="eager").eval()

    def ort_embed(session, item):
        ids, mask = padded(item)
        return mean_pool(session.run(None, {"input_ids": ids, "attention_mask": mask})[0], mask)

    def torch_embed(model, item):
        ids, mask = padded(item)
        with torch.inference_mode():
            hidden = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
        return mean_pool(hidden.numpy(), mask)

    results = []
    for engine, make, embed in (("onnxruntime", ort_session, ort_embed), ("pytorch", torch_model, torch_embed)):
        cold = []
        for _ in range(runs):
            started = time.perf_counter()
            instance = make()
            embed(instance, cases[0])
            cold.append((time.perf_counter() - started) * 1000)
        results.append({"engine": engine, "case": "cold start", "tokens": None, "milliseconds": cold})
        instance = make()
        for item in cases:
            for _ in range(3):
                embed(instance, item)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                embed(instance, item)
                times.append((time.perf_counter() - started) * 1000)
            results.append({"engine": engine, "case": item["name"], "tokens": item["tokens"], "milliseconds": times})
    versions = {"onnxruntime": onnxruntime.__version__, "torch": torch.__version__}
    print(json.dumps({"engine": "peers", "versions": versions, "results": results}))


if __name__ == "__main__":
    main()
