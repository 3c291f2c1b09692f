"""Opening a big warehouse costs the store's memory, not its data's: the read-only check every
DuckDbStore runs first (the bridge builds two) reads the tables' metadata, never their rows, also
on a live file whose free tail blocks were never written; and a live file a writer grows while
the check waits for its lock is not called truncated (real DuckDB, real processes).

Before the check read every row of every table whenever the file was shorter than its header's
block count, so the bridge of the fault suite peaked at 1.9 GB on a 3.1 GB warehouse."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from adapters.duckdb.preflight import HEADER_BYTES, check_warehouse, on_disk_bytes
from adapters.duckdb.store import DuckDbStore
from tests.conftest import ROOT

ROW_KB = 64  # one posting's text: 2,000 md5 digests, stored as it is (no compression)
BIG_ROWS = 2000  # 125 MiB of text

# What the bridge does with the warehouse before it bridges anything: build the store.
PROBE = (
    "import sys; from pathlib import Path; from adapters.duckdb.store import DuckDbStore; "
    "DuckDbStore(Path(sys.argv[1]), lock_timeout_s=5).close(); "
    "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
)


def _live_warehouse(path: Path, rows: int) -> Path:
    """A warehouse of `rows` postings in the state a live one is often found in: shorter than
    its header's block count (the blocks of the table written last were freed and cut off)."""
    DuckDbStore(path).close()
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO postings SELECT 'p' || i, md5(i::VARCHAR), NULL, NULL, "
        "repeat(md5(i::VARCHAR), 2000), NULL, NULL, TIMESTAMP '2026-11-30' FROM range(?) r(i)",
        [rows],
    )
    con.close()
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE scratch AS SELECT repeat(md5(i::VARCHAR), 2000) FROM range(200) r(i)")
    con.close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE scratch")
    con.close()
    expected = on_disk_bytes(path.read_bytes()[:HEADER_BYTES])
    assert expected is not None and path.stat().st_size < expected, "not in the live state"
    return path


def _peak_kb(path: Path) -> int:
    run = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return int(run.stdout.split()[-1])


def test_opening_a_live_warehouse_does_not_read_its_rows_into_memory(tmp_path: Path) -> None:
    small = _live_warehouse(tmp_path / "small.duckdb", 20)
    big = _live_warehouse(tmp_path / "big.duckdb", BIG_ROWS)
    assert big.stat().st_size > BIG_ROWS * ROW_KB * 1024 * 0.9  # the rows are in the file
    base, peak = _peak_kb(small), _peak_kb(big)
    # reading the rows costs their size (125 MiB) on top of the baseline; the metadata, ~nothing
    assert peak - base < BIG_ROWS * ROW_KB // 4, f"peak {peak} kB vs {base} kB on a small file"
    DuckDbStore(big, lock_timeout_s=5).close()  # and the file is still a healthy warehouse


# Holds the warehouse's lock until told, then writes 25 MiB (into the blocks cut off the end of
# the file first, then past it) and lets go.
WRITER = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "sys.stdin.readline(); c.execute('CREATE TABLE grown AS SELECT repeat(md5(i::VARCHAR), 2000) "
    "AS t FROM range(400) r(i)'); c.close()"
)


def test_a_live_warehouse_grown_while_the_check_waited_is_not_called_truncated(
    tmp_path: Path,
) -> None:
    path = _live_warehouse(tmp_path / "live.duckdb", 20)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    errors: list[BaseException] = []

    def check() -> None:
        try:
            check_warehouse(path, lock_timeout_s=60)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    try:
        assert writer.stdout is not None and writer.stdout.readline() == "held\n"
        waiting = threading.Thread(target=check)
        waiting.start()  # reads the file's size, then waits for the writer's lock
        time.sleep(1.0)  # ordering only: were the check slower, the test would pass vacuously
        writer.communicate("go\n", timeout=60)
        waiting.join(timeout=60)
    finally:
        writer.kill() if writer.poll() is None else None
    assert writer.returncode == 0
    assert not errors, errors
