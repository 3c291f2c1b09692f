"""The `language_detector` component: params read from model_versions.yaml, part of the
enrichment fingerprint, v1's values when a config has none (s26lang)."""

from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.artifacts.config_files import build_language_detector, load_config
from adapters.artifacts.language import LanguageParams, LinguaDetector
from domain.errors import ConfigError
from tests.conftest import ROOT


def test_the_worker_builds_the_detector_from_model_versions_params() -> None:
    cfg = load_config(ROOT)
    detector = build_language_detector(cfg)
    assert isinstance(detector, LinguaDetector)
    written = cfg.spec["components"]["language_detector"]["params"]
    assert detector.params == LanguageParams.from_config(written)
    spec = copy.deepcopy(cfg.spec)
    spec["components"]["language_detector"]["params"]["max_chars"] = 123
    changed = build_language_detector(replace(cfg, spec=spec))
    assert isinstance(changed, LinguaDetector) and changed.params.max_chars == 123


def test_a_config_without_the_component_gets_v1s_values() -> None:
    """An archived release from before 2026.12.7 has no language_detector: it judges as it did."""
    cfg = load_config(ROOT)
    spec = copy.deepcopy(cfg.spec)
    del spec["components"]["language_detector"]
    detector = build_language_detector(replace(cfg, spec=spec))
    assert isinstance(detector, LinguaDetector) and detector.params == LanguageParams()
    assert detector.params.rule == "lingua" and detector.params.mixed_share == 0.25


@pytest.mark.parametrize(
    "params",
    [{"max_char": 600}, {"accuracy": "medium"}, {"rule": "guess"}, {"min_words": "many"}],
)
def test_an_unknown_param_or_value_is_refused_naming_the_component(
    params: dict[str, object],
) -> None:
    with pytest.raises(ConfigError, match="language_detector"):
        LanguageParams.from_config(params)


def test_a_changed_param_changes_the_component_and_enrichment_fingerprints(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    before = load_config(tmp_path).manifest
    f = tmp_path / "config" / "model_versions.yaml"
    text = f.read_text()
    assert text.count("      mixed_share: 0.25") == 1
    f.write_text(text.replace("      mixed_share: 0.25", "      mixed_share: 0.3"))
    after = load_config(tmp_path).manifest
    assert after.declared == before.declared
    assert after.effective != before.effective  # rows drift: re-enriched like any component
    old, new = before.component("language_detector"), after.component("language_detector")
    assert old.version == new.version and old.fingerprint != new.fingerprint
    others = {
        c.component: c.fingerprint for c in before.components if c.component != "language_detector"
    }
    assert others == {c.component: c.fingerprint for c in after.components if c.component in others}
