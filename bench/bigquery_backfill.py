"""Backfill rehearsal on the BigQuery emulator: re-enrich N postings through the fleet.

    .venv/bin/python bench/bigquery_backfill.py [--postings 10000] [--workers 2] [--persisters 2]
        [--page 1000] [--profile quality|fast] [--json FILE] [--stock-emulator]

Starts bqemulator (REST + gRPC Storage Write API) on 127.0.0.1, seeds N postings (the 198 sample
texts under new ids) enriched at an old version straight into the tables (the Write API for the
flat tables, insertAll for job_enrichments, as the store writes them), walks the drift cursor
once page by page to time each page (first vs last), then starts a throwaway fleet (redis-server,
an enrich worker with --workers processes, --persisters persister processes, beat) on the
emulator with a copy of config/ and times beat's drift re-enrichment until no posting is left at
the old version. Reconciles from the warehouse: lost (postings not current at the new version),
doubled (rows the views return twice) and raw duplicates the views removed.
No posting text is printed.

The emulator is started through bench/bqemu_launch.py (a DuckDB cursor per thread, no per-append
time-travel copy); --stock-emulator runs it as installed. Two growth checks: each drift page's
wall time AND the state-log rows its bounded ranges cover (what BigQuery scans on the clustered
log) against the rows the old unbounded page (`posting_id > @after`) covered; and a write probe
(5 batches of 32 synthetic postings at the new version, ids outside the backfill) timed on the
empty tables, after seeding and after the backfill. --profile fast runs the fleet's fast profile
(a spaCy span model instead of the transformer) to fit a larger rehearsal on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import load_config  # noqa: E402
from adapters.bigquery.append import make_appender  # noqa: E402
from adapters.bigquery.client import make_client  # noqa: E402
from adapters.bigquery.migrate import migrate  # noqa: E402
from adapters.bigquery.store import BigQueryStore  # noqa: E402
from bench.bigquery_persisters import synthetic  # noqa: E402
from domain.errors import TransientError  # noqa: E402
from domain.validation import content_hash  # noqa: E402
from tests.emulators import PROJECT, bigquery_emulator_endpoints  # noqa: E402
from tests.integration.conftest import make_fleet  # noqa: E402

OLD = "2026.1.0+seed"
SEEDED_AT = "2026-11-01T00:00:00+00:00"


def seed(store: BigQueryStore, n: int, chunk: int = 1000) -> float:
    """N postings at version OLD, appended in chunks; returns seconds."""
    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "config/samples/skillspan_postings.jsonl").read_text().splitlines()
    ]
    writer = store.writer
    assert writer is not None
    t0 = time.monotonic()
    for lo in range(0, n, chunk):
        posts, enr, state = [], [], []
        for i in range(lo, min(lo + chunk, n)):
            pid, text = f"bf{i:07d}", texts[i % len(texts)]
            h = content_hash(None, None, text)
            row_id = f"{pid}:{h}:{OLD}"
            posts.append({"posting_id": pid, "content_hash": h, "title": None, "company": None,
                          "text": text, "source": "backfill", "posted_at": None,
                          "received_at": SEEDED_AT})  # fmt: skip
            enr.append({"row_id": row_id, "posting_id": pid, "content_hash": h,
                        "enrichment_version": OLD, "component_versions": {}, "sections": [],
                        "skills": [], "skill_count": 0, "enriched_at": SEEDED_AT})  # fmt: skip
            state.append({"posting_id": pid, "content_hash": h, "enrichment_version": OLD,
                          "row_id": row_id, "enriched_at": SEEDED_AT})  # fmt: skip
        writer.append("postings", posts)
        writer.append("job_enrichments", enr)
        writer.append("posting_state_log", state)
    return time.monotonic() - t0


def page_costs(store: BigQueryStore, current: str, page: int) -> list[dict[str, Any]]:
    """Each drift page (keys + texts), walking the cursor to the end: wall ms, then (untimed) the
    state-log rows its ranges covered and the rows an unbounded page from its cursor covered."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        t0 = time.monotonic()
        got = store.drifted_postings(current, page, cursor)
        ms = 1000 * (time.monotonic() - t0)
        out.append({"ms": ms, "after": cursor or "", "ranges": store.drift_pager.last_ranges})
        if len(got) < page:
            break
        cursor = got[-1].posting_id
    log = f"`{store.dataset}.posting_state_log`"

    def count(where: str) -> int:
        sql = f"SELECT COUNT(*) FROM {log} WHERE {where}"
        return int(next(iter(store.client.query(sql).result()))[0])

    for p in out:
        p["rows_read"] = sum(
            count(f"posting_id > '{a}'" + (f" AND posting_id <= '{b}'" if b else ""))
            for a, b in p.pop("ranges")
        )
        p["rows_unbounded"] = count(f"posting_id > '{p.pop('after')}'")
    return out


def write_probe(store: BigQueryStore, current: str, start: int, batches: int = 5) -> float:
    """Mean ms of `batches` write_batch calls of 32 synthetic postings at `current`; their ids
    (ap...) sort before the backfill's (bf...), so only the first drift page's range holds them."""
    times = []
    for b in range(batches):
        pairs = [synthetic(i) for i in range(start + 32 * b, start + 32 * (b + 1))]
        ps = [replace(p, posting_id=f"a{p.posting_id}") for p, _ in pairs]
        es = [
            replace(e, posting_id=f"a{e.posting_id}", enrichment_version=current) for _, e in pairs
        ]
        t0 = time.monotonic()
        store.write_batch(ps, es, [])
        times.append(1000 * (time.monotonic() - t0))
    return sum(times) / len(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--persisters", type=int, default=2)
    ap.add_argument("--page", type=int, default=1000, help="ENRICH_REENRICH_CAP_PER_RUN")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--profile", choices=("quality", "fast"), default="quality")
    ap.add_argument("--stock-emulator", action="store_true", help="bqemulator as installed")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    logs = Path("/tmp") / f"bq-backfill-{os.getpid()}"  # the emulator's log stays here
    emulator = bigquery_emulator_endpoints(logs, patched=not args.stock_emulator)
    with tempfile.TemporaryDirectory() as tmp, emulator as eps:
        base, (rest, grpc) = Path(tmp), eps
        shutil.copytree(ROOT / "config", base / "cfg" / "config")
        versions = base / "cfg" / "config" / "model_versions.yaml"
        text = versions.read_text()
        assert "\nprofile: quality\n" in text
        versions.write_text(text.replace("\nprofile: quality\n", f"\nprofile: {args.profile}\n"))
        current = load_config(base / "cfg").manifest.effective
        client = make_client(PROJECT, rest)
        dataset = f"{PROJECT}.backfill"
        migrate(client, dataset)
        store = BigQueryStore(
            client, dataset, writer=make_appender(client, dataset, grpc, emulator=True)
        )
        probe_ms = [write_probe(store, current, 0)]
        seed_s = seed(store, args.postings)
        probe_ms.append(write_probe(store, current, 1000))
        pages = page_costs(store, current, args.page)
        print(f"seeded {args.postings} in {seed_s:.1f} s; {len(pages)} drift pages of "
              f"{args.page}: first {pages[0]['ms']:.0f} ms / {pages[0]['rows_read']} log rows "
              f"(unbounded {pages[0]['rows_unbounded']}), last {pages[-1]['ms']:.0f} ms / "
              f"{pages[-1]['rows_read']} (unbounded {pages[-1]['rows_unbounded']}); write probe "
              f"{probe_ms[0]:.0f} -> {probe_ms[1]:.0f} ms per batch", flush=True)  # fmt: skip
        fleet = make_fleet(
            base, config_root=base / "cfg", batch_size=32, store_backend="bigquery",
            bigquery_project=PROJECT, bigquery_dataset="backfill", bigquery_endpoint=rest,
            bigquery_write_endpoint=grpc, persisters=args.persisters,
            worker_concurrency=args.workers, reenrich_interval_s=2.0,
            reenrich_cap_per_run=args.page, reenrich_max_queue_depth=64,
            evaluation_enabled=False, cluster_enabled=False, report_interval_s=600,
        )  # fmt: skip
        try:
            fleet.start(("redis", "worker", "persister", "beat"))
            t0, last, stalls = time.monotonic(), -1, 0
            while True:
                if time.monotonic() - t0 > args.timeout:
                    raise SystemExit(f"timed out with {last} postings left")
                try:
                    left = store.count_drifted(current)
                except TransientError as exc:  # the emulator stalls under load: note it, go on
                    stalls += 1
                    print(f"  {time.monotonic() - t0:7.1f} s: {exc}", flush=True)
                    continue
                if left == 0:
                    break
                if left != last:
                    print(f"  {time.monotonic() - t0:7.1f} s: {left} left", flush=True)
                    last = left
                time.sleep(5)
            seconds = time.monotonic() - t0
        finally:
            fleet.stop()
        probe_ms.append(write_probe(store, current, 2000))
        one = lambda sql: next(iter(client.query(sql.format(d=dataset)).result()))[0]  # noqa: E731
        at_new = f"WHERE enrichment_version = '{current}' AND STARTS_WITH(posting_id, 'bf')"
        viewed = one(f"SELECT COUNT(*) FROM `{{d}}.v_job_enrichments` {at_new}")
        distinct = one(f"SELECT COUNT(DISTINCT row_id) FROM `{{d}}.v_job_enrichments` {at_new}")
        raw = one(f"SELECT COUNT(*) FROM `{{d}}.job_enrichments` {at_new}")
        current_rows = one(f"SELECT COUNT(*) FROM `{{d}}.posting_state` {at_new}")
        failures = one("SELECT COUNT(*) FROM `{d}.v_rejections`")
        result: dict[str, Any] = {
            "postings": args.postings, "workers": args.workers, "persisters": args.persisters,
            "enrichment_version": current, "seconds": round(seconds, 1),
            "postings_per_s": round(args.postings / seconds, 1), "page": args.page,
            "pages": len(pages), "page_ms_first": round(pages[0]["ms"]),
            "page_ms_last": round(pages[-1]["ms"]), "page_ms": [round(p["ms"]) for p in pages],
            "page_log_rows_read": [p["rows_read"] for p in pages],
            "page_log_rows_unbounded": [p["rows_unbounded"] for p in pages],
            "drift_bounds_reads": store.drift_pager.bounds_reads,
            "write_probe_ms_empty_seeded_after": [round(m) for m in probe_ms],
            "profile": args.profile, "emulator": "stock" if args.stock_emulator else "patched",
            "lost": args.postings - current_rows,
            "doubled": viewed - distinct, "raw_duplicates_removed_by_views": raw - distinct,
            "failure_rows": failures, "emulator_stalls": stalls,
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }  # fmt: skip
        print(json.dumps(result))
        if args.json:
            args.json.write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
