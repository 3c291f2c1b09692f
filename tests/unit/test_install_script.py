"""`make demo` installs only what the fleet needs (redis-server and .venv), not the test tools
(prometheus, the BigQuery emulator's .venv-bqemu, ~65 s); `make test` still installs them.
scripts/install.sh runs for real in a scratch copy, with stand-ins for apt, python and pip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _make_n(target: str) -> str:
    run = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)  # fmt: skip
    return run.stdout


def test_make_demo_runs_the_app_only_install_and_make_test_the_whole_one() -> None:
    assert "scripts/install.sh --app" in _make_n("demo")
    test = [ln for ln in _make_n("test").splitlines() if "install.sh" in ln]
    assert test == ["bash scripts/install.sh"]


def _scratch(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A repo copy with a ready .venv, and a PATH whose redis-server exists, whose python
    records every call (and makes venvs that cannot install anything)."""
    repo, bin_, calls = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "install.sh", repo / "scripts" / "install.sh")
    (repo / "pyproject.toml").write_text("")
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").write_text("#!/bin/sh\n")
    (repo / ".venv" / "bin" / "python").chmod(0o755)
    os.utime(repo / "pyproject.toml", (1, 1))
    (repo / ".venv" / ".installed").write_text("")
    bin_.mkdir()
    for name, body in {"redis-server": "exit 0", "python3.11": f'echo "$@" >> {calls}; exit 0',
                       "sudo": f'echo "sudo $@" >> {calls}; exit 0',
                       "apt-get": f'echo "apt-get $@" >> {calls}; exit 0',
                       "systemctl": f'echo "systemctl $@" >> {calls}; exit 0'}.items():  # fmt: skip
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_ / name).chmod(0o755)
    keep = ("/usr/bin", "/bin")  # bash and coreutils, after the stand-ins
    env = {"PATH": os.pathsep.join([str(bin_), *keep]), "HOME": str(tmp_path)}
    return repo, env, calls


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_app_only_install_leaves_the_emulator_venv_and_prometheus_alone(
    tmp_path: Path,
) -> None:
    repo, env, calls = _scratch(tmp_path)
    run = subprocess.run(["bash", "scripts/install.sh", "--app"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "BigQuery emulator" not in run.stdout and "prometheus" not in run.stdout
    assert not (repo / ".venv-bqemu").exists()
    assert not calls.exists() or "venv .venv-bqemu" not in calls.read_text()

    whole = subprocess.run(["bash", "scripts/install.sh"], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert "installing the BigQuery emulator into .venv-bqemu" in whole.stdout
    assert "-m venv .venv-bqemu" in calls.read_text()
