#!/usr/bin/env python3
"""Generate wasmicro's HuggingFace parity fixtures.

Scope: runs HuggingFace transformers / tokenizers / sentence-transformers (the reference implementation) on case files and
writes the expected outputs as JSON fixtures (plus safetensors side files for large float arrays) that the Swift harness
`wasmicro-verify` compares against. It also builds the synthetic checkpoints and the trained multilingual cased vocab that
some fixtures use, and fits scikit-learn classifier heads on sentence embeddings, exported with export_head.py. The
fixture schema is documented in reference/README.md; bump SCHEMA_VERSION when it changes.

Non-goals: no comparison against wasmicro (that is the harness's job), no network access (models come from local
directories; HF_HUB_OFFLINE is forced), no GPU (everything runs on CPU in float32; sklearn heads fit in float64).

Usage:
  python reference/generate.py --all --out fixtures/                     # regenerate every committed fixture
  python reference/generate.py --quantized --out fixtures/               # only the quantized-bundle fixtures
  python reference/generate.py --heads --out fixtures/                   # only the embedding-head fixtures
  python reference/generate.py --multilingual --out fixtures/            # only the tokenizer.json / XLM-R / RoBERTa /
                                                                         # DistilBERT fixtures (issue 12)
  python reference/generate.py --sweep-ids fixtures/models/unigram-xlmr 0x300 0x36F   # expected sweep lines (debug)
  python reference/generate.py --model DIR --cases FILE --out DIR        # a user's own cases against any BERT directory
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The WordPiece trainer is deterministic on one thread; keep it so.
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("RAYON_RS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import safetensors.numpy  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

transformers.logging.set_verbosity_error()

SCHEMA_VERSION = 1
REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPO_ROOT / "reference"
DEFAULT_MINILM = REPO_ROOT / "models" / "all-MiniLM-L6-v2"
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOKENIZER_FILES = ["vocab.txt", "tokenizer_config.json", "tokenizer.json", "special_tokens_map.json"]
MODEL_FILES = ["config.json", "model.safetensors"]
SENTENCE_TRANSFORMERS_FILES = [
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
]


# MARK: - Small helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_files(model_dir: Path, names: list[str]) -> dict[str, str]:
    """sha256 of each listed file that exists in `model_dir` (path relative to the directory → hex digest)."""
    return {name: sha256_file(model_dir / name) for name in names if (model_dir / name).is_file()}


def versions() -> dict:
    import sentence_transformers

    return {
        "python": platform.python_version(),
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
    }


def model_block(model_dir: Path, location: str, files: list[str], name: str | None = None) -> dict:
    """Where the harness finds the model and the sha256 of every file the generator read from it."""
    try:
        shown = str(model_dir.resolve().relative_to(REPO_ROOT))
    except ValueError:
        shown = str(model_dir)
    return {
        "name": name or model_dir.name,
        "location": location,
        "path": shown,
        "files": model_files(model_dir, files),
    }


def _dump_value(value, indent: str) -> str:
    """JSON with one line per element for arrays of objects and compact scalars/arrays elsewhere (diff-friendly, small)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        parts = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump_value(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(e, dict) for e in value):
        inner = indent + "  "
        parts = [inner + json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in value]
        return "[\n" + ",\n".join(parts) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump_value(obj, "") + "\n", encoding="utf-8")


def load_cases(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION:
        raise SystemExit(f"{path}: case file schema_version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    return data


def expand_cases(entries: list[dict]) -> list[dict]:
    """Expand the case-file shorthand: a group {"group", "lang", "tags"?, "max_lengths"?, "texts": [...]} or
    {"group", ..., "pairs": [[a, b], ...]} becomes one case per text with id "<group>-<n>" (n from 1)."""
    cases = []
    seen = set()
    for entry in entries:
        if "texts" in entry or "pairs" in entry:
            shared = {k: v for k, v in entry.items() if k not in ("group", "texts", "pairs")}
            items = entry.get("texts") or entry.get("pairs")
            for n, item in enumerate(items, start=1):
                case = dict(shared, id=f"{entry['group']}-{n:02d}")
                if "pairs" in entry:
                    case["text"], case["text_pair"] = item
                else:
                    case["text"] = item
                cases.append(case)
        else:
            cases.append(entry)
    for case in cases:
        if case["id"] in seen:
            raise SystemExit(f"duplicate case id {case['id']!r}")
        if "lang" not in case:
            raise SystemExit(f"case {case['id']!r} has no lang")
        seen.add(case["id"])
    return cases


def case_text(case: dict, key: str = "text") -> str | None:
    """The case's text, with the case-file `repeat` convenience expanded (text repeated N times, no separator)."""
    text = case.get(key)
    if text is None:
        return None
    repeat = case.get("repeat", 1) if key == "text" else case.get("repeat_pair", 1)
    return text * int(repeat)


def header(kind: str, name: str, description: str) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "name": name,
        "description": description,
        "generator": {"script": "reference/generate.py", "versions": versions()},
    }


def tensor_ref(name: str, array: np.ndarray) -> dict:
    return {"tensor": name, "shape": list(array.shape)}


def save_tensors(path: Path, tensors: dict[str, np.ndarray], fixture_name: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written by hand rather than with safetensors.numpy.save_file, whose __metadata__ key order follows a randomly
    # seeded Rust HashMap: this way the same tensors always give the same bytes. Layout: u64 LE header length, JSON
    # header (tensors sorted by name, padded with spaces to a multiple of 8), then the little-endian float32 data.
    header_entries = {"__metadata__": {"fixture": fixture_name, "schema_version": str(SCHEMA_VERSION)}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header_entries[name] = {
            "dtype": "F32",
            "shape": list(np.shape(tensors[name])),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    header_bytes = json.dumps(header_entries, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as handle:
        handle.write(len(header_bytes).to_bytes(8, "little"))
        handle.write(header_bytes)
        for blob in blobs:
            handle.write(blob)
    check = safetensors.numpy.load_file(str(path))
    for name, value in tensors.items():
        if not np.array_equal(check[name], np.asarray(value, dtype=np.float32)):
            raise SystemExit(f"{path}: tensor {name} did not round-trip")
    return sha256_file(path)


# MARK: - Tokenizers


def tokenizer_options(fast) -> dict:
    """The options the fast tokenizer really runs with, read back from its Rust pipeline (not from what we asked for)."""
    normalizer = fast.backend_tokenizer.normalizer
    model = fast.backend_tokenizer.model
    return {
        "do_lower_case": bool(normalizer.lowercase),
        # null means "follow do_lower_case" (HF's BertNormalizer default).
        "strip_accents": normalizer.strip_accents,
        "tokenize_chinese_chars": bool(normalizer.handle_chinese_chars),
        "clean_text": bool(normalizer.clean_text),
        "max_input_chars_per_word": int(model.max_input_chars_per_word),
        "continuing_subword_prefix": model.continuing_subword_prefix,
        "unk_token": fast.unk_token,
        "cls_token": fast.cls_token,
        "sep_token": fast.sep_token,
        "pad_token": fast.pad_token,
        "mask_token": fast.mask_token,
        "model_max_length": int(fast.model_max_length),
        "truncation_strategy": "longest_first",
    }


def load_tokenizers(model_dir: Path, overrides: dict | None = None):
    """(fast AutoTokenizer, slow pure-Python BertTokenizerLegacy or None, slow class name)."""
    overrides = overrides or {}
    fast = AutoTokenizer.from_pretrained(str(model_dir), **overrides)
    if not fast.is_fast:
        raise SystemExit(f"{model_dir}: AutoTokenizer did not return a fast tokenizer")
    slow = None
    slow_name = None
    try:  # transformers 5 keeps the old pure-Python implementation under this name
        from transformers.models.bert import BertTokenizerLegacy as SlowTokenizer
    except ImportError:
        SlowTokenizer = None
    if SlowTokenizer is not None:
        slow = SlowTokenizer.from_pretrained(str(model_dir), **overrides)
        slow_name = f"{SlowTokenizer.__module__}.{SlowTokenizer.__name__}"
    return fast, slow, slow_name


def encode_one(tokenizer, text: str, pair: str | None, max_length: int) -> dict:
    encoding = tokenizer(
        text,
        pair,
        max_length=max_length,
        truncation="longest_first",
        return_token_type_ids=True,
        return_attention_mask=True,
    )
    ids = list(encoding["input_ids"])
    return {
        "input_ids": ids,
        "tokens": tokenizer.convert_ids_to_tokens(ids),
        "token_type_ids": list(encoding["token_type_ids"]),
        "attention_mask": list(encoding["attention_mask"]),
    }


def untruncated_length(tokenizer, text: str, pair: str | None) -> int:
    return len(tokenizer(text, pair, truncation=False, return_token_type_ids=False)["input_ids"])


def tokenizer_fixture(
    name: str,
    description: str,
    model_dir: Path,
    location: str,
    cases: list[dict],
    overrides: dict | None = None,
    model_name: str | None = None,
) -> dict:
    fast, slow, slow_name = load_tokenizers(model_dir, overrides)
    options = tokenizer_options(fast)
    if slow is not None:
        # Make sure the slow tokenizer really runs with the same options before comparing with it.
        basic = slow.basic_tokenizer
        same = (
            basic.do_lower_case == options["do_lower_case"]
            and basic.strip_accents == options["strip_accents"]
            and basic.tokenize_chinese_chars == options["tokenize_chinese_chars"]
        )
        if not same:
            raise SystemExit(f"{name}: slow tokenizer options differ from the fast one's")
    out_cases = []
    per_lang: dict[str, dict] = {}
    differing = []
    for case in cases:
        text = case_text(case, "text")
        pair = case_text(case, "text_pair")
        max_lengths = case.get("max_lengths") or [options["model_max_length"]]
        for max_length in max_lengths:
            case_id = case["id"] if len(max_lengths) == 1 else f"{case['id']}@{max_length}"
            expected = encode_one(fast, text, pair, max_length)
            full_length = untruncated_length(fast, text, pair)
            entry = {
                "id": case_id,
                "lang": case["lang"],
                "tags": case.get("tags", []),
                "text": text,
                "text_pair": pair,
                "max_length": max_length,
                "untruncated_length": full_length,
                "truncated": full_length > max_length,
                "expected": expected,
            }
            if slow is not None:
                slow_encoding = encode_one(slow, text, pair, max_length)
                agrees = (
                    slow_encoding["input_ids"] == expected["input_ids"]
                    and slow_encoding["token_type_ids"] == expected["token_type_ids"]
                )
                entry["slow_agrees"] = agrees
                if not agrees:
                    entry["slow"] = {k: slow_encoding[k] for k in ("input_ids", "tokens", "token_type_ids")}
                    differing.append(case_id)
            stats = per_lang.setdefault(case["lang"], {"cases": 0, "truncated": 0, "slow_differs": 0})
            stats["cases"] += 1
            stats["truncated"] += int(entry["truncated"])
            stats["slow_differs"] += int(entry.get("slow_agrees") is False)
            out_cases.append(entry)
    fixture = header("tokenizer", name, description)
    fixture["model"] = model_block(model_dir, location, TOKENIZER_FILES, model_name)
    fixture["tokenizer"] = {
        "fast_class": f"{type(fast).__module__}.{type(fast).__name__}",
        "fast_backend": "tokenizers (Rust): BertNormalizer -> BertPreTokenizer -> WordPiece -> TemplateProcessing",
        "slow_class": slow_name,
        "slow_note": (
            "slow = transformers' pure-Python BertTokenizerLegacy (BasicTokenizer + WordpieceTokenizer); in transformers 5 "
            "BertTokenizer itself is the Rust-backed fast tokenizer. Expected values always come from the fast tokenizer; "
            "slow results are recorded only where they differ."
        ),
        "options_overridden": overrides or {},
        "options": options,
    }
    fixture["summary"] = {
        "cases": len(out_cases),
        "languages": len(per_lang),
        "per_lang": dict(sorted(per_lang.items())),
        "slow_differs": differing,
    }
    fixture["cases"] = out_cases
    return fixture


def train_multilingual_vocab(corpus_dir: Path, out_dir: Path, vocab_size: int) -> Path:
    """Train a cased WordPiece vocab on reference/corpus/*.txt and write vocab.txt + tokenizer_config.json."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    lines = []
    for path in sorted(corpus_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##"))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=SPECIAL_TOKENS,
        continuing_subword_prefix="##",
        show_progress=False,
    )
    tokenizer.train_from_iterator(lines, trainer=trainer)
    vocab = tokenizer.get_vocab()
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    if [token for token, _ in ordered[: len(SPECIAL_TOKENS)]] != SPECIAL_TOKENS:
        raise SystemExit("trained vocab does not start with the special tokens")
    if [index for _, index in ordered] != list(range(len(ordered))):
        raise SystemExit("trained vocab ids are not contiguous")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vocab.txt").write_text("".join(token + "\n" for token, _ in ordered), encoding="utf-8")
    config = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": False,
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "do_basic_tokenize": True,
        "never_split": None,
        "unk_token": "[UNK]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
        "model_max_length": 512,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"  trained cased WordPiece vocab: {len(ordered)} tokens from {len(lines)} corpus lines -> {out_dir}")
    return out_dir


# MARK: - Forward passes


def encoder_class(architecture: str):
    """The transformers class for a config.json architecture; anything not listed runs as BertModel (as before)."""
    import transformers as hf

    known = ["BertForSequenceClassification", "XLMRobertaModel", "RobertaModel", "DistilBertModel"]
    return getattr(hf, architecture) if architecture in known else hf.BertModel


def load_bert(model_dir: Path):
    """(architecture, model in float32 eval mode). The weights are upcast to f32 whatever their dtype on disk."""
    config = json.loads((model_dir / "config.json").read_text())
    architecture = (config.get("architectures") or ["BertModel"])[0]
    cls = encoder_class(architecture)
    model = cls.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return architecture, model, config


def safetensors_dtypes(model_dir: Path) -> list[str]:
    path = model_dir / "model.safetensors"
    if not path.is_file():
        return []
    with safetensors.safe_open(str(path), "np") as handle:
        return sorted({handle.get_slice(key).get_dtype() for key in handle.keys()})


def run_bert(architecture, model, batch: dict) -> dict[str, np.ndarray]:
    """Run one padded batch; returns float32 arrays with a leading batch axis."""
    inputs = {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items()}
    if architecture == "DistilBertModel":  # no segment embeddings: DistilBERT's forward takes no token_type_ids
        inputs.pop("token_type_ids")
    with torch.no_grad():
        if architecture == "BertForSequenceClassification":
            base = model.bert(**inputs)
            logits = model(**inputs).logits
            outputs = {
                "last_hidden_state": base.last_hidden_state,
                "pooler_output": base.pooler_output,
                "logits": logits,
            }
        else:
            base = model(**inputs)
            outputs = {"last_hidden_state": base.last_hidden_state}
            if getattr(base, "pooler_output", None) is not None:
                outputs["pooler_output"] = base.pooler_output
    return {k: v.detach().to(torch.float32).numpy() for k, v in outputs.items()}


def mean_pool_norm(hidden: np.ndarray, mask: np.ndarray) -> float:
    """The L2 norm of the masked mean of `hidden` [seq, hidden] (float64)."""
    weights = mask.astype(np.float64)[:, None]
    pooled = (hidden.astype(np.float64) * weights).sum(0) / max(weights.sum(), 1e-9)
    return float(np.linalg.norm(pooled))


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask.astype(np.float64)[:, None]
    pooled = (hidden.astype(np.float64) * weights).sum(0) / max(weights.sum(), 1e-9)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


def forward_fixture(
    name: str,
    description: str,
    model_dir: Path,
    location: str,
    cases: list[dict],
    batches: list[dict],
    out_dir: Path,
    default_max_length: int | None = None,
    weights_note: str | None = None,
    tokenizer_file: str | None = None,
    extra_files: list[str] | None = None,
) -> dict:
    if tokenizer_file is None:
        fast, _, _ = load_tokenizers(model_dir)
    else:  # tokenizer.json models (issue 12): no slow BERT tokenizer to load beside it
        fast = AutoTokenizer.from_pretrained(str(model_dir))
    architecture, model, config = load_bert(model_dir)
    sentence_model = None
    st_max = None
    if (model_dir / "modules.json").is_file():
        from sentence_transformers import SentenceTransformer

        sentence_model = SentenceTransformer(str(model_dir), device="cpu")
        st_max = int(sentence_model.max_seq_length)
    max_default = default_max_length or st_max or int(fast.model_max_length)
    max_default = min(max_default, int(config.get("max_position_embeddings", max_default)))
    with safetensors.safe_open(str(model_dir / "model.safetensors"), "np") as handle:
        has_pooler_weights = any(key.endswith("pooler.dense.weight") for key in handle.keys())
    tensors: dict[str, np.ndarray] = {}
    out_cases = []
    id2label = config.get("id2label") or {}

    # Each single case is its own batch of one; each declared batch runs padded to its longest member.
    groups = [{"id": None, "cases": [c], "max_length": c.get("max_length")} for c in cases]
    for batch in batches:
        members = [
            {"id": f"{batch['id']}-{i}", "lang": batch.get("langs", ["und"] * len(batch["texts"]))[i], "text": t}
            for i, t in enumerate(batch["texts"])
        ]
        groups.append({"id": batch["id"], "cases": members, "max_length": batch.get("max_length")})

    check_embedding_max_abs = 0.0
    normalize = sentence_model is not None and any(type(m).__name__ == "Normalize" for m in sentence_model)
    for group in groups:
        max_length = group["max_length"] or max_default
        texts = [case_text(c, "text") for c in group["cases"]]
        pairs = [case_text(c, "text_pair") for c in group["cases"]]
        has_pairs = any(p is not None for p in pairs)
        encoded = fast(
            texts,
            pairs if has_pairs else None,
            max_length=max_length,
            truncation="longest_first",
            padding="longest",
            return_token_type_ids=True,
            return_attention_mask=True,
        )
        batch_inputs = {
            "input_ids": encoded["input_ids"],
            "token_type_ids": encoded["token_type_ids"],
            "attention_mask": encoded["attention_mask"],
        }
        outputs = run_bert(architecture, model, batch_inputs)
        if not has_pooler_weights:  # HF would have random-initialised the pooler: its output means nothing
            outputs.pop("pooler_output", None)
        embeddings = None
        if sentence_model is not None and not has_pairs:
            if max_length != st_max:
                raise SystemExit(f"{name}: sentence-transformers cases must use max_length {st_max}")
            embeddings = sentence_model.encode(texts, convert_to_numpy=True, batch_size=len(texts))
            # sentence-transformers must have seen exactly the ids we record.
            preprocess = getattr(sentence_model, "preprocess", None) or sentence_model.tokenize
            st_ids = preprocess(texts)["input_ids"].tolist()
            for row, ids in enumerate(st_ids):
                if ids != encoded["input_ids"][row]:
                    raise SystemExit(f"{name}: sentence-transformers tokenized {texts[row]!r} differently")
        for row, case in enumerate(group["cases"]):
            case_id = case["id"]
            ids = encoded["input_ids"][row]
            mask = encoded["attention_mask"][row]
            full_length = untruncated_length(fast, texts[row], pairs[row])
            entry = {
                "id": case_id,
                "lang": case.get("lang", "und"),
                "text": texts[row],
                "text_pair": pairs[row],
                "max_length": max_length,
                "untruncated_length": full_length,
                "truncated": full_length > max_length,
                "batch": None
                if group["id"] is None
                else {"id": group["id"], "index": row, "size": len(group["cases"])},
                "input_ids": ids,
                "token_type_ids": encoded["token_type_ids"][row],
                "attention_mask": mask,
                "outputs": {},
                "stats": {},
            }
            hidden = outputs["last_hidden_state"][row]
            tensors[f"{case_id}.last_hidden_state"] = hidden
            entry["outputs"]["last_hidden_state"] = tensor_ref(f"{case_id}.last_hidden_state", hidden)
            valid = np.asarray(mask, dtype=bool)
            entry["stats"]["last_hidden_state_max_abs"] = float(np.abs(hidden[valid]).max())
            if "pooler_output" in outputs:
                pooled = outputs["pooler_output"][row]
                tensors[f"{case_id}.pooler_output"] = pooled
                entry["outputs"]["pooler_output"] = tensor_ref(f"{case_id}.pooler_output", pooled)
            if "logits" in outputs:
                logits = outputs["logits"][row]
                tensors[f"{case_id}.logits"] = logits
                entry["outputs"]["logits"] = tensor_ref(f"{case_id}.logits", logits)
                entry["logits"] = [float(x) for x in logits]
                label_id = int(np.argmax(logits))
                entry["label_id"] = label_id
                entry["label"] = id2label.get(str(label_id), id2label.get(label_id, str(label_id)))
                ordered = np.sort(logits)[::-1]
                # A small margin means the label could flip under float32 rounding differences.
                entry["label_margin"] = float(ordered[0] - ordered[1]) if len(ordered) > 1 else None
                entry["stats"]["logits_max_abs"] = float(np.abs(logits).max())
            if embeddings is not None:
                embedding = embeddings[row].astype(np.float32)
                tensors[f"{case_id}.embedding"] = embedding
                entry["outputs"]["embedding"] = tensor_ref(f"{case_id}.embedding", embedding)
                entry["stats"]["embedding_norm"] = float(np.linalg.norm(embedding.astype(np.float64)))
                ours = mean_pool_normalize(hidden, np.asarray(mask))
                if not normalize:  # no Normalize module (e.g. paraphrase-multilingual-MiniLM-L12-v2): plain mean
                    ours = ours * mean_pool_norm(hidden, np.asarray(mask))
                check_embedding_max_abs = max(check_embedding_max_abs, float(np.abs(ours - embedding).max()))
            out_cases.append(entry)

    tensor_file = f"{name}.safetensors"
    tensor_sha = save_tensors(out_dir / tensor_file, tensors, name)
    files = TOKENIZER_FILES + MODEL_FILES + (SENTENCE_TRANSFORMERS_FILES if sentence_model is not None else [])
    files += extra_files or []
    fixture = header("forward", name, description)
    fixture["model"] = model_block(model_dir, location, files)
    fixture["model"]["architecture"] = architecture
    fixture["model"]["weights_dtypes_on_disk"] = safetensors_dtypes(model_dir)
    fixture["model"]["id2label"] = [id2label[str(i)] for i in range(len(id2label))] if id2label else []
    if tokenizer_file is None:
        fixture["tokenizer"] = {"options": tokenizer_options(fast)}
    else:
        fixture["tokenizer"] = {"file": tokenizer_file, "options": json_tokenizer_options(fast)}
    fixture["compute"] = {
        "dtype": "float32",
        "device": "cpu",
        "attn_implementation": "eager",
        "weights": weights_note
        or "weights loaded with from_pretrained(dtype=float32); for F16/BF16 checkpoints the stored (rounded) values "
        "are upcast exactly to float32 before the forward pass, so expected outputs are float32 math on the same weights.",
        "padding": "batches are right-padded to their longest member with pad_token_id; rows where attention_mask is 0 "
        "are still HF's outputs for those positions (the queries attend to the unmasked keys) but only masked-in rows "
        "are meaningful to compare",
    }
    fixture["sentence_transformers"] = (
        None
        if sentence_model is None
        else {
            "max_seq_length": st_max,
            "pooling": "mean",
            "normalize": normalize,
            "modules": [type(m).__name__ for m in sentence_model],
            "check_mean_pool_vs_encode_max_abs": check_embedding_max_abs,
        }
    )
    fixture["tensors_file"] = tensor_file
    fixture["tensors_sha256"] = tensor_sha
    fixture["tensor_naming"] = "<case id>.<output> for output in last_hidden_state [seq, hidden], pooler_output [hidden], " \
        "logits [num_labels], embedding [hidden]; all float32"
    fixture["summary"] = {
        "cases": len(out_cases),
        "batches": len(batches),
        "last_hidden_state_max_abs": max(c["stats"]["last_hidden_state_max_abs"] for c in out_cases),
        "logits_max_abs": max((c["stats"].get("logits_max_abs", 0.0) for c in out_cases), default=0.0),
    }
    fixture["cases"] = out_cases
    return fixture


# MARK: - Synthetic checkpoints

# Small random BERTs. Each differs from the others in at least one structural way the runtime must handle.
SYNTHETIC_MODELS = [
    {
        "name": "tiny-bert-h32-l1-a2",
        "architecture": "BertModel",
        "hidden_size": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 48,
        "hidden_act": "gelu",
        "dtype": "float32",
        "seed": 101,
        "covers": "smallest shape, pooler output (CLS pooling), token types",
    },
    {
        "name": "tiny-bert-h64-l3-a4",
        "architecture": "BertModel",
        "hidden_size": 64,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "intermediate_size": 160,
        "hidden_act": "gelu",
        "dtype": "float32",
        "seed": 202,
        "covers": "3 layers, 4 heads, padded batch with varied attention masks",
    },
    {
        "name": "tiny-bert-h48-l2-a3-gelu-new",
        "architecture": "BertModel",
        "hidden_size": 48,
        "num_hidden_layers": 2,
        "num_attention_heads": 3,
        "intermediate_size": 96,
        "hidden_act": "gelu_new",
        "dtype": "float32",
        "seed": 303,
        "covers": "3 heads of size 16, tanh-approximated GELU (gelu_new)",
    },
    {
        "name": "tiny-classifier-h32-l2-a4",
        "architecture": "BertForSequenceClassification",
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "dtype": "float32",
        "labels": ["negative", "neutral", "positive"],
        "seed": 404,
        "covers": "sequence classification head: pooler + classifier logits, id2label, argmax label",
    },
    {
        "name": "tiny-bert-h32-l2-a2-f16",
        "architecture": "BertModel",
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 80,
        "hidden_act": "gelu",
        "dtype": "float16",
        "seed": 505,
        "covers": "weights stored as F16",
    },
    {
        "name": "tiny-classifier-h64-l1-a2-bf16",
        "architecture": "BertForSequenceClassification",
        "hidden_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 128,
        "hidden_act": "gelu",
        "dtype": "bfloat16",
        "labels": ["sports", "science", "politics", "arts"],
        "seed": 606,
        "covers": "weights stored as BF16, 4-label classifier",
    },
]
SYNTHETIC_MAX_POSITIONS = 128
MULTILINGUAL_VOCAB_SIZE = 3000


def randomize(model, seed: int) -> None:
    """Re-initialise every parameter so that nothing is 0 or 1 and attention is far from uniform.

    HF's default init (std 0.02, LayerNorm weight 1 / bias 0) would hide swapped LayerNorm parameters and make attention
    almost uniform, so mask and softmax bugs would not show."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            if "LayerNorm.weight" in name:
                value = 1.0 + 0.2 * noise
            elif name.endswith("bias"):
                value = 0.1 * noise
            elif "embeddings" in name:
                value = 0.5 * noise
            else:  # Linear weight [out, in]: unit-variance outputs; query/key sharper so softmax is peaked
                scale = 1.5 if (".query." in name or ".key." in name) else 1.0
                value = scale * noise / float(np.sqrt(parameter.shape[1]))
            parameter.copy_(value)


def calibrate_classifier(model, vocab_dir: Path, texts: list[str]) -> None:
    """Rescale the random classifier so each logit has mean 0 and std 2 over `texts`.

    With random weights the pooled [CLS] vector varies little between inputs, so every text would get the same label;
    after this the argmax label differs between cases and a wrong head shows up as a wrong label."""
    tokenizer = AutoTokenizer.from_pretrained(str(vocab_dir))
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=SYNTHETIC_MAX_POSITIONS, return_tensors="pt")
    with torch.no_grad():
        pooled = model.bert(**encoded).pooler_output  # [texts, hidden]
        logits = pooled @ model.classifier.weight.T  # [texts, labels]
        scale = 2.0 / logits.std(0).clamp_min(1e-3)  # [labels]
        model.classifier.weight.mul_(scale[:, None])
        model.classifier.bias.copy_(-(logits * scale).mean(0))


def build_synthetic(spec: dict, vocab_dir: Path, models_dir: Path, calibration_texts: list[str]) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    out = models_dir / spec["name"]
    out.mkdir(parents=True, exist_ok=True)
    vocab = (vocab_dir / "vocab.txt").read_text(encoding="utf-8")
    vocab_size = len(vocab.splitlines())
    kwargs = dict(
        vocab_size=vocab_size,
        hidden_size=spec["hidden_size"],
        num_hidden_layers=spec["num_hidden_layers"],
        num_attention_heads=spec["num_attention_heads"],
        intermediate_size=spec["intermediate_size"],
        hidden_act=spec["hidden_act"],
        max_position_embeddings=SYNTHETIC_MAX_POSITIONS,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        pad_token_id=0,
        architectures=[spec["architecture"]],
    )
    if spec.get("labels"):
        kwargs["num_labels"] = len(spec["labels"])
        kwargs["id2label"] = {i: label for i, label in enumerate(spec["labels"])}
        kwargs["label2id"] = {label: i for i, label in enumerate(spec["labels"])}
    config = BertConfig(**kwargs)
    torch.manual_seed(spec["seed"])
    cls = BertForSequenceClassification if spec["architecture"] == "BertForSequenceClassification" else BertModel
    model = cls(config)
    randomize(model, spec["seed"])
    model.eval()
    if spec["architecture"] == "BertForSequenceClassification":
        calibrate_classifier(model, vocab_dir, calibration_texts)
    target = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[spec["dtype"]]
    model = model.to(target)
    for stale in out.glob("*"):
        if stale.is_file():
            stale.unlink()
    model.save_pretrained(str(out), safe_serialization=True)
    (out / "vocab.txt").write_text(vocab, encoding="utf-8")
    (out / "tokenizer_config.json").write_bytes((vocab_dir / "tokenizer_config.json").read_bytes())
    return out


# MARK: - Quantized bundles (FORMAT.md)

# Which checkpoints get bundle fixtures: MiniLM (the real model) and two synthetic ones that cover columns that are not
# a multiple of the 32-weight block (hidden 48, intermediate 96), a BF16 source and a classification head.
QUANT_FORMATS = ["q8", "q4", "f16"]
QUANT_SYNTHETIC = ["tiny-bert-h48-l2-a3-gelu-new", "tiny-classifier-h64-l1-a2-bf16"]
DEFAULT_WASMICRO = REPO_ROOT / ".build" / "release" / "wasmicro"

# The quality gates of the quantized MiniLM bundles against the f32 HF fixtures (issue #8). They are policy: improve
# the format to meet them, never lower them to fit.
QUALITY_GATES = {
    "q8": {"embedding_cosine_min": 0.999, "embedding_cosine_mean": 0.999, "search_top1_agree_with_hf": 1.0,
           "search_top1_agree_with_intended": 0.0},
    "q4": {"embedding_cosine_min": 0.88, "embedding_cosine_mean": 0.95, "search_top1_agree_with_hf": 0.95,
           "search_top1_agree_with_intended": 0.95},
    "f16": {"embedding_cosine_min": 0.9999, "embedding_cosine_mean": 0.9999, "search_top1_agree_with_hf": 1.0,
            "search_top1_agree_with_intended": 0.0},
}

_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": None, "I8": "i1", "U8": "u1", "I32": "<i4", "I64": "<i8"}


def decode_bundle(path: Path, config: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """A wasmicro bundle decoded into float32 tensors of their logical shapes, written from FORMAT.md alone.

    Returns (`__metadata__`, tensors). Scale tensors are consumed; every q8/q4/f16 matrix comes back as float32
    `[rows, columns]` with the row padding removed (columns from config.json, as FORMAT.md says a reader must)."""
    raw = path.read_bytes()
    header_length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    if metadata.get("wasmicro.format") not in QUANT_FORMATS or metadata.get("wasmicro.format_version") != "1":
        raise SystemExit(f"{path}: not a version-1 wasmicro bundle: {metadata}")
    data = raw[8 + header_length:]

    def stored(name: str) -> np.ndarray:
        entry = header[name]
        begin, end = entry["data_offsets"]
        return np.frombuffer(data[begin:end], dtype=_SAFETENSORS_DTYPES[entry["dtype"]]).reshape(entry["shape"])

    def logical_columns(name: str) -> int:
        is_ffn_output = name.endswith("output.dense.weight") and "attention" not in name
        return int(config["intermediate_size"] if is_ffn_output else config["hidden_size"])

    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name.endswith(".scales"):
            continue
        values = stored(name)
        if entry["dtype"] in ("I8", "U8"):
            rows = values.shape[0]
            scales = stored(name + ".scales").astype(np.float32)  # [rows, padded / 32]
            if entry["dtype"] == "I8":  # q8: one code per byte
                codes = values.astype(np.float32)
            else:  # q4: byte j of a 16-byte block holds weight j (low nibble) and weight j + 16 (high nibble)
                blocks = values.reshape(rows, -1, 16).astype(np.int32)
                codes = (np.concatenate([blocks & 0x0F, blocks >> 4], axis=2) - 8).astype(np.float32)
            codes = codes.reshape(rows, -1, 32)
            weights = (codes * scales[:, :, None]).astype(np.float32).reshape(rows, -1)
            tensors[name] = np.ascontiguousarray(weights[:, :logical_columns(name)])
        elif entry["dtype"] == "F16":
            tensors[name] = values.astype(np.float32)
        else:
            tensors[name] = values.copy()
    return metadata, tensors


def convert_bundle(wasmicro: Path, source: Path, fmt: str, out: Path) -> Path:
    """Runs `wasmicro convert` (the converter under test) and returns the bundle directory."""
    import subprocess

    subprocess.run([str(wasmicro), "convert", "--model", str(source), "--to", fmt, "--out", str(out), "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def dequantized_directory(bundle_dir: Path, target: Path) -> Path:
    """A plain f32 HF directory holding the bundle's weights as decode_bundle reads them, beside the same side files."""
    import shutil

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(bundle_dir, target, ignore=shutil.ignore_patterns("model.safetensors", "quantization_report.json"))
    config = json.loads((bundle_dir / "config.json").read_text())
    _, tensors = decode_bundle(bundle_dir / "model.safetensors", config)
    safetensors.numpy.save_file(tensors, str(target / "model.safetensors"), metadata={"format": "pt"})
    return target


def bundle_block(bundle_dir: Path, source_dir: Path, source_location: str, fmt: str, files: list[str]) -> dict:
    return {
        "format": fmt,
        "format_version": "1",
        "source": model_block(source_dir, source_location, files),
        "model_safetensors_sha256": sha256_file(bundle_dir / "model.safetensors"),
        "bytes": (bundle_dir / "model.safetensors").stat().st_size,
        "recreate": "wasmicro-verify converts source with `wasmicro convert --to <format>` and checks this sha256",
    }


def quantized_fixtures(out_dir: Path, minilm: Path, wasmicro: Path) -> None:
    import tempfile

    if not wasmicro.is_file():
        raise SystemExit(f"{wasmicro}: build the CLI first (`make release`)")
    models_dir = out_dir / "models"
    synthetic = load_cases(REFERENCE_DIR / "cases" / "forward-synthetic.json")
    forward = load_cases(REFERENCE_DIR / "cases" / "forward-minilm.json")
    jobs = [(minilm, "external", minilm.parent / f"{minilm.name}-{fmt}", fmt) for fmt in QUANT_FORMATS]
    jobs += [(models_dir / name, "fixtures", models_dir / f"{name}-{fmt}", fmt)
             for name in QUANT_SYNTHETIC for fmt in QUANT_FORMATS]
    with tempfile.TemporaryDirectory() as scratch:
        for source, location, bundle_dir, fmt in jobs:
            print(f"bundle {bundle_dir.name}")
            convert_bundle(wasmicro, source, fmt, bundle_dir)
            plain = dequantized_directory(bundle_dir, Path(scratch) / bundle_dir.name)
            name = f"forward-{bundle_dir.name}"
            note = (f"wasmicro {fmt} bundle written by `wasmicro convert` from {source.name}; decoded to float32 by "
                    f"reference/generate.py decode_bundle (numpy, written from FORMAT.md) and run by HF in float32")
            if location == "external":
                fixture = forward_fixture(name, f"all-MiniLM-L6-v2 as a {fmt} bundle: exactness of the quantized engine",
                                          plain, location, expand_cases(forward["forward"]),
                                          forward.get("batches", []), out_dir, weights_note=note)
                files = TOKENIZER_FILES + MODEL_FILES + SENTENCE_TRANSFORMERS_FILES
            else:
                fixture = forward_fixture(name, f"synthetic {source.name} as a {fmt} bundle", plain, location,
                                          expand_cases(synthetic["forward"]), [], out_dir,
                                          default_max_length=SYNTHETIC_MAX_POSITIONS, weights_note=note)
                files = TOKENIZER_FILES + MODEL_FILES
            architecture = fixture["model"]["architecture"]
            id2label = fixture["model"]["id2label"]
            fixture["model"] = model_block(bundle_dir, "bundle", files)
            fixture["model"].update({"architecture": architecture, "weights_dtypes_on_disk": safetensors_dtypes(bundle_dir),
                                     "id2label": id2label})
            fixture["bundle"] = bundle_block(bundle_dir, source, location, fmt, files)
            write_json(out_dir / f"{name}.json", fixture)
            report(out_dir / f"{name}.json")
    for fmt in QUANT_FORMATS:
        bundle_dir = minilm.parent / f"{minilm.name}-{fmt}"
        name = f"quality-{bundle_dir.name}"
        fixture = header("quality", name, f"all-MiniLM-L6-v2 as a {fmt} bundle against the f32 HF fixtures: "
                         "embedding cosine over forward-minilm's sentences, search top-1 over search-minilm's queries")
        files = TOKENIZER_FILES + MODEL_FILES + SENTENCE_TRANSFORMERS_FILES
        fixture["model"] = model_block(bundle_dir, "bundle", files)
        fixture["bundle"] = bundle_block(bundle_dir, minilm, "external", fmt, files)
        fixture["references"] = {"forward": "forward-minilm.json", "search": "search-minilm.json"}
        fixture["gates"] = QUALITY_GATES[fmt]
        write_json(out_dir / f"{name}.json", fixture)
        report(out_dir / f"{name}.json")


# MARK: - Semantic search


def search_fixture(name: str, description: str, model_dir: Path, location: str, search: dict, out_dir: Path) -> dict:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    documents = search["documents"]
    queries = search["queries"]
    doc_index = {d.get("id", str(i)): i for i, d in enumerate(documents)}
    doc_embeddings = model.encode([d["text"] for d in documents], convert_to_numpy=True, batch_size=32)
    query_embeddings = model.encode([q["text"] for q in queries], convert_to_numpy=True, batch_size=32)
    doc64 = doc_embeddings.astype(np.float64)
    doc64 /= np.linalg.norm(doc64, axis=1, keepdims=True)
    out_queries = []
    top1_intended = 0
    for qi, query in enumerate(queries):
        q64 = query_embeddings[qi].astype(np.float64)
        q64 /= np.linalg.norm(q64)
        scores = doc64 @ q64
        ranking = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
        intended = query["intended"]
        intended_index = doc_index[intended] if isinstance(intended, str) else int(intended)
        top1_intended += int(ranking[0] == intended_index)
        out_queries.append(
            {
                "id": query.get("id", f"q{qi}"),
                "text": query["text"],
                "intended": intended_index,
                "hf_top1": ranking[0],
                "hf_top1_is_intended": ranking[0] == intended_index,
                "intended_rank": ranking.index(intended_index) + 1,
                "top1_margin": float(scores[ranking[0]] - scores[ranking[1]]),
                "ranking": ranking,
                "scores": [round(float(s), 8) for s in scores],
            }
        )
    tensor_file = f"{name}.safetensors"
    tensor_sha = save_tensors(
        out_dir / tensor_file,
        {"documents.embeddings": doc_embeddings, "queries.embeddings": query_embeddings},
        name,
    )
    fixture = header("search", name, description)
    fixture["model"] = model_block(model_dir, location, TOKENIZER_FILES + MODEL_FILES + SENTENCE_TRANSFORMERS_FILES)
    fixture["sentence_transformers"] = {"max_seq_length": int(model.max_seq_length), "pooling": "mean", "normalize": True}
    fixture["scoring"] = (
        "cosine similarity of the sentence-transformers embeddings, computed in float64 from the float32 embeddings; "
        "ranking = document indices by descending score, ties broken by lower index; scores are in document order"
    )
    fixture["tensors_file"] = tensor_file
    fixture["tensors_sha256"] = tensor_sha
    fixture["tensor_naming"] = "documents.embeddings [documents, hidden], queries.embeddings [queries, hidden]; float32"
    fixture["summary"] = {
        "documents": len(documents),
        "queries": len(queries),
        "hf_top1_is_intended": top1_intended,
        "min_top1_margin": min(q["top1_margin"] for q in out_queries),
    }
    fixture["documents"] = [
        {"index": i, "id": d.get("id", str(i)), "topic": d.get("topic"), "text": d["text"]} for i, d in enumerate(documents)
    ]
    fixture["queries"] = out_queries
    return fixture


# MARK: - Embedding heads


HEADS_DATASET = REFERENCE_DIR / "heads" / "intents.json"
# The tiny heads' random data: seed, embedding width and training-set size.
TINY_HEAD_SEED = 7
TINY_HEAD_DIMENSION = 8
TINY_HEAD_SAMPLES = 60


def head_versions() -> dict:
    """versions() plus the packages only the head fixtures use."""
    import joblib
    import scipy
    import sklearn

    return dict(versions(), scikit_learn=sklearn.__version__, scipy=scipy.__version__, joblib=joblib.__version__)


def head_estimator():
    """The classifier every head fixture fits; its repr is recorded in the fixtures."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, random_state=0)


def export_fitted(estimator, path: Path):
    """Save a fitted estimator with joblib, as SetFit saves model_head.pkl, and convert that file with
    export_head.py (the same path a user takes). Returns (Head, sha256 of the head file)."""
    import joblib
    from export_head import export

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "model_head.joblib"
        joblib.dump(estimator, saved)
        return export(saved, path, force=True)


def stored_head_probabilities(head_path: Path, kind: str, inputs: np.ndarray) -> np.ndarray:
    """Probabilities from the float32 weights as written to the head file (read back, not taken from memory)."""
    from export_head import head_probabilities

    stored = safetensors.numpy.load_file(str(head_path))
    return head_probabilities(kind, stored["weight"], stored["bias"], inputs)


def intents_head_fixture(minilm: Path, out_dir: Path) -> dict:
    """head-intents-minilm: a LogisticRegression on all-MiniLM-L6-v2 embeddings of reference/heads/intents.json,
    and sklearn's predict_proba / predict on the held-out texts."""
    from sentence_transformers import SentenceTransformer

    dataset = json.loads(HEADS_DATASET.read_text(encoding="utf-8"))
    texts = [text for group in dataset["train"] for text in group["texts"]]
    labels = [group["label"] for group in dataset["train"] for _ in group["texts"]]
    heldout = dataset["heldout"]
    model = SentenceTransformer(str(minilm), device="cpu")
    modules = json.loads((minilm / "modules.json").read_text(encoding="utf-8"))
    normalize = any(module["type"].endswith(".Normalize") for module in modules)
    # encode() gives float32; sklearn fits and predicts on the same values widened exactly to float64, so its
    # coefficients are float64 and a reader fed the float32 embeddings sees exactly sklearn's inputs.
    train = model.encode(texts, convert_to_numpy=True, batch_size=32).astype(np.float64)
    test = model.encode([case["text"] for case in heldout], convert_to_numpy=True, batch_size=32).astype(np.float64)
    if normalize and not np.allclose(np.linalg.norm(test, axis=1), 1.0, atol=1e-5):
        raise SystemExit(f"{minilm}: modules.json normalises but the embeddings are not unit vectors")

    estimator = head_estimator().fit(train, labels)
    head_file = "heads/intents-minilm.safetensors"
    head, head_sha = export_fitted(estimator, out_dir / head_file)
    if head.kind != "softmax":
        raise SystemExit(f"{head_file}: expected a softmax head, the exporter chose {head.kind}")
    probabilities = estimator.predict_proba(test)
    predicted = [str(label) for label in estimator.predict(test)]
    from_head = stored_head_probabilities(out_dir / head_file, head.kind, test)
    ordered = np.sort(probabilities, axis=1)

    fixture = header("embedding-head", "head-intents-minilm", "intent classifier head (sklearn LogisticRegression "
                     "on all-MiniLM-L6-v2 sentence embeddings) exported to a head file; sklearn's predict_proba on "
                     "held-out texts")
    fixture["generator"]["versions"] = head_versions()
    fixture["model"] = model_block(minilm, "external", TOKENIZER_FILES + MODEL_FILES + SENTENCE_TRANSFORMERS_FILES)
    fixture["sentence_transformers"] = {"max_seq_length": int(model.max_seq_length), "pooling": "mean",
                                        "normalize": normalize}
    fixture["head"] = {
        "file": head_file,
        "sha256": head_sha,
        "kind": head.kind,
        "labels": head.labels,
        "dimension": head.dimension,
        # Bounds how far an embedding error moves a score: |Δscore| <= weight_row_l1_max * max |Δembedding|.
        "weight_row_l1_max": float(np.abs(head.weight.astype(np.float64)).sum(axis=1).max()),
    }
    fixture["training"] = {
        "dataset": str(HEADS_DATASET.relative_to(REPO_ROOT)),
        "dataset_sha256": sha256_file(HEADS_DATASET),
        "texts": len(texts),
        "labels": {label: labels.count(label) for label in head.labels},
        "sklearn": head_versions()["scikit_learn"],
        "estimator": repr(estimator),
        "iterations": int(np.max(estimator.n_iter_)),
        "train_accuracy": float(np.mean(estimator.predict(train) == np.asarray(labels))),
    }
    fixture["probabilities"] = (
        "sklearn predict_proba of the fitted float64 model on the float32 sentence-transformers embeddings (widened "
        "to float64), in `head.labels` order; label = sklearn predict; margin = top-1 minus top-2 probability"
    )
    fixture["summary"] = {
        "cases": len(heldout),
        "sklearn_predict_matches_intended": sum(p == case["label"] for p, case in zip(predicted, heldout)),
        "float32_head_vs_sklearn_max_abs": float(np.abs(from_head - probabilities).max()),
        "float32_head_predict_matches_sklearn": int(np.sum(from_head.argmax(1) == probabilities.argmax(1))),
        "min_margin": float((ordered[:, -1] - ordered[:, -2]).min()),
    }
    fixture["cases"] = [
        {
            "id": f"h{index}",
            "lang": case.get("lang", "en"),
            "text": case["text"],
            "intended": case["label"],
            "label": predicted[index],
            "margin": float(ordered[index, -1] - ordered[index, -2]),
            "probabilities": [float(p) for p in probabilities[index]],
        }
        for index, case in enumerate(heldout)
    ]
    return fixture


def tiny_head_fixtures(out_dir: Path) -> dict:
    """heads/{binary,ovr,softmax}-tiny.safetensors from small fits on seeded random 8-wide data, and sklearn's
    predict_proba for 4 fixed inputs: every kind of head, checkable without a model."""
    from sklearn.multiclass import OneVsRestClassifier

    rng = np.random.default_rng(TINY_HEAD_SEED)
    samples = rng.normal(size=(TINY_HEAD_SAMPLES, TINY_HEAD_DIMENSION))
    directions = rng.normal(size=(4, TINY_HEAD_DIMENSION))
    scores = samples @ directions.T + 0.5 * rng.normal(size=(TINY_HEAD_SAMPLES, 4))
    # Inputs are multiples of 1/64, so their decimal text is exact as Float and as Double. The last one is scaled up
    # so that scores saturate the sigmoid and the softmax (probabilities near 0 and 1).
    inputs = np.round(rng.normal(size=(4, TINY_HEAD_DIMENSION)) * 64) / 64
    inputs[3] *= 16
    jobs = [
        ("binary-tiny", head_estimator(), np.where(scores[:, 0] > 0, "spam", "ham")),
        # Non-ASCII label: the labels metadata is UTF-8 JSON inside a JSON string.
        ("ovr-tiny", OneVsRestClassifier(head_estimator()),
         np.array(["alpha", "beta", "gamma", "δέλτα"])[scores.argmax(1)]),
        # Integer classes: labels are their decimal text, in numeric (classes_) order, not string order.
        ("softmax-tiny", head_estimator(), np.array([3, 7, 11])[scores[:, :3].argmax(1)]),
    ]
    heads = []
    for name, estimator, targets in jobs:
        estimator.fit(samples, targets)
        head_file = f"{name}.safetensors"
        head, head_sha = export_fitted(estimator, out_dir / "heads" / head_file)
        probabilities = estimator.predict_proba(inputs)
        from_head = stored_head_probabilities(out_dir / "heads" / head_file, head.kind, inputs)
        heads.append(
            {
                "file": head_file,
                "sha256": head_sha,
                "kind": head.kind,
                "labels": head.labels,
                "dimension": head.dimension,
                "estimator": repr(estimator),
                "float32_head_vs_sklearn_max_abs": float(np.abs(from_head - probabilities).max()),
                "inputs": inputs.tolist(),
                "predict": [str(label) for label in estimator.predict(inputs)],
                "probabilities": probabilities.tolist(),
            }
        )
    fixture = header("embedding-head-unit", "tiny-cases", f"tiny heads of every kind for unit tests: sklearn fits on "
                     f"{TINY_HEAD_SAMPLES} seeded random {TINY_HEAD_DIMENSION}-wide samples (seed {TINY_HEAD_SEED}), "
                     "and sklearn's predict_proba / predict for 4 fixed inputs")
    fixture["generator"]["versions"] = head_versions()
    fixture["probabilities"] = "sklearn predict_proba of the fitted float64 model on `inputs`, in `labels` order"
    fixture["heads"] = heads
    return fixture


def head_fixtures(out_dir: Path, minilm: Path) -> None:
    """Every head fixture: fixtures/heads/ (tiny heads + tiny-cases.json, intents head) and head-intents-minilm.json."""
    print("embedding heads")
    tiny = tiny_head_fixtures(out_dir)
    write_json(out_dir / "heads" / "tiny-cases.json", tiny)
    for entry in tiny["heads"]:
        report(out_dir / "heads" / entry["file"])
    report(out_dir / "heads" / "tiny-cases.json")
    if not (minilm / "model.safetensors").is_file():
        raise SystemExit(f"{minilm}: model missing; run `make model` first")
    fixture = intents_head_fixture(minilm, out_dir)
    write_json(out_dir / "head-intents-minilm.json", fixture)
    report(out_dir / fixture["head"]["file"])
    report(out_dir / "head-intents-minilm.json")
    summary = fixture["summary"]
    print(f"    sklearn predicts the intended label for {summary['sklearn_predict_matches_intended']}/"
          f"{summary['cases']} held-out texts; float32 head vs sklearn max abs "
          f"{summary['float32_head_vs_sklearn_max_abs']:.2e}; min margin {summary['min_margin']:.4f}")


# MARK: - tokenizer.json tokenizers and non-BERT encoders (issue 12)

# The tokenizers trained here, their model directories (fixtures/models/<name>) and the synthetic encoders that use them.
UNIGRAM_XLMR = "unigram-xlmr"
BPE_ROBERTA = "bpe-roberta"
UNIGRAM_VOCAB_SIZE = 8000  # asked of the trainer; the 16 KB corpus supports fewer pieces (the summary says how many)
BPE_VOCAB_SIZE = 4000
XLMR_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3 as in XLM-R; "<mask>" is the last id
MULTI_TOKENIZER_FILES = TOKENIZER_FILES + ["sentencepiece.bpe.model", "vocab.json", "merges.txt"]
ROBERTA_MAX_POSITIONS = 130  # RoBERTa-family positions start at pad_token_id + 1 = 2: room for 128 tokens
SWEEP_TEMPLATE = "a{c}b {c}"
SWEEP_BLOCK_SIZE = 4096
SWEEP_MAX_LENGTH = 512
SWEEP_LINE = 'for each code point in the block, in order (surrogates skipped): ",".join(str(id) for id in input_ids) + "\\n"'

MULTI_SYNTHETIC = [
    {
        "name": "tiny-xlm-roberta",
        "architecture": "XLMRobertaModel",
        "tokenizer": UNIGRAM_XLMR,
        "hidden_size": 48,
        "num_hidden_layers": 2,
        "num_attention_heads": 3,
        "intermediate_size": 96,
        "hidden_act": "gelu",
        "seed": 707,
        "covers": "XLM-R: Unigram tokenizer.json, position ids from pad_token_id + 1, type_vocab_size 1, eps 1e-5",
    },
    {
        "name": "tiny-roberta",
        "architecture": "RobertaModel",
        "tokenizer": BPE_ROBERTA,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "seed": 808,
        "covers": "RoBERTa: byte-level BPE tokenizer.json, position ids from pad_token_id + 1",
    },
    {
        "name": "tiny-distilbert",
        "architecture": "DistilBertModel",
        "tokenizer": "multilingual-cased",
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "sinusoidal_pos_embds": False,
        "seed": 909,
        "covers": "DistilBERT: q_lin/k_lin/v_lin/out_lin, sa_layer_norm/output_layer_norm, no token types, no pooler",
    },
    {
        "name": "tiny-distilbert-sinusoidal",
        "architecture": "DistilBertModel",
        "tokenizer": "multilingual-cased",
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "sinusoidal_pos_embds": True,
        "seed": 910,
        "covers": "DistilBERT with sinusoidal_pos_embds true (the table is HF's sinusoid, not random)",
    },
    {
        "name": "tiny-multilingual-minilm-layout",
        "architecture": "XLMRobertaModel",
        "tokenizer": UNIGRAM_XLMR,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "seed": 1010,
        "sentence_transformers": True,
        "covers": "the file set of sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 (mean pooling, no "
        "Normalize module, max_seq_length 128) with tiny random weights",
    },
]


def corpus_lines(corpus_dir: Path) -> list[str]:
    """The training lines of reference/corpus/*.txt (stripped, no blank or # lines), as train_multilingual_vocab reads them."""
    lines = []
    for path in sorted(corpus_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def nmt_nfkc_proto():
    """A sentencepiece ModelProto trained on a fixed toy text with normalization_rule_name "nmt_nfkc": its
    normalizer_spec carries sentencepiece's own compiled nmt_nfkc charsmap (the one XLM-R models ship)."""
    import io

    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(["hello world", "the quick brown fox jumps over the lazy dog"] * 20),
        model_writer=buffer,
        vocab_size=40,
        model_type="unigram",
        normalization_rule_name="nmt_nfkc",
        character_coverage=1.0,
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(buffer.getvalue())
    return proto


def nmt_nfkc_charsmap() -> bytes:
    """sentencepiece's precompiled nmt_nfkc charsmap (the bytes that tokenizer.json stores base64-encoded)."""
    return bytes(nmt_nfkc_proto().normalizer_spec.precompiled_charsmap)


def special_added_tokens(names: list[str], lstrip: set[str]) -> list:
    from tokenizers import AddedToken

    return [AddedToken(n, single_word=False, lstrip=n in lstrip, rstrip=False, normalized=False, special=True)
            for n in names]


def added_tokens_decoder(tokenizer_json: dict) -> dict:
    """tokenizer_config.json's `added_tokens_decoder` (as transformers >= 4.34 saves it) from tokenizer.json's list."""
    return {
        str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
        for t in tokenizer_json["added_tokens"]
    }


def write_special_tokens_map(out_dir: Path, mask_lstrip: bool) -> None:
    mask = {"content": "<mask>", "lstrip": mask_lstrip, "normalized": False, "rstrip": False, "single_word": False}
    tokens = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": mask, "pad_token": "<pad>",
              "sep_token": "</s>", "unk_token": "<unk>"}
    (out_dir / "special_tokens_map.json").write_text(json.dumps(tokens, indent=2) + "\n", encoding="utf-8")


def write_tokenizer_config(out_dir: Path, tokenizer_class: str, extra: dict) -> None:
    tokenizer_json = json.loads((out_dir / "tokenizer.json").read_text(encoding="utf-8"))
    config = {
        "added_tokens_decoder": added_tokens_decoder(tokenizer_json),
        "bos_token": "<s>",
        "clean_up_tokenization_spaces": False,
        "cls_token": "<s>",
        "eos_token": "</s>",
        "mask_token": "<mask>",
        "model_max_length": 512,
        "pad_token": "<pad>",
        "sep_token": "</s>",
        "tokenizer_class": tokenizer_class,
        "unk_token": "<unk>",
    }
    config.update(extra)
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")


def canonical_required_chars(pieces: list) -> list:
    """The UnigramTrainer gives every required character that is not a piece of its own the score
    min_score + k * 1e-4, k counting in Rust HashSet order (randomly seeded per process). Deal those scores out again
    to the same characters in code-point order, so that the trained model is the same in every run."""
    low = min(score for _, score in pieces)

    def on_chain(score: float) -> bool:
        steps = round((score - low) / 1e-4)
        return 0 <= steps <= len(pieces) and abs(score - low - steps * 1e-4) < 1e-9

    group = [i for i, (piece, score) in enumerate(pieces) if len(piece) == 1 and on_chain(score)]
    scores = sorted(pieces[i][1] for i in group)
    chars = sorted(pieces[i][0] for i in group)
    members = set(group)
    rest = [pieces[i] for i in range(len(pieces)) if i not in members]
    return rest + [[c, score] for c, score in zip(chars, scores)]


def train_unigram_xlmr(corpus_dir: Path, out_dir: Path) -> Path:
    """fixtures/models/unigram-xlmr: a Unigram model trained on the corpus, written as XLM-R ships it.

    tokenizer.json: normalizer Sequence[Precompiled(nmt_nfkc), Replace(" {2,}" -> " ")], pre_tokenizer
    Metaspace("▁", prepend_scheme always, split true), model Unigram (unk_id 3, vocab "<s>" "<pad>" "</s>" "<unk>",
    pieces, "<mask>"), post_processor TemplateProcessing("<s> $A </s>", "<s> $A </s> </s> $B </s>"), decoder
    Metaspace, added tokens the five specials ("<mask>" lstrip). Scores are rounded to float32, as sentencepiece
    stores them (and it makes the file reproducible: the trainer's float64 sums vary in the last bit between runs).
    Also sentencepiece.bpe.model (the same pieces in sentencepiece's own order: <unk> <s> </s> then the pieces, as
    XLM-R's), tokenizer_config.json (XLMRobertaTokenizer) and special_tokens_map.json."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    charsmap_proto = nmt_nfkc_proto()
    charsmap = bytes(charsmap_proto.normalizer_spec.precompiled_charsmap)

    def pipeline(tokenizer):
        tokenizer.normalizer = normalizers.Sequence(
            [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")])
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)

    lines = corpus_lines(corpus_dir)
    trainee = Tokenizer(models.Unigram())
    pipeline(trainee)
    trainer = trainers.UnigramTrainer(vocab_size=UNIGRAM_VOCAB_SIZE, special_tokens=XLMR_SPECIALS, unk_token="<unk>",
                                      show_progress=False)
    trainee.train_from_iterator(lines, trainer=trainer)
    trained = json.loads(trainee.to_str())["model"]["vocab"]
    if [piece for piece, _ in trained[:4]] != XLMR_SPECIALS:
        raise SystemExit("unigram: the trained vocab does not start with <s> <pad> </s> <unk>")
    trained = canonical_required_chars(trained[4:])
    pieces = sorted(((piece, float(np.float32(score))) for piece, score in trained), key=lambda e: (-e[1], e[0]))
    vocab = [(name, 0.0) for name in XLMR_SPECIALS] + pieces + [("<mask>", 0.0)]

    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    pipeline(tokenizer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.add_special_tokens(special_added_tokens(XLMR_SPECIALS + ["<mask>"], {"<mask>"}))
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*"):
        if stale.is_file():
            stale.unlink()
    tokenizer.save(str(out_dir / "tokenizer.json"), pretty=True)

    # sentencepiece.bpe.model: what XLMRobertaConverter turns back into the vocab above.
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.trainer_spec.CopyFrom(charsmap_proto.trainer_spec)
    proto.trainer_spec.ClearField("input")
    proto.trainer_spec.vocab_size = 3 + len(pieces)
    proto.normalizer_spec.CopyFrom(charsmap_proto.normalizer_spec)
    Piece = sentencepiece_model_pb2.ModelProto.SentencePiece
    for name, kind in (("<unk>", Piece.UNKNOWN), ("<s>", Piece.CONTROL), ("</s>", Piece.CONTROL)):
        proto.pieces.add(piece=name, score=0.0, type=kind)
    for piece, score in pieces:
        proto.pieces.add(piece=piece, score=score, type=Piece.NORMAL)
    (out_dir / "sentencepiece.bpe.model").write_bytes(proto.SerializeToString(deterministic=True))

    write_tokenizer_config(out_dir, "XLMRobertaTokenizer", {})
    write_special_tokens_map(out_dir, mask_lstrip=True)
    print(f"  trained Unigram: {len(vocab)} ids ({len(pieces)} pieces) from {len(lines)} corpus lines -> {out_dir}")
    return out_dir


def train_bpe_roberta(corpus_dir: Path, out_dir: Path) -> Path:
    """fixtures/models/bpe-roberta: byte-level BPE trained on the corpus, written as roberta-base ships it.

    tokenizer.json: no normalizer, pre_tokenizer ByteLevel(add_prefix_space false, trim_offsets true, use_regex
    true), model BPE (no unk, merges), post_processor RobertaProcessing, decoder ByteLevel; ids "<s>" 0, "<pad>" 1,
    "</s>" 2, "<unk>" 3, then the 256 byte symbols and the merges, "<mask>" last (lstrip), as in roberta-base. Also
    vocab.json, merges.txt, tokenizer_config.json (RobertaTokenizer) and special_tokens_map.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    lines = corpus_lines(corpus_dir)

    def bpe(vocab=None, merges=None):
        return models.BPE(vocab=vocab, merges=merges, dropout=None, unk_token=None, continuing_subword_prefix="",
                          end_of_word_suffix="", fuse_unk=False, byte_fallback=False)

    trainee = Tokenizer(bpe())
    trainee.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB_SIZE - 1, special_tokens=XLMR_SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    trainee.train_from_iterator(lines, trainer=trainer)
    trained = json.loads(trainee.to_str())["model"]
    vocab = dict(trained["vocab"])
    if [t for t, _ in sorted(vocab.items(), key=lambda e: e[1])[:4]] != XLMR_SPECIALS:
        raise SystemExit("bpe: the trained vocab does not start with <s> <pad> </s> <unk>")
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise SystemExit("bpe: trained ids are not contiguous")
    vocab["<mask>"] = len(vocab)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]

    tokenizer = Tokenizer(bpe(vocab, merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True,
                                                            add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    tokenizer.add_special_tokens(special_added_tokens(XLMR_SPECIALS + ["<mask>"], {"<mask>"}))
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*"):
        if stale.is_file():
            stale.unlink()
    tokenizer.save(str(out_dir / "tokenizer.json"), pretty=True)
    ordered = dict(sorted(vocab.items(), key=lambda e: e[1]))
    (out_dir / "vocab.json").write_text(json.dumps(ordered, ensure_ascii=False, separators=(",", ":")),
                                        encoding="utf-8")
    (out_dir / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8")
    write_tokenizer_config(out_dir, "RobertaTokenizer", {"add_prefix_space": False, "errors": "replace",
                                                         "trim_offsets": True})
    write_special_tokens_map(out_dir, mask_lstrip=True)
    print(f"  trained byte-level BPE: {len(vocab)} ids, {len(merges)} merges from {len(lines)} corpus lines -> {out_dir}")
    return out_dir


def wordpiece_tokenizer_json(vocab_dir: Path, out_dir: Path) -> None:
    """tokenizer.json for a vocab.txt directory: the Rust pipeline AutoTokenizer builds from vocab.txt +
    tokenizer_config.json, saved (what save_pretrained would write beside them)."""
    fast = AutoTokenizer.from_pretrained(str(vocab_dir))
    fast.backend_tokenizer.save(str(out_dir / "tokenizer.json"), pretty=True)


def component_summary(component) -> object:
    """A tokenizer.json component without its tables: types and options (charsmap, vocab and merges elided)."""
    if isinstance(component, dict):
        out = {}
        for key, value in component.items():
            if key in ("precompiled_charsmap", "vocab", "merges"):
                out[key] = f"<{len(value)} {'bytes base64' if isinstance(value, str) else 'entries'}>"
            else:
                out[key] = component_summary(value)
        return out
    if isinstance(component, list):
        return [component_summary(v) for v in component]
    return component


def pipeline_summary(tokenizer_json: dict) -> dict:
    return {key: component_summary(tokenizer_json.get(key))
            for key in ("normalizer", "pre_tokenizer", "model", "post_processor", "decoder", "truncation", "padding")}


def json_tokenizer_options(fast) -> dict:
    """The options of a tokenizer.json tokenizer as AutoTokenizer runs it: the BERT options when its normalizer is a
    BertNormalizer (WordPiece), otherwise the model type, special tokens and model_max_length."""
    backend = json.loads(fast.backend_tokenizer.to_str())
    model_type = backend["model"]["type"]
    if (backend.get("normalizer") or {}).get("type") == "BertNormalizer":
        options = tokenizer_options(fast)
    else:
        options = {
            "unk_token": fast.unk_token,
            "cls_token": fast.cls_token,
            "sep_token": fast.sep_token,
            "pad_token": fast.pad_token,
            "mask_token": fast.mask_token,
            "bos_token": fast.bos_token,
            "eos_token": fast.eos_token,
            "model_max_length": int(fast.model_max_length),
            "truncation_strategy": "longest_first",
        }
    options["model"] = model_type
    return options


def json_tokenizer_block(fast, model_dir: Path) -> dict:
    """The fixture's `tokenizer` block for a tokenizer.json model: file, options, and both pipelines (the one in the
    file and the one AutoTokenizer really runs, which transformers 5 rebuilds from the vocab for model classes with
    their own __init__), so a difference between them is visible."""
    in_file = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    effective = json.loads(fast.backend_tokenizer.to_str())
    effective_pipeline = pipeline_summary(effective)
    file_pipeline = pipeline_summary(in_file)
    differs = sorted(k for k in effective_pipeline if effective_pipeline[k] != file_pipeline[k])
    return {
        "file": "tokenizer.json",
        "fast_class": f"{type(fast).__module__}.{type(fast).__name__}",
        "fast_backend": "tokenizers (Rust), as AutoTokenizer built it: see effective_pipeline",
        "slow_class": None,
        "slow_note": "no slow tokenizer: expected values come from AutoTokenizer (what a user gets); `tokenizer_json_*` "
        "keys compare tokenizers.Tokenizer.from_file(tokenizer.json) (the file's own pipeline) with it",
        "options_overridden": {},
        "options": json_tokenizer_options(fast),
        "added_tokens": [
            {"id": int(i), "content": t.content, "lstrip": t.lstrip, "rstrip": t.rstrip, "normalized": t.normalized,
             "single_word": t.single_word, "special": t.special}
            for i, t in sorted(fast.added_tokens_decoder.items())
        ],
        "file_pipeline": file_pipeline,
        "effective_pipeline": effective_pipeline,
        "pipeline_components_differing": differs,
    }


def raw_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()  # all-MiniLM-L6-v2's file pads to 128: compare the pipelines, not that setting
    return tokenizer


def raw_encode(raw, texts: list[str], pairs: list[str | None] | None, max_length: int | None) -> list:
    if max_length is None:
        raw.no_truncation()
    else:
        raw.enable_truncation(max_length=max_length, strategy="longest_first", direction="right", stride=0)
    inputs = texts if pairs is None else [(t, p) if p is not None else t for t, p in zip(texts, pairs)]
    return raw.encode_batch(inputs, add_special_tokens=True)


def json_tokenizer_fixture(name: str, description: str, model_dir: Path, location: str, cases: list[dict],
                           files: list[str]) -> dict:
    """kind "tokenizer" (the same case schema as tokenizer_fixture) for a tokenizer.json model. Expected values are
    AutoTokenizer's; `tokenizer_json_agrees` says whether the file's own pipeline gives the same ids and type ids."""
    fast = AutoTokenizer.from_pretrained(str(model_dir))
    if not fast.is_fast:
        raise SystemExit(f"{model_dir}: AutoTokenizer did not return a fast tokenizer")
    raw = raw_tokenizer(model_dir)
    out_cases = []
    per_lang: dict[str, dict] = {}
    differing = []
    for case in cases:
        text = case_text(case, "text")
        pair = case_text(case, "text_pair")
        max_lengths = case.get("max_lengths") or [int(fast.model_max_length)]
        for max_length in max_lengths:
            case_id = case["id"] if len(max_lengths) == 1 else f"{case['id']}@{max_length}"
            expected = encode_one(fast, text, pair, max_length)
            full_length = untruncated_length(fast, text, pair)
            entry = {
                "id": case_id,
                "lang": case["lang"],
                "tags": case.get("tags", []),
                "text": text,
                "text_pair": pair,
                "max_length": max_length,
                "untruncated_length": full_length,
                "truncated": full_length > max_length,
                "expected": expected,
            }
            other = raw_encode(raw, [text], None if pair is None else [pair], max_length)[0]
            agrees = other.ids == expected["input_ids"] and other.type_ids == expected["token_type_ids"]
            entry["tokenizer_json_agrees"] = agrees
            if not agrees:
                entry["tokenizer_json"] = {"input_ids": other.ids, "tokens": other.tokens,
                                           "token_type_ids": other.type_ids}
                differing.append(case_id)
            stats = per_lang.setdefault(case["lang"], {"cases": 0, "truncated": 0, "slow_differs": 0,
                                                       "tokenizer_json_differs": 0})
            stats["cases"] += 1
            stats["truncated"] += int(entry["truncated"])
            stats["tokenizer_json_differs"] += int(not agrees)
            out_cases.append(entry)
    fixture = header("tokenizer", name, description)
    fixture["model"] = model_block(model_dir, location, files)
    fixture["tokenizer"] = json_tokenizer_block(fast, model_dir)
    fixture["summary"] = {
        "cases": len(out_cases),
        "languages": len(per_lang),
        "per_lang": dict(sorted(per_lang.items())),
        "slow_differs": [],
        "tokenizer_json_differs": differing,
    }
    fixture["cases"] = out_cases
    return fixture


def sweep_code_points(first: int, last: int) -> list[int]:
    return [c for c in range(first, last + 1) if not 0xD800 <= c <= 0xDFFF]


def sweep_ids(tokenizer, code_points: list[int]) -> list[list[int]]:
    """AutoTokenizer's input_ids for SWEEP_TEMPLATE around each code point (one batch call)."""
    texts = [SWEEP_TEMPLATE.format(c=chr(c)) for c in code_points]
    return tokenizer(texts, add_special_tokens=True, truncation=True, max_length=SWEEP_MAX_LENGTH)["input_ids"]


def sweep_fixture(name: str, description: str, model_dir: Path, location: str, files: list[str]) -> dict:
    """kind "tokenizer-sweep": every Unicode scalar value in SWEEP_TEMPLATE, hashed per block of SWEEP_BLOCK_SIZE."""
    fast = AutoTokenizer.from_pretrained(str(model_dir))
    raw = raw_tokenizer(model_dir)
    started = time.time()
    blocks = []
    whole = hashlib.sha256()
    raw_differs = 0
    raw_blocks = []
    raw_examples = []
    for start in range(0, 0x110000, SWEEP_BLOCK_SIZE):
        code_points = sweep_code_points(start, start + SWEEP_BLOCK_SIZE - 1)
        ids = sweep_ids(fast, code_points)
        digest = hashlib.sha256()
        for row in ids:
            line = (",".join(str(i) for i in row) + "\n").encode("utf-8")
            digest.update(line)
            whole.update(line)
        blocks.append({"first": code_points[0], "last": code_points[-1], "count": len(code_points),
                       "sha256": digest.hexdigest()})
        texts = [SWEEP_TEMPLATE.format(c=chr(c)) for c in code_points]
        others = raw_encode(raw, texts, None, SWEEP_MAX_LENGTH)
        block_differs = 0
        for c, row, other in zip(code_points, ids, others):
            if other.ids != row:
                block_differs += 1
                if len(raw_examples) < 40:
                    raw_examples.append({"code_point": c, "expected": row, "tokenizer_json": other.ids})
        if block_differs:
            raw_blocks.append(code_points[0])
            raw_differs += block_differs
    seconds = time.time() - started
    fixture = header("tokenizer-sweep", name, description)
    fixture["model"] = model_block(model_dir, location, files)
    fixture["tokenizer"] = json_tokenizer_block(fast, model_dir)
    fixture["sweep"] = {
        "template": SWEEP_TEMPLATE,
        "placeholder": "{c}",
        "range": [0, 0x10FFFF],
        "skipped": "surrogates U+D800..U+DFFF",
        "add_special_tokens": True,
        "truncation": "longest_first",
        "max_length": SWEEP_MAX_LENGTH,
        "block_size": SWEEP_BLOCK_SIZE,
        "block_line": SWEEP_LINE,
        "block_sha256": "sha256 (hex) of the UTF-8 bytes of the block's lines concatenated",
        "code_points": sum(b["count"] for b in blocks),
        "sha256_all": whole.hexdigest(),
        "debug": "python reference/generate.py --sweep-ids DIR FIRST LAST prints the expected lines for a range",
    }
    fixture["summary"] = {
        "blocks": len(blocks),
        "code_points": sum(b["count"] for b in blocks),
        "tokenizer_json_differs": {"code_points": raw_differs, "blocks_first": raw_blocks, "examples": raw_examples},
    }
    fixture["blocks"] = blocks
    print(f"    HF encoded {fixture['summary']['code_points']} sweep texts (twice: AutoTokenizer and tokenizer.json) in "
          f"{seconds:.0f} s")
    return fixture


def print_sweep_ids(model_dir: Path, first: int, last: int) -> None:
    """Debug helper: the expected sweep line of every code point in [first, last] (hex code point, tab, ids, tab,
    tokens), to diff a failing block against an implementation's own lines."""
    fast = AutoTokenizer.from_pretrained(str(model_dir))
    code_points = sweep_code_points(first, last)
    for c, row in zip(code_points, sweep_ids(fast, code_points)):
        print(f"U+{c:04X}\t{','.join(str(i) for i in row)}\t{' '.join(fast.convert_ids_to_tokens(row))}")


def randomize_encoder(model, seed: int, keep: tuple[str, ...] = ()) -> None:
    """randomize() for any encoder: LayerNorm weights 1 ± 0.2 whatever their name (DistilBERT's sa_layer_norm /
    output_layer_norm too), biases ±0.1, embeddings ±0.5, linear weights unit-variance with query/key (q_lin/k_lin)
    sharpened. Parameters named in `keep` are left as HF initialised them."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            if name in keep:
                continue
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            if parameter.dim() == 1 and ("LayerNorm.weight" in name or "layer_norm.weight" in name):
                value = 1.0 + 0.2 * noise
            elif name.endswith("bias"):
                value = 0.1 * noise
            elif "embeddings" in name:
                value = 0.5 * noise
            else:
                sharp = any(k in name for k in (".query.", ".key.", ".q_lin.", ".k_lin."))
                value = (1.5 if sharp else 1.0) * noise / float(np.sqrt(parameter.shape[1]))
            parameter.copy_(value)


def tokenizer_vocab_size(tokenizer_dir: Path) -> int:
    if (tokenizer_dir / "tokenizer.json").is_file():
        return raw_tokenizer(tokenizer_dir).get_vocab_size(with_added_tokens=True)
    return len((tokenizer_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())


def write_sentence_transformers_layout(out: Path, hidden: int, max_seq_length: int) -> None:
    """The sentence-transformers side files of paraphrase-multilingual-MiniLM-L12-v2: Transformer + mean Pooling."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
               "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}
    (out / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (out / "modules.json").write_text(json.dumps(modules, indent=2) + "\n", encoding="utf-8")
    (out / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2) + "\n", encoding="utf-8")
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_seq_length, "do_lower_case": False}, indent=2) + "\n", encoding="utf-8")
    versions_seen = {"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.7.0", "pytorch": "1.9.0+cu102"}}
    (out / "config_sentence_transformers.json").write_text(json.dumps(versions_seen, indent=2) + "\n", encoding="utf-8")


def build_multilingual_synthetic(spec: dict, tokenizer_dir: Path, models_dir: Path) -> Path:
    """A tiny random XLM-R / RoBERTa / DistilBERT checkpoint (float32) with its tokenizer files beside it."""
    import shutil

    from transformers import DistilBertConfig, RobertaConfig, XLMRobertaConfig

    out = models_dir / spec["name"]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    vocab_size = tokenizer_vocab_size(tokenizer_dir)
    architecture = spec["architecture"]
    keep: tuple[str, ...] = ()
    if architecture == "DistilBertModel":
        config = DistilBertConfig(
            vocab_size=vocab_size, dim=spec["hidden_size"], n_layers=spec["num_hidden_layers"],
            n_heads=spec["num_attention_heads"], hidden_dim=spec["intermediate_size"], activation=spec["hidden_act"],
            max_position_embeddings=SYNTHETIC_MAX_POSITIONS, sinusoidal_pos_embds=spec["sinusoidal_pos_embds"],
            pad_token_id=0, architectures=[architecture])
        if spec["sinusoidal_pos_embds"]:
            keep = ("embeddings.position_embeddings.weight",)
    else:
        config_class = XLMRobertaConfig if architecture == "XLMRobertaModel" else RobertaConfig
        config = config_class(
            vocab_size=vocab_size, hidden_size=spec["hidden_size"], num_hidden_layers=spec["num_hidden_layers"],
            num_attention_heads=spec["num_attention_heads"], intermediate_size=spec["intermediate_size"],
            hidden_act=spec["hidden_act"], max_position_embeddings=ROBERTA_MAX_POSITIONS, type_vocab_size=1,
            layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2, architectures=[architecture])
    torch.manual_seed(spec["seed"])
    model = encoder_class(architecture)(config)
    randomize_encoder(model, spec["seed"], keep)
    model.eval()
    model.save_pretrained(str(out), safe_serialization=True)
    for name in MULTI_TOKENIZER_FILES:
        if name == "sentencepiece.bpe.model" and not spec.get("sentence_transformers"):
            continue  # only the paraphrase-multilingual layout needs it (AutoTokenizer reads tokenizer.json)
        if (tokenizer_dir / name).is_file():
            shutil.copyfile(tokenizer_dir / name, out / name)
    if spec.get("sentence_transformers"):
        write_sentence_transformers_layout(out, spec["hidden_size"], max_seq_length=128)
    return out


def sinusoidal_check(model_dir: Path) -> dict:
    """How HF treats DistilBERT's sinusoidal table: whether save_pretrained wrote it, whether it equals the sinusoid
    formula, and whether loading the checkpoint without it gives the same table."""
    import shutil

    from transformers import DistilBertModel

    with safetensors.safe_open(str(model_dir / "model.safetensors"), "np") as handle:
        keys = list(handle.keys())
        name = next((k for k in keys if k.endswith("position_embeddings.weight")), None)
        stored = handle.get_tensor(name) if name else None
    config = json.loads((model_dir / "config.json").read_text())
    n_pos, dim = config["max_position_embeddings"], config["dim"]
    angles = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)])
    formula = np.zeros((n_pos, dim), dtype=np.float32)
    formula[:, 0::2] = np.sin(angles[:, 0::2]).astype(np.float32)
    formula[:, 1::2] = np.cos(angles[:, 1::2]).astype(np.float32)
    result = {"saved_in_checkpoint": name is not None, "tensor": name,
              "stored_equals_formula_max_abs": None if stored is None else float(np.abs(stored - formula).max())}
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "m"
        shutil.copytree(model_dir, copy)
        tensors = safetensors.numpy.load_file(str(copy / "model.safetensors"))
        tensors.pop(name, None)
        safetensors.numpy.save_file(tensors, str(copy / "model.safetensors"), metadata={"format": "pt"})
        reloaded = DistilBertModel.from_pretrained(str(copy), dtype=torch.float32)
        table = reloaded.embeddings.position_embeddings.weight.detach().numpy()
        result["loaded_without_table_equals_formula_max_abs"] = float(np.abs(table - formula).max())
    return result


def multilingual_tokenizer_jobs(minilm: Path, models_dir: Path) -> list[tuple]:
    """(suffix, description, model dir, location, files) of the three tokenizer.json tokenizers."""
    return [
        ("unigram-xlmr", "Unigram tokenizer.json shaped like XLM-R's (Precompiled nmt_nfkc + Replace, Metaspace), "
         "trained on reference/corpus", models_dir / UNIGRAM_XLMR, "fixtures", MULTI_TOKENIZER_FILES),
        ("bpe-roberta", "byte-level BPE tokenizer.json shaped like roberta-base's, trained on reference/corpus",
         models_dir / BPE_ROBERTA, "fixtures", MULTI_TOKENIZER_FILES),
        ("json-minilm-uncased", "WordPiece from all-MiniLM-L6-v2's own tokenizer.json", minilm, "external",
         MULTI_TOKENIZER_FILES),
    ]


def generate_multilingual(out_dir: Path, minilm: Path, retrain: bool) -> None:
    """Every issue-12 fixture: trained tokenizers, tokenizer / pairs / sweep fixtures for them and MiniLM's
    tokenizer.json, the tiny XLM-R / RoBERTa / DistilBERT checkpoints and their forward fixtures, thresholds."""
    cases_dir = REFERENCE_DIR / "cases"
    models_dir = out_dir / "models"
    start = time.time()
    print("tokenizer.json tokenizers")
    for name, train in ((UNIGRAM_XLMR, train_unigram_xlmr), (BPE_ROBERTA, train_bpe_roberta)):
        if retrain or not (models_dir / name / "tokenizer.json").is_file():
            train(REFERENCE_DIR / "corpus", models_dir / name)
        else:
            print(f"  reusing committed {models_dir / name} (pass --retrain-tokenizers to train it again)")

    base = expand_cases(load_cases(cases_dir / "tokenizer.json")["tokenizer"])
    extra = expand_cases(load_cases(cases_dir / "tokenizer-multilingual.json")["tokenizer"])
    cases = base + extra
    singles = [c for c in cases if c.get("text_pair") is None]
    pairs = [c for c in cases if c.get("text_pair") is not None]
    for suffix, description, model_dir, location, files in multilingual_tokenizer_jobs(minilm, models_dir):
        for name, chosen, what in ((f"tokenizer-{suffix}", singles, ""),
                                   (f"tokenizer-pairs-{suffix}", pairs, "sentence pairs: ")):
            fixture = json_tokenizer_fixture(name, what + description, model_dir, location, chosen, files)
            write_json(out_dir / f"{name}.json", fixture)
            report(out_dir / f"{name}.json")
            print(f"    {fixture['summary']['cases']} cases, {fixture['summary']['languages']} languages, "
                  f"tokenizer.json alone differs on {len(fixture['summary']['tokenizer_json_differs'])}")
        name = f"tokenizer-sweep-{suffix}"
        fixture = sweep_fixture(name, f"code-point sweep: {description}", model_dir, location, files)
        write_json(out_dir / f"{name}.json", fixture)
        report(out_dir / f"{name}.json")
        print(f"    {fixture['summary']['code_points']} code points; "
              f"tokenizer.json alone differs on {fixture['summary']['tokenizer_json_differs']['code_points']}")

    print("synthetic XLM-R / RoBERTa / DistilBERT checkpoints")
    cased_dir = models_dir / "multilingual-cased"
    wordpiece_dir = Path(tempfile.mkdtemp())
    for name in ("vocab.txt", "tokenizer_config.json"):
        (wordpiece_dir / name).write_bytes((cased_dir / name).read_bytes())
    wordpiece_tokenizer_json(cased_dir, wordpiece_dir)
    tokenizer_dirs = {UNIGRAM_XLMR: models_dir / UNIGRAM_XLMR, BPE_ROBERTA: models_dir / BPE_ROBERTA,
                      "multilingual-cased": wordpiece_dir}
    forward = load_cases(cases_dir / "forward-multilingual.json")
    for spec in MULTI_SYNTHETIC:
        model_dir = build_multilingual_synthetic(spec, tokenizer_dirs[spec["tokenizer"]], models_dir)
        name = f"forward-{spec['name']}"
        fixture = forward_fixture(name, f"synthetic random {spec['architecture']} ({spec['covers']}); seed "
                                  f"{spec['seed']}", model_dir, "fixtures", expand_cases(forward["forward"]),
                                  forward.get("batches", []), out_dir, default_max_length=SYNTHETIC_MAX_POSITIONS,
                                  tokenizer_file="tokenizer.json", extra_files=MULTI_TOKENIZER_FILES[4:])
        fixture["model"]["synthetic"] = spec
        if spec.get("sinusoidal_pos_embds"):
            fixture["model"]["sinusoidal"] = sinusoidal_check(model_dir)
        write_json(out_dir / f"{name}.json", fixture)
        report(out_dir / f"{name}.json")
        report(out_dir / f"{name}.safetensors")
    report(write_thresholds(out_dir, measured_magnitudes(out_dir)))
    print(f"done in {time.time() - start:.0f} s")


# MARK: - Thresholds


def write_thresholds(out_dir: Path, magnitudes: dict) -> Path:
    """fixtures/thresholds.json: the named pass/fail limits of wasmicro-verify, each with its metric and reason.

    The values are policy (set here, not fitted to any run); the justification quotes the magnitudes measured in the
    fixtures just generated, so a reader can check the margin."""
    hidden = magnitudes["hidden_state_max_abs"]
    logits = magnitudes["logits_max_abs"]
    pooled_norm = magnitudes["minilm_mean_pooled_min_norm"]
    gap = magnitudes["search_min_top1_margin"]
    thresholds = {
        "schema_version": SCHEMA_VERSION,
        "kind": "thresholds",
        "description": "Named pass/fail limits for wasmicro-verify. `gate: true` thresholds make the harness exit "
        "non-zero; `gate: false` ones are reported only. A case listed in accepted_divergences is reported but never "
        "fails the run.",
        "thresholds": {
            "hidden_state_max_abs": {
                "value": 1e-4,
                "target": 1e-5,
                "gate": True,
                "metric": "max over cases, positions with attention_mask 1 and hidden units of |ours - HF| on "
                "last_hidden_state (float32); also applied to pooler_output",
                "applies_to": ["forward"],
                "justification": f"Hidden states reach |x| <= {hidden:.2f} in these fixtures. float32 has a relative "
                "precision of 6e-8, and a different but correct summation order (SIMD, blocking) over <= 1536-wide dot "
                "products and 6 layers with LayerNorm typically moves results by 1e-6..1e-5 absolute. 1e-4 (about 2e-5 "
                "relative to the largest values) passes any correct float32 implementation and still fails on any real "
                "bug (wrong mask, GELU variant, eps or weight layout give errors >= 1e-3). 1e-5 is the goal to report.",
            },
            "hidden_state_mean_abs": {
                "value": 1e-5,
                "gate": False,
                "metric": "mean over the same elements of |ours - HF|",
                "applies_to": ["forward"],
                "justification": "Reported only: the typical error should be an order of magnitude below the maximum.",
            },
            "embedding_cosine_min": {
                "value": 0.99999,
                "gate": True,
                "metric": "min over cases of cosine(ours, HF sentence-transformers embedding)",
                "applies_to": ["forward", "search"],
                "justification": "A cosine of 0.99999 allows an L2 distance of 4.5e-3 between unit vectors: loose "
                "enough for any float32 reordering, tight enough that a wrong pooling (CLS instead of mean, pads "
                "included, no normalisation) fails by orders of magnitude (cosine 0.7..0.99).",
            },
            "embedding_max_abs": {
                "value": 1e-4,
                "gate": True,
                "metric": "max over cases and dimensions of |ours - HF| on the normalised embedding",
                "applies_to": ["forward", "search"],
                "justification": f"The mean-pooled vector has norm >= {pooled_norm:.2f} before normalisation here, so "
                "an error within hidden_state_max_abs shrinks below it after mean pooling and normalisation; the same "
                "1e-4 is therefore a safe bound.",
            },
            "logits_max_abs": {
                "value": 1e-4,
                "gate": True,
                "metric": "max over cases of |ours - HF| on classification logits (float32)",
                "applies_to": ["forward"],
                "justification": f"Logits reach |x| <= {logits:.2f} in the synthetic classifiers, the same order as "
                "hidden states, and they are one dense layer after the tanh pooler (|pooled| <= 1), so the hidden "
                "state bound carries over. The argmax label must also match, except where the case's label_margin is "
                "below 2 * logits_max_abs (then the label is reported, not gated).",
            },
            "token_id_match": {
                "value": 1.0,
                "gate": True,
                "metric": "fraction of tokenizer cases whose input_ids, token_type_ids and attention_mask equal HF's "
                "exactly (tokens are compared for the report)",
                "applies_to": ["tokenizer", "forward"],
                "justification": "Tokenization is discrete: any difference changes the model input, so only exact "
                "equality is parity.",
            },
            "token_sweep_block_match": {
                "value": 1.0,
                "gate": True,
                "metric": "fraction of tokenizer-sweep blocks whose sha256 over the expected input_ids lines equals "
                "HF's (every Unicode scalar value in the template)",
                "applies_to": ["tokenizer-sweep"],
                "justification": "The same exact-equality rule as token_id_match, over every code point: one "
                "differing code point changes its block's digest.",
            },
            "search_top1_agree_with_hf": {
                "value": 1.0,
                "gate": True,
                "metric": "fraction of queries whose top-1 document equals HF's top-1",
                "applies_to": ["search"],
                "justification": f"The smallest gap between HF's first and second score is {gap:.4f} in the committed "
                "search fixture, orders of magnitude above any float32 embedding error, so every query must agree.",
            },
            "search_top10_rank_correlation_min": {
                "value": 0.99,
                "gate": False,
                "metric": "min over queries of Spearman correlation between our and HF's ranks of HF's top 10",
                "applies_to": ["search"],
                "justification": "Reported only: adjacent scores inside the top 10 can be 1e-4 apart, so a legal "
                "float32 difference may swap two neighbours.",
            },
            "search_top1_intended": {
                "value": None,
                "gate": False,
                "metric": "fraction of queries whose top-1 is the document the query was written for",
                "applies_to": ["search"],
                "justification": "Reported only: it measures the model, not our parity with it.",
            },
        },
        "accepted_divergences": [],
        "accepted_divergences_format": "each entry: {\"fixture\": name, \"case\": case id, \"metric\": threshold "
        "name, \"reason\": why the difference is accepted}; none is expected",
    }
    path = out_dir / "thresholds.json"
    write_json(path, thresholds)
    return path


# MARK: - Drivers


def measured_magnitudes(out_dir: Path) -> dict:
    """The magnitudes write_thresholds quotes, read from the fixtures in `out_dir` (every forward-*.json,
    forward-minilm's tensors, search-minilm.json)."""
    forwards = [json.loads(p.read_text()) for p in sorted(out_dir.glob("forward-*.json"))]
    minilm_fixture = json.loads((out_dir / "forward-minilm.json").read_text())
    minilm_tensors = safetensors.numpy.load_file(str(out_dir / "forward-minilm.safetensors"))
    search = json.loads((out_dir / "search-minilm.json").read_text())
    pooled_norms = []
    for case in minilm_fixture["cases"]:
        hidden = minilm_tensors[f"{case['id']}.last_hidden_state"]
        mask = np.asarray(case["attention_mask"], dtype=bool)
        pooled_norms.append(float(np.linalg.norm(hidden[mask].astype(np.float64).mean(0))))
    return {
        "hidden_state_max_abs": max(f["summary"]["last_hidden_state_max_abs"] for f in forwards),
        "logits_max_abs": max(f["summary"]["logits_max_abs"] for f in forwards),
        "minilm_mean_pooled_min_norm": min(pooled_norms),
        "search_min_top1_margin": search["summary"]["min_top1_margin"],
    }


def report(path: Path) -> None:
    print(f"  wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path} "
          f"({path.stat().st_size / 1024:.0f} KB)")


def generate_all(out_dir: Path, minilm: Path, retrain_vocab: bool) -> None:
    cases_dir = REFERENCE_DIR / "cases"
    models_dir = out_dir / "models"
    start = time.time()
    if not (minilm / "model.safetensors").is_file():
        raise SystemExit(f"{minilm}: model missing; run `make model` first")

    print("multilingual cased vocab")
    cased_dir = models_dir / "multilingual-cased"
    if retrain_vocab or not (cased_dir / "vocab.txt").is_file():
        train_multilingual_vocab(REFERENCE_DIR / "corpus", cased_dir, vocab_size=MULTILINGUAL_VOCAB_SIZE)
    else:
        # WordPieceTrainer breaks count ties in Rust HashMap order, which is seeded per process: retraining gives a
        # slightly different vocab every run. The committed vocab is therefore the source of truth.
        print(f"  reusing committed {cased_dir / 'vocab.txt'} (pass --retrain-vocab to train it again)")

    print("tokenizer fixtures")
    tokenizer_cases = expand_cases(load_cases(cases_dir / "tokenizer.json")["tokenizer"])
    singles = [c for c in tokenizer_cases if c.get("text_pair") is None]
    pairs = [c for c in tokenizer_cases if c.get("text_pair") is not None]
    jobs = [
        ("tokenizer-minilm-uncased", "(a) all-MiniLM-L6-v2 uncased vocab with its own options", minilm, "external",
         singles, None, None),
        ("tokenizer-multilingual-cased", "(b) cased multilingual WordPiece vocab trained from reference/corpus "
         "(do_lower_case false)", cased_dir, "fixtures", singles, None, None),
        ("tokenizer-minilm-lowercase-keep-accents-no-cjk", "(c) MiniLM vocab, lowercase but strip_accents false and "
         "tokenize_chinese_chars false", minilm, "external", singles,
         {"strip_accents": False, "tokenize_chinese_chars": False}, None),
        ("tokenizer-pairs-minilm-uncased", "(d) sentence pairs: token_type_ids and longest_first truncation, MiniLM vocab",
         minilm, "external", pairs, None, None),
        ("tokenizer-pairs-multilingual-cased", "(d) sentence pairs: token_type_ids and longest_first truncation, "
         "multilingual cased vocab", cased_dir, "fixtures", pairs, None, None),
    ]
    for name, description, model_dir, location, cases, overrides, model_name in jobs:
        fixture = tokenizer_fixture(name, description, model_dir, location, cases, overrides, model_name)
        write_json(out_dir / f"{name}.json", fixture)
        report(out_dir / f"{name}.json")
        print(f"    {fixture['summary']['cases']} cases, {fixture['summary']['languages']} languages, "
              f"slow differs on {len(fixture['summary']['slow_differs'])}")

    print("forward fixture: all-MiniLM-L6-v2")
    forward = load_cases(cases_dir / "forward-minilm.json")
    fixture = forward_fixture("forward-minilm", "all-MiniLM-L6-v2: last_hidden_state and sentence-transformers "
                              "embedding per sentence, plus a padded batch", minilm, "external", expand_cases(forward["forward"]),
                              forward.get("batches", []), out_dir)
    write_json(out_dir / "forward-minilm.json", fixture)
    report(out_dir / "forward-minilm.json")
    report(out_dir / "forward-minilm.safetensors")

    print("synthetic checkpoints")
    synthetic = load_cases(cases_dir / "forward-synthetic.json")
    for spec in SYNTHETIC_MODELS:
        calibration = [case_text(c) for c in expand_cases(synthetic["forward"]) if c.get("text_pair") is None]
        model_dir = build_synthetic(spec, cased_dir, models_dir, calibration)
        batches = synthetic.get("batches", []) if spec["name"] == "tiny-bert-h64-l3-a4" else []
        name = f"forward-{spec['name']}"
        note = None
        if spec["dtype"] != "float32":
            note = (f"checkpoint stored as {spec['dtype']}: expected outputs were computed in float32 from the SAME "
                    f"rounded weights (loaded from model.safetensors, upcast exactly to float32)")
        fixture = forward_fixture(name, f"synthetic random BERT ({spec['covers']}); seed {spec['seed']}", model_dir,
                                  "fixtures", expand_cases(synthetic["forward"]), batches, out_dir,
                                  default_max_length=SYNTHETIC_MAX_POSITIONS, weights_note=note)
        fixture["model"]["synthetic"] = spec
        write_json(out_dir / f"{name}.json", fixture)
        report(out_dir / f"{name}.json")

    print("semantic search")
    search = load_cases(cases_dir / "search.json")["search"]
    fixture = search_fixture("search-minilm", "semantic search with all-MiniLM-L6-v2 over hand-written documents",
                             minilm, "external", search, out_dir)
    write_json(out_dir / "search-minilm.json", fixture)
    report(out_dir / "search-minilm.json")
    print(f"    HF top-1 is the intended doc for {fixture['summary']['hf_top1_is_intended']}/"
          f"{fixture['summary']['queries']} queries; min top-1 margin {fixture['summary']['min_top1_margin']:.4f}")
    report(write_thresholds(out_dir, measured_magnitudes(out_dir)))
    head_fixtures(out_dir, minilm)
    print(f"done in {time.time() - start:.0f} s")


def generate_user(model_dir: Path, cases_path: Path, out_dir: Path, location: str, name: str | None) -> None:
    cases = load_cases(cases_path)
    name = name or cases.get("name") or cases_path.stem
    if cases.get("tokenizer"):
        fixture = tokenizer_fixture(f"tokenizer-{name}", f"user cases {cases_path.name}", model_dir, location,
                                    expand_cases(cases["tokenizer"]))
        write_json(out_dir / f"tokenizer-{name}.json", fixture)
        report(out_dir / f"tokenizer-{name}.json")
    if cases.get("forward") or cases.get("batches"):
        if not (model_dir / "model.safetensors").is_file():
            raise SystemExit(f"{model_dir}: no model.safetensors, cannot generate forward cases")
        fixture = forward_fixture(f"forward-{name}", f"user cases {cases_path.name}", model_dir, location,
                                  expand_cases(cases.get("forward", [])), cases.get("batches", []), out_dir)
        write_json(out_dir / f"forward-{name}.json", fixture)
        report(out_dir / f"forward-{name}.json")
    if cases.get("search"):
        fixture = search_fixture(f"search-{name}", f"user cases {cases_path.name}", model_dir, location,
                                 cases["search"], out_dir)
        write_json(out_dir / f"search-{name}.json", fixture)
        report(out_dir / f"search-{name}.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="regenerate every committed fixture into --out")
    parser.add_argument("--model", type=Path, help="model directory (BERT + vocab.txt; sentence-transformers optional)")
    parser.add_argument("--cases", type=Path, help="case file (JSON, see reference/README.md)")
    parser.add_argument("--out", type=Path, help="output directory for fixtures")
    parser.add_argument("--name", help="fixture name suffix (default: the case file's `name` or its file stem)")
    parser.add_argument("--minilm", type=Path, default=DEFAULT_MINILM, help="all-MiniLM-L6-v2 directory for --all")
    parser.add_argument("--quantized", action="store_true",
                        help="regenerate only the quantized-bundle fixtures (forward-*-q8/q4/f16, quality-*) into --out")
    parser.add_argument("--heads", action="store_true",
                        help="regenerate only the embedding-head fixtures (head-intents-minilm.json, heads/) into --out")
    parser.add_argument("--multilingual", action="store_true",
                        help="regenerate only the tokenizer.json / XLM-R / RoBERTa / DistilBERT fixtures (issue 12) "
                        "and thresholds.json into --out")
    parser.add_argument("--retrain-tokenizers", action="store_true",
                        help="with --multilingual or --all: train fixtures/models/unigram-xlmr and bpe-roberta again")
    parser.add_argument("--sweep-ids", nargs=3, metavar=("DIR", "FIRST", "LAST"),
                        help="debug: print the expected tokenizer-sweep lines of code points FIRST..LAST (hex or "
                        "decimal) for the tokenizer directory DIR, then exit")
    parser.add_argument("--wasmicro", type=Path, default=DEFAULT_WASMICRO, help="the wasmicro CLI that converts bundles")
    parser.add_argument("--retrain-vocab", action="store_true",
                        help="with --all: train the multilingual cased vocab again (not reproducible, see README)")
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.sweep_ids:
        directory, first, last = args.sweep_ids
        print_sweep_ids(Path(directory).resolve(), int(first, 0), int(last, 0))
        return
    if args.out is None:
        parser.error("--out is required")
    if args.all:
        generate_all(args.out.resolve(), args.minilm.resolve(), args.retrain_vocab)
        generate_multilingual(args.out.resolve(), args.minilm.resolve(), args.retrain_tokenizers)
        quantized_fixtures(args.out.resolve(), args.minilm.resolve(), args.wasmicro.resolve())
    elif args.multilingual:
        generate_multilingual(args.out.resolve(), args.minilm.resolve(), args.retrain_tokenizers)
    elif args.heads:
        head_fixtures(args.out.resolve(), args.minilm.resolve())
    elif args.quantized:
        quantized_fixtures(args.out.resolve(), args.minilm.resolve(), args.wasmicro.resolve())
    elif args.model and args.cases:
        generate_user(args.model.resolve(), args.cases.resolve(), args.out.resolve(), "external", args.name)
    else:
        parser.error("give either --all or both --model and --cases")


if __name__ == "__main__":
    main()
