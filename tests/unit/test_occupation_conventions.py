"""Coder v6: the coding guideline's conventions (domain/occupations/conventions.py), one case per
rule, the titles each rule must leave alone, and how a convention re-ranks the coder's answer.
Titles are made up in the shape of posting titles (the Google titles are local-use data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from domain.occupations.coder import OccupationCoder
from domain.occupations.conventions import (
    CONVENTION_PROBABILITY,
    CONVENTIONS,
    apply_convention,
    convention_code,
    with_conventions,
)
from domain.occupations.titles import normalize_title

ROOT = Path(__file__).resolve().parents[2]


def code(raw: str) -> str | None:
    return convention_code(normalize_title(raw).text, raw)


@pytest.mark.parametrize(
    ("raw", "soc"),
    [
        ("Senior Account Strategist, Search Ads (German)", "41-3011"),
        ("Field Sales Representative, Cloud Platform", "41-4011"),
        ("Account Executive, Cloud, Mid-Market", "41-4011"),
        ("Technical Program Manager, Networking", "11-3021"),
        ("UX Researcher, Maps", "15-1255"),
        ("Senior UX Designer", "15-1255"),
        ("Account Manager, Advertising Agencies", "11-2011"),
        ("Program Manager, Data Centers", "11-9199"),
        ("Strategic Partner Manager, Media", "11-2022"),
        ("Business Development Manager, Payments", "11-2022"),
        ("Partner Growth Lead, Retail", "11-2022"),
        ("Sales Lead, Mid-Market (French)", "11-2022"),
        ("Head of Go-To-Market, Nordics", "11-2021"),
        ("Product Marketing Manager, Devices", "11-2021"),
        ("Device Strategy Lead", "13-1111"),
        ("Strategy and Operations Lead, Marketing", "13-1111"),
        ("Brand Strategist", "13-1161"),
        ("Solutions Architect, Cloud", "15-1299"),
        ("Cloud Engineer", "15-1299"),
        ("Customer Engineer, Infrastructure", "41-9031"),
        ("Manager, Internal Communications", "11-2032"),
    ],
)
def test_each_guideline_convention_codes_its_titles(raw: str, soc: str) -> None:
    assert code(raw) == soc


@pytest.mark.parametrize(
    "raw",
    [
        "Account Manager",  # of advertising products only
        "Sales Representative, Medical Devices",  # of cloud products only
        "Customer Engineer Manager, Financial Services",  # a manager, not the engineer
        "Registered Nurse",
        "Operations Lead, Payments",  # "X Lead" is no convention of its own
        "",
    ],
)
def test_titles_outside_the_conventions_are_left_to_the_classifier(raw: str) -> None:
    assert code(raw) is None


def test_the_first_matching_convention_wins() -> None:
    # "account strategist" (41-3011) comes before "strategist" (13-1161)
    assert code("Account Strategist") == "41-3011"
    assert code("Technical Program Manager") == "11-3021"  # before "other program managers"
    assert code("Strategist") == "13-1161"
    assert convention_code("account strategist", "Account Strategist", conventions=()) is None


def test_a_convention_puts_its_class_first_at_the_floor_probability() -> None:
    p = np.array([0.7, 0.2, 0.08, 0.02])
    top = np.array([0, 1, 2])
    q, t = apply_convention(p, top, "C", {"A": 0, "B": 1, "C": 2, "D": 3})
    assert t.tolist() == [2, 0, 1]
    assert q[2] == pytest.approx(CONVENTION_PROBABILITY)
    assert q.sum() == pytest.approx(1.0)
    assert q[0] / q[1] == pytest.approx(0.7 / 0.2)  # the others keep their ratios
    q, t = apply_convention(p, top, "A", {"A": 0})  # already likelier: kept as it is
    assert t.tolist() == [0, 1, 2] and q[0] == pytest.approx(0.7)
    for missing in (None, "Z"):
        q, t = apply_convention(p, top, missing, {"A": 0})
        assert t is top and q is p


def test_a_batch_reranks_only_its_matching_rows() -> None:
    p = np.full((2, 3), 1 / 3)
    tops = np.array([[0, 1, 2], [0, 1, 2]])
    codes = ("11-3021", "41-3011", "13-1161")
    titles = [("account strategist", "Account Strategist"), ("nurse", "Nurse")]
    q, t = with_conventions(p, tops, titles, codes, CONVENTIONS)
    assert t.tolist() == [[1, 0, 2], [0, 1, 2]]
    assert q[1].tolist() == p[1].tolist()


def test_the_coder_applies_the_conventions(coder: OccupationCoder) -> None:
    from dataclasses import replace

    raw = "Account Strategist, Advertising Sales"
    with_rules = coder.code(raw)
    assert with_rules.soc_code == "41-3011"
    assert with_rules.confidence >= CONVENTION_PROBABILITY - 1e-6
    assert with_rules.alternatives[0].soc_code == "41-3011"
    assert replace(coder, conventions=()).code(raw).soc_code != "41-3011"
