"""The fresh held-out occupation labels: well-formed, enough coded titles, codes the coder knows,
and no title text stored (the Google CSV is local-use data: bench/occupation_heldout.py reads it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "config" / "eval" / "occupation_titles_heldout.jsonl"


def _rows() -> tuple[dict[str, str], list[dict[str, object]]]:
    lines = [json.loads(x) for x in HELDOUT.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0], lines[1:]


def test_the_heldout_file_says_how_it_was_labelled_and_that_it_is_held_out() -> None:
    head, _ = _rows()
    text = head["guideline"]
    assert "NEVER used to choose" in text and "before any coder was run" in text


def test_the_heldout_file_has_150_coded_titles_with_known_codes_and_no_title_text() -> None:
    _, rows = _rows()
    with np.load(ROOT / "config" / "occupations" / "coder.npz") as z:
        classes = {str(c) for c in z["soc_codes"]}
    coded = [r for r in rows if r["soc_code"]]
    assert len(coded) >= 150
    assert {str(r["soc_code"]) for r in coded} <= classes
    assert len({r["row"] for r in rows}) == len(rows)  # one item per distinct title
    for r in rows:
        assert set(r) == {"item", "source", "row", "title_sha256", "soc_code"}
        assert len(str(r["title_sha256"])) == 16
