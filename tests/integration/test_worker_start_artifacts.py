"""Issues #24 / #27, bad input: a missing or corrupt concept-vector encoder, skill hierarchy or
occupation file stops `enrich fleet start` with one line naming the file, exit 7, and leaves
nothing running; a worker started on its own (a container's command) exits non-zero, its log
naming the file (real redis-server and worker processes, a copy of config/ damaged one way)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, enrich_cli, make_fleet

FLEET_EXIT = 7

# (file under config/, damage): the concept linker's encoder (its static token table), the
# skill hierarchy it falls back to, the occupation coder's artifact and its calibration
# (a missing vector file is named with its make target by the loader before any read:
# tests/unit/test_concept_vectors_tuned.py; each case here costs a worker start, 6-35 s)
CASES = [
    ("models/concept_vectors_tuned/model.safetensors", "truncated"),
    ("taxonomy/skill_groups.jsonl.gz", "missing"),
    ("taxonomy/skill_groups.jsonl.gz", "truncated"),
    ("occupations/coder.npz", "missing"),
    ("occupations/coder.npz", "truncated"),
    ("occupations/calibration.json", "truncated"),  # v9: the confidence maps (s27conf)
]


def _damaged_config(tmp_path: Path, name: str, damage: str) -> Path:
    """A copy of config/ under tmp_path/cfg with `name` removed or cut to half its bytes."""
    cfg = tmp_path / "cfg"
    shutil.copytree(ROOT / "config", cfg / "config")
    target = cfg / "config" / name
    if damage == "missing":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return cfg


@pytest.mark.parametrize(("name", "damage"), CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_fleet_start_names_a_missing_or_corrupt_model_file(
    tmp_path: Path, name: str, damage: str
) -> None:
    cfg = _damaged_config(tmp_path, name, damage)
    fleet = make_fleet(tmp_path / "data", config_root=cfg)
    try:
        r = enrich_cli(fleet, "fleet", "start", timeout=240)
        err = r.stderr.decode()
        assert r.returncode == FLEET_EXIT, err
        lines = [ln for ln in err.splitlines() if ln.startswith("enrich: error: ")]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert str(cfg / "config" / name) in lines[0], lines[0]
        assert not any(fleet.status().values()), fleet.status()  # what it started, it stopped
    finally:
        fleet.stop()


# the container's path, once for a file the config check finds missing and once for one the
# model loader finds corrupt
@pytest.mark.parametrize(("name", "damage"), [CASES[0], CASES[1]], ids=str)
def test_a_worker_started_alone_exits_naming_the_file(
    tmp_path: Path, name: str, damage: str
) -> None:
    cfg = _damaged_config(tmp_path, name, damage)
    fleet = make_fleet(tmp_path / "data", config_root=cfg)
    try:
        fleet.start(("redis",))
        r = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "-Q", "enrich",
             "-n", "alone@%h", "-c", "1", "--loglevel", "INFO"],
            cwd=ROOT, env=fleet.env(), capture_output=True, timeout=240, check=False,
        )  # fmt: skip
        out = (r.stdout + r.stderr).decode()
        assert r.returncode not in (0, None), out
        (line,) = [ln for ln in out.splitlines() if "worker unhealthy:" in ln]
        assert str(cfg / "config" / name) in line, line
        assert "ready." not in out  # it never took a task
    finally:
        fleet.stop()


def test_fleet_start_on_a_corrupt_file_after_a_good_start_is_not_healthy(tmp_path: Path) -> None:
    """ops10: once a good config was recorded (a first start, as `make demo` leaves it), a
    worker started on a corrupt coder.npz serves that last good release; `fleet start` said
    every check ok and exit 0. Now the worker's check fails with the refusal, exit 7."""
    cfg = _damaged_config(tmp_path, "occupations/coder.npz", "truncated")
    fleet = make_fleet(tmp_path / "data")
    try:
        good = enrich_cli(fleet, "fleet", "start", timeout=240)
        assert good.returncode == 0, good.stderr.decode()
        fleet.stop()
        r = enrich_cli(fleet, "fleet", "start", timeout=240, env={"ENRICH_CONFIG_ROOT": str(cfg)})
        out, err = r.stdout.decode(), r.stderr.decode()
        assert r.returncode == FLEET_EXIT, out + err
        (line,) = [ln for ln in out.splitlines() if ln.startswith("worker    FAILED: ")]
        assert "config refused, still serving" in line, line
        assert str(cfg / "config" / "occupations" / "coder.npz") in line, line
        assert "fleet NOT healthy: worker" in err, err
    finally:
        fleet.stop()
