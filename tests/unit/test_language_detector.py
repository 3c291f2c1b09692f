"""The `language_detector` component: params read from model_versions.yaml, part of the
enrichment fingerprint, v1's values when a config has none (s26lang)."""

from __future__ import annotations

import copy
import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.artifacts.config_files import build_language_detector, load_config
from adapters.artifacts.language import LanguageParams, LinguaDetector
from bench.language import split_of
from domain.errors import ConfigError
from domain.text.function_words import Choice, choose_language, function_word_counts
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
    assert text.count("      max_chars: 600") == 1
    f.write_text(text.replace("      max_chars: 600", "      max_chars: 601"))
    after = load_config(tmp_path).manifest
    assert after.declared == before.declared
    assert after.effective != before.effective  # rows drift: re-enriched like any component
    old, new = before.component("language_detector"), after.component("language_detector")
    assert old.version == new.version and old.fingerprint != new.fingerprint
    others = {
        c.component: c.fingerprint for c in before.components if c.component != "language_detector"
    }
    assert others == {c.component: c.fingerprint for c in after.components if c.component in others}


def _choice(counts: dict[str, int], *ranked: tuple[str, float], telling: int = 5) -> Choice:
    return Choice(counts, list(ranked), telling)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        # "We need Python and SQL. Kubernetes is a plus.": lingua says de at 0.997
        (_choice({"en": 4, "nl": 1}, ("de", 0.997), ("fr", 0.001), ("en", 0.001)), "en"),
        # Italian "e" / "a" are Portuguese too: lingua breaks the tie
        (_choice({"it": 3, "pt": 3, "en": 2}, ("pt", 0.5), ("it", 0.4)), "pt"),
        (_choice({"it": 3, "pt": 3, "en": 2}, ("it", 0.5), ("pt", 0.4)), "it"),
        # no function word: lingua's top only when it is sure, else English
        (_choice({}, ("fr", 0.788), ("pt", 0.192)), "en"),
        (_choice({}, ("de", 0.999)), "de"),
        # no function word and fewer than weak_words telling words in a Latin script: English
        (_choice({}, ("pl", 0.964), telling=2), "en"),
        (_choice({}, ("ru", 0.99), telling=2), "ru"),  # another script: lingua
        # a language without a list keeps lingua's answer, when confident enough
        (_choice({"it": 1}, ("pl", 0.9)), "pl"),
        (_choice({"it": 1}, ("pl", 0.5)), None),
        (_choice({"en": 2}), None),  # lingua said nothing
    ],
)
def test_function_words_decide_and_lingua_breaks_ties(choice: Choice, expected: str | None) -> None:
    assert choose_language(choice, 0.6, 0.9, weak_words=3) == expected


def test_function_words_are_counted_per_language_in_any_case() -> None:
    words = ["We", "need", "Python", "and", "SQL", "Kubernetes", "is", "a", "plus"]
    assert function_word_counts(words) == {"en": 5, "nl": 2, "fr": 1, "es": 1, "pt": 1}
    assert function_word_counts(["Python", "SQL", "Docker"]) == {}


def test_the_labelled_set_says_what_was_written_and_holds_20_texts_per_language() -> None:
    path = ROOT / "config" / "eval" / "language_postings.jsonl"
    assert path.stat().st_size < 300_000
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert (
        "WRITTEN BY THIS PROJECT" in lines[0]["guideline"]
        and "not collected" in lines[0]["guideline"]
    )
    rows = lines[1:]
    written = Counter(r["lang"] for r in rows if "text" in r)
    assert all(written[lang] >= 20 for lang in ("de", "fr", "es", "nl", "it", "pt"))
    assert written["en"] >= 20 and written["mul"] >= 4 and written["und"] >= 4
    sources = Counter(r["source"] for r in rows if "text" not in r)
    assert sources == {"samples": 198, "google_job_skills": 1250}
    assert len({r["item"] for r in rows}) == len(rows)
    splits = Counter(split_of(r["item"]) for r in rows)
    assert splits["dev"] > 0.4 * len(rows) and splits["test"] > 0.4 * len(rows)
