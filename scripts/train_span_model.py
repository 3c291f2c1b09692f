"""Train the span model (spaCy NER over SKILL/KNOWLEDGE) and its line gate on SkillSpan train.

    .venv/bin/python scripts/train_span_model.py [--data ../shared/data] [--out DIR] [--max-steps N]

CPU, seed 0. SkillSpan's two BIO layers overlap on 2% of span tokens; a single NER cannot
represent that, so where they overlap the longer span wins. Writes spaCy training files under
build/, trains with config/span_model.cfg (static vectors from --vectors, if given: see
scripts/build_static_vectors.py), keeps the best model on SkillSpan dev, then fits the line gate
(logistic regression over hashed word 1-2 grams: does this line hold a span?) on train with the
threshold set, by 5-fold cross-validation on train, for --gate-recall of the spans. The artifact
(--out, default config/models/skill_spans) is fingerprinted into the enrichment version.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import spacy
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from spacy.tokens import Doc, DocBin, Span

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.span_model import save_gate  # noqa: E402
from domain.skills.span_model import LineGate  # noqa: E402


def bio_spans(tags: list[str], label: str) -> list[tuple[int, int, str]]:
    out, start = [], None
    for i, t in enumerate([*tags, "O"]):
        if t == "I" and start is not None:
            continue
        if start is not None:
            out.append((start, i, label))
            start = None
        if t in ("B", "I"):
            start = i
    return out


def read_split(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def postings(rows: list[dict]) -> list[dict]:
    """Sentences of one posting (same source and idx) as one row, separated by newline tokens,
    which is how the extractor sees a posting: the network learns line breaks as boundaries."""
    grouped: dict[tuple[str, int], dict] = {}
    for r in rows:
        g = grouped.setdefault(
            (r.get("source", ""), r.get("idx", 0)),
            {"tokens": [], "tags_skill": [], "tags_knowledge": [], "spaces": []},
        )
        if g["tokens"]:
            g["spaces"][-1] = False
            g["tokens"].append("\n")
            g["spaces"].append(False)
            g["tags_skill"].append("O")
            g["tags_knowledge"].append("O")
        g["tokens"] += r["tokens"]
        g["spaces"] += [True] * len(r["tokens"])
        g["tags_skill"] += r["tags_skill"]
        g["tags_knowledge"] += r["tags_knowledge"]
    return list(grouped.values())


def to_docbin(rows: list[dict], nlp: spacy.language.Language) -> DocBin:
    db = DocBin()
    for r in rows:
        doc = Doc(nlp.vocab, words=r["tokens"], spaces=r.get("spaces"))
        spans = bio_spans(r["tags_skill"], "SKILL") + bio_spans(r["tags_knowledge"], "KNOWLEDGE")
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken = [False] * len(doc)
        ents = []
        for a, b, lab in spans:
            if not any(taken[a:b]):
                taken[a:b] = [True] * (b - a)
                ents.append(Span(doc, a, b, label=lab))
        doc.ents = sorted(ents, key=lambda s: s.start)
        db.add(doc)
    return db


def train_gate(rows: list[dict], target_recall: float, c: float = 4.0) -> tuple[LineGate, dict]:
    """Fit the line gate; the threshold keeps `target_recall` of train spans (5-fold CV)."""
    texts = [" ".join(r["tokens"]) for r in rows]
    n_spans = np.array([sum(t == "B" for t in r["tags_skill"] + r["tags_knowledge"]) for r in rows])
    y = (n_spans > 0).astype(int)
    x = LineGate.vectorizer(2**18).transform(texts)
    clf = LogisticRegression(C=c, max_iter=2000)
    p = cross_val_predict(clf, x, y, cv=5, method="predict_proba")[:, 1]
    order = np.argsort(-p)
    covered = np.cumsum(n_spans[order]) / n_spans.sum()
    threshold = float(p[order][min(np.searchsorted(covered, target_recall), len(p) - 1)])
    clf.fit(x, y)
    # rounded, so a re-run gives the same bytes (BLAS summation order moves the last digits)
    gate = LineGate(
        np.round(clf.coef_[0], 6).astype(np.float32),
        round(float(clf.intercept_[0]), 8),
        round(threshold, 8),
    )
    info = {
        "target_recall": target_recall,
        "C": c,
        "train_lines_kept_cv": round(float(np.mean(p >= threshold)), 4),
        "train_lines": len(rows),
    }
    return gate, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "config" / "models" / "skill_spans")
    ap.add_argument("--max-steps", type=int, default=3000)
    ap.add_argument("--vectors", type=Path, default=None, help="spaCy vectors dir (optional)")
    ap.add_argument("--gate-recall", type=float, default=0.96)
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "span_ner")
    ap.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a spaCy config override, e.g. components.tok2vec.model.encode.depth=2",
    )
    ap.add_argument(
        "--extra-train",
        type=Path,
        help="a spaCy DocBin added to the training docs (e.g. teacher pseudo-labels)",
    )
    args = ap.parse_args()
    nlp = spacy.blank("en")
    build = args.build
    build.mkdir(parents=True, exist_ok=True)
    rows = {s: read_split(args.data / "eval" / "skillspan" / f"{s}.json") for s in ("train", "dev")}
    (build / "train").mkdir(exist_ok=True)
    for old in (build / "train").glob("*.spacy"):
        old.unlink()
    to_docbin(postings(rows["train"]), nlp).to_disk(build / "train" / "skillspan.spacy")
    if args.extra_train:
        shutil.copy(args.extra_train, build / "train" / "extra.spacy")
    to_docbin(postings(rows["dev"]), nlp).to_disk(build / "dev.spacy")
    cmd = [
        sys.executable, "-m", "spacy", "train", str(ROOT / "config" / "span_model.cfg"),
        "--output", str(build / "out"), "--paths.train", str(build / "train"),
        "--paths.dev", str(build / "dev.spacy"), "--training.max_steps", str(args.max_steps),
        "--system.seed", "0",
    ]  # fmt: skip
    for item in args.override:
        key, _, value = item.partition("=")
        cmd += [f"--{key}", value]
    if args.vectors:
        cmd += ["--paths.vectors", str(args.vectors)]
        cmd += ["--components.tok2vec.model.embed.include_static_vectors", "true"]
    subprocess.run(cmd, check=True, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(build / "out" / "model-best", args.out)
    cfg = args.out / "config.cfg"  # the build paths are not part of the model
    cfg.write_text(re.sub(r"(?m)^(train|dev) = .*$", r"\1 = null", cfg.read_text()))
    gate, info = train_gate(rows["train"], args.gate_recall)
    save_gate(args.out, gate, **info)
    print(f"model + gate written to {args.out} ({info})")


if __name__ == "__main__":
    main()
