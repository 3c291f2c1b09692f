"""Score a trained span model (spaCy NER) on SkillSpan dev with the project's evaluator.

    .venv/bin/python bench/score_span_model.py [config/models/skill_spans]

Prints overlap and strict F1 per label and postings/s of the model alone (one process, so one
core for the network). The model is trained by `make train-span`; this scores the network alone (no gate, no ensemble).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.datasets import configured_datasets  # noqa: E402
from domain.evaluation.spans import Span, score  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "model", nargs="?", type=Path, default=ROOT / "config" / "models" / "skill_spans"
    )
    args = ap.parse_args()
    (ds,) = configured_datasets(ROOT, "skillspan-dev")
    nlp = spacy.load(args.model)
    t0 = time.perf_counter()
    docs = list(nlp.pipe([d.text for d in ds.docs], batch_size=16))
    rate = len(docs) / (time.perf_counter() - t0)
    pred = {
        d.doc_id: [Span(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for d, doc in zip(ds.docs, docs, strict=True)
    }
    metrics = score(pred, ds.docs, ds.labels)
    for label in (*ds.labels, "micro"):
        m = metrics[label]
        print(f"{label:<10} overlap F1 {m['overlap']['f1']:.3f}  strict F1 {m['strict']['f1']:.3f}")
    print(f"speed: {rate:.1f} postings/s ({len(docs)} SkillSpan dev postings)")


if __name__ == "__main__":
    main()
