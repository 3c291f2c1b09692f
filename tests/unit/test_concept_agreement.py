"""scripts/concept_agreement.py: the level kappa and the concept ceilings on a hand-worked case."""

from __future__ import annotations

import pytest

from scripts.concept_agreement import Pair, concept_ceilings, exact, level_agreement


def _p(first: str | None, first_level: str, second: str | None, second_level: str) -> Pair:
    return Pair("0", "x", "SKILL", first, first_level, second, second_level)


# first: concept x3, group x2, none x2; second: concept x4, group x2, none x1
PAIRS = [
    _p("A", "concept", "A", "concept"),  # same concept
    _p("B", "concept", "C", "concept"),  # both concept, different
    _p("D", "concept", "G", "group"),
    _p("G", "group", "E", "concept"),
    _p(None, "none", None, "none"),
    _p("H", "group", "H", "group"),
    _p(None, "none", "F", "concept"),
]


def test_ceilings_condition_on_each_annotators_concept_spans() -> None:
    c = concept_ceilings(PAIRS)
    assert (c["first_concept"], c["second_concept"], c["same_concept"]) == (3, 4, 1)
    assert c["recall_ceiling"] == pytest.approx(1 / 3)  # of the first's 3 concepts, 1 shared
    assert c["precision_ceiling"] == pytest.approx(1 / 4)  # of the second's 4 concepts, 1 shared


def test_level_kappa_matches_the_hand_worked_value() -> None:
    # po = 4/7; pe = (3*4 + 2*2 + 2*1) / 49 = 18/49; kappa = (28 - 18) / (49 - 18) = 10/31
    lv = level_agreement(PAIRS)
    assert lv["level_raw"] == pytest.approx(4 / 7)
    assert lv["level_kappa"] == pytest.approx(10 / 31)
    assert lv["confusion"]["none->concept"] == 1
    assert lv["confusion"]["concept->group"] == 1
    assert sum(lv["confusion"].values()) == 7


def test_exact_counts_same_id_or_both_null() -> None:
    e = exact(PAIRS)
    assert (e["n"], e["exact"]) == (7, pytest.approx(3 / 7))


def test_no_concepts_is_an_error() -> None:
    with pytest.raises(ValueError):
        concept_ceilings([_p(None, "none", None, "none")])
