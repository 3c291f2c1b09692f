"""Score the fine-tuned MiniLM reference (scripts/train_transformer_reference.py) like the product.

    .venv-train/bin/python bench/transformer_reference.py [build/reference] [--gate]

Not part of the product: it shows what a small transformer reaches on SkillSpan dev with the
project's evaluator (strict/overlap P/R/F1 per label) and at what speed on one core, so the
trade-off against the spaCy span model is a measured one. Needs the torch venv (make reference).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["HF_HUB_OFFLINE"] = "1"

import argparse
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.datasets import configured_datasets  # noqa: E402
from adapters.artifacts.span_model import load_gate  # noqa: E402
from domain.evaluation.spans import Span, score  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", type=Path, default=ROOT / "build" / "reference")
    ap.add_argument("--gate", action="store_true", help="only lines the span-model gate keeps")
    args = ap.parse_args()
    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForTokenClassification.from_pretrained(args.model).eval()
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    gate = load_gate(ROOT / "config" / "models" / "skill_spans") if args.gate else None
    (ds,) = configured_datasets(ROOT, "skillspan-dev")
    pred: dict[str, list[Span]] = {}
    t0 = time.perf_counter()
    for d in ds.docs:
        lines, pos = [], 0
        for line in d.text.split("\n"):
            lines.append((pos, line))
            pos += len(line) + 1
        lines = [(p, x) for p, x in lines if x.strip()]
        if gate is not None:
            lines = [lx for lx, k in zip(lines, gate.keep([x for _, x in lines]), strict=True) if k]
        out: list[Span] = []
        for i in range(0, len(lines), 32):
            batch = lines[i : i + 32]
            words = [x.split(" ") for _, x in batch]
            enc = tok(words, is_split_into_words=True, truncation=True, max_length=256,
                      padding=True, return_tensors="pt")  # fmt: skip
            with torch.no_grad():
                best = model(**enc).logits.argmax(-1)
            for j, (base, _) in enumerate(batch):
                tags = ["O"] * len(words[j])
                prev = None
                for k, w in enumerate(enc.word_ids(j)):
                    if w is not None and w != prev:
                        tags[w] = labels[int(best[j, k])]
                    prev = w
                offs, p = [], base
                for w in words[j]:
                    offs.append((p, p + len(w)))
                    p += len(w) + 1
                start = lab = None
                for k, t in enumerate([*tags, "O"]):
                    if start is not None and not (t.startswith("I-") and t[2:] == lab):
                        out.append(Span(offs[start][0], offs[k - 1][1], str(lab)))
                        start = None
                    if t.startswith("B-") or (t.startswith("I-") and start is None):
                        start, lab = k, t[2:]
        pred[d.doc_id] = out
    rate = len(ds.docs) / (time.perf_counter() - t0)
    m = score(pred, ds.docs, ds.labels)
    for label in (*ds.labels, "micro"):
        o, s = m[label]["overlap"], m[label]["strict"]
        print(f"{label:<10} overlap P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}"
              f"  strict F1 {s['f1']:.3f}")  # fmt: skip
    print(f"speed: {rate:.1f} postings/s on 1 thread ({len(ds.docs)} SkillSpan dev postings"
          f"{', gated lines only' if gate else ''})")  # fmt: skip


if __name__ == "__main__":
    main()
