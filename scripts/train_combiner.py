"""Fit the learned combiner (domain/skills/combiner.py) on SkillSpan train; choose C and the
threshold on SkillSpan dev; write config/models/skill_combiner/combiner.json.

Every merged candidate span the active profile's strategies find (before any threshold) is one
example: label 1 when it overlaps a gold span of the kind it would be reported as. A logistic
regression (scikit-learn, standardized features, class weights balanced or not) is fitted on
train for each C of the grid; on dev, each (C, class weight, threshold) is scored with the
evaluator's own span scorer (overlap and strict F1 per kind) and the one with the best mean
of the four F1s wins. The test split is never read.

    .venv/bin/python scripts/train_combiner.py [--train PATH] [--dev PATH] [--out DIR]

Prints train and dev F1 per kind (overlap / strict) of the chosen combiner and of the noisy-OR
rule it replaces, measured on the same spans. Deterministic (liblinear-free lbfgs, no sampling).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from adapters.artifacts.datasets import load_gold, load_gold_file  # noqa: E402
from domain.evaluation.spans import GoldDoc, Span, score  # noqa: E402
from domain.skills.combiner import FEATURES  # noqa: E402
from domain.skills.ensemble import ScoredSpan  # noqa: E402
from domain.text.normalize import normalize  # noqa: E402

TRAIN = ROOT.parent / "shared" / "data" / "eval" / "skillspan" / "train.json"
DEV = ROOT / "config" / "eval" / "skillspan_dev.jsonl"
OUT = ROOT / "config" / "models" / "skill_combiner"
KINDS = ("SKILL", "KNOWLEDGE")
C_GRID = (0.01, 0.1, 1.0, 10.0)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.2, 0.8, 0.01))

Row = tuple[str, int, int, str, float, dict[str, float]]  # doc, start, end, kind, relevance, x


def span_rows(pipeline, docs: Sequence[GoldDoc]) -> list[Row]:  # type: ignore[no-untyped-def]
    """Every merged span of every doc, offsets into the doc's text as given."""
    rows: list[Row] = []
    for i in range(0, len(docs), 32):
        chunk = docs[i : i + 32]
        norms = [normalize(d.text) for d in chunk]
        items = [(n.text, pipeline.classifier.classify(n.text)) for n in norms]
        table: list[list[ScoredSpan]] = pipeline.extractor.span_table(items)
        for d, n, spans in zip(chunk, norms, table, strict=True):
            for s in spans:
                a, b = (s.start, s.end) if n.identity else n.to_input(s.start, s.end)
                rows.append((d.doc_id, a, b, s.kind, s.relevance, dict(s.features)))
    return rows


def labels(rows: Sequence[Row], docs: Sequence[GoldDoc]) -> np.ndarray:
    gold = {d.doc_id: d.spans for d in docs}
    return np.array(
        [
            any(g.label == k and g.start < b and a < g.end for g in gold[doc])
            for doc, a, b, k, _, _ in rows
        ],
        dtype=np.int64,
    )


def matrix(rows: Sequence[Row]) -> np.ndarray:
    return np.array([[x.get(f, 0.0) for f in FEATURES] for *_, x in rows], dtype=np.float64)


def f1s(
    rows: Sequence[Row], conf: np.ndarray, t: float, docs: Sequence[GoldDoc], floor: bool = True
) -> dict:
    pred: dict[str, list[Span]] = {d.doc_id: [] for d in docs}
    for (doc, a, b, k, _, x), c in zip(rows, conf, strict=True):
        if c >= t or (floor and x.get("named")):  # the extractor keeps named technologies
            pred[doc].append(Span(a, b, k))
    m = score(pred, docs, KINDS)
    return {k: (m[k]["overlap"]["f1"], m[k]["strict"]["f1"]) for k in KINDS}


def mean_f1(s: dict) -> float:
    return float(np.mean([v for k in KINDS for v in s[k]]))


def rule_confidence(rows: Sequence[Row], weights: dict[str, float]) -> np.ndarray:
    """The noisy-OR of the configured weights, from the strategy indicator features."""
    out = []
    for *_, rel, x in rows:
        miss = 1.0
        for name, feat in (("transformer", "model"), ("context", "context"), ("alias", "alias"),
                           ("taxonomy", "taxonomy"), ("named", "named")):  # fmt: skip
            if x.get(feat):
                miss *= 1.0 - weights.get(name, 0.0)
        if x.get("taxonomy_weak"):
            miss *= 1.0 - weights.get("taxonomy", 0.0)
        out.append((1.0 - miss) * rel)
    return np.array(out)


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", type=Path, default=TRAIN, help="SkillSpan train (BIO json)")
    ap.add_argument("--dev", type=Path, default=DEV, help="dev gold JSONL (enrich evaluate's)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--cache", type=Path, default=None, help="reuse/store the span rows here")
    args = ap.parse_args(argv)

    cfg = load_config(ROOT)
    pipeline = build_pipeline(cfg)
    train_docs = load_gold_file(args.train, "skillspan-bio", KINDS, "skillspan-train").docs
    dev_docs = load_gold(args.dev, "skillspan-dev", KINDS).docs
    if args.cache and args.cache.exists():
        cached = json.loads(args.cache.read_text())
        tr_rows = [tuple(r) for r in cached["train"]]
        dv_rows = [tuple(r) for r in cached["dev"]]
    else:
        tr_rows, dv_rows = span_rows(pipeline, train_docs), span_rows(pipeline, dev_docs)
        if args.cache:
            args.cache.write_text(json.dumps({"train": tr_rows, "dev": dv_rows}))
    y_tr, y_dv = labels(tr_rows, train_docs), labels(dv_rows, dev_docs)
    x_tr, x_dv = matrix(tr_rows), matrix(dv_rows)
    rel_tr = np.array([r[4] for r in tr_rows])
    rel_dv = np.array([r[4] for r in dv_rows])
    print(f"spans: train {len(tr_rows)} ({y_tr.mean():.2f} positive), "
          f"dev {len(dv_rows)} ({y_dv.mean():.2f} positive)")  # fmt: skip

    params = pipeline.extractor.params
    rule_t = params.min_confidence
    rule_dev = f1s(dv_rows, rule_confidence(dv_rows, dict(params.weights)), rule_t, dev_docs, False)
    rule_tr = f1s(
        tr_rows, rule_confidence(tr_rows, dict(params.weights)), rule_t, train_docs, False
    )

    scaler = StandardScaler().fit(x_tr)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    best = None
    for c in C_GRID:
        for cw in (None, "balanced"):
            lr = LogisticRegression(C=c, class_weight=cw, max_iter=2000)
            lr.fit((x_tr - scaler.mean_) / scale, y_tr)
            p_dv = lr.predict_proba((x_dv - scaler.mean_) / scale)[:, 1] * rel_dv
            for t in THRESHOLDS:
                s = f1s(dv_rows, p_dv, t, dev_docs)
                if best is None or mean_f1(s) > best[0]:
                    best = (mean_f1(s), c, cw, t, lr, s)
    assert best is not None
    _, c, cw, t, lr, dev_s = best
    p_tr = lr.predict_proba((x_tr - scaler.mean_) / scale)[:, 1] * rel_tr
    train_s = f1s(tr_rows, p_tr, t, train_docs)

    def line(name: str, s: dict) -> str:
        return name + "  " + "  ".join(f"{k} {s[k][0]:.3f}/{s[k][1]:.3f}" for k in KINDS)

    print(f"chosen on dev: C={c} class_weight={cw} threshold={t}")
    print("F1 overlap/strict per kind, on the same merged spans")
    print(line("train rule    ", rule_tr))
    print(line("train learned ", train_s))
    print(line("dev   rule    ", rule_dev))
    print(line("dev   learned ", dev_s))
    coef = {f: round(float(w), 4) for f, w in zip(FEATURES, lr.coef_[0], strict=True)}
    print("largest weights:", sorted(coef.items(), key=lambda kv: -abs(kv[1]))[:12])
    args.out.mkdir(parents=True, exist_ok=True)
    artifact = {
        "model": "logistic_regression",
        "trained_on": "SkillSpan train (140 postings); C, class weight, threshold chosen on dev",
        "C": c,
        "class_weight": cw,
        "features": list(FEATURES),
        "coef": [round(float(w), 6) for w in lr.coef_[0]],
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scale],
        "intercept": round(float(lr.intercept_[0]), 6),
        "threshold": t,
        "scores": {"train": train_s, "dev": dev_s, "train_rule": rule_tr, "dev_rule": rule_dev},
    }
    (args.out / "combiner.json").write_text(json.dumps(artifact, indent=1) + "\n")
    print(f"wrote {args.out / 'combiner.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
