"""Field lines ("NEW version: Java"): a named technology after a short label and a colon is
reported wherever the line sits (2026.12.4); the pure rule, then the real pipeline."""

from __future__ import annotations

import pytest

from domain.pipeline import Pipeline
from domain.skills.ensemble import SEPARATORS
from domain.skills.field_lines import is_field_value
from tests.conftest import posting


def flags(line: str, names: set[str]) -> tuple[list[str], list[bool]]:
    words = line.split()
    return words, [w in names for w in words]


@pytest.mark.parametrize(
    ("line", "names", "expected"),
    [
        ("NEW version : Java", {"Java"}, True),
        (
            "- Tech stack : Python , Docker and PostgreSQL .",
            {"Python", "Docker", "PostgreSQL"},
            True,
        ),
        ("Stack : Java 17", {"Java"}, False),  # "17" is neither a name nor a separator
        ("Client : Oracle", {"Oracle"}, False),  # an organisation's label
        ("Reports to : Head of Data", set(), False),
        ("Java : Spring", {"Spring"}, True),
        ("We are hiring people who know this : Java", {"Java"}, False),  # label too long
        (": Java", {"Java"}, False),  # no label
        ("Stack Java", {"Java"}, False),  # no colon
        ("Stack :", set(), False),  # no name
    ],
)
def test_a_field_line_is_a_short_label_a_colon_and_names_only(
    line: str, names: set[str], expected: bool
) -> None:
    words, named = flags(line, names)
    assert is_field_value(words, named, SEPARATORS) is expected


def test_words_and_flags_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 words but 1 named flags"):
        is_field_value(["a", "b"], [True], SEPARATORS)


def names_found(pipeline: Pipeline, text: str) -> set[str]:
    (e,) = pipeline.enrich([posting("p", text)]).enrichments
    return {text[m.start : m.end] for s in e.skills for m in s.mentions}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("NEW version: Java", {"Java"}),
        ("Stack: Python, Docker and PostgreSQL", {"Python", "Docker", "PostgreSQL"}),
        ("- Stack: Java.", {"Java"}),  # the span model tags no "Java" after a label
    ],
)
def test_names_after_a_label_are_reported_outside_a_naming_section(
    real_pipeline: Pipeline, line: str, expected: set[str]
) -> None:
    # one overview section, no header: the section rule does not apply, the span model tags nothing
    assert expected <= names_found(real_pipeline, f"We are hiring a developer.\n{line}")


@pytest.mark.parametrize(
    "line", ["Client: Oracle", "Employer: SAP", "Apply via: LinkedIn", "Interview: Zoom"]
)
def test_an_organisation_or_channel_label_does_not_make_its_name_a_skill(
    real_pipeline: Pipeline, line: str
) -> None:
    name = line.split(": ")[1]
    assert name not in names_found(real_pipeline, f"We are hiring a developer.\n{line}")
