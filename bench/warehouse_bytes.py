"""Where a DuckDB warehouse's bytes go, and what one persister-sized commit costs on it.

    .venv/bin/python bench/warehouse_bytes.py PATH [--commit-cost] [--preflight] [--out F.json]

Prints the file's size, its used and free blocks (`pragma_database_size`), each table's size
when copied alone into a fresh file (its data as DuckDB stores it, compressed, without the
free blocks and indexes), the largest columns, and the average JSON length of each field of
`job_enrichments.skills`. With --commit-cost it copies the file, appends 32 postings' rows
(copies of existing ones under new ids, one transaction, as the persister writes a batch) and
closes it, which checkpoints: the seconds and the process's peak RSS of that. With --preflight,
the seconds and peak RSS of the read-only check every DuckDbStore runs first
(adapters/duckdb/preflight.check_warehouse), in a fresh process. The file is only read; every
write goes to a copy in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

TABLES = ("postings", "job_enrichments", "enrichment_skills", "intake", "posting_state")

# One batch of 32 postings appended and committed, then the connection closed (a checkpoint),
# as the persister does when its lease ends; prints seconds and VmHWM (kB).
COMMIT = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
t = time.perf_counter()
con.begin()
ids = [r[0] for r in con.execute("SELECT row_id FROM job_enrichments LIMIT 32").fetchall()]
for table, key in (("job_enrichments", "row_id"), ("enrichment_skills", "row_id")):
    cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
    sel = ", ".join("'x-' || " + c if c in ("row_id", "posting_id") else c for c in cols)
    con.execute(f"INSERT INTO {table} SELECT {sel} FROM {table} WHERE {key} IN "
                "(SELECT unnest(?))", [ids])
con.commit()
con.close()
print(time.perf_counter() - t, open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


# The store's read-only check alone, in a fresh process; prints seconds and VmHWM (kB).
PREFLIGHT = """
import sys, time
from pathlib import Path
from adapters.duckdb.preflight import check_warehouse
t = time.perf_counter()
check_warehouse(Path(sys.argv[1]))
print(time.perf_counter() - t, open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


def _timed(script: str, path: Path) -> dict[str, float]:
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    seconds, peak_kb = run.stdout.split()[-2:]
    return {"seconds": round(float(seconds), 2), "peak_rss_mb": int(peak_kb) // 1024}


def _compact_bytes(src: Path, select: str, tmp: Path) -> int:
    dst = tmp / "one.duckdb"
    con = duckdb.connect(str(dst))
    con.execute(f"ATTACH '{src}' AS s (READ_ONLY)")
    con.execute(f"CREATE TABLE x AS {select}")
    con.execute("CHECKPOINT")
    con.close()
    size = dst.stat().st_size
    dst.unlink()
    return size


def measure(path: Path, commit_cost: bool, preflight: bool = False) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    block, total, used, free = con.execute(
        "SELECT block_size, total_blocks, used_blocks, free_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()
    postings = con.execute("SELECT count(*) FROM postings").fetchone()[0]
    skills = con.execute("SELECT skills FROM job_enrichments USING SAMPLE 200 ROWS").fetchall()
    columns = {t: [c[0] for c in con.execute(f"DESCRIBE {t}").fetchall()] for t in TABLES}
    con.close()
    fields: Counter[str] = Counter()
    for (text,) in skills:
        for skill in json.loads(text):
            for k, v in skill.items():
                fields[k] += len(json.dumps(v))
    out: dict[str, Any] = {
        "file_bytes": path.stat().st_size,
        "postings": postings,
        "blocks": {"size": block, "total": total, "used": used, "free": free},
        "skills_json_chars_per_posting": {k: v // max(len(skills), 1) for k, v in fields.items()},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tables = {t: _compact_bytes(path, f"SELECT * FROM s.{t}", Path(tmp)) for t in TABLES}
        big = {
            f"{t}.{c}": _compact_bytes(path, f'SELECT "{c}" FROM s.{t}', Path(tmp))
            for t in ("job_enrichments", "enrichment_skills")
            for c in columns[t]
        }
        out["table_bytes"] = tables
        out["largest_columns"] = dict(sorted(big.items(), key=lambda kv: -kv[1])[:6])
        if commit_cost:
            copy = Path(tmp) / "copy.duckdb"
            shutil.copy(path, copy)
            out["commit_32_postings"] = _timed(COMMIT, copy)
    if preflight:
        out["preflight"] = _timed(PREFLIGHT, path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--commit-cost", action="store_true")
    ap.add_argument("--preflight", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    t = time.perf_counter()
    out = measure(args.path, args.commit_cost, args.preflight)
    n = max(int(out["postings"]), 1)
    mib = 2**20
    print(
        f"{args.path}: {out['file_bytes'] / mib:,.0f} MiB, {n:,} postings, "
        f"{out['file_bytes'] / n / 1024:.0f} KB/posting; blocks {out['blocks']}"
    )
    for t_, b in out["table_bytes"].items():
        print(f"  {t_:<18} {b / mib:8.1f} MiB  {b / n / 1024:6.1f} KB/posting")
    for c, b in out["largest_columns"].items():
        print(f"  column {c:<32} {b / mib:8.1f} MiB")
    print("  skills JSON chars/posting:", out["skills_json_chars_per_posting"])
    if "commit_32_postings" in out:
        print("  one 32-posting commit + close (checkpoint):", out["commit_32_postings"])
    if "preflight" in out:
        print("  the store's read-only preflight:", out["preflight"])
    print(f"({time.perf_counter() - t:.0f} s)")
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
