"""A damaged or foreign warehouse file is refused, named, and never written to (real DuckDB)."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from adapters.duckdb.preflight import HEADER_BYTES, SCHEMA_VERSION, check_warehouse
from adapters.duckdb.store import DuckDbStore
from domain.errors import StoreBusy, StoreUnusable
from tests.conftest import load_samples


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _healthy(path: Path) -> bytes:
    store = DuckDbStore(path)
    store.write_batch(load_samples(40), [], [])
    store.close()
    return path.read_bytes()


def _zero_byte(path: Path) -> None:
    path.write_bytes(b"")


def _not_duckdb(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\0" + bytes(range(256)) * 64)


def _bad_blocks(path: Path) -> None:
    # overwrite the start of the block holding the catalog's metadata (the active database
    # header's meta block pointer: block id in the low 56 bits), so its checksum fails
    data = bytearray(_healthy(path))
    headers = [struct.unpack_from("<6Q", data, at) for at in (4096, 8192)]
    _, _, meta, _, _, block_size = max(headers, key=lambda h: h[1])
    at = HEADER_BYTES + (meta & ((1 << 56) - 1)) * block_size
    data[at : at + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    # cut in half (a copy or a disk that filled up); depending on where its metadata blocks
    # lie, DuckDB opens such a file (and its first checkpoint would rewrite it) or fails with a
    # short read: either way the check must call it truncated and leave it as it is
    data = _healthy(path)
    path.write_bytes(data[: len(data) // 2])


def _data_cut_off(path: Path) -> None:
    # metadata intact, table data gone: the catalog is rewritten into the blocks a dropped
    # table freed at the start, so the cut removes only the last postings' text blocks
    DuckDbStore(path).close()
    for sql in (
        "CREATE TABLE scratch AS SELECT repeat(md5(i::VARCHAR), 2000) FROM range(200) r(i)",
        "INSERT INTO postings SELECT 'p' || i, md5(i::VARCHAR), NULL, NULL, "
        "repeat(md5(i::VARCHAR), 2000), NULL, NULL, TIMESTAMP '2026-11-30' FROM range(300) r(i)",
        "DROP TABLE scratch",
    ):
        con = duckdb.connect(str(path))
        con.execute(sql)
        con.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10 * 262_144])


def _newer_schema(path: Path) -> None:
    _healthy(path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION + 1])
    con.close()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (_zero_byte, "is empty (0 bytes)"),
        (_not_duckdb, "is not a DuckDB file"),
        (_bad_blocks, "is not a readable DuckDB file"),
        (_truncated, "is truncated"),
        (_data_cut_off, "table data from block"),
        (_newer_schema, f"has schema version {SCHEMA_VERSION + 1}, newer than this code's"),
    ],
    ids=["zero-byte", "not-duckdb", "bad-blocks", "truncated", "data-cut-off", "newer-schema"],
)
def test_a_bad_warehouse_file_is_refused_by_name_and_left_byte_for_byte(
    tmp_path: Path, damage: Callable[[Path], None], says: str
) -> None:
    path = tmp_path / "enrichment.duckdb"
    damage(path)
    before = _sha(path)
    for _ in range(2):  # every attempt, not only the first
        with pytest.raises(StoreUnusable) as err:
            DuckDbStore(path, lock_timeout_s=1)
        assert str(path) in str(err.value) and says in str(err.value)
    assert "\n" not in str(err.value)
    assert _sha(path) == before
    assert not path.with_name(path.name + ".wal").exists()


def test_a_missing_warehouse_is_created_and_a_healthy_one_reopens(tmp_path: Path) -> None:
    path = tmp_path / "data" / "enrichment.duckdb"
    check_warehouse(path)  # absent, directory creatable: fine
    _healthy(path)
    check_warehouse(path)
    store = DuckDbStore(path)
    assert store.enrichment_status([p.posting_id for p in load_samples(3)], "v") == (0, 0)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    con.close()


def test_a_warehouse_held_by_another_process_is_busy_not_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "enrichment.duckdb"
    _healthy(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(StoreBusy, match="locked by another process"):
            DuckDbStore(path, lock_timeout_s=0.2)
    finally:
        holder.communicate("")
    DuckDbStore(path, lock_timeout_s=0.2)  # released: opens
