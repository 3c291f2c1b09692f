"""A worker freezes the garbage collector's view of its loaded models once, at start
(worker/bootstrap.freeze_once, s24cost4): full collections then skip the models' objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_config_push import root  # noqa: F401  (the deployable config fixture)
from worker import bootstrap
from worker.settings import get_settings


@pytest.fixture
def thawed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that has not frozen yet; whatever a test freezes is unfrozen after it."""
    gc.unfreeze()
    monkeypatch.setattr(bootstrap, "_frozen", False)
    yield
    gc.unfreeze()


def test_a_worker_freezes_its_models_once_at_start(root: Path, thawed: None) -> None:  # noqa: F811
    bootstrap.services()  # no models (the persister): nothing frozen
    assert gc.get_freeze_count() == 0, "frozen without models"
    bootstrap.override(None)
    svc = bootstrap.services(models=True)  # a worker at start: models built, then frozen
    frozen = gc.get_freeze_count()
    # the models' objects (~400,000 with the quality profile)
    assert frozen > 100_000, f"{frozen} objects frozen after the models were built"
    assert bootstrap.freeze_once(svc.settings) is False  # once per process
    assert gc.get_freeze_count() == frozen


def test_gc_freeze_false_leaves_the_collector_alone(
    thawed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENRICH_GC_FREEZE", "false")
    get_settings.cache_clear()
    try:
        assert bootstrap.freeze_once(get_settings()) is False
        assert gc.get_freeze_count() == 0
    finally:
        monkeypatch.delenv("ENRICH_GC_FREEZE")
        get_settings.cache_clear()
    assert bootstrap.freeze_once(get_settings()) is True
    assert gc.get_freeze_count() > 0
