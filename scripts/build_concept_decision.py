"""Train the concept linker's learned top-1 decision (domain/skills/decision.py) and write it to
config/models/concept_decision.json (make concept-decision).

Training data, none of it scored on: (1) the 240 SkillSpan TRAIN spans linked by hand among
their candidates (config/eval/skillspan_train_concepts.jsonl; weight `--train-weight` 40 each, full
index); (2) ESCO / O*NET alternative labels used as pseudo-mentions.
One alternative label (3-60 characters, of several words or the concept's only one; its text a
label of no other concept) is drawn per concept (seed 0) for `--concepts` concepts; those
labels are left out of the index and the symbolic tables; each is linked as a mention of its
concept's kind, plain and in one noisy form (lower-cased, a plural, "knowledge of X" /
"experience with X" / "X skills"). The product's reranking gives the candidates; the concept is
the positive, the other first-`top` candidates the negatives; `--absent` (65) percent of the
drawn concepts leave the index whole, so all their candidates are negatives (a mention naming
nothing the index holds). A mention a symbolic method would
link is skipped (the decision never sees it). Standardized LogisticRegression (C 1.0, lbfgs,
seed-free): the same inputs give the same file, byte for byte.

    PYTHONPATH=$PWD .venv/bin/python scripts/build_concept_decision.py [--concepts 8000]
        [--absent 65] [--train-weight 40] [--out config/models/concept_decision.json]
Prints the held-out pseudo-mention top-1 accuracy (a fifth of the concepts, by id hash).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.concept_linker import load_encoder  # noqa: E402
from adapters.artifacts.config_files import load_config, load_taxonomy  # noqa: E402
from domain.skills.decision import FEATURES, LearnedDecision, pair_features  # noqa: E402
from domain.skills.linking import (  # noqa: E402
    ConceptLinker,
    LinkerParams,
    VectorIndex,
    label_rows,
    strip_filler,
)
from domain.skills.pseudo_mentions import pseudo_mentions  # noqa: E402

TOP = 5


def noisy(text: str, kind: str, rng: random.Random) -> str:
    """One noisy form of a label as job ads write it."""
    r = rng.random()
    if r < 0.25:
        return text.lower()
    if r < 0.45 and not text.endswith("s") and " " not in text:
        return text + "s"
    if r < 0.7:
        return ("knowledge of " if kind == "KNOWLEDGE" else "experience with ") + text
    if r < 0.85:
        return text + " skills"
    return text.capitalize()


def hand_linked(cfg, taxonomy, params, extra=()) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels of config/eval/skillspan_train_concepts.jsonl (and the `extra`
    files of the same shape): each span's first `TOP` candidates from the full index (every
    label), positive when it is the span's concept."""
    spans = []
    for path in (ROOT / "config" / "eval" / "skillspan_train_concepts.jsonl", *map(Path, extra)):
        spans += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()[1:]]
    rows = label_rows(taxonomy)
    index = VectorIndex(load_encoder(cfg.path("concept_linker")), [r[0] for r in rows],
                        [r[1] for r in rows], [r[2] for r in rows])  # fmt: skip
    linker = ConceptLinker(taxonomy, (), frozenset(), index, params)
    texts = [strip_filler(" ".join(r["text"].split())) for r in spans]
    near = index.top(texts, [r["kind"] for r in spans], params.pool)
    xs, ys = [], []
    for r, text, nb in zip(spans, texts, near, strict=True):
        scored = linker.rerank(text, nb)[:TOP]
        if scored:
            xs.append(
                pair_features(text, r["kind"] == "SKILL", linker.pair_facts(text, nb, scored))
            )
            ys.append(np.asarray([c.skill_id == r["skill_id"] for c, _ in scored], dtype=np.int64))
    return np.vstack(xs), np.concatenate(ys)


def held_out(skill_id: str) -> bool:
    return int(hashlib.sha256(skill_id.encode()).hexdigest(), 16) % 5 == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concepts", type=int, default=8000)
    ap.add_argument("--absent", type=int, default=65, help="percent of concepts left out whole")
    ap.add_argument("--extra", action="append",
                    help="another hand-linked train file (config/eval/skillspan_train_concepts_more"
                         ".jsonl: measured, not shipped)")  # fmt: skip
    ap.add_argument("--train-weight", type=float, default=40.0,
                    help="weight of each hand-linked SkillSpan TRAIN row (0: not used)")  # fmt: skip
    ap.add_argument("--out", default=str(ROOT / "config" / "models" / "concept_decision.json"))
    args = ap.parse_args()
    cfg = load_config(ROOT)
    taxonomy = load_taxonomy(cfg.path("taxonomy"))
    params = LinkerParams.from_config(cfg.params("concept_linker"))
    drawn = pseudo_mentions(taxonomy, args.concepts)
    # a share of the concepts leaves the index whole: their pseudo-mentions name nothing there,
    # so every candidate is a negative (what a span naming no concept looks like)
    absent = {sid for i, (_, sid, _) in enumerate(drawn) if i % 100 < args.absent}
    exclude = frozenset(t.lower() for t, _, _ in drawn) | frozenset(
        lb.lower() for sid in absent for lb in (taxonomy.get(sid).name, *taxonomy.get(sid).aliases)
    )
    rows = label_rows(taxonomy, exclude)
    index = VectorIndex(load_encoder(cfg.path("concept_linker")), [r[0] for r in rows],
                        [r[1] for r in rows], [r[2] for r in rows])  # fmt: skip
    linker = ConceptLinker(taxonomy, (), frozenset(), index, params, exclude=exclude)
    rng = random.Random(1)
    queries = []
    for text, sid, kind in drawn:
        for form in (text, noisy(text, kind, rng)):
            t = strip_filler(" ".join(form.split()))
            if linker._symbolic(t, kind) is None:
                queries.append((t, sid, kind))
    near = index.top([q[0] for q in queries], [q[2] for q in queries], params.pool)
    xs, ys, test, queries_sid = [], [], [], []
    for (text, sid, kind), nb in zip(queries, near, strict=True):
        scored = linker.rerank(text, nb)[:TOP]
        if not scored:
            continue
        facts = linker.pair_facts(text, nb, scored)
        xs.append(pair_features(text, kind == "SKILL", facts))
        ys.append(np.asarray([c.skill_id == sid for c, _ in scored], dtype=np.int64))
        test.append(held_out(sid))
        queries_sid.append(sid)
    from sklearn.linear_model import LogisticRegression

    train = [i for i, t in enumerate(test) if not t]
    x = np.vstack([xs[i] for i in train])
    y = np.concatenate([ys[i] for i in train])
    w = np.ones(len(y))
    if args.train_weight > 0:  # SkillSpan TRAIN spans judged by hand, with the full index
        rx, ry = hand_linked(cfg, taxonomy, params, args.extra or ())
        x, y = np.vstack([x, rx]), np.concatenate([y, ry])
        w = np.concatenate([w, np.full(len(ry), args.train_weight)])
        print(f"hand-linked train rows {len(ry)} (positives {int(ry.sum())}), weight "
              f"{args.train_weight}")  # fmt: skip
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y, sample_weight=w)
    decision = LearnedDecision(mean, scale, model.coef_[0], float(model.intercept_[0]), TOP)
    decision = LearnedDecision.from_dict(json.loads(json.dumps(decision.to_dict())))
    # held-out concepts: the most probable naming candidate is the concept (any probability)
    # held-out concepts present in the index: is the most probable candidate the concept
    hits = firsts = n = 0
    probs: dict[bool, list[float]] = {True: [], False: []}
    for i in (i for i, t in enumerate(test) if t):
        p = decision.probabilities(xs[i])
        probs[bool(ys[i].any())].append(float(p.max()))
        if not ys[i].any() and queries_sid[i] in absent:
            continue
        n += 1
        hits += bool(ys[i][int(np.argmax(p))])
        firsts += bool(ys[i][0])
    print(f"pseudo-mentions {len(queries)} ({len(train)} train, {len(test) - len(train)} held "
          f"out); rows {len(y)}, positives {int(y.sum())}; held-out, concept in the index: "
          f"reranked first {firsts / n:.3f}, learned {hits / n:.3f}; median best probability "
          f"with the concept among the candidates {np.median(probs[True]):.3f}, without "
          f"{np.median(probs[False]):.3f}")  # fmt: skip
    print(dict(zip(FEATURES, np.round(decision.coef, 3).tolist(), strict=True)))
    Path(args.out).write_text(json.dumps(decision.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
