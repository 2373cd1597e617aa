#!/usr/bin/env python3
"""Convert a scikit-learn logistic-regression head into a wasmicro head file.

A head file (FORMAT.md, "Embedding head files") is a safetensors file with two F32 tensors, `weight` [rows, dimension]
and `bias` [rows], and string metadata: format "wasmicro-embedding-head", kind, labels (a JSON array of strings, the
estimator's classes_ in order), dimension and source. The kinds are how sklearn's predict_proba turns scores into
probabilities:

  softmax  multinomial LogisticRegression (more than two classes): softmax(W·e + b); rows = labels
  ovr      one-vs-rest (OneVsRestClassifier of binary LogisticRegressions, or an old sklearn's multi_class="ovr"):
           sigmoid(w_k·e + b_k), divided by their sum; rows = labels
  binary   two classes: p1 = sigmoid(w·e + b), probabilities [1 - p1, p1]; one row

Weights are stored as float32: sklearn's float64 coefficients are rounded to nearest (each moves by at most 6e-8 of
its value), so probabilities computed from the head differ from sklearn's by about 1e-8 (generate.py measures it:
`float32_head_vs_sklearn_max_abs` in fixtures/head-intents-minilm.json).

Accepted input: a joblib or pickle file holding a fitted LogisticRegression, a OneVsRestClassifier of binary
LogisticRegressions, or an object with such an estimator in `.model_head` or `.head` (a SetFit model). Loading a pickle
runs code from the file: only convert files you trust.

Scope: the conversion and a numpy statement of what a head computes (`head_probabilities`, used by generate.py).
Non-goals: other estimators (SVMs, trees, pipelines with scalers, SetFit's torch head), multi-label heads, training.

Usage:
  python reference/export_head.py model_head.pkl --out head.safetensors [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_NAME = "wasmicro-embedding-head"
KINDS = ("softmax", "ovr", "binary")
# Old sklearn values of LogisticRegression.multi_class that meant one-vs-rest: "ovr" itself and "warn" (the 0.20/0.21
# default, which warned and then ran ovr).
OVR_MULTI_CLASS = ("ovr", "warn")
# Values that chose by solver: liblinear meant ovr, any other solver multinomial ("deprecated": 1.5–1.7's default).
AUTO_MULTI_CLASS = ("auto", "deprecated")


class HeadError(Exception):
    """A one-line reason why a file cannot become a head file."""


@dataclass
class Head:
    """What a head file holds: float32 weights ready to write."""

    kind: str
    labels: list[str]
    weight: np.ndarray  # [rows, dimension] float32
    bias: np.ndarray  # [rows] float32
    source: str

    @property
    def dimension(self) -> int:
        return int(self.weight.shape[1])


# MARK: - Reading an estimator


def load_estimator(path: Path) -> tuple[object, str | None]:
    """The object in a joblib (or plain pickle) file, and the sklearn version it was pickled with when that differs
    from the running one (None when they agree or it is unknown)."""
    if not path.is_file():
        raise HeadError(f"{path}: no such file")
    try:
        import joblib
    except ImportError:
        joblib = None
    pickled_version = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if joblib is None:
                raise ValueError("joblib is not installed")
            obj = joblib.load(path)
        except Exception:
            # Plain pickle is the fallback when joblib is missing or cannot read the file.
            try:
                with open(path, "rb") as handle:
                    obj = pickle.load(handle)
            except Exception as pickle_error:
                # joblib's own message for a non-pickle is an opaque KeyError; pickle's says what is wrong.
                raise HeadError(f"{path}: not a loadable joblib or pickle file ({one_line(pickle_error)})") from None
    for warning in caught:
        version = getattr(warning.message, "original_sklearn_version", None)
        if version is not None:
            pickled_version = str(version)
    return obj, pickled_version


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def unwrap(obj: object) -> tuple[object, str]:
    """The estimator inside a SetFit-style wrapper (`.model_head` or `.head`), and a note saying where it came from."""
    from sklearn.base import BaseEstimator

    note = ""
    for _ in range(3):  # a wrapper of a wrapper is enough; deeper nesting is not something SetFit writes
        if isinstance(obj, BaseEstimator):
            break
        for attribute in ("model_head", "head"):
            inner = getattr(obj, attribute, None)
            if inner is not None:
                note += f" in {type(obj).__name__}.{attribute}"
                obj = inner
                break
        else:
            break
    return obj, note


def _finite_float64(value, what: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise HeadError(f"{what} is not a numeric array ({one_line(error)})") from None
    if array.shape != shape:
        raise HeadError(f"{what} has shape {list(array.shape)}, expected {list(shape)}")
    if not np.all(np.isfinite(array)):
        raise HeadError(f"{what} has {int(np.sum(~np.isfinite(array)))} non-finite values (NaN or inf)")
    return array


def _logistic_parts(estimator, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """classes_, coef_ [rows, dimension] and intercept_ [rows] of a fitted LogisticRegression, checked."""
    missing = [name for name in ("coef_", "intercept_", "classes_") if not hasattr(estimator, name)]
    if missing:
        raise HeadError(f"{what} is not fitted (no {', '.join(missing)}): fit it before exporting")
    classes = np.asarray(estimator.classes_)
    if classes.ndim != 1 or classes.size < 2:
        raise HeadError(f"{what} has classes_ of shape {list(classes.shape)}; a head needs at least 2 classes")
    coef = np.asarray(estimator.coef_)
    if coef.ndim != 2 or coef.shape[0] < 1 or coef.shape[1] < 1:
        raise HeadError(f"{what}.coef_ has shape {list(coef.shape)}, expected [rows, dimension]")
    rows = 1 if classes.size == 2 else classes.size
    coef = _finite_float64(coef, f"{what}.coef_", (rows, coef.shape[1]))
    intercept = estimator.intercept_
    if np.ndim(intercept) == 0 and float(intercept) == 0.0:
        intercept = np.zeros(rows)  # fit_intercept=False
    intercept = _finite_float64(intercept, f"{what}.intercept_", (rows,))
    features = getattr(estimator, "n_features_in_", coef.shape[1])
    if features != coef.shape[1]:
        raise HeadError(f"{what} has n_features_in_ {features} but coef_ of width {coef.shape[1]}")
    return classes, coef, intercept


def _is_ovr(estimator) -> bool:
    """Whether an old sklearn's LogisticRegression was one-vs-rest (sklearn ≥ 1.8 has no multi_class: softmax)."""
    multi_class = getattr(estimator, "multi_class", None)
    if multi_class in OVR_MULTI_CLASS:
        return True
    if multi_class in AUTO_MULTI_CLASS:
        return getattr(estimator, "solver", None) == "liblinear"
    return False


def _binary_scale(estimator) -> float:
    """2 when an old sklearn's binary multinomial LogisticRegression computed softmax([-z, z]) = sigmoid(2z), else 1.

    Doubling is exact in floating point, so folding it into the weights loses nothing."""
    return 2.0 if getattr(estimator, "multi_class", None) == "multinomial" else 1.0


def _labels(classes: np.ndarray, what: str) -> list[str]:
    labels = [str(c) for c in classes.tolist()]
    if len(set(labels)) != len(labels):
        raise HeadError(f"{what}.classes_ {labels} are not distinct once written as strings")
    return labels


def head_from_estimator(obj: object, pickled_version: str | None = None) -> Head:
    """A Head from a fitted estimator (float64 coefficients rounded to float32). Raises HeadError for anything else."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    estimator, note = unwrap(obj)
    name = type(estimator).__name__
    version = pickled_version or sklearn.__version__
    if isinstance(estimator, LogisticRegression):
        classes, coef, intercept = _logistic_parts(estimator, name)
        if classes.size == 2:
            kind = "binary"
            scale = _binary_scale(estimator)
            coef, intercept = coef * scale, intercept * scale
        else:
            kind = "ovr" if _is_ovr(estimator) else "softmax"
        labels = _labels(classes, name)
    elif isinstance(estimator, OneVsRestClassifier):
        if not hasattr(estimator, "estimators_"):
            raise HeadError(f"{name} is not fitted (no estimators_): fit it before exporting")
        if getattr(estimator, "multilabel_", False):
            raise HeadError(f"{name} was fitted on multi-label targets; a head file holds single-label heads only")
        inner = list(estimator.estimators_)
        labels = _labels(np.asarray(estimator.classes_), name)
        expected = 1 if len(labels) == 2 else len(labels)
        if len(inner) != expected:
            raise HeadError(f"{name} has {len(inner)} estimators for {len(labels)} classes, expected {expected}")
        rows_coef, rows_intercept = [], []
        for index, member in enumerate(inner):
            what = f"{name}.estimators_[{index}] ({type(member).__name__})"
            if not isinstance(member, LogisticRegression):
                raise HeadError(f"{what} is not a LogisticRegression (a class seen always or never in training "
                                "gives a constant predictor)")
            classes, coef, intercept = _logistic_parts(member, what)
            if classes.size != 2:
                raise HeadError(f"{what} has {classes.size} classes, expected a binary estimator")
            scale = _binary_scale(member)
            rows_coef.append(coef[0] * scale)
            rows_intercept.append(intercept[0] * scale)
        widths = {len(row) for row in rows_coef}
        if len(widths) != 1:
            raise HeadError(f"{name}'s estimators have different widths {sorted(widths)}")
        coef, intercept = np.stack(rows_coef), np.asarray(rows_intercept)
        kind = "binary" if len(labels) == 2 else "ovr"
        name = f"{name}(LogisticRegression)"
    else:
        qualified = f"{type(estimator).__module__}.{type(estimator).__name__}"
        raise HeadError(f"unsupported estimator {qualified}{note}: expected "
                        "a fitted sklearn LogisticRegression or OneVsRestClassifier of LogisticRegressions")
    with np.errstate(over="ignore"):  # overflow to inf is reported just below
        weight = coef.astype(np.float32)
        bias = intercept.astype(np.float32)
    if not (np.all(np.isfinite(weight)) and np.all(np.isfinite(bias))):
        raise HeadError(f"{name} has coefficients beyond the float32 range (|x| > 3.4e38)")
    source = (f"scikit-learn {version} {name}{note}, {kind}; float64 coefficients rounded to float32 by "
              "reference/export_head.py")
    return Head(kind=kind, labels=labels, weight=np.ascontiguousarray(weight), bias=bias, source=source)


# MARK: - Writing a head file


def head_file_bytes(head: Head) -> bytes:
    """The head file: u64 LE header length, JSON header (metadata first, then weight, bias; padded with spaces to a
    multiple of 8), then weight and bias as little-endian float32.

    Written by hand rather than with safetensors.numpy.save_file, which orders metadata keys by a randomly seeded Rust
    HashMap (the same head gives different bytes, hence sha256, on every run) and puts `bias` before `weight`."""
    rows = 1 if head.kind == "binary" else len(head.labels)
    if head.kind not in KINDS:
        raise HeadError(f"unknown kind {head.kind!r}")
    if head.weight.shape != (rows, head.dimension) or head.bias.shape != (rows,):
        raise HeadError(f"{head.kind} head with {len(head.labels)} labels needs weight [{rows}, dimension] and bias "
                        f"[{rows}], got {list(head.weight.shape)} and {list(head.bias.shape)}")
    weight = np.ascontiguousarray(head.weight, dtype="<f4").tobytes()
    bias = np.ascontiguousarray(head.bias, dtype="<f4").tobytes()
    metadata = {
        "format": FORMAT_NAME,
        "kind": head.kind,
        "labels": json.dumps(head.labels, ensure_ascii=False, separators=(",", ":")),
        "dimension": str(head.dimension),
        "source": head.source,
    }
    entries = {
        "__metadata__": metadata,
        "weight": {"dtype": "F32", "shape": [rows, head.dimension], "data_offsets": [0, len(weight)]},
        "bias": {"dtype": "F32", "shape": [rows], "data_offsets": [len(weight), len(weight) + len(bias)]},
    }
    header = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header + weight + bias


def _check_written(path: Path, head: Head) -> None:
    """Read the file back with the safetensors package: the bytes must mean exactly the head."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata()
        weight, bias = handle.get_tensor("weight"), handle.get_tensor("bias")
    if (metadata.get("format") != FORMAT_NAME or metadata.get("kind") != head.kind
            or json.loads(metadata.get("labels", "null")) != head.labels
            or metadata.get("dimension") != str(head.dimension)):
        raise HeadError(f"{path}: metadata did not round-trip")
    if not (np.array_equal(weight, head.weight) and np.array_equal(bias, head.bias)):
        raise HeadError(f"{path}: tensors did not round-trip")


def write_head(head: Head, out: Path, force: bool = False) -> str:
    """Write `out` atomically (a temporary file in the same directory, renamed at the end); returns its sha256.
    Refuses an existing `out` unless `force`."""
    out = Path(out)
    if out.is_dir():
        raise HeadError(f"{out}: is a directory")
    if out.exists() and not force:
        raise HeadError(f"{out}: already exists (pass --force to overwrite)")
    if not out.parent.is_dir():
        raise HeadError(f"{out.parent}: output directory does not exist")
    data = head_file_bytes(head)
    descriptor, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        _check_written(Path(temporary), head)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def export(source: Path, out: Path, force: bool = False) -> tuple[Head, str]:
    """Load `source` (joblib or pickle), convert and write `out`. Returns the head and the file's sha256."""
    obj, pickled_version = load_estimator(Path(source))
    head = head_from_estimator(obj, pickled_version)
    return head, write_head(head, Path(out), force)


# MARK: - What a head computes


def head_probabilities(kind: str, weight: np.ndarray, bias: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """[cases, labels] probabilities of a head for [cases, dimension] embeddings, in float64 (FORMAT.md's rules)."""
    from scipy.special import expit

    scores = np.asarray(embeddings, np.float64) @ np.asarray(weight, np.float64).T + np.asarray(bias, np.float64)
    if kind == "softmax":
        exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
        return exponentials / exponentials.sum(axis=1, keepdims=True)
    if kind == "ovr":
        positives = expit(scores)
        totals = positives.sum(axis=1, keepdims=True)
        # Every score below about -745 underflows to 0: LogisticRegression then answers uniform probabilities.
        positives[totals[:, 0] == 0] = 1.0
        return positives / positives.sum(axis=1, keepdims=True)
    if kind == "binary":
        positive = expit(scores[:, 0])
        return np.stack([1.0 - positive, positive], axis=1)
    raise HeadError(f"unknown kind {kind!r}")


# MARK: - Command line


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="export_head.py",
        description=__doc__.split("\n\nUsage:")[0],
        epilog="The byte layout is defined in FORMAT.md, section \"Embedding head files\".",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", type=Path, help="HEAD.joblib or HEAD.pkl (e.g. a SetFit model_head.pkl)")
    parser.add_argument("--out", type=Path, required=True, help="the head file to write (.safetensors)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args()
    try:
        obj, pickled_version = load_estimator(args.source)
        head = head_from_estimator(obj, pickled_version)
        sha256 = write_head(head, args.out, args.force)
    except HeadError as error:
        print(f"export_head.py: error: {error}", file=sys.stderr)
        return 1
    if pickled_version is not None:
        import sklearn

        print(f"note: pickled with scikit-learn {pickled_version}, read with {sklearn.__version__}; the kind follows "
              "the estimator's own settings", file=sys.stderr)
    rows = head.weight.shape[0]
    print(f"wrote {args.out}: {head.kind}, {len(head.labels)} labels {head.labels}, weight [{rows}, {head.dimension}] "
          f"float32, sha256 {sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
