"""Coder v4: anonymization tokens, role phrases in sentence-like lines, Engineer/Developer
readings of software titles, the skills deciding for a weak title, and bad titles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from domain.occupations.coder import OccupationCoder
from domain.occupations.roles import find_role, is_sentence, strip_anonymized
from domain.occupations.software import developer_form
from domain.occupations.titles import normalize_title

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Full Stack Engineer at <ORGANIZATION> <ORGANIZATION> <LOCATION>", "full stack engineer"),
        (
            "The <ORGANIZATION> <ORGANIZATION> is recruiting a Research Assistant for a project",
            "research assistant",
        ),
        (
            "<ORGANIZATION> <ORGANIZATION> is looking for a project manager to head the project",
            "project manager",
        ),
        ("Senior QA Engineer ( m/f/d ) <ORGANIZATION>", "quality assurance engineer"),
    ],
)
def test_anonymization_tokens_never_name_the_title(raw: str, text: str) -> None:
    assert normalize_title(raw).text == text
    assert "<" not in strip_anonymized(raw)


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("We are looking for two full-time developers to join the research unit", "developers"),
        ("A postdoc position is open in the theory group of <NAME> <NAME>", "postdoc"),
        (
            "Postdoc position is available in formulation of novel drug molecules for use in "
            "cancer immunotherapy",
            "postdoc",
        ),
        (
            "An attractive opportunity has become available as Director Data Partner in the "
            "Data Office",
            "director data partner",
        ),
        (
            "A full-time position as Associate Professor in molecular cell biology is open",
            "associate professor",
        ),
        ("Full-Time Chauffeurs are wanted for engagement by an <ORGANIZATION> .", "chauffeurs"),
        (
            "Are you a self-driven Embedded Software Engineer with a high degree of knowledge?",
            "embedded software engineer",
        ),
    ],
)
def test_a_sentence_is_read_for_the_role_it_names(line: str, role: str) -> None:
    assert find_role(line) == role
    n = normalize_title(line)
    assert n.sentence and not n.weak


@pytest.mark.parametrize(
    "line",
    [
        "Would you like to know more about the energy market and help ensure continued growth?",
        "The <ORGANIZATION> <ORGANIZATION> <ORGANIZATION> <ORGANIZATION> ( <ORGANIZATION> ) is "
        "on an exciting journey of transforming our business",
        "Looking for a job where you do not have to be able to speak Danish?",
    ],
)
def test_a_sentence_naming_no_role_is_weak(line: str) -> None:
    assert is_sentence(line)
    assert find_role(line) is None
    assert normalize_title(line).weak


@pytest.mark.parametrize(
    "title", ["Software Engineer", "Manufacturing Engineer", "Nurse", "Head of IT (m/f/d)"]
)
def test_a_title_line_is_not_a_sentence(title: str) -> None:
    n = normalize_title(title)
    assert not n.sentence and not n.weak


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("full stack engineer", "full stack developer"),
        ("android engineer", "android developer"),
        (". net sw engineer", ". net software developer"),
        ("site reliability engineer", "site reliability developer"),
        ("manufacturing engineer", None),
        ("sales engineer", None),
        ("network engineer", None),
        ("full stack developer", None),
    ],
)
def test_only_software_engineer_titles_get_a_developer_reading(text: str, form: str | None) -> None:
    assert developer_form(text) == form


@pytest.mark.parametrize(
    "title",
    [
        "Senior Full-Stack Engineer ( m/f/d ) <ORGANIZATION>",
        "Android Engineer ( m/f/x ) onsite or remote ( in <LOCATION> ) <ORGANIZATION>",
        "Mobile Engineer ( m/f/x ) <ORGANIZATION> <ORGANIZATION>",
    ],
)
def test_software_engineer_titles_are_coded_as_computer_occupations(
    coder: OccupationCoder, title: str
) -> None:
    code = coder.code(title)
    assert code.method == "title" and code.soc_code is not None
    assert code.soc_code[:2] == "15"
    # the v3 reading (no developer form) put them in SOC 17: the rule is what moves them
    assert replace(coder, developer_forms=False).code(title).soc_code[:2] == "17"  # type: ignore[index]


def _skills_of_one_occupation(coder: OccupationCoder, n: int = 12) -> tuple[list[str], str]:
    """The n skill ids most specific to the ESCO occupation with the most skills, and its uri."""
    m = coder.esco.occupation_skills
    occ = int(np.argmax(m.getnnz(axis=1)))
    row = m.getrow(occ)
    cols = row.indices[np.argsort(-row.data, kind="stable")][:n]
    ids = sorted(coder.esco.skill_index, key=coder.esco.skill_index.__getitem__)
    return [ids[c] for c in cols], coder.esco.uris[occ]


def test_a_weak_title_is_coded_from_the_skills(coder: OccupationCoder) -> None:
    skills, _ = _skills_of_one_occupation(coder)
    line = "Would you like to join a multi-disciplinary team and help us grow our business?"
    code = coder.code(line, skills)
    assert (code.method, code.reason) == ("skills", "weak_title")
    assert code.soc_code is not None and 0 < code.confidence <= 0.5
    # a title that names a role keeps the title, skills or not
    assert coder.code("We are looking for a registered nurse to join us", skills).method == "title"


def test_a_weak_title_with_too_few_skills_gets_no_code(coder: OccupationCoder) -> None:
    code = coder.code("Would you like to join a multi-disciplinary team and help us grow?", ())
    assert code.soc_code is None and code.reason == "weak_title_too_few_skills"


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("", "no_title_too_few_skills"),
        (None, "no_title_too_few_skills"),
        ("🚀🚀🚀", "title_without_words_too_few_skills"),
        ("12345", "title_without_words_too_few_skills"),
        ("We are a friendly team and we love what we do every day.", "weak_title_too_few_skills"),
    ],
)
def test_bad_titles_get_no_code_and_a_reason(
    coder: OccupationCoder, title: str | None, reason: str
) -> None:
    code = coder.code(title, ())
    assert code.soc_code is None and code.method == "none" and code.reason == reason


def test_an_other_language_title_is_coded_without_error(coder: OccupationCoder) -> None:
    # v8: left to the skills (foreign.py); v4-v7 coded it 51-6042 Shoe Machine Operators
    code = coder.code("Softwareentwickler*in (m/w/d) – Backend <ORGANIZATION>")
    assert code.method == "none" and code.reason == "title_words_unknown_too_few_skills"
