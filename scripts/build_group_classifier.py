"""Train the group classifier (issue #24, 2026.11.18) on the taxonomy itself and write its artifact.

    PYTHONPATH=$PWD .venv/bin/python scripts/build_group_classifier.py [--eval | --cv] [--weight W]
        [--cv-dir DIR] [-o FILE]

Examples: every concept of config/taxonomy/skills.jsonl.gz with a place in
config/taxonomy/skill_groups.jsonl.gz, each of its labels (preferred + alternative) -> the
level-2 group above it (level 1 where it has none), one model per mention kind (SKILL: the S / T
groups; KNOWLEDGE: ISCED-F fields, languages; O*NET tools sit under ISCED-F 061). Features:
TF-IDF word 1-2-grams + char 3-5-grams (domain/skills/group_classifier.py), a LinearSVC, the
softmax temperature chosen on held-out concepts. (2026.11.29) Plus the hand-labelled SkillSpan
TRAIN spans of config/eval/skillspan_train_groups.jsonl, each weighing HAND_WEIGHT labels, their
group code as the class (level 2, or level 1 where the labeller found nothing narrower).

--eval: hold out 10% of the concepts (all their labels, seed 0), train on the rest, print the
held-out accuracy at level 2 and level 1 (by preferred label and over all labels); no file.
Without --eval: train on every concept and write config/models/group_classifier.npz
(byte-identical on the same inputs: fixed zip dates, sorted members, no pickle).
--cv: 5 folds over the hand-labelled spans by posting (taxonomy + the other folds -> the fold),
level-2 / level-1 accuracy per kind; --cv-dir writes each fold's artifact for scoring the whole
placer out of fold. --weight 0: the taxonomy alone (as 2026.11.18).
--level1 (s24grp5): also a dedicated level-1 model per kind (classes = the level-1 groups:
S1..S8, T1..T6, isced-f/0x, L) over the same features, stored as `<KIND>.coef1|intercept1|
classes1` beside the level-2 model; the placer
reads it only when `group_clf_level1` > 0 (domain/skills/group_level1.py).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.models import KIND_OF_CATEGORY  # noqa: E402
from domain.skills.group_classifier import (  # noqa: E402
    GroupModel,
    char_counter,
    tfidf,
    word_counter,
)

OUT = ROOT / "config" / "models" / "group_classifier.npz"
HAND = ROOT / "config" / "eval" / "skillspan_train_groups.jsonl"
SKILLS = ROOT / "config" / "taxonomy" / "skills.jsonl.gz"
GROUPS = ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz"
C = 0.5
MIN_DF = 2
# (2026.11.29) each hand-labelled SkillSpan train span counts as this many taxonomy labels:
# ESCO's labels rarely say where job-posting phrases go ("write unit tests" -> S5), the hand
# labels do; chosen by --cv (below)
HAND_WEIGHT = 20.0
TEMPERATURES = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)


def examples() -> dict[str, list[tuple[str, list[str], str, str]]]:
    """kind -> [(skill_id, labels, level-2 class, level-1 class)], sorted by id."""
    with gzip.open(GROUPS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x in fh if x.strip()]
    with gzip.open(SKILLS, "rt", encoding="utf-8") as fh:
        skills = [json.loads(x) for x in fh if x.strip()]
    level = {r["group"]: int(r["level"]) for r in rows if "group" in r}
    chain = {r["skill_id"]: r["groups"] for r in rows if "skill_id" in r}
    out: dict[str, list[tuple[str, list[str], str, str]]] = {}
    for s in skills:
        groups = chain.get(s["skill_id"])
        if not groups:
            continue
        two = [g for g in groups if level[g] == 2]
        one = [g for g in groups if level[g] == 1]
        cls = two[0] if two else one[0]
        kind = KIND_OF_CATEGORY.get(s["category"], "KNOWLEDGE")
        labels = sorted({x.strip() for x in (s["name"], *s.get("aliases", ())) if x.strip()})
        out.setdefault(kind, []).append((s["skill_id"], labels, cls, one[0] if one else cls))
    for v in out.values():
        v.sort()
    return out


def hand_examples(path: Path = HAND) -> dict[str, list[tuple[str, str, str]]]:
    """kind -> [(posting id, text, class)] of the hand-labelled train spans that name a group
    (the group's own code is the class, level 2 or level 1); 'none' rows are left out."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if "guideline" in row or not row.get("group"):
                continue
            out.setdefault(row["kind"], []).append((row["posting_id"], row["text"], row["group"]))
    return out


def top_of(code: str) -> str:
    """The level-1 group of a level-2 class (S5.1 -> S5, isced-f/061 -> isced-f/06)."""
    if code.startswith("isced-f/"):
        return code[: len("isced-f/") + 2]
    return code.split(".")[0]


def fit(items: list[tuple[str, list[str], str, str]], texts_for_t: list[str] | None = None,
        classes_for_t: list[str] | None = None,
        hand: Sequence[tuple[str, str, str]] = (), weight: float = HAND_WEIGHT) -> GroupModel:  # fmt: skip
    """A GroupModel trained on every label of `items` (and the `hand` examples, each weighing
    `weight` labels); the temperature chosen by the held-out log-loss when given, else 0.2."""
    texts = [t for _, labels, _, _ in items for t in labels] + [t for _, t, _ in hand]
    y = [c for _, labels, c, _ in items for _ in labels] + [c for _, _, c in hand]
    sample_weight = np.ones(len(texts), dtype=np.float64)
    if hand:
        sample_weight[len(texts) - len(hand) :] = weight
    wc, cc = word_counter(min_df=MIN_DF), char_counter(min_df=MIN_DF)
    from scipy.sparse import hstack

    counts = hstack([wc.fit_transform(texts), cc.fit_transform(texts)]).tocsr()
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    x = tfidf(counts, idf)
    svm = LinearSVC(C=C, max_iter=5000, random_state=0)
    svm.fit(x, y, sample_weight=sample_weight)
    words = [w for w, _ in sorted(wc.vocabulary_.items(), key=lambda kv: kv[1])]
    chars = [w for w, _ in sorted(cc.vocabulary_.items(), key=lambda kv: kv[1])]
    coef = np.asarray(svm.coef_, dtype=np.float32)
    model = GroupModel(words, chars, idf, coef, np.asarray(svm.intercept_, dtype=np.float32),
                       [str(c) for c in svm.classes_], 0.2)  # fmt: skip
    if texts_for_t and classes_for_t:
        pos = {c: i for i, c in enumerate(model.classes)}
        scores = model.scores(texts_for_t)
        best, best_t = float("inf"), 0.2
        for t in TEMPERATURES:
            s = scores / t
            s -= s.max(axis=1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
            nll = -np.mean([logp[i, pos[c]] if c in pos else -30.0
                            for i, c in enumerate(classes_for_t)])  # fmt: skip
            if nll < best:
                best, best_t = nll, t
        model.temperature = best_t
    return model


def evaluate(weight: float = HAND_WEIGHT) -> None:
    """Held-out taxonomy concepts (10%, seed 0), the model trained on the rest and on every
    hand-labelled train span (`weight` each; 0: the taxonomy alone, as 2026.11.18)."""
    hand = hand_examples()
    for kind, items in sorted(examples().items()):
        ids = sorted({i for i, *_ in items})
        random.Random(0).shuffle(ids)
        held = set(ids[: len(ids) // 10])
        train = [it for it in items if it[0] not in held]
        test = [it for it in items if it[0] in held]
        pref = [(labels[0], c) for _, labels, c, _ in test]  # a label; all below
        alls = [(t, c) for _, labels, c, _ in test for t in labels]
        model = fit(train, [t for t, _ in alls], [c for _, c in alls],
                    hand.get(kind, []) if weight > 0 else (), weight)  # fmt: skip
        for name, rows in (("one label per concept", pref), ("all labels", alls)):
            l2, l1 = accuracy(model, rows)
            print(f"{kind} held-out {name} ({len(rows)}): level-2 {l2:.3f}, level-1 {l1:.3f}")
        print(f"{kind}: {len(model.classes)} classes, {len(model.words)} + {len(model.chars)} "
              f"features, temperature {model.temperature}")  # fmt: skip


def accuracy(model: GroupModel, rows: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """(level-2, level-1) share of (text, class) rows whose argmax class is right; a level-1
    class (T3, S5, isced-f/02) counts at level 1 only, against the level-1 group of the argmax."""
    if not rows:
        return 0.0, 0.0
    p = model.probs([t for t, _ in rows])
    got = [model.classes[int(i)] for i in p.argmax(axis=1)]
    two = [(g, c) for g, (_, c) in zip(got, rows, strict=True) if top_of(c) != c]
    l2 = float(np.mean([g == c for g, c in two])) if two else 0.0
    l1 = float(np.mean([top_of(g) == top_of(c) for g, (_, c) in zip(got, rows, strict=True)]))
    return l2, l1


def level1_of(
    items: Sequence[tuple[str, list[str], str, str]], hand: Sequence[tuple[str, str, str]]
) -> tuple[list[tuple[str, list[str], str, str]], list[tuple[str, str, str]]]:
    """The same examples with the level-1 group as the class (taxonomy items, hand spans)."""
    return ([(i, labels, one, one) for i, labels, _, one in items],
            [(p, t, top_of(c)) for p, t, c in hand])  # fmt: skip


def attach(model: GroupModel, one: GroupModel) -> None:
    """Give `model` the level-1 head `one` (trained on the same texts, so the same features)."""
    if (
        one.words != model.words
        or one.chars != model.chars
        or not np.array_equal(one.idf, model.idf)
    ):
        raise SystemExit("level-1 model: features differ from the level-2 model's")
    model.coef1, model.intercept1, model.classes1 = one.coef, one.intercept, one.classes


def folds_of(hand: Sequence[tuple[str, str, str]], k: int = 5) -> list[set[str]]:
    """The hand-labelled postings split in k folds (sorted ids shuffled with seed 0)."""
    posts = sorted({p for p, _, _ in hand})
    random.Random(0).shuffle(posts)
    return [set(posts[i::k]) for i in range(k)]


def cross_validate(
    weight: float, out_dir: Path | None = None, level1: bool = False, only: str = ""
) -> None:
    """5 folds over the hand-labelled train spans, by posting: each fold's spans scored by a
    model trained on the taxonomy and the other folds; with `out_dir`, each fold's artifact
    (fold<i>.npz) and its postings (fold<i>.json), for scoring the whole placer out of fold."""
    hand = hand_examples()
    every = examples()
    kinds = sorted(hand)
    folds = folds_of([h for kind in kinds for h in hand[kind]])
    got: dict[str, list[tuple[float, float, int]]] = {k: [] for k in kinds}
    for i, fold in enumerate(folds):
        if only and str(i) not in only.split(","):  # --folds: a subset, e.g. in parallel
            continue
        models: dict[str, GroupModel] = {}
        for kind in sorted(every):
            train = [h for h in hand.get(kind, []) if h[0] not in fold]
            models[kind] = fit(every[kind], hand=train if weight > 0 else (), weight=weight)
            models[kind].temperature = 0.3
            test = [(t, c) for p, t, c in hand.get(kind, []) if p in fold]
            if test:
                l2, l1 = accuracy(models[kind], test)
                got[kind].append((l2, l1, len(test)))
            if level1:
                items1, hand1 = level1_of(every[kind], train if weight > 0 else ())
                one = fit(items1, hand=hand1, weight=weight)
                attach(models[kind], one)
                if test:
                    one.temperature = 0.3
                    _, l1 = accuracy(one, test)
                    print(f"fold {i} {kind} level-1 head: level-1 {l1:.3f} ({len(test)})")
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            save(arrays_of(models), out_dir / f"fold{i}.npz")
            (out_dir / f"fold{i}.json").write_text(json.dumps(sorted(fold)))
    for kind, rows in got.items():
        n = sum(r[2] for r in rows)
        l2 = sum(r[0] * r[2] for r in rows) / n
        l1 = sum(r[1] * r[2] for r in rows) / n
        print(
            f"{kind} hand labels, 5-fold by posting, weight {weight} ({n}): "
            f"level-2 {l2:.3f}, level-1 {l1:.3f}"
        )


def arrays_of(models: dict[str, GroupModel]) -> dict[str, np.ndarray]:
    """The artifact's arrays for each kind's model (coef stored as float16)."""
    arrays: dict[str, np.ndarray] = {}
    for kind, model in sorted(models.items()):
        arrays[f"{kind}.words"] = np.array(model.words)
        arrays[f"{kind}.chars"] = np.array(model.chars)
        arrays[f"{kind}.idf"] = model.idf
        arrays[f"{kind}.coef"] = model.coef.astype(np.float16)
        arrays[f"{kind}.intercept"] = model.intercept
        arrays[f"{kind}.classes"] = np.array(model.classes)
        arrays[f"{kind}.temperature"] = np.array([model.temperature], dtype=np.float32)
        if model.coef1 is not None and model.intercept1 is not None:
            arrays[f"{kind}.coef1"] = model.coef1.astype(np.float16)
            arrays[f"{kind}.intercept1"] = model.intercept1
            arrays[f"{kind}.classes1"] = np.array(model.classes1)
    return arrays


def save(arrays: dict[str, np.ndarray], out: Path) -> None:
    """A zip of .npy members, sorted, with a fixed date: the same arrays give the same bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.save(buf, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def write(out: Path, level1: bool = False) -> None:
    hand = hand_examples()
    models: dict[str, GroupModel] = {}
    for kind, items in sorted(examples().items()):
        ids = sorted({i for i, *_ in items})
        random.Random(0).shuffle(ids)
        held = set(ids[: len(ids) // 10])
        # the temperature is chosen on held-out concepts, then the model is refit on all
        probe = fit([it for it in items if it[0] not in held],
                    [t for i, labels, _, _ in items if i in held for t in labels],
                    [c for i, labels, c, _ in items if i in held for _ in labels],
                    hand.get(kind, []))  # fmt: skip
        models[kind] = fit(items, hand=hand.get(kind, []))
        models[kind].temperature = probe.temperature
        if level1:  # the head shares the level-2 model's features and temperature
            items1, hand1 = level1_of(items, hand.get(kind, []))
            attach(models[kind], fit(items1, hand=hand1))
    save(arrays_of(models), out)
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--cv", action="store_true", help="5-fold CV over the hand labels")
    ap.add_argument("--weight", type=float, default=HAND_WEIGHT, help="hand label weight")
    ap.add_argument("--cv-dir", type=Path, help="with --cv: write each fold's artifact here")
    ap.add_argument("--level1", action="store_true", help="also a level-1 model per kind")
    ap.add_argument("--folds", default="", help="with --cv: only these folds, e.g. 1,2")
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.cv:
        cross_validate(args.weight, args.cv_dir, args.level1, args.folds)
    elif args.eval:
        evaluate(args.weight)
    else:
        write(args.out, args.level1)


if __name__ == "__main__":
    main()
