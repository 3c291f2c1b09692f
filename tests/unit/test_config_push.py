"""Config pushes cannot break a worker: services() validates a new model_versions.yaml
completely (YAML, schema, every artifact, the models and a smoke extraction where the process
runs them) before switching; a refused push leaves the last good config serving, says why, and
is published for `enrich-ops status` and the metrics (worker/bootstrap.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes import FakeCoordinator
from worker import bootstrap
from worker.settings import get_settings

VERSIONS = "config/model_versions.yaml"
GOOD = (ROOT / VERSIONS).read_bytes()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A deployable config root: the repo's config, model_versions.yaml a copy we can push to."""
    cfg = tmp_path / "root" / "config"
    cfg.mkdir(parents=True)
    for entry in (ROOT / "config").iterdir():
        if entry.name != "model_versions.yaml":
            (cfg / entry.name).symlink_to(entry)
    (cfg / "model_versions.yaml").write_bytes(GOOD)
    monkeypatch.setenv("ENRICH_CONFIG_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_CONFIG_CHECK_INTERVAL_S", "0")
    get_settings.cache_clear()
    bootstrap.override(None)
    yield tmp_path / "root"
    bootstrap.override(None)
    get_settings.cache_clear()


_pushes = 0


def push(root: Path, content: bytes) -> None:
    """Deploy `content` as model_versions.yaml (a distinct mtime each time, as a deploy gives)."""
    global _pushes
    _pushes += 1
    path = root / VERSIONS
    path.write_bytes(content)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + _pushes * 1_000_000_000))


BAD = {
    "invalid_yaml": (GOOD[: len(GOOD) // 2] + b"\n  - [unclosed: {\n", "not valid YAML"),
    "schema": (GOOD.replace(b"\n  taxonomy:", b"\n  taxonomy_gone:", 1), "components missing"),
    "missing_artifact": (
        GOOD.replace(b"config/section_patterns.yaml", b"config/no_such_patterns.yaml", 1),
        "do not exist",
    ),
}


@pytest.mark.parametrize("bad", BAD, ids=list(BAD))
def test_a_refused_push_keeps_the_last_good_config_and_says_why(root: Path, bad: str) -> None:
    good = bootstrap.services()
    good.__dict__["coordinator"] = coord = FakeCoordinator()
    version = good.manifest.effective
    content, why = BAD[bad]
    push(root, content)
    assert bootstrap.services() is good and good.manifest.effective == version
    ((worker, state),) = coord.refused_configs().items()
    assert worker == bootstrap.worker_id()
    assert why in state["reason"] and state["serving"] == version
    assert bootstrap.services() is good  # refused once, not re-validated on every call
    push(root, GOOD)
    back = bootstrap.services()
    assert back is not good and back.manifest.effective == version
    assert coord.refused_configs() == {}


def test_a_worker_started_during_a_bad_push_serves_the_last_good_release(root: Path) -> None:
    version = bootstrap.services().manifest.effective  # validated: recorded as last good
    push(root, BAD["invalid_yaml"][0])
    bootstrap.override(None)  # a new process (the worker restarted mid-push)
    svc = bootstrap.services()
    assert svc.manifest.effective == version
    assert svc.config_root == get_settings().releases_dir / version


def test_a_worker_that_never_had_a_good_config_fails_loudly(root: Path) -> None:
    push(root, BAD["invalid_yaml"][0])
    with pytest.raises(Exception, match="not valid YAML"):
        bootstrap.services()


def test_models_survive_a_bad_push_and_a_config_that_cannot_extract_is_refused(
    root: Path,
) -> None:
    good = bootstrap.services(models=True)  # a worker at start: models built, smoke-tested
    good.__dict__["coordinator"] = coord = FakeCoordinator()
    models = good.pipeline
    push(root, BAD["invalid_yaml"][0])
    assert bootstrap.services().pipeline is models
    push(root, GOOD)  # restored unchanged: same version, the loaded models are kept
    assert bootstrap.services().pipeline is models
    # the noisy-OR combiner with a threshold no span reaches (the learned combiner keeps its own
    # threshold, so the push turns it off too): it loads, but extracts nothing
    cannot_extract = GOOD.replace(b"min_confidence: 0.4", b"min_confidence: 1.5", 1)
    cannot_extract = cannot_extract.replace(b"combiner: learned", b"combiner: noisy_or", 1)
    push(root, cannot_extract)
    assert bootstrap.services().pipeline is models
    (state,) = coord.refused_configs().values()
    assert "smoke extraction" in state["reason"]
