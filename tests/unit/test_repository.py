"""The repository stays clean: no large or stray tracked files; export tools leave no litter."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.onnx_scratch import scratch_cwd
from worker.settings import REPO_ROOT

MAX_TRACKED_BYTES = 25 * 1024 * 1024
# Everything a clone holds at its root. A new entry is a decision, made here on purpose.
ROOT_FILES = {".gitignore", "Dockerfile", "Makefile", "README.md", "docker-compose.yml",
              "pyproject.toml"}  # fmt: skip
ROOT_DIRS = {".ci", "adapters", "bench", "cli", "config", "docs", "domain", "reports", "scripts",
             "sql", "tasks", "tests", "worker"}  # fmt: skip


def _tracked() -> list[str]:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True,
                         check=True).stdout  # fmt: skip
    return [p for p in out.decode().split("\0") if p]


def oversized(paths: list[str], root: Path, limit: int = MAX_TRACKED_BYTES) -> list[str]:
    """Tracked paths over `limit` bytes (a tracked file deleted in the work tree is skipped)."""
    return [p for p in paths if (root / p).is_file() and (root / p).stat().st_size > limit]


def stray_at_root(paths: list[str]) -> list[str]:
    """Tracked paths whose first component is not in the allowed root set."""
    return sorted({p.split("/", 1)[0] for p in paths} - ROOT_FILES - ROOT_DIRS)


def test_no_tracked_file_is_over_25_mb() -> None:
    big = oversized(_tracked(), REPO_ROOT)
    assert not big, f"tracked files over 25 MB (use an artifact store or git LFS): {big}"


def test_no_stray_tracked_files_at_the_root() -> None:
    stray = stray_at_root(_tracked())
    assert not stray, (
        f"tracked at the root but not in the allowed set (test_repository.py): {stray}"
    )


def test_the_checks_catch_the_files_once_committed_by_accident(tmp_path: Path) -> None:
    (tmp_path / "sym_shape_infer_temp.onnx").write_bytes(b"x" * 2048)
    (tmp_path / "README.md").write_bytes(b"x" * 10)
    paths = ["sym_shape_infer_temp.onnx", "340378ac-eb15-11f1-bc41-02fc00000001.data",
             "README.md", "worker/cli.py"]  # fmt: skip
    assert oversized(paths, tmp_path, limit=1024) == ["sym_shape_infer_temp.onnx"]
    assert stray_at_root(paths) == [
        "340378ac-eb15-11f1-bc41-02fc00000001.data",
        "sym_shape_infer_temp.onnx",
    ]


def _like_symbolic_shape_inference() -> None:
    """What onnxruntime's SymbolicShapeInference does when a shape stays unknown: save the model
    with external data under relative names, i.e. into the current directory."""
    Path("sym_shape_infer_temp.onnx").write_bytes(b"\x08\x07")
    Path("340378ac-eb15-11f1-bc41-02fc00000001.data").write_bytes(b"\0" * 64)


def test_onnx_export_temporaries_land_in_a_scratch_dir_that_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with scratch_cwd() as scratch:
        assert Path.cwd() == scratch.resolve() and scratch.is_absolute()
        _like_symbolic_shape_inference()
        assert (scratch / "sym_shape_infer_temp.onnx").is_file()
    assert Path.cwd() == tmp_path
    assert not scratch.exists()
    assert list(tmp_path.iterdir()) == []


def test_scratch_dir_restores_the_working_dir_when_the_tool_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError), scratch_cwd() as scratch:
        _like_symbolic_shape_inference()
        raise RuntimeError("Incomplete symbolic shape inference")
    assert Path.cwd() == tmp_path and not scratch.exists() and os.listdir(tmp_path) == []


def test_the_export_runs_its_onnx_tools_in_a_scratch_dir() -> None:
    # the export needs torch (.venv-train), so it is not imported here: check its source
    src = (REPO_ROOT / "scripts" / "export_transformer_spans.py").read_text(encoding="utf-8")
    body = src.split("def export(", 1)[1].split("\ndef ", 1)[0]
    assert "with scratch_cwd() as tmp:" in body
    assert body.index("out = out.resolve()") < body.index("with scratch_cwd()")
    for call in ("quantize_dynamic(", "_quantize_static(", "torch.onnx.export("):
        assert body.index("with scratch_cwd()") < body.index(call)
