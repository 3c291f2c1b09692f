"""Why bqemulator 1.4.0 hangs with 2+ writers, in 60 lines: one DuckDB connection shared by threads.

    timeout 60 .venv/bin/python bench/duckdb_shared_connection.py --mode shared|cursor [--seconds 30]

Two writer threads do what the emulator's Write API path does (`register` an Arrow table,
`INSERT … SELECT *` from it, `unregister`) while two reader threads do what its query path does
(`execute`, `description`, `fetchall`). `--mode shared`: all four use ONE connection, as the stock
emulator's `DuckDBEngine` does; `--mode cursor`: each thread its own `cursor()` and every statement
under one RLock, as bench/bqemu_launch.py patches it. Prints progress every second and DONE with
the counts at the end (`mixed`: a reader that got another statement's result), exit 0. A deadlock
usually holds the GIL too, so the process cannot say so itself: run it under `timeout`, whose exit
124 (output stopped) means hung; if the main thread still runs, it prints HUNG and exits 3.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

import duckdb
import pyarrow as pa


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("shared", "cursor"), required=True)
    ap.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    root = duckdb.connect(":memory:")
    root.execute("CREATE TABLE t (kind BIGINT, b VARCHAR)")
    lock, local = threading.RLock(), threading.local()
    counts = {"writes": 0, "reads": 0, "mixed": 0, "errors": 0}
    stop = time.monotonic() + args.seconds

    def conn() -> duckdb.DuckDBPyConnection:
        if args.mode == "shared":
            return root
        if not hasattr(local, "c"):
            local.c = root.cursor()
        return local.c

    def run(c: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
        if args.mode == "shared":
            return c.execute(sql)
        with lock:
            return c.execute(sql)

    def writer() -> None:
        rows = pa.table({"kind": list(range(200)), "b": ["x" * 50] * 200})
        while time.monotonic() < stop:
            c, name = conn(), f"r_{uuid.uuid4().hex[:8]}"
            try:
                c.register(name, rows)
                run(c, f"INSERT INTO t SELECT * FROM {name}")
                c.unregister(name)
                counts["writes"] += 1
            except duckdb.Error:
                counts["errors"] += 1

    def reader() -> None:
        while time.monotonic() < stop:
            try:
                r = run(conn(), "SELECT count(*) AS n, max(kind) AS kind FROM t")
                described, rows = r.description, r.fetchall()
                ok = described is not None and [d[0] for d in described] == ["n", "kind"]
                counts["reads" if ok and len(rows) == 1 else "mixed"] += 1
            except duckdb.Error:
                counts["errors"] += 1

    threads = [threading.Thread(target=f, daemon=True) for f in (writer, writer, reader, reader)]
    for t in threads:
        t.start()
    last, still = None, 0
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        snap = dict(counts)
        still = still + 1 if snap == last else 0
        last = snap
        print(snap, flush=True)
        if still >= 10:
            print(f"HUNG ({args.mode}): no progress for 10 s, pid {os.getpid()}", flush=True)
            os._exit(3)
    print(f"DONE ({args.mode}): {counts}", flush=True)


if __name__ == "__main__":
    main()
