"""The dev (choose-on) occupation labels of Google titles, and the second fresh set's: well-formed, codes the coder knows, no
title text stored, and disjoint from the fresh held-out set (no shared row, no shared title)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "config" / "eval" / "occupation_titles_dev.jsonl"
HELDOUT = ROOT / "config" / "eval" / "occupation_titles_heldout.jsonl"
FRESH2 = ROOT / "config" / "eval" / "occupation_titles_fresh2.jsonl"  # s27title3's fresh set


def _rows(path: Path) -> tuple[dict[str, str], list[dict[str, object]]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0], lines[1:]


def test_the_dev_file_says_it_is_the_choose_on_set_and_how_it_was_labelled() -> None:
    head, _ = _rows(DEV)
    text = head["guideline"]
    assert "CHOSEN ON" in text and "before any coder was run" in text and "dev-s27e:" in text


@pytest.mark.parametrize("path", [DEV, FRESH2], ids=["dev", "fresh2"])
def test_the_file_has_150_titles_with_known_codes_and_no_title_text(path: Path) -> None:
    _, rows = _rows(path)
    with np.load(ROOT / "config" / "occupations" / "coder.npz") as z:
        classes = {str(c) for c in z["soc_codes"]}
    assert len(rows) == 150
    coded = [r for r in rows if r["soc_code"]]
    assert len(coded) >= 140
    assert {str(r["soc_code"]) for r in coded} <= classes
    assert len({r["row"] for r in rows}) == len(rows)
    for r in rows:
        # the dev file also carries s27lab's ISCO / ESCO labels (test_occupation_isco_gold.py)
        keys = {"item", "source", "row", "title_sha256", "soc_code"}
        assert set(r) - {"isco_code", "esco_uri"} == keys
        assert len(str(r["title_sha256"])) == 16


def test_the_dev_set_shares_no_row_and_no_title_with_the_heldout_set() -> None:
    _, dev = _rows(DEV)
    _, held = _rows(HELDOUT)
    assert not {r["row"] for r in dev} & {r["row"] for r in held}
    assert not {r["title_sha256"] for r in dev} & {r["title_sha256"] for r in held}
