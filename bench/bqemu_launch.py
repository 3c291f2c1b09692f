"""Start bqemulator 1.4.0 with two of its bugs fixed (run with .venv-bqemu's python).

    .venv-bqemu/bin/python bench/bqemu_launch.py start --rest-port P --grpc-port G [...]
        (the arguments of `bqemulator start`; tests/emulators.py passes patched=True to use it)

tests/emulators.py starts it through here for the test suite and the benches (patched=True, the
default; the benches' --stock-emulator runs the stock one). The suite kept the stock emulator until
2026-12-01, when a CI run lost the gcp end-to-end test to the hang below (one status query
unanswered for 120 s while the persister appended). Each patch
replaces one emulator function and changes nothing a BigQuery client can observe except that the
emulator no longer hangs, no longer hands one request's result to another, and no longer slows
down with the table's size. Nothing of our own code's behaviour is patched in.

1. `storage/engine.py: DuckDBEngine.connection` / `DuckDBEngine.execute` — the emulator runs ONE
   DuckDB connection for the whole process, used at once by the event loop (queries, insertAll),
   AnyIO worker threads (FastAPI's sync endpoints) and grpc.aio's thread pool (Storage Write API
   appends, `grpc_api/write_servicer.py: _flush_to_target`). `execute` returns that shared
   connection as the cursor, so a thread that fetches after another thread executed reads the
   other statement's result (what our benches saw as `KeyError: no row field 'kind'`: a result
   with another query's schema), and the shared connection deadlocks: a thread whose statement
   drops a registered Arrow view (`unregister`: destroying its Python dependency needs the GIL)
   holds the connection's context lock while waiting for the GIL, and a thread holding the GIL
   (`description`, `execute`) waits for that lock. That is the futex hang of 5 of 8 multi-writer
   runs; bench/duckdb_shared_connection.py reproduces it without the emulator (py-spy --native
   stacks in docs/data-plane.md). Fix: one DuckDB cursor per thread (`connection.cursor()`, same
   database, the session's `TimeZone = 'UTC'` applied as `_apply_session_pragmas` does), so each
   thread fetches its own results and holds its own connection mutex, and one process-wide
   `threading.RLock` around every `execute`, so statements still run one at a time as they did on
   the single connection (no write-write conflicts between cursors); a thread waiting on it
   releases the GIL. DuckDB shares Python UDFs and loaded extensions across cursors; a
   `register`ed Arrow view is per cursor, and the emulator always registers and queries it on the
   same thread.
2. `versioning/snapshots.py: SnapshotManager.capture` for `kind="AUTO"` — after EVERY append,
   insertAll and DML the emulator copies the whole table (`CREATE TABLE … AS SELECT *`) into its
   time-travel schema, so per-batch write time grows with the table (measured: a 32-posting
   Write API append 47 → 300 ms between an empty table and ~20,000 rows). BigQuery keeps time
   travel without copying anything per append. Fix: AUTO snapshots are not taken (`record_change`
   still publishes `TableDataChanged`, which invalidates the query cache); `FOR SYSTEM_TIME AS OF`
   then reads the live table. Our code never queries time travel (`grep -r SYSTEM_TIME sql/`).
   `--keep-snapshots` keeps the stock behaviour, to measure the difference.
"""

from __future__ import annotations

import sys
import threading
from typing import Any


def patch_engine() -> None:
    """Patch 1: a DuckDB cursor per thread, statements serialized by one RLock."""
    from bqemulator.domain.errors import InternalError
    from bqemulator.storage import engine as engine_mod

    cls = engine_mod.DuckDBEngine
    statement_lock = threading.RLock()
    local = threading.local()

    def connection(self: Any) -> Any:
        root = self._connection
        if root is None:
            raise InternalError("DuckDBEngine not started")
        cursor = getattr(local, "cursor", None)
        if cursor is None or getattr(local, "root", None) is not root:
            cursor = root.cursor()
            cursor.execute("SET TimeZone = 'UTC'")  # session setting, as _apply_session_pragmas
            local.cursor, local.root = cursor, root
        return cursor

    def execute(self: Any, sql: str, parameters: list[Any] | None = None) -> Any:
        conn = self.connection
        with statement_lock:
            return conn.execute(sql, parameters) if parameters is not None else conn.execute(sql)

    cls.connection = property(connection)  # type: ignore[assignment,method-assign]
    cls.execute = execute  # type: ignore[method-assign]


def patch_snapshots() -> None:
    """Patch 2: no AUTO time-travel copy of the whole table after each write."""
    from bqemulator.versioning import snapshots

    stock = snapshots.SnapshotManager.capture

    def capture(self: Any, project_id: str, dataset_id: str, table_id: str, *, kind: str = "AUTO"):  # type: ignore[no-untyped-def]
        if kind == "AUTO":
            return None
        return stock(self, project_id, dataset_id, table_id, kind=kind)

    snapshots.SnapshotManager.capture = capture  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    keep = "--keep-snapshots" in argv
    argv = [a for a in argv if a != "--keep-snapshots"]
    patch_engine()
    if not keep:
        patch_snapshots()
    from bqemulator.cli import main as bqemulator_main

    sys.argv = ["bqemulator", *argv]
    return int(bqemulator_main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
