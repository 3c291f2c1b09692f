"""Occupation coder v3 choices on the string split's dev titles (never the held-out strings).

    .venv/bin/python bench/occupation_v3_choices.py [--cache DIR]

The split is domain/occupations/split.py (by normalized title string; gold = every 6-digit code
O*NET lists for the string). The LinearSVC (scripts/build_occupations.py's recipe) is fitted on
the train part of the kept strings and every candidate is scored on the dev strings:
  svc              the classifier alone (temperature re-fitted on dev)
  +centroids w     log p_svc + w * cosine to the class's mean model2vec title vector (v2's fusion)
  +knn w           + w * the highest char_wb 2-4 TF-IDF cosine to a training title of the class
  +2d prior b      + b * log p(major group) of a second LinearSVC over the 23 SOC major groups
  group-first b    the major group with the highest log(sum of its classes' p) + b * log p(group)
                   of that second classifier, then its most probable class as top-1; the rest of
                   the top 3 by p (domain/occupations/fusion.py: MajorGroupPrior.rank). b is chosen
                   as the highest sum of the four dev figures
--cache keeps the fitted dev classifier's scores (a fit takes minutes).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.concept_linker import load_encoder  # noqa: E402
from domain.occupations.fusion import MajorGroupPrior, log_softmax, major_groups  # noqa: E402
from domain.occupations.split import split_titles, topk_set_accuracy  # noqa: E402
from scripts.build_occupations import (  # noqa: E402
    DATA,
    VECTORS,
    fit,
    fit_major,
    read_onet,
    soc6,
    soc_classes,
    soc_model,
)

GROUP_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def knn_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)


def set_nll(logp: np.ndarray, gold: np.ndarray) -> float:
    """-mean log of the probability mass on each item's gold codes (gold: items x classes 0/1)."""
    m = np.where(gold > 0, logp, -np.inf).max(axis=1, keepdims=True)
    mass = m[:, 0] + np.log((np.exp(logp - m) * gold).sum(axis=1))
    return float(-mass.mean())


def report(
    name: str, z: np.ndarray, gold: Sequence[frozenset[str]], codes: Sequence[str]
) -> dict[str, float]:
    top = np.argsort(-z, axis=1, kind="stable")[:, :3]
    ranked = [[codes[j] for j in row] for row in top]
    s = {f"{d}d_top{k}": round(topk_set_accuracy(gold, ranked, k, d), 4) for d in (6, 2) for k in (1, 3)}  # fmt: skip
    print(f"{name:<28}{s}", flush=True)
    return s


def cached(cache: Path | None, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
    if cache is not None and (cache / f"{name}.npy").exists():
        return np.asarray(np.load(cache / f"{name}.npy"))
    out = make()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(cache / f"{name}.npy", out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    occ_rows, occ, alts = read_onet(DATA / "onet_29.2")
    codes, titles, onet = soc_classes(occ)
    cls = {c: i for i, c in enumerate(codes)}
    split = split_titles(occ_rows, alts)
    tx = [t for _, t in split.train]
    ty = np.array([cls[soc6(c)] for c, _ in split.train])
    dx = [g.text for g in split.dev]
    gold = [g.codes for g in split.dev]
    gmat = np.zeros((len(dx), len(codes)), dtype=np.float32)
    for i, g in enumerate(gold):
        gmat[i, [cls[c] for c in g]] = 1
    print(f"train pairs {len(tx)}, dev strings {len(dx)}, held-out strings {len(split.held_out)} (not read)", flush=True)  # fmt: skip

    def svc_scores() -> np.ndarray:
        t0 = time.perf_counter()
        word, char, clf = fit(tx, list(ty))
        print(f"fit {time.perf_counter() - t0:.0f} s", flush=True)
        return soc_model(word, char, clf, codes, titles, onet, 0.02, 1.0).scores(dx)

    s = cached(args.cache, "svc_dev", svc_scores)
    temps = [0.5 * i for i in range(1, 41)]
    temp = min(temps, key=lambda t: set_nll(log_softmax(s * t), gmat))
    lp = log_softmax(s * temp)
    out: dict[str, object] = {"temperature": temp}
    out["svc"] = report(f"svc (T={temp})", lp, gold, codes)

    encode = load_encoder(ROOT / VECTORS)
    tv = np.concatenate([encode(tx[i : i + 4096]) for i in range(0, len(tx), 4096)])
    cent = np.zeros((len(codes), tv.shape[1]))
    np.add.at(cent, ty, tv.astype(np.float64))
    cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-12)
    cos = encode(dx) @ cent.T.astype(np.float32)
    for w in (5.0, 7.5, 10.0):
        out[f"centroids {w}"] = report(f"+centroids {w}", lp + w * cos, gold, codes)
    base = lp + 7.5 * cos

    vec = knn_vectorizer().fit(tx)
    a, d = vec.transform(tx).tocsc(), vec.transform(dx)
    t0 = time.perf_counter()
    kmax = np.zeros((len(dx), len(codes)), dtype=np.float32)
    order = np.argsort(ty, kind="stable")
    a_sorted, ty_sorted = a[order].tocsr(), ty[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ty_sorted)) + 1]
    for i in range(0, len(dx), 1000):
        sims = (d[i : i + 1000] @ a_sorted.T).toarray()
        kmax[i : i + 1000, ty_sorted[starts]] = np.maximum.reduceat(sims, starts, axis=1)
    print(f"knn max-cos over {len(tx)} titles: {(time.perf_counter() - t0) * 1000 / len(dx):.2f} ms/title", flush=True)  # fmt: skip
    for w in (2.0, 4.0, 6.0, 8.0, 12.0):
        out[f"centroids+knn {w}"] = report(f"+centroids +knn {w}", base + w * kmax, gold, codes)

    groups, member = major_groups(codes)
    s2 = cached(args.cache, "major_dev", lambda: fit_major(tx, ty, codes).scores(dx))
    t2 = min(temps, key=lambda t: set_nll(log_softmax(s2 * t), (gmat @ member.T > 0).astype(np.float32)))  # fmt: skip
    lp2 = log_softmax(s2 * t2)
    out["major_temperature"] = t2
    report(f"2d svc alone (T={t2})", lp2 @ member, gold, codes)
    for b in (0.5, 1.0):
        out[f"centroids+2d prior {b}"] = report(f"+centroids +2d prior {b}", base + b * (lp2 @ member), gold, codes)  # fmt: skip
    p = np.exp(log_softmax(base))
    for b in GROUP_WEIGHTS:
        prior = MajorGroupPrior(
            sp.csr_matrix((len(groups), 1)), np.zeros(len(groups)), 1.0, member, b
        )
        top = prior.rank(p, lp2)
        z = np.full_like(p, -1.0)
        z[np.arange(len(z))[:, None], top] = [3.0, 2.0, 1.0]
        out[f"centroids+group first {b}"] = report(f"+centroids group-first {b}", z, gold, codes)
    pick = max(GROUP_WEIGHTS, key=lambda b: sum(out[f"centroids+group first {b}"].values()))  # type: ignore[union-attr]
    out["chosen_group_weight"] = pick
    print(f"chosen: group-first weight {pick} (highest sum of the four dev figures)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
