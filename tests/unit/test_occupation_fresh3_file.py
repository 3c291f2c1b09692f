"""The third and fourth fresh occupation labels of Google titles (s27lab, s27lab4): SOC, ISCO-08
and ESCO labels on ~150 titles each, drawn by the seeded script, well-formed, every SOC code a
class of the coder, no title text stored, and disjoint from every other labelled set (no shared
row, no shared title); fresh4's own checks are in test_occupation_fresh4_file.py. The ISCO and
ESCO codes are checked in test_occupation_isco_gold.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "config" / "eval"
FRESH3 = EVAL / "occupation_titles_fresh3.jsonl"
FRESH4 = EVAL / "occupation_titles_fresh4.jsonl"
# each fresh set and how many other labelled title files existed when it was drawn, at least
FRESH_SETS = [(FRESH3, 5), (FRESH4, 6)]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_file_says_how_it_was_drawn_labelled_and_what_the_targets_are() -> None:
    text = str(_lines(FRESH3)[0]["guideline"])
    assert "fresh3-s27lab:" in text and "before any coder was run" in text
    assert "4-digit top-1 >= 0.50" in text and "1-digit (major group) top-1 >= 0.80" in text


@pytest.mark.parametrize("path", [p for p, _ in FRESH_SETS], ids=lambda p: p.stem)
def test_the_file_has_about_150_titles_with_known_soc_codes_and_no_title_text(path: Path) -> None:
    rows = _lines(path)[1:]
    with np.load(ROOT / "config" / "occupations" / "coder.npz") as z:
        classes = {str(c) for c in z["soc_codes"]}
    assert 140 <= len(rows) <= 160
    coded = [r for r in rows if r["soc_code"]]
    assert len(coded) >= 140
    assert {str(r["soc_code"]) for r in coded} <= classes
    assert len({r["row"] for r in rows}) == len(rows)
    assert len({r["title_sha256"] for r in rows}) == len(rows)
    keys = {"item", "source", "row", "title_sha256", "soc_code", "isco_code", "esco_uri"}
    for r in rows:
        assert set(r) == keys
        assert r["item"] == f"google-{r['row']}" and r["source"] == "google_job_skills"
        assert len(str(r["title_sha256"])) == 16


@pytest.mark.parametrize("path,min_others", FRESH_SETS, ids=lambda p: getattr(p, "stem", str(p)))
def test_the_set_shares_no_row_and_no_title_with_any_other_labelled_title_file(
    path: Path, min_others: int
) -> None:
    fresh = _lines(path)[1:]
    others = sorted(p for p in EVAL.glob("occupation_titles*.jsonl") if p != path)
    assert len(others) >= min_others
    for other in others:
        rows = _lines(other)[1:]
        shas = {r["title_sha256"] for r in rows if "title_sha256" in r}
        shas |= {
            hashlib.sha256(str(r["title"]).strip().encode()).hexdigest()[:16]
            for r in rows
            if "title" in r
        }
        google_rows = {r["row"] for r in rows if r.get("source") == "google_job_skills"}
        assert not {r["title_sha256"] for r in fresh} & shas, other.name
        assert not {r["row"] for r in fresh} & google_rows, other.name
