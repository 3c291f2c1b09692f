"""Health means healthy: `enrich fleet start|status` and the container checks verify the store,
the broker's password, the config and the models, name what failed, exit non-zero, leave the
files as they were and never report a broken fleet as running (real processes)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, enrich_cli, make_fleet
from worker.fleet import Fleet
from worker.settings import Settings

FLEET_EXIT = 7


def _files(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """SHA-256 of every file under root (paths relative), except paths starting with `skip`."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_file() and not rel.startswith(skip):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _one_error_line(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode().splitlines() if ln.startswith("enrich: error: ")]
    assert len(lines) == 1, stderr.decode()
    assert "Traceback" not in stderr.decode()
    return lines[0]


def _nothing_running(fleet: Fleet) -> None:
    assert not any(fleet.status().values()), fleet.status()


def _truncated_warehouse(path: Path) -> None:
    from adapters.duckdb.store import DuckDbStore
    from tests.conftest import load_samples

    store = DuckDbStore(path)
    store.write_batch(load_samples(40), [], [])
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", ["zero-byte", "truncated"])
def test_fleet_start_refuses_a_bad_warehouse_names_it_and_starts_nothing(
    tmp_path: Path, damage: str
) -> None:
    fleet = make_fleet(tmp_path)
    path = fleet.settings.duckdb_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"") if damage == "zero-byte" else _truncated_warehouse(path)
    before = _files(tmp_path)
    try:
        r = enrich_cli(fleet, "fleet", "start", timeout=120)
        assert r.returncode == FLEET_EXIT
        line = _one_error_line(r.stderr)
        assert str(path) in line and "store FAILED" in line and "mv " in line
        _nothing_running(fleet)
        assert _files(tmp_path) == before  # not one byte written, no .wal, no run files
        status = enrich_cli(fleet, "fleet", "status")
        assert status.returncode == FLEET_EXIT and "running" not in status.stdout.decode()
        assert "store     FAILED" in status.stdout.decode()
    finally:
        fleet.stop()


def test_fleet_start_names_a_broker_that_refuses_the_password(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, broker_password="the-right-one")
    try:
        fleet.start(("redis",))
        wrong = make_fleet(tmp_path, broker_url=fleet.settings.broker_url,
                           broker_password="a-wrong-one",
                           flower_port=fleet.settings.flower_port)  # fmt: skip
        skip = ("run/appendonlydir", "run/logs/redis.log")
        before = _files(tmp_path, skip)
        r = enrich_cli(wrong, "fleet", "start", timeout=120)
        assert r.returncode == FLEET_EXIT
        line = _one_error_line(r.stderr)
        assert "broker" in line and "refused the password" in line
        assert "ENRICH_BROKER_PASSWORD" in line and "a-wrong-one" not in line
        assert fleet.pid("redis") and not any(fleet.pid(n) for n in ("worker", "persister", "beat"))
        assert _files(tmp_path, skip) == before
    finally:
        fleet.stop()


def test_fleet_start_with_a_missing_config_root_says_so_and_creates_nothing(
    tmp_path: Path,
) -> None:
    fleet = make_fleet(tmp_path / "data", config_root=tmp_path / "no-such-config")
    r = enrich_cli(fleet, "fleet", "start", timeout=120)
    assert r.returncode == FLEET_EXIT
    line = _one_error_line(r.stderr)
    assert "config FAILED" in line and str(tmp_path / "no-such-config") in line
    assert not (tmp_path / "data").exists()


def _read_only(data: Path) -> list[str]:
    """A command prefix under which `data` is read-only: a read-only bind mount in a private
    mount namespace (root writes through permissions), or plain permissions for another user."""
    if os.geteuid() != 0:
        for p in (data, *data.rglob("*")):
            p.chmod(stat.S_IMODE(p.stat().st_mode) & ~0o222)
        return []
    prefix = ["unshare", "-m", "sh", "-c",
              'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"',
              str(data)]  # fmt: skip
    probe = subprocess.run(
        [*prefix, "touch", str(data / "probe")], capture_output=True, check=False
    )
    if probe.returncode == 0 or b"Read-only file system" not in probe.stderr:
        (data / "probe").unlink(missing_ok=True)
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.decode().strip()}")
    return prefix


def test_a_read_only_data_directory_is_one_line_and_no_change(tmp_path: Path) -> None:
    from adapters.duckdb.store import DuckDbStore

    data = tmp_path / "data"
    DuckDbStore(data / "enrichment.duckdb").close()  # a healthy warehouse
    prefix = _read_only(data)
    before = _files(tmp_path)
    fleet = make_fleet(data)
    for args in (["fleet", "start"], ["summary"]):
        r = subprocess.run([*prefix, sys.executable, "-m", "cli.enrich", *args], cwd=ROOT,
                           env=fleet.env(), capture_output=True, timeout=120, check=False)  # fmt: skip
        assert r.returncode != 0, args
        line = _one_error_line(r.stderr)
        assert "not writable" in line and str(data / "enrichment.duckdb") in line, line
    assert _files(tmp_path) == before
    _nothing_running(fleet)


def test_a_worker_whose_models_do_not_load_fails_the_start_by_name(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    shutil.copytree(ROOT / "config", cfg / "config")
    model = cfg / "config" / "models" / "transformer_spans" / "model.onnx"
    model.write_bytes(model.read_bytes()[:100_000])  # the config loads, the model does not
    fleet = make_fleet(tmp_path / "data", config_root=cfg)
    try:
        r = enrich_cli(fleet, "fleet", "start", timeout=240)
        assert r.returncode == FLEET_EXIT
        line = _one_error_line(r.stderr)
        assert "worker exited" in line and str(model) in line
        assert not fleet.pid("redis") and not fleet.pid("worker")  # what it started, it stopped
        status = enrich_cli(fleet, "fleet", "status")
        assert status.returncode == FLEET_EXIT
        assert (
            f"worker    FAILED: not running (config: transformer span model: cannot load {model}"
            in (status.stdout.decode())
        )
    finally:
        fleet.stop()


def test_a_healthy_fleet_reports_every_check_and_exits_0(fleet: Fleet) -> None:
    r = enrich_cli(fleet, "fleet", "status")
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    for line in ("store     ok:", "broker    ok:", "config    ok:", "worker    ok: models loaded",
                 "persister ok: store open"):  # fmt: skip
        assert line in out, out
    for role in ("worker", "store", "broker"):
        h = subprocess.run([sys.executable, "-m", "worker.health", role], cwd=ROOT,
                           env=fleet.env(), capture_output=True, timeout=60, check=False)  # fmt: skip
        assert h.returncode == 0, (role, h.stderr.decode())


def test_the_container_store_check_fails_on_a_bad_warehouse(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.duckdb_path.write_bytes(b"")
    env = make_fleet(tmp_path).env()
    h = subprocess.run([sys.executable, "-m", "worker.health", "store"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60, check=False)  # fmt: skip
    assert h.returncode == 1
    assert h.stderr.decode().strip().splitlines() == [
        f"unhealthy: store     FAILED: warehouse {settings.duckdb_path} is empty (0 bytes), "
        f"not a DuckDB file: move it aside (mv {settings.duckdb_path} {settings.duckdb_path}"
        ".broken) and restore a backup, or remove it to start an empty warehouse; nothing was "
        "written to it"
    ]


def test_the_bridge_names_a_down_broker_and_a_wrong_password_within_its_timeout(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join((ROOT / "config/samples/skillspan_postings.jsonl")
                             .read_text().splitlines()[:3]) + "\n")  # fmt: skip
    down = make_fleet(tmp_path / "down")  # nothing listens on its broker port
    r = enrich_cli(down, "bridge", str(src), "--timeout", "3", timeout=60)
    assert r.returncode == 5, r.stderr.decode()
    assert "broker unavailable" in _one_error_line(r.stderr)
    fleet = make_fleet(tmp_path / "up", broker_password="the-right-one")
    try:
        fleet.start(("redis",))
        wrong = make_fleet(tmp_path / "up", broker_url=fleet.settings.broker_url,
                           broker_password="a-wrong-one")  # fmt: skip
        r = enrich_cli(wrong, "bridge", str(src), "--timeout", "3", timeout=60)
        assert r.returncode == 5, r.stderr.decode()
        line = _one_error_line(r.stderr)
        assert "refused the password" in line and "a-wrong-one" not in r.stderr.decode()
    finally:
        fleet.stop()
