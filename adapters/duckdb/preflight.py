"""Read-only checks of a DuckDB warehouse file before anything may write to it.

DuckDB opens a file whose tail is missing (a truncated copy, a full disk) as long as its
metadata blocks are there, and the first write or checkpoint then rewrites it: the evidence and
any chance of salvage are gone. So a store first opens the file read-only and checks that it is
a DuckDB file, is as long as its own header says, and carries a schema this code knows; only
then does it open it for writing. A missing file is fine (it is created), an empty one is not.
"""

from __future__ import annotations

import os
import re
import struct
import time
from pathlib import Path

import duckdb

from domain.errors import StoreBusy, StoreUnusable

# Bump when the warehouse changes in a way older code cannot read or would damage. Additive
# changes (a new table, ADD COLUMN IF NOT EXISTS) need no bump.
SCHEMA_VERSION = 1
# DuckDB's main header plus its two database headers, before the first block.
HEADER_BYTES = 3 * 4096
MAGIC = b"DUCK"  # at byte 8 of every DuckDB database file

STAMP_SQL = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version SELECT $v WHERE NOT EXISTS
    (SELECT 1 FROM schema_version WHERE version >= $v);
"""


def recovery_hint(path: Path) -> str:
    return (
        f"move it aside (mv {path} {path}.broken) and restore a backup, or remove it to "
        "start an empty warehouse; nothing was written to it"
    )


def check_warehouse(path: Path, lock_timeout_s: float = 30.0) -> None:
    """Check `path` without writing to it (nor creating its .wal).

    Returns when the file is absent but its directory is writable (the store creates it), or
    when it is a complete DuckDB file with a schema version <= SCHEMA_VERSION.
    Raises StoreUnusable (empty, not DuckDB, truncated, newer schema, not writable; the message
    names the file and a recovery hint) or StoreBusy (another process held its lock for
    `lock_timeout_s` seconds).
    """
    path = Path(path)
    if not path.exists():
        parent = _nearest_existing(path.parent)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise StoreUnusable(
                f"cannot create the warehouse {path}: {parent} is not writable; "
                "make it writable or set ENRICH_DATA_DIR to a writable directory"
            )
        return
    if not path.is_file():
        raise StoreUnusable(
            f"warehouse {path} is not a regular file; point ENRICH_DATA_DIR elsewhere"
        )
    size = path.stat().st_size
    if size == 0:
        raise StoreUnusable(
            f"warehouse {path} is empty (0 bytes), not a DuckDB file: {recovery_hint(path)}"
        )
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreUnusable(
            f"warehouse {path} (or its directory) is not writable (permissions or a read-only "
            "file system); make it writable or set ENRICH_DATA_DIR to a writable directory"
        )
    with open(path, "rb") as fh:
        head = fh.read(HEADER_BYTES)
    # checked here, not by DuckDB: given another format (SQLite, Parquet), it tries to load an
    # extension for it, over the network
    if head[8:12] != MAGIC:
        raise StoreUnusable(
            f"warehouse {path} is not a DuckDB file (no DuckDB header): {recovery_hint(path)}"
        )
    expected = on_disk_bytes(head)
    try:
        con = _open_read_only(path, lock_timeout_s)
    except StoreUnusable as exc:
        if expected is not None and size < expected:  # name the cause DuckDB cannot see
            raise StoreUnusable(
                f"warehouse {path} is truncated ({size:,} of {expected:,} bytes; "
                f"{_first_line(exc.__cause__ or exc)}): {recovery_hint(path)}"
            ) from exc
        raise
    try:
        # Measured again now that the lock is held: a writer may have grown the file while
        # the open waited for it, and blocks it wrote then are not missing.
        size = path.stat().st_size
        with open(path, "rb") as fh:
            expected = on_disk_bytes(fh.read(HEADER_BYTES))
        if expected is not None and size < expected:
            # Shorter than the header's block count: a truncated copy, or trailing blocks that
            # are free and were never written (a live warehouse has those). Told apart by the
            # tables' own block lists: a block past the end of the file was cut off.
            try:
                missing = _blocks_past_the_end(con, size)
            except duckdb.Error as exc:  # the tables' metadata itself was cut off
                raise StoreUnusable(
                    f"warehouse {path} is truncated ({size:,} of {expected:,} bytes; "
                    f"{_first_line(exc)}): {recovery_hint(path)}"
                ) from exc
            if missing is not None:
                raise StoreUnusable(
                    f"warehouse {path} is truncated ({size:,} of {expected:,} bytes; table "
                    f"data from block {missing} on is missing): {recovery_hint(path)}"
                )
        has_stamp = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' "
            "AND database_name = current_database()"
        ).fetchone()
        if has_stamp and has_stamp[0]:
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            found = int(row[0]) if row and row[0] is not None else 0
            if found > SCHEMA_VERSION:
                raise StoreUnusable(
                    f"warehouse {path} has schema version {found}, newer than this code's "
                    f"{SCHEMA_VERSION}: run the newer ml-enrichment on it, or set "
                    "ENRICH_DATA_DIR elsewhere; nothing was written to it"
                )
    except duckdb.Error as exc:
        raise StoreUnusable(
            f"warehouse {path} is unreadable ({_first_line(exc)}): {recovery_hint(path)}"
        ) from exc
    finally:
        con.close()


def _open_read_only(path: Path, lock_timeout_s: float) -> duckdb.DuckDBPyConnection:
    """A read-only connection. A writer in another process locks out readers too: retried
    with backoff for `lock_timeout_s`, then StoreBusy."""
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.005
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            text = str(exc)
            if not is_lock_error(exc):
                if "version number" in text.lower():  # another storage format version
                    raise StoreUnusable(
                        f"warehouse {path} was written by another DuckDB version "
                        f"({_first_line(exc)}); open it with that version or set ENRICH_DATA_DIR "
                        "elsewhere; nothing was written to it"
                    ) from exc
                raise StoreUnusable(
                    f"warehouse {path} is not a readable DuckDB file ({_first_line(exc)}): "
                    f"{recovery_hint(path)}"
                ) from exc
            if time.monotonic() > deadline:
                raise StoreBusy(
                    f"warehouse {path} is locked by another process (waited "
                    f"{lock_timeout_s:.0f}s); retry later, or stop that process"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def on_disk_bytes(head: bytes) -> int | None:
    """The file length DuckDB's active database header promises (HEADER_BYTES + block count x
    block size), from the first HEADER_BYTES of the file; None when the header is not legible.

    Read from the file, not from `pragma_database_size`, which counts blocks a WAL replay
    allocates in memory too (a live warehouse then looks truncated)."""
    if len(head) < HEADER_BYTES:
        return None
    # each database header: checksum, iteration, meta block, free list, block count, block size
    headers = [struct.unpack_from("<6Q", head, at) for at in (4096, 8192)]
    _, _, _, _, blocks, block_size = max(headers, key=lambda h: h[1])  # the newer iteration
    if not (4096 <= block_size <= 1 << 30) or block_size & (block_size - 1) or blocks > 1 << 40:
        return None
    return HEADER_BYTES + blocks * block_size


def schema_version(path: Path, lock_timeout_s: float = 30.0) -> int:
    """The schema version stamped in an existing warehouse (0: written before the stamp),
    read without writing."""
    con = _open_read_only(Path(path), lock_timeout_s)
    try:
        has = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' "
            "AND database_name = current_database()"
        ).fetchone()
        if not has or not has[0]:
            return 0
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    finally:
        con.close()


def _blocks_past_the_end(con: duckdb.DuckDBPyConnection, size: int) -> int | None:
    """The first block past the file's `size` bytes that a table's data lives in, or None
    when every table's data lies within the file.

    Reads only the tables' segment metadata (`pragma_storage_info`: each segment's block and
    its overflow-string blocks), never their data. This runs at every store construction, and
    reading every row of every table instead cost as much memory as the tables' data (DuckDB
    keeps what it reads in its buffer pool): 1.9 GB in the bridge on a 3.1 GB warehouse.
    Raises duckdb.Error when that metadata itself cannot be read (it was cut off too)."""
    (block_size,) = con.execute(
        "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchone() or (0,)
    on_disk = (size - HEADER_BYTES) // block_size if block_size else 0  # whole blocks present
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()
    top = -1
    for schema, table in tables:
        (last,) = con.execute(
            "SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), -1))) "
            "FROM pragma_storage_info(?) WHERE persistent",
            [f'"{schema}"."{table}"'],
        ).fetchone() or (None,)
        top = max(top, -1 if last is None else int(last))
    return on_disk if top >= on_disk else None


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's "Could not set lock on file" (another process holds it), and not, say, a bad
    checksum "in block at location" (which contains the letters)."""
    return re.search(r"\block\b", str(exc), re.IGNORECASE) is not None


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
