import json
from pathlib import Path

import pytest

from adapters.artifacts.datasets import configured_datasets, load_gold
from domain.errors import ConfigError
from domain.evaluation.run import compare, evaluate
from domain.evaluation.spans import GoldDoc, Span, regressions, score
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


def test_real_pipeline_on_skillspan_dev_matches_dictionary_baseline(real_pipeline) -> None:
    ds = configured_datasets(ROOT, "skillspan-dev")[0]
    assert len(ds.docs) == 58 and sum(len(d.spans) for d in ds.docs) == 2163
    r = evaluate(real_pipeline, ds, NOW)
    # the dictionary matcher's known level (issue text: KNOWLEDGE overlap ~0.37, SKILL ~0.12)
    assert 0.30 < r.f1("KNOWLEDGE") < 0.60
    assert 0.05 < r.f1("SKILL") < 0.25
    assert r.enrichment_version == real_pipeline.manifest.effective and not r.regressed
    worse = type(r)(
        **{**r.to_dict(), "result_id": "x", "metrics": {"micro": {"overlap": {"f1": 0.0}}}}
    )
    flagged = compare(worse, r, 0.02)
    assert flagged.regressed and flagged.compared_to == r.result_id


def test_evaluation_trend_plot_is_a_png(tmp_path: Path) -> None:
    from domain.models import EvaluationResult
    from worker.ops_cli import plot_history

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
