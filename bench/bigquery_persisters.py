"""N persister processes writing to BigQuery (the emulator) at once: postings/s, lost, doubled.

    .venv/bin/python bench/bigquery_persisters.py [--postings 4000] [--persisters 1,2,4]
        [--redeliver 0.1] [--json FILE] [--stock-emulator | --keep-snapshots]

Starts bqemulator (REST + gRPC Storage Write API) on 127.0.0.1, and for each N: a fresh dataset
(`enrich migrate`), N processes that each build their own BigQueryStore (Storage Write API
appender) and take batches of 32 synthetic postings off one shared queue, as N Celery persister
processes take them off the persist queue. A share of the batches (--redeliver) is handed out
twice, to two persisters, as a broker redelivery would. Then the warehouse is reconciled: lost =
postings without their enrichment row (read through the views), doubled = rows the views return
more than once; raw duplicates (what the views remove) are reported too.

The emulator is started through bench/bqemu_launch.py (a DuckDB cursor per thread, no per-append
time-travel copy: see that file); --stock-emulator runs bqemulator as installed, --keep-snapshots
keeps only its time-travel copies. Where the time goes: each persister's CPU seconds in
write_batch (building rows, Arrow, the clients) against its wall time there (the rest is waiting
on the emulator), and the emulator's own CPU seconds.

The synthetic rows have the sample rows' shape (36 skills, ~12 KB of enrichment, ~4.6 KB of
text: bench/bigquery_row_sizes.py). No posting text is printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.models import ExtractedSkill, JobEnrichment, Mention, Posting, Section  # noqa: E402

BATCH = 32
VERSION = "bench.v1"
AT = "2026-11-30T00:00:00.000+00:00"


def synthetic(i: int) -> tuple[Posting, JobEnrichment]:
    words = [f"word{(i * 7 + k) % 997}" for k in range(600)]
    text = " ".join(words)
    p = Posting(f"p{i:07d}", text, f"h{i:07d}", f"Title {i % 50}", "Co", "bench", None)
    skills = tuple(
        ExtractedSkill(
            f"esco:skill{(i + k) % 400:04d}", f"skill {(i + k) % 400}", "knowledge", 0.7,
            ("taxonomy", "span_model"),
            (Mention(k * 10, k * 10 + 6, "word42", "requirements", "taxonomy"),
             Mention(k * 10 + 20, k * 10 + 26, "word43", "requirements", "span_model")),
        )
        for k in range(36)
    )  # fmt: skip
    e = JobEnrichment(
        posting_id=p.posting_id, content_hash=p.content_hash, enrichment_version=VERSION,
        component_versions={"skills_extractor": "bench.v1@0", "section_classifier": "b.v1@0"},
        sections=(Section("requirements", 0, len(text)),), skills=skills, enriched_at=AT,
        processing_ms=12.5, language="en",
    )  # fmt: skip
    return p, e


def persister(rest: str, grpc: str, dataset: str, q: Any, out: Any) -> None:
    from adapters.bigquery.append import make_appender
    from adapters.bigquery.client import make_client
    from adapters.bigquery.store import BigQueryStore
    from tests.emulators import PROJECT

    client = make_client(PROJECT, rest)
    store = BigQueryStore(client, dataset, writer=make_appender(client, dataset, grpc, True))
    while (item := q.get()) is not None:
        lo, hi = item
        pairs = [synthetic(i) for i in range(lo, hi)]
        t0, c0 = time.monotonic(), time.process_time()
        try:
            store.write_batch([p for p, _ in pairs], [e for _, e in pairs], [])
        except Exception as exc:  # reported; the main process hands the batch out again
            out.put(("error", item, f"{type(exc).__name__}: {str(exc)[:160]}"))
            continue
        out.put(("done", item, (time.monotonic() - t0, time.process_time() - c0)))


def sched_s(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of every thread of `pid`, from
    /proc/PID/task/*/schedstat: the second is the time the process lost to the machine's load."""
    on = wait = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            f = (task / "schedstat").read_text().split()
        except OSError:
            continue
        on, wait = on + int(f[0]), wait + int(f[1])
    return on / 1e9, wait / 1e9


def emulator_pid(rest: str) -> int:
    port = rest.rsplit(":", 1)[1]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"bqemu" in b" ".join(cmd) and port.encode() in cmd:
            return int(pid)
    raise RuntimeError(f"no emulator process serves {rest}")


def emulator_cpu_s(rest: str) -> float:
    """CPU seconds (user + system) used so far by the emulator serving `rest` (from /proc)."""
    port = rest.rsplit(":", 1)[1]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"bqemu" in b" ".join(cmd) and port.encode() in cmd:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return float("nan")


def run(rest: str, grpc: str, n_postings: int, n: int, redeliver: float) -> dict[str, Any]:
    from adapters.bigquery.client import make_client
    from adapters.bigquery.migrate import migrate
    from tests.emulators import PROJECT

    client = make_client(PROJECT, rest)
    dataset = f"{PROJECT}.persisters_{n}_{os.getpid()}"
    migrate(client, dataset)
    ctx = mp.get_context("spawn")
    q, out = ctx.Queue(), ctx.Queue()
    batches = [(lo, min(lo + BATCH, n_postings)) for lo in range(0, n_postings, BATCH)]
    every = round(1 / redeliver) if redeliver else 0
    handed = [b for k, b in enumerate(batches) for _ in range(2 if every and k % every == 0 else 1)]
    procs = [ctx.Process(target=persister, args=(rest, grpc, dataset, q, out)) for _ in range(n)]
    for p in procs:
        p.start()
    time.sleep(8)  # imports and clients ready before the clock starts (not measured)
    epid = emulator_pid(rest)
    t0, cpu0 = time.monotonic(), emulator_cpu_s(rest)
    e0 = sched_s(epid)
    p0 = [sched_s(p.pid) for p in procs if p.pid]
    for b in handed:
        q.put(b)
    timings: list[tuple[int, float]] = []
    cpu_in_batches = 0.0
    errors: list[str] = []
    while len(timings) < len(handed):
        kind, item, info = out.get()
        if kind == "done":
            timings.append((item[0], info[0]))
            cpu_in_batches += info[1]
        else:  # as a Celery retry would: the same batch again
            errors.append(info)
            q.put(item)
    for _ in procs:
        q.put(None)
    wall = time.monotonic() - t0
    cpu = emulator_cpu_s(rest) - cpu0
    e1 = sched_s(epid)
    p1 = [sched_s(p.pid) for p in procs if p.pid]
    persister_runq = sum(b[1] - a[1] for a, b in zip(p0, p1, strict=True))
    persister_on = sum(b[0] - a[0] for a, b in zip(p0, p1, strict=True))
    for p in procs:
        p.join()
    one = lambda sql: next(iter(client.query(sql.format(d=dataset)).result()))[0]  # noqa: E731
    viewed = one("SELECT COUNT(*) FROM `{d}.v_job_enrichments`")
    distinct = one("SELECT COUNT(DISTINCT row_id) FROM `{d}.v_job_enrichments`")
    raw = one("SELECT COUNT(*) FROM `{d}.job_enrichments`")
    posts = one("SELECT COUNT(*) FROM `{d}.v_postings`")
    current = one(
        f"SELECT COUNT(*) FROM `{{d}}.posting_state` WHERE enrichment_version = '{VERSION}'"
    )
    timings.sort()
    k = max(1, len(timings) // 10)
    return {
        "persisters": n, "postings": n_postings, "batches_handed": len(handed),
        "redelivered_batches": len(handed) - len(batches), "wall_s": round(wall, 2),
        "postings_per_s": round(n_postings / wall, 1),
        "batch_ms_first_10pct": round(1000 * sum(t for _, t in timings[:k]) / k, 1),
        "batch_ms_last_10pct": round(1000 * sum(t for _, t in timings[-k:]) / k, 1),
        "lost": n_postings - distinct, "doubled": viewed - distinct,
        "raw_duplicates_removed_by_views": raw - distinct,
        "postings_rows": posts, "current_rows": current,
        "emulator_cpu_s": round(cpu, 1), "emulator_cores_busy": round(cpu / wall, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "emulator_runqueue_wait_s": round(e1[1] - e0[1], 1),
        "persister_on_cpu_s": round(persister_on, 1),
        "persister_runqueue_wait_s": round(persister_runq, 1),
        "persister_batch_s": round(sum(t for _, t in timings), 1),
        "persister_cpu_s_in_batches": round(cpu_in_batches, 1),
        "persister_wait_share": round(1 - cpu_in_batches / max(sum(t for _, t in timings), 1e-9), 2),
        "errors_retried": len(errors), "first_error": errors[0] if errors else None,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", type=int, default=4000)
    ap.add_argument("--persisters", default="1,2,4")
    ap.add_argument("--redeliver", type=float, default=0.1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--stock-emulator", action="store_true", help="bqemulator as installed")
    ap.add_argument("--keep-snapshots", action="store_true", help="patched, but time travel kept")
    args = ap.parse_args()
    from tests.emulators import bigquery_emulator_endpoints

    work = Path("/tmp") / f"bq-persisters-{os.getpid()}"
    results = []
    patched = not args.stock_emulator
    with bigquery_emulator_endpoints(work, patched, args.keep_snapshots) as (rest, grpc):
        for n in (int(x) for x in args.persisters.split(",")):
            r = run(rest, grpc, args.postings, n, args.redeliver)
            r["emulator"] = (
                "stock"
                if not patched
                else ("patched, snapshots kept" if args.keep_snapshots else "patched")
            )
            print(json.dumps(r), flush=True)
            results.append(r)
    base = results[0]["postings_per_s"]
    for r in results:
        print(f"{r['persisters']} persister(s): {r['postings_per_s']:7.1f} postings/s "
              f"({r['postings_per_s'] / base:.2f}x), lost {r['lost']}, doubled {r['doubled']}, "
              f"raw duplicates {r['raw_duplicates_removed_by_views']}, batch ms first/last 10% "
              f"{r['batch_ms_first_10pct']}/{r['batch_ms_last_10pct']}, emulator busy "
              f"{r['emulator_cores_busy']} cores (+{r['emulator_runqueue_wait_s']} s waiting for a "
              f"CPU), persisters waiting {r['persister_wait_share']:.0%} of batch time (of which "
              f"{r['persister_runqueue_wait_s']} s for a CPU), load {r['load_avg_1m']}")  # fmt: skip
    if args.json:
        args.json.write_text("\n".join(json.dumps(r) for r in results) + "\n")


if __name__ == "__main__":
    main()
