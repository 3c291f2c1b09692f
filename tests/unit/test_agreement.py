"""scripts/agreement.py: raw agreement and Cohen's kappa computed right on small hand-worked cases."""

from __future__ import annotations

import pytest

from scripts import agreement as ag


def _t(row: int, code: str | None) -> dict[str, object]:
    return {"row": row, "title_sha256": f"{row:016x}", "soc_code": code}


def _l(i: int, verdict: str, level: str = "group:1", kind: str = "SKILL") -> dict[str, object]:
    return {
        "posting_id": "p",
        "start": i,
        "end": i + 1,
        "group_id": "g",
        "text": "x",
        "kind": kind,
        "level": level,
        "verdict": verdict,
    }


def test_kappa_matches_the_hand_worked_value() -> None:
    # po = 3/4; first says A,A,B,B (0.5/0.5), second A,B,B,B (0.25/0.75): pe = 0.5, kappa = 0.5
    assert ag.kappa(["A", "A", "B", "B"], ["A", "B", "B", "B"]) == pytest.approx(0.5)


def test_titles_agreement_counts_6_digit_2_digit_and_null_separately() -> None:
    first = [_t(1, "15-1252"), _t(2, "11-2021"), _t(3, None), _t(4, "13-2011")]
    second = [
        _t(4, "41-3011"),
        _t(3, None),
        _t(2, "11-2022"),
        _t(1, "15-1252"),
    ]  # order must not matter
    got = ag.titles_agreement(first, second)
    assert got["n"] == 4
    assert got["raw_6digit"] == pytest.approx(2 / 4)  # rows 1 and 3 (null == null)
    assert got["raw_2digit"] == pytest.approx(3 / 4)  # 11-2021 / 11-2022 share major group 11
    assert got["raw_null"] == pytest.approx(1.0)
    # 2-digit classes: first 15,11,None,13 vs second 15,11,None,41 -> po 3/4, pe 3/16
    assert got["kappa_2digit"] == pytest.approx((3 / 4 - 3 / 16) / (1 - 3 / 16))


def test_titles_agreement_refuses_files_that_label_different_items() -> None:
    with pytest.raises(ValueError):
        ag.titles_agreement([_t(1, "15-1252")], [_t(2, "15-1252")])


def test_links_agreement_gives_shares_by_annotator_and_by_level() -> None:
    first = [
        _l(0, "correct"),
        _l(1, "correct"),
        _l(2, "wrong", "group:2"),
        _l(3, "wrong", "group:2"),
    ]
    second = [
        _l(0, "correct"),
        _l(1, "wrong"),
        _l(2, "wrong", "group:2"),
        _l(3, "correct", "group:2"),
    ]
    got = ag.links_agreement(first, second)
    assert got["all"]["raw"] == pytest.approx(0.5)
    assert got["all"]["kappa"] == pytest.approx(0.0)  # both 50/50, po 0.5 = pe
    assert got["all"]["correct_first"] == pytest.approx(0.5)
    level1 = got["by_level"]["group:1"]
    assert {k: level1[k] for k in ("n", "raw", "correct_first", "correct_second", "kappa")} == {
        "n": 2,
        "raw": 0.5,
        "correct_first": 1.0,
        "correct_second": 0.5,
        "kappa": pytest.approx(0.0),
    }
    assert got["by_level"]["group:2"]["correct_second"] == pytest.approx(0.5)
    assert set(got["by_kind"]) == {"SKILL"}


def test_links_agreement_refuses_a_verdict_outside_correct_and_wrong() -> None:
    with pytest.raises(ValueError):
        ag.links_agreement([_l(0, "correct")], [_l(0, "maybe")])


def test_wilson_interval_matches_the_textbook_value() -> None:
    lo, hi = ag.wilson(8, 10)
    assert (lo, hi) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))


def test_links_agreement_gives_how_one_annotators_correct_links_fare_with_the_other() -> None:
    first = [_l(0, "correct"), _l(1, "correct"), _l(2, "correct"), _l(3, "wrong")]
    second = [_l(0, "correct"), _l(1, "wrong"), _l(2, "correct"), _l(3, "correct")]
    got = ag.links_agreement(first, second)["all"]
    assert got["second_if_first_correct"] == pytest.approx(2 / 3)
    assert got["first_if_second_correct"] == pytest.approx(2 / 3)
