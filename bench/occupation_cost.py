"""The cost and clustering measures of bench/occupations.py (--speed, --nmi): the occupation
coder's ms per posting next to skill extraction (same rounds, medians), and the NMI between
occupation codes and job clusters on the sample and Google postings."""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace as dc_replace
from pathlib import Path

from domain.occupations.coder import OccupationCoder

ROOT = Path(__file__).resolve().parents[1]


def speed(coders: dict[str, OccupationCoder], repeat: int) -> dict[str, float]:
    from adapters.artifacts.config_files import build_extractor, load_config
    from domain.models import Section

    rows = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    texts = [r["text"] for r in rows]
    titles = [t.split("\n", 1)[0] for t in texts]
    ex = build_extractor(load_config(ROOT, profile="quality"))
    items = [(t, (Section("overview", 0, 10**9),)) for t in texts]
    results = [ex.extract_many(items[i : i + 32]) for i in range(0, len(items), 32)]  # warm
    skills = [[s.skill_id for s in r.skills] for batch in results for r in batch]
    for coder in coders.values():
        coder.code_many(list(zip(titles, skills, strict=True)))  # warm
    ext: list[float] = []
    occ: dict[str, list[float]] = {name: [] for name in coders}
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i in range(0, len(items), 32):
            ex.extract_many(items[i : i + 32])
        ext.append((time.perf_counter() - t0) * 1000 / len(items))
        for name, coder in coders.items():  # interleaved with extraction, same rounds
            t0 = time.perf_counter()
            for i in range(0, len(items), 32):
                coder.code_many(list(zip(titles[i : i + 32], skills[i : i + 32], strict=True)))
            occ[name].append((time.perf_counter() - t0) * 1000 / len(items))
    e = statistics.median(ext)
    out = {"extract_ms_per_posting": round(e, 2)}
    for name, times in occ.items():
        o = statistics.median(times)
        prefix = "" if name == "coder" else f"{name}_"
        out[f"{prefix}occupation_ms_per_posting"] = round(o, 3)
        out[f"{prefix}occupation_share_of_extraction"] = round(o / e, 4)
    return out


def nmi(coder: OccupationCoder) -> dict[str, object]:

    from sklearn.metrics import normalized_mutual_info_score as nmi_score

    from adapters.artifacts.config_files import build_extractor, load_clustering, load_config
    from bench.clustering import google_postings
    from domain.clustering.model import PostingFeatures, fit_model
    from domain.models import Section
    from domain.occupations.titles import posting_title

    params = load_clustering(ROOT)
    ex = build_extractor(load_config(ROOT, profile="quality"))
    samples = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    google = google_postings()
    out: dict[str, object] = {}
    for name, rows in (("samples", samples), ("google", google)):
        texts = [r["text"] for r in rows]
        items = [(t, (Section("overview", 0, len(t)),)) for t in texts]
        skills = []
        for i in range(0, len(items), 32):
            skills += [[(s.skill_id, s.name, s.confidence) for s in r.skills]
                       for r in ex.extract_many(items[i : i + 32])]  # fmt: skip
        titles = [posting_title(r.get("title"), r["text"])[0] for r in rows]
        codes = coder.code_many(
            [(t, [s for s, _, _ in sk]) for t, sk in zip(titles, skills, strict=True)]
        )
        feats = [
            PostingFeatures(str(i), t, tuple(sk))
            for i, (t, sk) in enumerate(zip(titles, skills, strict=True))
        ]
        k = min(params.k or 24, max(2, len(rows) // 8))
        model = fit_model(feats, dc_replace(params, k=k))
        got = {p: c for p, c, _ in model.assign(feats)}
        clusters = [got[f.posting_id] for f in feats]
        occ6 = [c.soc_code or "none" for c in codes]
        occ2 = [o[:2] for o in occ6]
        res: dict[str, object] = {
            "postings": len(rows), "k": k,
            "coded": sum(c.soc_code is not None for c in codes),
            "by_method": {m: sum(c.method == m for c in codes) for m in ("title", "skills", "none")},
            "nmi_cluster_vs_soc6": round(nmi_score(occ6, clusters), 4),
            "nmi_cluster_vs_soc2": round(nmi_score(occ2, clusters), 4),
        }  # fmt: skip
        if name == "google":
            cats = [r["category"] for r in rows]
            res["nmi_category_vs_soc6"] = round(nmi_score(cats, occ6), 4)
            res["nmi_category_vs_soc2"] = round(nmi_score(cats, occ2), 4)
            res["nmi_category_vs_cluster"] = round(nmi_score(cats, clusters), 4)
        out[name] = res
        print(f"  {name}: {res}", file=sys.stderr)
    return out
