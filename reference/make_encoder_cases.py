#!/usr/bin/env python3
"""Generate tiny random XLM-RoBERTa / RoBERTa / DistilBERT checkpoints and their HF outputs, for the Swift unit tests.

Scope: forward parity of the encoders behind `EncoderConfig` (Tests/WasmicroTests/EncoderTests.swift). Each case is a
folder Tests/WasmicroTests/Fixtures/encoders/<name>/ with config.json and model.safetensors exactly as
`save_pretrained` writes them (F32), and expected.json: the padded batch of input ids HF ran (right-padded with the
config's pad_token_id), its attention mask, `last_hidden_state` of every real token (padding rows are dropped) and, for
sequence-classification checkpoints, the logits. Non-goals: tokenizers (the ids are random), real model weights.

Cases (fixed seeds, so the output is the same on every run with the pinned versions):
  xlm-roberta            XLMRobertaModel (bare names, pooler)
  roberta                RobertaModel (bare names, pooler), hidden_act gelu_new, type_vocab_size 2
  roberta-classifier     RobertaForSequenceClassification ("roberta." prefix, classifier.dense/out_proj), 3 labels
  distilbert             DistilBertModel, sinusoidal_pos_embds false, activation gelu
  distilbert-sinusoidal  DistilBertModel, sinusoidal_pos_embds true; the stored position table is perturbed before
                         saving, so a runtime that recomputed the sines instead of reading the file would fail
  distilbert-sinusoidal-absent
                         the same config with embeddings.position_embeddings.weight deleted from the file: HF (checked
                         here) then fills the table with its sinusoidal init, which the runtime must reproduce
  distilbert-classifier  DistilBertForSequenceClassification ("distilbert." prefix, pre_classifier + ReLU +
                         classifier), activation relu, 2 labels

Usage: /work/main/.venv-reference/bin/python reference/make_encoder_cases.py
"""
import json
import os
import shutil

import numpy as np
import safetensors
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertModel,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaModel,
    XLMRobertaConfig,
    XLMRobertaModel,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "WasmicroTests", "Fixtures", "encoders")

# Sizes: small enough that all cases stay well under 1 MB, odd enough (intermediate 37, head size 8) to catch
# layout mistakes. Positions: 24 rows; RoBERTa's pad_token_id 1 leaves 22 usable positions.
VOCAB = 61
HIDDEN = 32
HEADS = 4
LAYERS = 2
INTERMEDIATE = 37
POSITIONS = 24
LENGTHS = [5, 22, 1, 9]  # one sequence uses every usable RoBERTa position


def roberta_common():
    return dict(
        vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE, max_position_embeddings=POSITIONS, layer_norm_eps=1e-5,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, attn_implementation="eager")


def distil_common(**extra):
    return dict(
        vocab_size=VOCAB, dim=HIDDEN, n_heads=HEADS, n_layers=LAYERS, hidden_dim=INTERMEDIATE,
        max_position_embeddings=POSITIONS, pad_token_id=0, attn_implementation="eager", **extra)


def batch(seed, pad, bos, eos):
    """Right-padded ids [len(LENGTHS), max] and mask. Real tokens avoid the pad id (see EncoderTests: RoBERTa gives a
    real token equal to pad_token_id the padding position; that case is a listed divergence, not a fixture)."""
    generator = np.random.default_rng(seed)
    longest = max(LENGTHS)
    ids = np.full((len(LENGTHS), longest), pad, dtype=np.int64)
    mask = np.zeros((len(LENGTHS), longest), dtype=np.int64)
    for row, length in enumerate(LENGTHS):
        choices = [i for i in range(VOCAB) if i != pad]
        sequence = list(generator.choice(choices, size=length))
        if length >= 2:
            sequence[0], sequence[-1] = bos, eos
        ids[row, :length] = sequence
        mask[row, :length] = 1
    return ids, mask


def randomize(model, seed):
    """Every parameter drawn afresh (LayerNorms included, so they are not the identity), std 0.2 for clear signal."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
            if name.endswith("LayerNorm.weight") or "layer_norm.weight" in name:
                parameter.add_(1.0)


def write_case(name, model, ids, mask, drop=()):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    model.save_pretrained(folder)
    weights = os.path.join(folder, "model.safetensors")
    if drop:
        tensors = load_file(weights)
        for key in drop:
            del tensors[key]
        save_file(tensors, weights, metadata={"format": "pt"})
    # Run what HF loads back from the folder, so the expected values are those of the files as committed.
    reloaded = type(model).from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        output = reloaded(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask), output_hidden_states=True)
    hidden = output.hidden_states[-1] if hasattr(output, "logits") else output.last_hidden_state
    expected = {
        "generator": "reference/make_encoder_cases.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "lengths": LENGTHS,
        "last_hidden_state": [hidden[row, :length].flatten().tolist() for row, length in enumerate(LENGTHS)],
    }
    if hasattr(output, "logits"):
        expected["logits"] = output.logits.tolist()
    with open(os.path.join(folder, "expected.json"), "w") as handle:
        json.dump(expected, handle)
    for extra in ("generation_config.json",):
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)
    return reloaded


def sinusoidal_table(rows, dim):
    """HF's _create_sinusoidal_embeddings, restated (float64 numpy, then float32)."""
    angles = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(rows)])
    table = np.zeros((rows, dim), dtype=np.float32)
    table[:, 0::2] = np.sin(angles[:, 0::2])
    table[:, 1::2] = np.cos(angles[:, 1::2])
    return table


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    model = XLMRobertaModel(XLMRobertaConfig(**roberta_common(), type_vocab_size=1)).eval()
    randomize(model, 1)
    write_case("xlm-roberta", model, *batch(11, pad=1, bos=0, eos=2))

    model = RobertaModel(RobertaConfig(**roberta_common(), type_vocab_size=2, hidden_act="gelu_new")).eval()
    randomize(model, 2)
    write_case("roberta", model, *batch(12, pad=1, bos=0, eos=2))

    config = RobertaConfig(**roberta_common(), type_vocab_size=1, num_labels=3)
    model = RobertaForSequenceClassification(config).eval()
    randomize(model, 3)
    write_case("roberta-classifier", model, *batch(13, pad=1, bos=0, eos=2))

    model = DistilBertModel(DistilBertConfig(**distil_common(sinusoidal_pos_embds=False))).eval()
    randomize(model, 4)
    write_case("distilbert", model, *batch(14, pad=0, bos=3, eos=4))

    model = DistilBertModel(DistilBertConfig(**distil_common(sinusoidal_pos_embds=True))).eval()
    randomize(model, 5)  # perturbs the position table too: the file's values must win over the sines
    write_case("distilbert-sinusoidal", model, *batch(15, pad=0, bos=3, eos=4))

    model = DistilBertModel(DistilBertConfig(**distil_common(sinusoidal_pos_embds=True))).eval()
    randomize(model, 6)
    reloaded = write_case(
        "distilbert-sinusoidal-absent", model, *batch(16, pad=0, bos=3, eos=4),
        drop=("embeddings.position_embeddings.weight",))
    table = reloaded.embeddings.position_embeddings.weight.detach().numpy()
    assert np.array_equal(table, sinusoidal_table(POSITIONS, HIDDEN)), "HF did not fill the absent table with sines"

    config = DistilBertConfig(**distil_common(sinusoidal_pos_embds=False, activation="relu"), num_labels=2)
    model = DistilBertForSequenceClassification(config).eval()
    randomize(model, 7)
    write_case("distilbert-classifier", model, *batch(17, pad=0, bos=3, eos=4))

    total = 0
    for folder, _, files in os.walk(OUT):
        for file in files:
            total += os.path.getsize(os.path.join(folder, file))
    print(f"wrote {OUT}: {total} bytes (transformers {transformers.__version__}, safetensors {safetensors.__version__})")


if __name__ == "__main__":
    main()
