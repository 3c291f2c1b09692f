"""Coder v5: a bare role word read with its comma field ("Manager, Public Relations"), "Head of X"
read as "X manager", the O*NET split keys kept at v4's text, and titles the rules leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.occupations.coder import OccupationCoder
from domain.occupations.heads import head_of_as_manager, with_comma_field
from domain.occupations.split import title_key
from domain.occupations.titles import normalize_title

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "v5", "v4"),
    [
        ("Manager, Public Relations (EMEA)", "public relations manager", "manager"),
        ("Senior Analyst, Market Research", "market research analyst", "analyst"),
        ("Head of Human Resources, Europe", "human resources manager", "head of human resources"),
        ("Head of Sales", "sales manager", "head of sales"),
    ],
)
def test_the_head_noun_is_read_where_the_title_puts_it(raw: str, v5: str, v4: str) -> None:
    assert normalize_title(raw).text == v5
    assert normalize_title(raw, head_noun=False).text == v4


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Software Engineer, Machine Learning", "software engineer"),  # not a bare role word
        ("Product Marketing Manager, Cloud", "product marketing manager"),
        ("Manager", "manager"),  # no field to read
        ("Head of", "head of"),  # nothing after 'of'
        ("We are looking for a manager, finance to join us", "manager"),  # a sentence: v4's reading
    ],
)
def test_titles_the_rules_leave_alone(raw: str, text: str) -> None:
    assert normalize_title(raw).text == text


def test_the_rules_alone() -> None:
    assert with_comma_field(["manager"], "corporate communications") == [
        "corporate",
        "communications",
        "manager",
    ]
    assert with_comma_field(["manager"], None) == ["manager"]
    assert with_comma_field(["manager"], "a b c d e f g") == ["manager"]  # too long for a field
    assert head_of_as_manager(["head", "of", "sales"]) == ["sales", "manager"]
    assert head_of_as_manager(["head", "chef"]) == ["head", "chef"]


def test_the_coder_codes_the_field_not_the_bare_word(coder: OccupationCoder) -> None:
    assert coder.code("Manager, Public Relations").soc_code == "11-2032"
    assert coder.code("Head of Sales, Europe").soc_code == "11-2022"


def test_the_onet_split_keys_stay_v4s_text() -> None:
    """The coder was fitted on the v4 split: a string moving to the held-out part would be a
    string it was trained on."""
    assert title_key("Head of Loss Prevention") == "head of loss prevention"
    assert title_key("Managers, All Other") == "managers"
