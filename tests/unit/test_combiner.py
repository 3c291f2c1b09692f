"""The learned combiner: its features, its artifact, and that it (not the weights) decides."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from adapters.artifacts.combiner import load_combiner
from domain.errors import ConfigError
from domain.models import Section
from domain.pipeline import Pipeline
from domain.skills.combiner import FEATURES, LearnedCombiner, Member, span_features
from domain.skills.ensemble import EnsembleParams, SkillExtractor
from tests.conftest import ROOT
from tests.unit.test_ensemble import extractor, mentions


def combiner(threshold: float = 0.5, **coef: float) -> LearnedCombiner:
    """A combiner whose score is the sum of the named features' coefficients (mean 0, scale 1)."""
    names = tuple(coef) or ("model",)
    return LearnedCombiner(
        names, tuple(coef.get(n, 0.0) for n in names), (0.0,) * len(names),
        (1.0,) * len(names), 0.0, threshold,
    )  # fmt: skip


def learned(c: LearnedCombiner) -> SkillExtractor:
    ex = extractor()
    return SkillExtractor(
        ex.nlp, ex.taxonomy, ex.strategies, ex.ambiguity,
        EnsembleParams(combiner="learned"), combiner=c,
    )  # fmt: skip


def test_probability_is_the_logistic_of_the_standardized_linear_score() -> None:
    c = LearnedCombiner(("model", "context"), (2.0, -1.0), (0.5, 0.0), (0.5, 2.0), 0.25, 0.5)
    z = 0.25 + 2.0 * (1.0 - 0.5) / 0.5 - 1.0 * (1.0 - 0.0) / 2.0
    assert c.probability({"model": 1.0, "context": 1.0}) == pytest.approx(1 / (1 + math.exp(-z)))
    assert c.probability({}) == pytest.approx(1 / (1 + math.exp(-(0.25 - 2.0))))


@pytest.mark.parametrize(
    "raw",
    [
        {"features": ["model"], "coef": [1.0], "mean": [0.0], "scale": [1.0], "intercept": 0.0},
        {"features": ["model"], "coef": [1.0, 2.0], "mean": [0.0], "scale": [1.0],
         "intercept": 0.0, "threshold": 0.5},
        {"features": ["nope"], "coef": [1.0], "mean": [0.0], "scale": [1.0], "intercept": 0.0,
         "threshold": 0.5},
        {"features": ["model"], "coef": [1.0], "mean": [0.0], "scale": [0.0], "intercept": 0.0,
         "threshold": 0.5},
        {"features": "model", "coef": [1.0], "mean": [0.0], "scale": [1.0], "intercept": 0.0,
         "threshold": 0.5},
        {"features": ["model"], "coef": [1.0], "mean": [0.0], "scale": [1.0], "intercept": 0.0,
         "threshold": 1.5},
    ],
)  # fmt: skip
def test_a_malformed_artifact_fails_at_load_with_the_file_named(tmp_path: Path, raw: dict) -> None:
    f = tmp_path / "combiner.json"
    f.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=r"combiner\.json"):
        load_combiner(tmp_path)


def test_a_missing_or_corrupt_artifact_fails_with_the_file_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"combiner\.json"):
        load_combiner(tmp_path)
    (tmp_path / "combiner.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"combiner\.json"):
        load_combiner(tmp_path)


def test_the_committed_artifact_loads_and_names_only_known_features() -> None:
    c = load_combiner(ROOT / "config" / "models" / "skill_combiner")
    assert set(c.features) <= set(FEATURES) and 0 < c.threshold < 1


def test_the_learned_combiner_not_the_weights_decides_what_is_reported() -> None:
    text = "Experience with python and work in teams."
    # noisy-OR with default weights reports the model's spans
    assert {m[0] for m in mentions(extractor(), text)} >= {"python", "work in teams"}
    # a combiner that rejects SKILL spans and keeps knowledge ones
    drop_skills = learned(combiner(0.5, model=3.0, kind_skill=-10.0))
    got = {m[0] for m in mentions(drop_skills, text)}
    assert "python" in got and "work in teams" not in got
    # one that rejects everything the model found alone
    assert mentions(learned(combiner(0.5, model=-10.0)), text) == []


def test_the_learned_confidence_is_the_probability_times_section_relevance() -> None:
    c = combiner(0.1, model=1.0)
    ex = learned(c)
    ex = ex.with_params(EnsembleParams(combiner="learned", section_relevance={"benefits": 0.5}))
    text = "Experience with python."
    (out,) = ex.extract_many([(text, (Section("benefits", 0, len(text)),))])
    (s,) = [s for s in out.skills if s.mentions[0].text == "python"]
    assert s.confidence == pytest.approx(0.5 / (1 + math.exp(-1.0)), abs=1e-4)


def test_learned_mode_without_a_fitted_combiner_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="learned"):
        extractor(combiner="learned")
    with pytest.raises(ConfigError, match="combiner"):
        EnsembleParams.from_config({"combiner": "boosted"})


def test_features_say_strategies_ambiguity_kind_section_and_line_shape() -> None:
    members = [
        Member("transformer", True, None, None, False, False),
        Member("taxonomy", True, "esco:a", "knowledge", False, False),
        Member("alias", True, "esco:b", "skill/competence", False, True),
    ]
    x = span_features(members, "KNOWLEDGE", "knowledge", "requirements", "PostgreSQL", 1,
                      "- PostgreSQL, MySQL, Redis", line_start=True)  # fmt: skip
    assert set(x) <= set(FEATURES)
    on = {k for k, v in x.items() if v}
    assert {"model", "taxonomy", "alias", "model_and_dictionary", "model_exact",
            "dictionary_exact", "several_kinds", "ambiguous_form", "cat_knowledge",
            "section_requirements", "line_bullet", "line_list", "line_start", "n_tokens_1",
            "proper"} <= on  # fmt: skip
    assert not {"context", "kind_skill", "line_sentence", "lowercase", "dictionary_only"} & on
    assert x["log_concepts"] == pytest.approx(math.log(3))
    y = span_features([Member("context", False, None, None, False, False)], "SKILL", None,
                      "overview", "manage a team", 3,
                      "You will manage a team of eight engineers in our office.", False)  # fmt: skip
    on = {k for k, v in y.items() if v}
    assert {"context", "kind_skill", "cat_none", "line_sentence", "lowercase", "n_tokens_3"} <= on
    assert not {"line_bullet", "line_list", "model", "proper"} & on


def test_span_table_lists_every_merged_span_before_the_threshold_with_its_features() -> None:
    """What scripts/train_combiner.py learns from: spans under min_confidence included, with
    the kind they would be reported as; spans in a skipped section left out."""
    ex = extractor(min_confidence=0.99, skip_sections=frozenset({"company"}))
    text = "Experience with python.\nAbout us: we work in teams."
    sections = (Section("requirements", 0, 24), Section("company", 24, len(text)))
    assert ex.extract_many([(text, sections)])[0].skills == ()
    (rows,) = ex.span_table([(text, sections)])
    assert [(text[r.start : r.end], r.kind) for r in rows] == [("python", "KNOWLEDGE")]
    assert rows[0].features["section_requirements"] == 1.0 and rows[0].features["model"] == 1.0


def test_the_quality_profile_runs_the_fitted_combiner_under_its_version(
    real_pipeline: Pipeline,
) -> None:
    assert real_pipeline.extractor.combiner is not None
    assert real_pipeline.manifest.component("skill_combiner").label.startswith("span_logreg.v1@")
