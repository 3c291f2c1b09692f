"""CLIs fail an expected failure with one line (cause + hint) and a documented exit code; waits
retry a locked warehouse until their own timeout (real DuckDB files, real processes)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from adapters.duckdb.store import DuckDbStore
from cli import enrich as cli
from cli import enrich_ops as ops_cli
from cli.ingest import wait_persisted
from domain.errors import ConfigError, StoreBusy, StoreUnusable, TransientError
from domain.models import JobEnrichment, Section
from tests.conftest import ROOT, load_samples
from worker.errors import (
    BAD_INPUT,
    BROKER,
    EXIT_CODES,
    STORE_BUSY,
    STORE_UNUSABLE,
    classify,
    run_cli,
)
from worker.settings import Settings

CURRENT = load_config(ROOT).manifest.effective


def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("ENRICH_DATA_DIR", str(data))
    monkeypatch.setenv("ENRICH_DUCKDB_LOCK_TIMEOUT_S", "0.3")
    for k, v in extra.items():
        monkeypatch.setenv(k, v)
    from worker.settings import get_settings

    get_settings.cache_clear()
    return data


@pytest.fixture(autouse=True)
def _fresh_settings() -> object:
    from worker.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("exc", "code", "says"),
    [
        (StoreUnusable("warehouse /d/enrichment.duckdb is truncated"), STORE_UNUSABLE, "truncated"),
        (StoreBusy("/d/enrichment.duckdb is locked by another process"), STORE_BUSY, "locked"),
        (ConfigError("cannot read /nope/config/model_versions.yaml"), BAD_INPUT, "config: cannot"),
        (FileNotFoundError(2, "No such file or directory", "/in.jsonl"), BAD_INPUT, "/in.jsonl"),
    ],
)
def test_expected_failures_map_to_one_line_and_a_documented_code(
    exc: Exception, code: int, says: str
) -> None:
    got = classify(exc)
    assert got is not None and got[0] == code and says in got[1] and "\n" not in got[1]
    assert f"\n  {code} " in EXIT_CODES


def test_a_store_error_raised_inside_an_enqueue_is_a_store_error_not_broker_refused() -> None:
    try:
        try:
            raise StoreUnusable("warehouse /d/enrichment.duckdb is truncated")
        except StoreUnusable as inner:
            raise TransientError("broker refused enrich.classify_sections") from inner
    except TransientError as outer:
        got = classify(outer)
    assert got is not None and got[0] == STORE_UNUSABLE


def test_a_broker_that_refuses_the_password_is_named() -> None:
    from redis.exceptions import AuthenticationError

    got = classify(AuthenticationError("invalid username-password pair or user is disabled."))
    assert got is not None and got[0] == BROKER and "refused the password" in got[1]


def test_a_bug_keeps_its_traceback_and_debug_shows_expected_ones() -> None:
    with pytest.raises(ZeroDivisionError):
        run_cli(lambda: 1 // 0, debug=False, prog="enrich")
    lines: list[str] = []

    def fail() -> int:
        raise StoreUnusable("warehouse /d/x.duckdb is empty (0 bytes)")

    assert run_cli(fail, debug=False, prog="enrich", stderr=lines.append) == STORE_UNUSABLE
    assert lines == ["enrich: error: warehouse /d/x.duckdb is empty (0 bytes)"]
    lines.clear()
    assert run_cli(fail, debug=True, prog="enrich", stderr=lines.append) == STORE_UNUSABLE
    assert "Traceback" in lines[0] and lines[-1].startswith("enrich: error: ")


@pytest.mark.parametrize("main", [cli.main, ops_cli.main], ids=["enrich", "enrich-ops"])
def test_help_documents_the_exit_codes(main, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out and "warehouse unusable" in out and "--debug" in out


def _newer_schema(path: Path) -> None:
    import duckdb

    from adapters.duckdb.preflight import SCHEMA_VERSION

    DuckDbStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION + 1])
    con.close()


@pytest.mark.parametrize(
    "content", [b"", b"not a warehouse" * 100, None], ids=["zero-byte", "junk", "newer-schema"]
)
def test_summary_on_a_bad_warehouse_prints_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    content: bytes | None,
) -> None:  # fmt: skip
    data = _env(tmp_path, monkeypatch)
    data.mkdir()
    if content is None:
        _newer_schema(data / "enrichment.duckdb")
    else:
        (data / "enrichment.duckdb").write_bytes(content)
    before = {p.name: _sha(p) for p in data.iterdir()}
    assert cli.main(["summary"]) == STORE_UNUSABLE
    assert ops_cli.main(["status"]) == STORE_UNUSABLE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(str(data / "enrichment.duckdb") in line for line in err)
    assert all("Traceback" not in line for line in err)
    assert {p.name: _sha(p) for p in data.iterdir()} == before


def test_a_missing_config_root_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(tmp_path, monkeypatch, ENRICH_CONFIG_ROOT=str(tmp_path / "nope"))
    assert cli.main(["versions"]) == BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / "nope") in err[0]


def _done(p) -> JobEnrichment:  # type: ignore[no-untyped-def]
    return JobEnrichment(
        posting_id=p.posting_id, content_hash=p.content_hash, enrichment_version=CURRENT,
        component_versions={"skills_extractor": "m.v1"}, sections=(Section("overview", 0, 3),),
        skills=(), enriched_at="2026-01-01T00:00:00.000+00:00", processing_ms=1.0,
    )  # fmt: skip


def test_wait_retries_a_warehouse_held_by_another_process_until_it_is_free(
    tmp_path: Path,
) -> None:
    """The persister holding the lock longer than one open waits must not end the wait."""
    settings = Settings(data_dir=tmp_path / "data", duckdb_lock_timeout_s=0.2)
    postings = load_samples(5)
    DuckDbStore(settings.duckdb_path).write_batch(postings, [_done(p) for p in postings], [])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(settings.duckdb_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    busy_polls = threading.Event()

    def sleep(s: float) -> None:  # the wait pauses only after a poll found the warehouse busy
        busy_polls.set()
        time.sleep(0.05)

    result: list[object] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        t = threading.Thread(target=lambda: result.append(_wait(settings, postings, sleep)))
        t.start()
        assert busy_polls.wait(60), "the wait never polled a busy warehouse"
        assert not result  # still waiting, not failed
    finally:
        holder.communicate("")
    t.join(60)
    assert result == [(5, 0, 0)]


def _wait(settings: Settings, postings: list, sleep) -> object:  # type: ignore[no-untyped-def]
    try:
        ids = [p.posting_id for p in postings]
        return wait_persisted(settings, ids, [], timeout=120, sleep=sleep)
    except BaseException as exc:
        return exc


def test_wait_ends_at_its_timeout_when_the_warehouse_stays_locked(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", duckdb_lock_timeout_s=0.1)
    postings = load_samples(2)
    DuckDbStore(settings.duckdb_path).write_batch(postings, [], [])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(settings.duckdb_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(SystemExit, match="the warehouse stayed unavailable"):
            wait_persisted(settings, [p.posting_id for p in postings], [], timeout=1.0)
    finally:
        holder.communicate("")
    assert os.path.exists(settings.duckdb_path)


def test_retry_busy_backs_off_until_its_deadline_then_raises() -> None:
    from worker.errors import retry_busy

    now = [0.0]
    pauses: list[float] = []

    def sleep(s: float) -> None:
        pauses.append(s)
        now[0] += s

    calls = iter([StoreBusy("locked"), StoreBusy("locked"), 42])

    def read() -> int:
        got = next(calls)
        if isinstance(got, Exception):
            raise got
        return got

    assert retry_busy(read, deadline=10, sleep=sleep, clock=lambda: now[0]) == 42
    assert pauses == [0.5, 1.0]
    now[0], pauses[:] = 0.0, []
    with pytest.raises(StoreBusy):
        retry_busy(lambda: (_ for _ in ()).throw(StoreBusy("locked")), deadline=10,
                   sleep=sleep, clock=lambda: now[0])  # fmt: skip
    assert pauses == [0.5, 1.0, 2.0, 4.0] and now[0] == 7.5  # 7.5 + 8 would pass 10
    with pytest.raises(StoreUnusable):  # not transient: never retried
        retry_busy(lambda: (_ for _ in ()).throw(StoreUnusable("bad")), deadline=10, sleep=sleep)


@pytest.mark.parametrize("argv", [["cli.enrich", "versions"], ["cli.enrich", "--help"]])
def test_a_reader_that_went_away_ends_the_command_quietly_with_141(argv: list[str]) -> None:
    """`enrich versions | head -1`: the pipe's reader is gone before the first write (its read end
    is closed before the command starts, so this does not depend on timing): exit 141, no
    traceback on stderr."""
    r, w = os.pipe()
    os.close(r)
    try:
        done = subprocess.run([sys.executable, "-m", *argv], stdout=w, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, timeout=120)  # fmt: skip
    finally:
        os.close(w)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_status_counts_rejections_by_reason_beside_the_failures() -> None:
    from cli.status import rejections_line

    line = rejections_line({("validate", "empty_text"): 2, ("validate", "bad_id"): 1,
                            ("extract", "component_error"): 5})  # fmt: skip
    assert line.startswith("rejections:") and "3 rows" in line
    assert "bad_id=1, empty_text=2" in line and "component_error" not in line
    assert rejections_line({}).split() == ["rejections:", "0", "rows"]


def test_fleet_status_names_the_version_a_worker_serves_after_a_reload() -> None:
    from worker.checks import serving_version

    start = "x worker ready: enrichment_version=2026.1.1+aa ready.\n"
    assert serving_version(start) == "2026.1.1+aa"
    reloaded = start + "W active config changed (k): now serving 2026.1.1-fast+bb\n"
    assert serving_version(reloaded) == "2026.1.1-fast+bb"
    refused = reloaded + "E config refused, still serving 2026.1.1-fast+bb: bad (config /c)\n"
    assert serving_version(refused) == "2026.1.1-fast+bb"
    assert serving_version("nothing here") == "?"


def test_an_unknown_profile_is_one_error_line_like_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(tmp_path, monkeypatch)
    assert ops_cli.main(["profile", "bogus"]) == BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["enrich-ops: error: unknown profile 'bogus'; choose from ['fast', 'quality']"]


def test_rollback_and_profile_say_when_workers_switch() -> None:
    from cli.lifecycle import reload_note

    note = reload_note(Settings(config_check_interval_s=2.0))
    assert note.startswith("Workers switch at their next task") and "at most every 2 s" in note


def test_a_short_bridge_prints_one_line_per_input_on_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.ingest import run_bridge
    from tests.fakes import RecordingDispatcher
    from worker import bootstrap

    src = tmp_path / "in.jsonl"
    src.write_text("".join(f'{{"posting_id": "p{i}", "text": "Python {i}"}}\n' for i in range(40)))
    settings = Settings(data_dir=tmp_path / "data", batch_size=16)
    bootstrap.override(bootstrap.Services(settings, store=None, dispatcher=RecordingDispatcher()))  # type: ignore[arg-type]
    try:
        run_bridge([src], settings)
    finally:
        bootstrap.override(None)
    err = capsys.readouterr().err.splitlines()  # stderr is not a terminal here
    assert err[-1] == f"  {src}: 40 messages, 40 enqueued, 0 rejected in 3 batches"
    # a partial count comes only on a bridge slower than 3 s (a loaded machine), and says so
    assert all(line.startswith(f"  {src}: ") and "so far" in line for line in err[:-1])
