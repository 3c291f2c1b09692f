"""Job clustering: quality against real job categories, and time/memory at 10k and 100k postings.

    .venv/bin/python bench/clustering.py [--sizes 10000 100000] [--skip-scale] [--json FILE]

External check (reported, never tuned to): the 1,250 Google postings under
../shared/data/postings/google_job_skills carry one of 23 categories. They are enriched in this
process with the active config (cached under build/ per enrichment version), clustered the way
the fleet does (config's clustering block; k = config's and k = 23) and compared with the
categories by NMI and ARI, against a baseline of TF-IDF on the raw text (same SVD + k-means).
The postings are local data: nothing of them is committed.

Scale: synthetic postings that resample real postings' skill sets and titles (the Google
enrichments) are written to a fresh DuckDB warehouse; then three runs, each in its own process
and with the fleet's code (plan/fit, chunked assign, activate): a first run (fits a model), a
nightly run (reuses it), and, after 10% more postings arrive, a warm-started refit. Printed per
run: each phase's seconds, stability against the run before, the process's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_clustering, load_config  # noqa: E402
from domain.clustering.model import ClusterParams, PostingFeatures, fit_model  # noqa: E402
from domain.validation import validate  # noqa: E402

GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
CACHE = ROOT / "build" / "clustering"


def google_postings() -> list[dict[str, str]]:
    with GOOGLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, r in enumerate(rows):
        text = "\n\n".join(
            f"{h}:\n{r[h]}"
            for h in ("Responsibilities", "Minimum Qualifications", "Preferred Qualifications")
            if r.get(h)
        )
        out.append({"posting_id": f"g{i:05d}", "title": r["Title"], "category": r["Category"],
                    "text": text or r["Title"]})  # fmt: skip
    return out


def google_features(profile: str | None) -> tuple[list[PostingFeatures], list[str], list[str]]:
    """Features of the Google postings under the active extractor (cached per version)."""
    cfg = load_config(ROOT, profile=profile)
    rows = google_postings()
    cache = CACHE / f"google_features_{cfg.manifest.effective}.json"
    if cache.is_file():
        data = json.loads(cache.read_text())
    else:
        pipeline = build_pipeline(cfg)
        data = []
        t0 = time.perf_counter()
        for i in range(0, len(rows), 32):
            chunk = rows[i : i + 32]
            postings = [
                validate(json.dumps({k: r[k] for k in ("posting_id", "title", "text")}).encode(),
                         source="bench", ref=r["posting_id"], now="2026-11-28T00:00:00+00:00")
                for r in chunk
            ]  # fmt: skip
            batch = pipeline.enrich([p for p in postings if not hasattr(p, "reason")])
            for e in batch.enrichments:
                data.append([e.posting_id, [[s.skill_id, s.name, s.confidence] for s in e.skills]])
            print(f"  enriched {min(i + 32, len(rows))}/{len(rows)} Google postings "
                  f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, end="\r")  # fmt: skip
        print(file=sys.stderr)
        CACHE.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data))
    by_id = {r["posting_id"]: r for r in rows}
    feats = [
        PostingFeatures(pid, by_id[pid]["title"], tuple((s, n, c) for s, n, c in skills))
        for pid, skills in data
    ]
    return feats, [by_id[f.posting_id]["category"] for f in feats], [by_id[f.posting_id]["text"]
                                                                    for f in feats]  # fmt: skip


def quality(params: ClusterParams, profile: str | None) -> list[dict[str, object]]:
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.preprocessing import normalize

    feats, cats, texts = google_features(profile)
    n_cat = len(set(cats))
    out: list[dict[str, object]] = []
    for k in dict.fromkeys([params.k or n_cat, n_cat]):
        variants = {
            "skills + title (product)": feats,
            "skills only": [replace(f, title=None) for f in feats],
            "title only": [replace(f, skills=()) for f in feats],
        }
        for name, fs in variants.items():
            model = fit_model(fs, replace(params, k=k))
            got = {p: c for p, c, _ in model.assign(fs)}
            labels = [got[f.posting_id] for f in feats]
            out.append({"features": name, "k": k,
                        "nmi": normalized_mutual_info_score(cats, labels),
                        "ari": adjusted_rand_score(cats, labels)})  # fmt: skip
        raw = [f"{f.title}\n{t}" for f, t in zip(feats, texts, strict=True)]
        x = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(raw)
        z = normalize(
            TruncatedSVD(params.svd_components, random_state=params.seed).fit_transform(x)
        )
        base = MiniBatchKMeans(k, random_state=params.seed, n_init=3).fit_predict(z)
        out.append({"features": "baseline: TF-IDF of raw title + text", "k": k,
                    "nmi": normalized_mutual_info_score(cats, base),
                    "ari": adjusted_rand_score(cats, base)})  # fmt: skip
    auto = fit_model(feats, replace(params, k=None))
    got = {p: c for p, c, _ in auto.assign(feats)}
    out.append({"features": "skills + title, k=auto (silhouette)", "k": auto.k,
                "nmi": normalized_mutual_info_score(cats, [got[f.posting_id] for f in feats]),
                "ari": adjusted_rand_score(cats, [got[f.posting_id] for f in feats])})  # fmt: skip
    return out


def seed_warehouse(
    path: Path, n: int, feats: list[PostingFeatures], version: str, first: int = 0
) -> float:
    """n synthetic postings (ids from `first` on) resampling real skill sets and titles, one
    skill dropped at random. Returns seconds spent writing."""
    from adapters.duckdb.store import DuckDbStore
    from domain.models import ExtractedSkill, JobEnrichment, Mention

    rng = random.Random(first)
    store = DuckDbStore(path)
    t0 = time.perf_counter()
    for start in range(first, first + n, 5000):
        postings, enrichments = [], []
        for i in range(start, min(start + 5000, first + n)):
            src = feats[rng.randrange(len(feats))]
            skills = list(src.skills)
            if len(skills) > 3:
                skills.pop(rng.randrange(len(skills)))
            p = validate(json.dumps({"posting_id": f"s{i:07d}", "title": src.title,
                                     "text": "synthetic"}).encode(), source="bench", ref=str(i),
                         now="2026-11-28T00:00:00+00:00")  # fmt: skip
            postings.append(p)
            enrichments.append(JobEnrichment(
                p.posting_id, p.content_hash, version, {}, (),  # type: ignore[union-attr]
                tuple(ExtractedSkill(s, nm, "skill", c, ("bench",),
                                     (Mention(0, 1, "x", "overview", "bench"),))
                      for s, nm, c in skills),
                "2026-11-28T00:00:00.000+00:00", 1.0))  # fmt: skip
        store.write_batch(postings, enrichments, [])
        print(f"  seeded {min(start + 5000, first + n) - first}/{n}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return time.perf_counter() - t0


def peak_rss_mib() -> float:
    """This process's peak RSS. Not getrusage's ru_maxrss: Linux carries that over from the
    parent across fork + exec, so a child would report the seeding parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


RUNS = ("first (fit)", "nightly (reuse)", "refit +10%")


def scale_child(db: str, models_dir: str, version: str, label: str) -> None:
    """One run in its own process, so its peak RSS is the clustering's alone."""
    from adapters.artifacts.cluster_models import FileClusterModels
    from adapters.duckdb.store import DuckDbStore
    from domain.clustering.runs import assign_chunk, finish_run, plan_run
    from domain.pipeline import utc_now
    from tests.fakes import FakeCoordinator

    store = DuckDbStore(Path(db))
    models, coord = FileClusterModels(Path(models_dir)), FakeCoordinator()
    params = load_clustering(ROOT)
    t0 = time.perf_counter()
    plan = plan_run(store, models, coord, params, version, utc_now(), label == RUNS[2])
    t1 = time.perf_counter()
    model = models.load(plan.run.model_id or "")
    counts = [assign_chunk(store, model, plan.run.run_id, version, a, u, params.chunk_size)
              for a, u in plan.chunks]  # fmt: skip
    t2 = time.perf_counter()
    run = finish_run(store, coord, model, plan.run.run_id, plan.lock_token, counts, utc_now())
    t3 = time.perf_counter()
    print(json.dumps({
        "status": run.status, "postings": run.n_postings, "clusters": run.n_clusters,
        "fit_s": t1 - t0, "assign_s": t2 - t1, "activate_s": t3 - t2, "total_s": t3 - t0,
        "stability": run.metrics.get("stability"),
        "peak_rss_mib": peak_rss_mib(),
    }))  # fmt: skip


def scale(sizes: list[int], profile: str | None) -> list[dict[str, object]]:
    feats, _, _ = google_features(profile)
    out = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "w.duckdb"
            row: dict[str, object] = {
                "postings": n,
                "seed_s": seed_warehouse(db, n, feats, "bench"),
            }
            for label in RUNS:
                if label == RUNS[2]:  # 10% more postings arrive, then a refit
                    seed_warehouse(db, n // 10, feats, "bench", first=n)
                child = subprocess.run(
                    [sys.executable, __file__, "--child", str(db), str(Path(tmp) / "models"),
                     "bench", label],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                row[label] = json.loads(child.stdout.strip().splitlines()[-1])
                print(f"  {n}: {label} done", file=sys.stderr)
            out.append(row)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--profile", choices=["quality", "fast"], help="default: the config's")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        scale_child(*args.child)
        return 0
    params = load_clustering(ROOT)
    report: dict[str, object] = {"cluster_version": params.cluster_version}
    if not args.skip_quality:
        q = quality(params, args.profile)
        report["google_categories"] = q
        print("\nGoogle postings (1,250, 23 categories): clusters vs categories")
        print(f"{'features':42} {'k':>3} {'NMI':>6} {'ARI':>6}")
        for r in q:
            print(f"{r['features']:42} {r['k']:>3} {r['nmi']:6.3f} {r['ari']:6.3f}")
    if not args.skip_scale:
        s = scale(args.sizes, args.profile)
        report["scale"] = s
        print(
            "\nscale (DuckDB; each run its own process; seeding excluded; ARI on postings both runs assigned):"
        )
        print(f"{'postings':>9} {'run':16} {'fit s':>7} {'assign s':>9} {'activate s':>11} "
              f"{'total s':>8} {'ARI vs prev':>11} {'peak RSS MiB':>13}")  # fmt: skip
        for r in s:
            for label in RUNS:
                x = r[label]
                ari = (x.get("stability") or {}).get("ari")
                print(f"{x['postings']:>9} {label:16} {x['fit_s']:7.1f} {x['assign_s']:9.1f} "
                      f"{x['activate_s']:11.1f} {x['total_s']:8.1f} "
                      f"{'-' if ari is None else f'{ari:.3f}':>11} {x['peak_rss_mib']:13.0f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
