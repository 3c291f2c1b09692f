"""`enrich evaluate` / scripts/evaluate_ci.py: report files, thresholds from config, exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def config_root(tmp_path: Path, evaluation_yaml: str) -> Path:
    """A config root that shares the repo's config but has its own evaluation.yaml."""
    root = tmp_path / "root"
    if not (root / "config").is_dir():
        (root / "config").mkdir(parents=True)
        for entry in (ROOT / "config").iterdir():
            if entry.name != "evaluation.yaml":
                (root / "config" / entry.name).symlink_to(entry)
    (root / "config" / "evaluation.yaml").write_text(evaluation_yaml)
    return root


EVAL = """
datasets:
  - name: green2022-test
    path: config/eval/green2022_test.jsonl
    labels: [Skill, Qualification, Experience, Occupation, Domain]
    label_map: {SKILL: Skill, KNOWLEDGE: Skill}
thresholds:
  green2022-test:
    Skill: {overlap: %s}
targets:
  green2022-test:
    Skill: {strict: 0.99}
"""


def run(tmp_path: Path, threshold: float, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENRICH_CONFIG_ROOT": str(config_root(tmp_path, EVAL % threshold)),
        "ENRICH_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate_ci.py"), "--report-dir",
         str(tmp_path / "report"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_gate_passes_writes_reports_and_stores_the_result(tmp_path: Path) -> None:
    done = run(tmp_path, 0.30)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "report" / "evaluation.json").read_text())
    assert report["passed"] is True
    (result,) = report["results"]
    assert (
        result["dataset"] == "green2022-test" and result["metrics"]["Skill"]["overlap"]["f1"] > 0.3
    )
    assert report["targets"][0]["met"] is False  # a target is reported, never fatal
    table = report["calibration"]["green2022-test"]["table"]
    assert sum(row["n"] for row in table) == result["metrics"]["micro"]["overlap"]["n_pred"]
    md = (tmp_path / "report" / "evaluation.md").read_text()
    assert "| Skill | overlap |" in md and "Gate: PASSED" in md and "**not met**" in md
    png = (tmp_path / "report" / "evaluation.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # stored through the store port: the history command sees it
    hist = subprocess.run(
        [sys.executable, "-m", "cli.enrich_ops", "evaluations"], cwd=ROOT, text=True,
        capture_output=True, env={**os.environ, "ENRICH_DATA_DIR": str(tmp_path / "data"),
                                  "ENRICH_CONFIG_ROOT": str(tmp_path / "root")}, check=True,
    )  # fmt: skip
    assert "green2022-test" in hist.stdout


def test_gate_fails_on_a_missed_threshold(tmp_path: Path) -> None:
    done = run(tmp_path, 0.95, "--no-store")
    assert done.returncode == 1
    assert "THRESHOLD MISSED: green2022-test Skill overlap F1" in done.stderr
    assert "Gate: FAILED" in (tmp_path / "report" / "evaluation.md").read_text()
    assert run(tmp_path, 0.95, "--no-store", "--no-gate").returncode == 0


def test_bad_gold_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "spans": [{"start": 0, "end": 9, "label": "K"}]}\n')
    done = run(tmp_path, 0.3, "--gold", str(bad), "--no-store")
    assert done.returncode == 2 and "out of range" in done.stderr
