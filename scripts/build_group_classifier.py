"""Train the group classifier (issue #24, 2026.11.18) on the taxonomy itself and write its artifact.

    PYTHONPATH=$PWD .venv/bin/python scripts/build_group_classifier.py [--eval] [-o FILE]

Examples: every concept of config/taxonomy/skills.jsonl.gz with a place in
config/taxonomy/skill_groups.jsonl.gz, each of its labels (preferred + alternative) -> the
level-2 group above it (level 1 where it has none), one model per mention kind (SKILL: the S / T
groups; KNOWLEDGE: ISCED-F fields, languages; O*NET tools sit under ISCED-F 061). Features:
TF-IDF word 1-2-grams + char 3-5-grams (domain/skills/group_classifier.py), a LinearSVC, the
softmax temperature chosen on held-out concepts.

--eval: hold out 10% of the concepts (all their labels, seed 0), train on the rest, print the
held-out accuracy at level 2 and level 1 (by preferred label and over all labels); no file.
Without --eval: train on every concept and write config/models/group_classifier.npz
(byte-identical on the same inputs: fixed zip dates, sorted members, no pickle).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import zipfile
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
SKILLS = ROOT / "config" / "taxonomy" / "skills.jsonl.gz"
GROUPS = ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz"
C = 0.5
MIN_DF = 2
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


def top_of(code: str) -> str:
    """The level-1 group of a level-2 class (S5.1 -> S5, isced-f/061 -> isced-f/06)."""
    if code.startswith("isced-f/"):
        return code[: len("isced-f/") + 2]
    return code.split(".")[0]


def fit(items: list[tuple[str, list[str], str, str]], texts_for_t: list[str] | None = None,
        classes_for_t: list[str] | None = None) -> GroupModel:  # fmt: skip
    """A GroupModel trained on every label of `items`; the temperature chosen by the held-out
    log-loss when given, else 0.2."""
    texts = [t for _, labels, _, _ in items for t in labels]
    y = [c for _, labels, c, _ in items for _ in labels]
    wc, cc = word_counter(min_df=MIN_DF), char_counter(min_df=MIN_DF)
    from scipy.sparse import hstack

    counts = hstack([wc.fit_transform(texts), cc.fit_transform(texts)]).tocsr()
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    x = tfidf(counts, idf)
    svm = LinearSVC(C=C, max_iter=5000, random_state=0)
    svm.fit(x, y)
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


def evaluate() -> None:
    for kind, items in sorted(examples().items()):
        ids = sorted({i for i, *_ in items})
        random.Random(0).shuffle(ids)
        held = set(ids[: len(ids) // 10])
        train = [it for it in items if it[0] not in held]
        test = [it for it in items if it[0] in held]
        pref = [(labels[0], c) for _, labels, c, _ in test]  # a label; all below
        alls = [(t, c) for _, labels, c, _ in test for t in labels]
        model = fit(train, [t for t, _ in alls], [c for _, c in alls])
        for name, rows in (("one label per concept", pref), ("all labels", alls)):
            p = model.probs([t for t, _ in rows])
            got = [model.classes[int(i)] for i in p.argmax(axis=1)]
            l2 = np.mean([g == c for g, (_, c) in zip(got, rows, strict=True)])
            l1 = np.mean([top_of(g) == top_of(c) for g, (_, c) in zip(got, rows, strict=True)])
            print(f"{kind} held-out {name} ({len(rows)}): level-2 {l2:.3f}, level-1 {l1:.3f}")
        print(f"{kind}: {len(model.classes)} classes, {len(model.words)} + {len(model.chars)} "
              f"features, temperature {model.temperature}")  # fmt: skip


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


def write(out: Path) -> None:
    models: dict[str, GroupModel] = {}
    for kind, items in sorted(examples().items()):
        ids = sorted({i for i, *_ in items})
        random.Random(0).shuffle(ids)
        held = set(ids[: len(ids) // 10])
        # the temperature is chosen on held-out concepts, then the model is refit on all
        probe = fit([it for it in items if it[0] not in held],
                    [t for i, labels, _, _ in items if i in held for t in labels],
                    [c for i, labels, c, _ in items if i in held for _ in labels])  # fmt: skip
        models[kind] = fit(items)
        models[kind].temperature = probe.temperature
    save(arrays_of(models), out)
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    args = ap.parse_args()
    evaluate() if args.eval else write(args.out)


if __name__ == "__main__":
    main()
