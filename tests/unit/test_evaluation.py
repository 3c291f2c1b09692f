import json
from pathlib import Path

import pytest

from adapters.artifacts.datasets import configured_datasets, load_gold, load_gold_file
from domain.errors import ConfigError
from domain.evaluation.report import bounds_from_config, misses
from domain.evaluation.run import compare, evaluate
from domain.evaluation.spans import (
    GoldDoc,
    Span,
    concept_scores,
    expected_calibration_error,
    regressions,
    reliability,
    score,
)
from tests.conftest import NOW, ROOT

GOLD = [
    GoldDoc(
        "d1",
        "x" * 100,
        (Span(0, 10, "SKILL"), Span(20, 30, "KNOWLEDGE"), Span(40, 50, "KNOWLEDGE")),
    ),
    GoldDoc("d2", "x" * 100, (Span(5, 15, "SKILL"),)),
]


def test_strict_and_overlap_scores_by_hand() -> None:
    pred = {
        "d1": [Span(0, 10, "SKILL"), Span(22, 28, "KNOWLEDGE"), Span(60, 70, "KNOWLEDGE")],
        "d2": [Span(5, 15, "KNOWLEDGE")],  # right place, wrong label
    }
    m = score(pred, GOLD, ["SKILL", "KNOWLEDGE"])
    assert m["SKILL"]["strict"]["precision"] == 1.0 and m["SKILL"]["strict"]["recall"] == 0.5
    assert m["KNOWLEDGE"]["strict"]["f1"] == 0.0
    k = m["KNOWLEDGE"]["overlap"]
    assert (k["precision"], k["recall"]) == (pytest.approx(1 / 3, abs=1e-4), 0.5)
    assert m["micro"]["strict"]["precision"] == 0.25  # 1 of 4 predictions exact
    assert m["micro"]["overlap"]["recall"] == 0.5  # 2 of 4 gold spans touched
    assert m["macro"]["strict"]["f1"] == pytest.approx((2 / 3 + 0) / 2, abs=1e-4)


def test_empty_predictions_score_zero_not_crash() -> None:
    m = score({}, GOLD, ["SKILL", "KNOWLEDGE"])
    assert m["micro"]["overlap"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "n_pred": 0,
        "n_gold": 4,
    }


def test_regressions_name_what_dropped() -> None:
    before = {"micro": {"overlap": {"f1": 0.50}, "strict": {"f1": 0.30}}}
    after = {"micro": {"overlap": {"f1": 0.45}, "strict": {"f1": 0.29}}}
    assert regressions(before, after, 0.02) == ["micro/overlap F1 0.500 -> 0.450"]
    assert regressions(after, before, 0.02) == []


def test_gold_loader_checks_spans(tmp_path: Path) -> None:
    good = tmp_path / "g.jsonl"
    good.write_text(
        json.dumps(
            {
                "doc_id": "a",
                "text": "Python",
                "spans": [{"start": 0, "end": 6, "label": "KNOWLEDGE"}],
            }
        )
        + "\n"
    )
    ds = load_gold(good, "g", ("KNOWLEDGE",))
    assert ds.docs[0].spans == (Span(0, 6, "KNOWLEDGE"),) and len(ds.content_hash) == 16
    bad = tmp_path / "b.jsonl"
    bad.write_text(
        json.dumps({"text": "Py", "spans": [{"start": 0, "end": 9, "label": "K"}]}) + "\n"
    )
    with pytest.raises(ConfigError, match="out of range"):
        load_gold(bad, "b", ("K",))


def test_real_pipeline_on_skillspan_dev_beats_the_dictionary_baseline(real_pipeline) -> None:
    ds = configured_datasets(ROOT, "skillspan-dev")[0]
    assert len(ds.docs) == 58 and sum(len(d.spans) for d in ds.docs) == 2163
    r = evaluate(real_pipeline, ds, NOW)
    # the plain dictionary scores KNOWLEDGE ~0.44 / SKILL ~0.12 overlap F1 (2026.11.1); the
    # ensemble with the trained span model must stay well above it
    assert r.f1("KNOWLEDGE") > 0.55 and r.f1("KNOWLEDGE", "strict") > 0.35
    assert r.f1("SKILL") > 0.50 and r.f1("SKILL", "strict") > 0.22
    assert r.enrichment_version == real_pipeline.manifest.effective and not r.regressed
    worse = type(r)(
        **{**r.to_dict(), "result_id": "x", "metrics": {"micro": {"overlap": {"f1": 0.0}}}}
    )
    flagged = compare(worse, r, 0.02)
    assert flagged.regressed and flagged.compared_to == r.result_id


def test_evaluation_trend_plot_is_a_png(tmp_path: Path) -> None:
    from adapters.reports.evaluation_history_png import plot_history
    from domain.models import EvaluationResult

    def result(i: int, f1: float) -> EvaluationResult:
        m = {lab: {"overlap": {"f1": f1}} for lab in ("micro", "SKILL", "KNOWLEDGE")}
        return EvaluationResult(
            f"r{i}",
            "skillspan-dev",
            "h",
            f"v{i}",
            m,
            58,
            f"2026-01-0{i + 1}T00:00:00+00:00",
            f1 < 0.3,
        )

    out = tmp_path / "trend.png"
    plot_history([result(0, 0.5), result(1, 0.2)], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_green2022_scores_every_category_through_the_label_map(real_pipeline) -> None:
    (ds,) = configured_datasets(ROOT, "green2022-test")
    assert len(ds.docs) == 336
    r = evaluate(real_pipeline, ds, NOW)
    assert set(r.metrics) == {
        "Skill",
        "Qualification",
        "Experience",
        "Occupation",
        "Domain",
        "micro",
        "macro",
    }
    assert r.metrics["Skill"]["overlap"]["n_gold"] == 676
    assert r.metrics["Skill"]["overlap"]["n_pred"] > 0 and r.f1("Skill") > 0.05
    assert r.metrics["Occupation"]["overlap"]["n_pred"] == 0  # never predicted, still reported


def test_concept_scores_count_skill_ids_per_document() -> None:
    gold = [
        GoldDoc("a", "x" * 50, (Span(0, 5, "K", "esco:py"), Span(10, 15, "K", "onet:k8s"))),
        GoldDoc("b", "x" * 50, (Span(0, 5, "K"),)),  # no ids: not part of concept scores
    ]
    pred = {
        "a": [Span(0, 5, "K", "esco:py"), Span(20, 25, "K", "esco:sql"), Span(30, 35, "K")],
        "b": [],
    }  # the unlinked third prediction names no concept
    prf = concept_scores(pred, gold)
    assert prf is not None and (prf.precision, prf.recall) == (0.5, 0.5)
    assert concept_scores(pred, [gold[1]]) is None


def test_reliability_table_bins_predictions_by_confidence() -> None:
    gold = [GoldDoc("a", "x" * 60, (Span(0, 5, "K"), Span(10, 15, "K")))]
    pred = {"a": [Span(0, 5, "K", confidence=0.95), Span(10, 12, "K", confidence=0.91),
                  Span(30, 35, "K", confidence=0.15), Span(40, 45, "K", confidence=0.1)]}  # fmt: skip
    table = reliability(pred, gold, bins=10)
    assert table[9] == {"bin_low": 0.9, "bin_high": 1.0, "n": 2, "mean_confidence": 0.93,
                        "precision": 1.0}  # fmt: skip
    assert (table[1]["n"], table[1]["precision"]) == (2, 0.0)
    assert expected_calibration_error(table) == pytest.approx((2 * 0.07 + 2 * 0.125) / 4, abs=1e-3)


def test_gold_formats_skillspan_bio_green_bio_and_documented_jsonl(tmp_path: Path) -> None:
    ss = tmp_path / "ss.json"
    ss.write_text(
        json.dumps({"idx": 1, "source": "tech", "tokens": ["Know", "Python", "well"],
                    "tags_skill": ["O", "O", "O"], "tags_knowledge": ["O", "B", "O"]}) + "\n"
    )  # fmt: skip
    (doc,) = load_gold_file(ss, "skillspan-bio").docs
    assert [(doc.text[s.start : s.end], s.label) for s in doc.spans] == [("Python", "KNOWLEDGE")]
    green = tmp_path / "green.txt"
    green.write_text("Strong O\nproject B-Skill\nmanagement I-Skill\n\nA B-Occupation\n")
    ds = load_gold_file(green, "green-bio")
    assert ds.labels == ("Occupation", "Skill")
    assert [(d.text[s.start : s.end], s.label) for d in ds.docs for s in d.spans] == [
        ("project management", "Skill"),
        ("A", "Occupation"),
    ]
    js = tmp_path / "mine.jsonl"
    js.write_text(json.dumps({"text": "Use k8s", "skills": [
        {"start": 4, "end": 7, "label": "KNOWLEDGE", "category": "technology/tool",
         "skill_id": "onet:k8s"}]}) + "\n")  # fmt: skip
    (d,) = load_gold_file(js).docs
    assert d.spans[0].skill_id == "onet:k8s"
    with pytest.raises(ConfigError, match="unknown gold format"):
        load_gold_file(js, "csv")


def test_bounds_from_config_and_misses() -> None:
    from domain.models import EvaluationResult

    bounds = bounds_from_config({"ds": {"SKILL": {"overlap": 0.6, "strict": 0.3}}})
    r = EvaluationResult("r", "ds", "h", "v",
                         {"SKILL": {"overlap": {"f1": 0.65}, "strict": {"f1": 0.25}}}, 1, NOW)  # fmt: skip
    assert misses([r], bounds) == ["ds SKILL strict F1 0.250 < 0.30"]
    with pytest.raises(ConfigError):
        bounds_from_config({"ds": {"SKILL": {"fuzzy": 0.5}}})
