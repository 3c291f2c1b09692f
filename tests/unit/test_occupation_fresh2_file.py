"""The second fresh occupation labels of Google titles (s27title3): drawn by the seeded script,
and disjoint from every other labelled set (no shared row, no shared title); their shape is
checked with the dev file's (test_occupation_dev_file.py)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "config" / "eval"
FRESH2 = EVAL / "occupation_titles_fresh2.jsonl"


def _rows(path: Path) -> tuple[dict[str, str], list[dict[str, object]]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0], lines[1:]


def test_the_file_says_how_it_was_drawn_and_labelled() -> None:
    head, _ = _rows(FRESH2)
    text = head["guideline"]
    assert "fresh2-s27title3:" in text and "before any coder was run" in text


def test_the_set_shares_no_row_and_no_title_with_the_other_google_sets() -> None:
    _, fresh = _rows(FRESH2)
    for other in ("occupation_titles_dev.jsonl", "occupation_titles_heldout.jsonl"):
        _, rows = _rows(EVAL / other)
        assert not {r["row"] for r in fresh} & {r["row"] for r in rows}, other
        assert not {r["title_sha256"] for r in fresh} & {r["title_sha256"] for r in rows}, other
