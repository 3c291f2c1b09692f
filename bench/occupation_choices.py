"""Choices for the occupation coder, scored on the dev titles only (never the held-out ones).

    .venv/bin/python bench/occupation_choices.py

Fits the shipped classifier on the train part of the kept O*NET titles (as
scripts/build_occupations.py does before its refit) and compares on the dev part:
  svc            the classifier's own ranking (what ships)
  svc+knn a      (1 - a) * softmax(svc) + a * kNN vote (sum of cosine^6 over each occupation's
                 training titles, char_wb 2-4 TF-IDF, normalized), a in 0.2 .. 0.8
  2d by mass     the major group whose 6-digit codes' probabilities sum highest (2-digit only)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.occupations.evaluate import is_dev, is_held_out, soc6, topk_accuracy
from domain.occupations.titles import normalize_title
from scripts.build_occupations import DATA, fit, read_onet, soc_classes, soc_model


def ranked(p: np.ndarray, codes: list[str]) -> list[list[str]]:
    return [[codes[j] for j in row] for row in np.argsort(-p, axis=1, kind="stable")[:, :3]]


def report(name: str, gold: list[str], r: list[list[str]]) -> None:
    s = {f"{d}d_top{k}": round(topk_accuracy(gold, r, k, d), 4) for d in (6, 2) for k in (1, 3)}
    print(f"{name:<16}{s}", flush=True)


def main() -> int:
    occ_rows, occ, alts = read_onet(DATA / "onet_29.2")
    codes, titles, onet = soc_classes(occ)
    cls = {c: i for i, c in enumerate(codes)}
    kept = [(c, t) for c, t in alts if not is_held_out(c, t)]
    train = list(occ_rows) + [(c, t) for c, t in kept if not is_dev(c, t)]
    dev = [(c, t) for c, t in kept if is_dev(c, t)]

    def xy(pairs):  # type: ignore[no-untyped-def]
        out = [(normalize_title(t).text, soc6(c)) for c, t in pairs]
        out = [(t, c) for t, c in out if t]
        return [t for t, _ in out], [cls[c] for _, c in out], [c for _, c in out]

    tx, ty, _ = xy(train)
    dx, _, gold = xy(dev)
    word, char, clf = fit(tx, ty)
    m = soc_model(word, char, clf, codes, titles, onet, 0.02, 6.0)
    p = m.probabilities(dx)
    report("svc", gold, ranked(p, codes))
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit(tx)
    a_mat, d_mat = vec.transform(tx), vec.transform(dx)
    onehot = np.zeros((len(tx), len(codes)), dtype=np.float32)
    onehot[np.arange(len(tx)), ty] = 1
    knn = np.zeros_like(p)
    for i in range(0, len(dx), 2000):
        sims = (d_mat[i : i + 2000] @ a_mat.T).toarray() ** 6
        knn[i : i + 2000] = sims @ onehot
    knn /= np.maximum(knn.sum(axis=1, keepdims=True), 1e-9)
    report("knn", gold, ranked(knn, codes))
    for a in (0.2, 0.4, 0.6, 0.8):
        report(f"svc+knn {a}", gold, ranked((1 - a) * p + a * knn, codes))
    groups = sorted({c[:2] for c in codes})
    member = np.array([[c[:2] == g for g in groups] for c in codes], dtype=np.float32)
    mass = p @ member
    top = np.argsort(-mass, axis=1, kind="stable")[:, :3]
    g_ranked = [[groups[j] + "-0000" for j in row] for row in top]
    print(f"{'2d by mass':<16}2d_top1 {topk_accuracy(gold, g_ranked, 1, 2):.4f} "
          f"2d_top3 {topk_accuracy(gold, g_ranked, 3, 2):.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
