"""docs/occupations.md's "Reading a posting's occupation" table names every `method`, `reason`
and `title_from` value the shipped coder and `posting_title` give (ops10: a data-team user saw
`no_title_too_few_skills` from `enrich extract`, and the page did not name it)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from domain.occupations.coder import OccupationCoder
from domain.occupations.titles import posting_title

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Reading a posting's occupation"


def _documented(kind: str) -> set[str]:
    """The back-quoted values of the section's value-table rows for `kind` (method, reason,
    title_from): its lines that start with '| <kind> '."""
    text = (ROOT / "docs" / "occupations.md").read_text(encoding="utf-8")
    assert SECTION in text, f"docs/occupations.md has no '{SECTION}' section"
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [ln.split("|")[1] for ln in body.splitlines() if ln.startswith(f"| {kind} ")]
    return set(re.findall(r"`([^`]+)`", "\n".join(rows)))


def _skills_of_one_occupation(coder: OccupationCoder, n: int = 6) -> list[str]:
    """`n` ESCO skill ids that ESCO relates to one occupation (the first with >= n of them)."""
    by_column = {col: sid for sid, col in coder.esco.skill_index.items()}
    matrix = coder.esco.occupation_skills
    for row in range(matrix.shape[0]):
        cols = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
        known = [by_column[int(c)] for c in np.sort(cols) if int(c) in by_column]
        if len(known) >= n:
            return known[:n]
    raise AssertionError("no ESCO occupation with enough related skills")


def test_every_reason_and_method_the_coder_gives_is_documented(coder: OccupationCoder) -> None:
    skills = _skills_of_one_occupation(coder)
    items: list[tuple[str | None, list[str]]] = []
    languages: list[str | None] = []
    for title, lang in [
        ("Java Developer", "en"),
        (None, "en"),
        ("🚀🚀🚀", "en"),
        ("Would you like to know more about the energy market and our friendly team", "en"),
        ("Krankenpfleger (m/w/d)", "de"),
    ]:
        for known in ([], skills):
            items.append((title, known))
            languages.append(lang)
    codes = coder.code_many(items, languages)
    seen = {(c.method, c.reason) for c in codes}
    reasons = {c.reason for c in codes if c.reason}
    # the inputs reach every branch: a code from the title, from the skills, and none
    assert {m for m, _ in seen} == {"title", "skills", "none"}, seen
    assert len(reasons) == 8, reasons  # 4 causes, each with and without enough known skills
    for c in codes:  # no code <=> method none, and then the reason says why
        assert (
            (c.soc_code is None)
            == (c.method == "none")
            == (c.reason or "").endswith("_too_few_skills")
        ), c
    missing = ({m for m, _ in seen} - _documented("method")) | (
        (reasons | {"coder_error:<Exception>"}) - _documented("reason")
    )
    assert not missing, f"docs/occupations.md's value table does not name {sorted(missing)}"


def test_every_title_source_is_documented() -> None:
    sources = {
        posting_title("Java Developer", "")[1],
        posting_title(None, "Java Developer\nWe build ...")[1],
        posting_title(None, "Responsibilities:\n- build")[1],
        posting_title(None, "x\nResponsibilities:\n- build")[1],
        posting_title(None, "   \n")[1],
    }
    assert sources == {"title", "first_line", "header", "no_words", None}
    missing = {s if s else "null" for s in sources} - _documented("title_from")
    assert not missing, f"docs/occupations.md does not name title_from {sorted(missing)}"
