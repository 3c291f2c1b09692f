"""The fourth fresh occupation labels of Google titles (s27lab4): SOC, ISCO-08 and ESCO labels on
~150 titles drawn by the seeded script, with fresh3's targets written in the first line;
the draw script skips its titles and bench/occupations.py scores it unless told not
to. Its shape and its disjointness from the other sets are checked with fresh3's in
test_occupation_fresh3_file.py, the ISCO and ESCO codes in test_occupation_isco_gold.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "config" / "eval"
FRESH4 = EVAL / "occupation_titles_fresh4.jsonl"
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_file_says_how_it_was_drawn_labelled_and_what_the_targets_are() -> None:
    text = str(_lines(FRESH4)[0]["guideline"])
    assert "fresh4-s27lab4:" in text and "before any coder was run" in text
    assert "s27lab4" in text and "drawn at 10:02 UTC" in text
    assert "6-digit top-1 >= 0.55, top-3 >= 0.75; 2-digit top-1 >= 0.85, top-3 >= 0.92" in text
    assert "4-digit top-1 >= 0.50 and 1-digit (major group) top-1 >= 0.80" in text
    # fresh3's whole guideline is copied, so its conventions travel with the file
    fresh3 = str(_lines(EVAL / "occupation_titles_fresh3.jsonl")[0]["guideline"])
    assert text.endswith(fresh3)


def test_the_draw_script_counts_fresh4_titles_as_labelled() -> None:
    from bench.occupation_fresh_draw import labelled_shas

    assert {str(r["title_sha256"]) for r in _lines(FRESH4)[1:]} <= labelled_shas()


@pytest.mark.skipif(not GOOGLE.is_file(), reason="the local Google CSV is not here")
def test_the_rows_are_the_labelled_titles_and_a_new_draw_skips_them() -> None:
    from bench.occupation_fresh_draw import draw
    from bench.occupation_heldout import heldout_items

    assert len(heldout_items(FRESH4)) == len(_lines(FRESH4)) - 1  # raises on a moved row
    fresh = {str(r["title_sha256"]) for r in _lines(FRESH4)[1:]}
    again = draw(200, "fresh4-s27lab4:")
    assert again and not {sha for _, sha, _ in again} & fresh


def test_bench_occupations_scores_fresh4_unless_told_not_to() -> None:
    from bench.occupation_heldout import FRESH4 as BENCH_FRESH4
    from bench.occupation_heldout import title_sets

    assert BENCH_FRESH4 == FRESH4
    names = [n for n, _ in title_sets()]
    assert names[:4] == ["fresh_heldout_titles", "fresh2_titles", "fresh3_titles", "fresh4_titles"]
    assert "fresh4_titles" not in [n for n, _ in title_sets(fresh4=False)]
    assert "fresh3_titles" in [n for n, _ in title_sets(fresh4=False)]
    assert [n for n, _ in title_sets(heldout=False)] == ["google_dev_150", "hand_150"]


@pytest.mark.skipif(not GOOGLE.is_file(), reason="the local Google CSV is not here")
def test_every_departure_from_escos_groups_is_an_exception_the_guideline_names() -> None:
    from bench.occupation_heldout import heldout_items
    from bench.occupation_isco_agreement import audit, esco_label_groups, read_rows

    rows = read_rows(FRESH4)
    titles = [title for _, title, _, _ in heldout_items(FRESH4)]
    got = audit(rows, titles, esco_label_groups())
    assert got["head_is_esco_label"] >= 30
    # fresh4's line, which copies fresh3's, and the dev line whose ISCO exceptions fresh3 applies
    text = " ".join(
        str(_lines(p)[0]["guideline"]).lower()
        for p in (FRESH4, EVAL / "occupation_titles_dev.jsonl")
    )
    assert [h for h, _, _ in got["departures"] if h not in text] == []  # type: ignore[attr-defined]


@pytest.mark.skipif(not GOOGLE.is_file(), reason="the local Google CSV is not here")
def test_a_title_repeated_with_another_bracketed_suffix_keeps_the_earlier_sets_labels() -> None:
    """fresh3's rule, copied: "its precedents were followed where a title repeats one with another
    suffix" (e.g. Online Sales Account Manager (Dutch) / (Turkish)); SOC always, ISCO and ESCO
    where the earlier set has them."""
    import csv
    import re

    with GOOGLE.open(encoding="utf-8") as fh:
        titles = [g["Title"].strip() for g in csv.DictReader(fh)]

    def key(row: object) -> str:
        t = re.sub(r"\([^)]*\)", "", titles[int(str(row))])
        return re.sub(r"\s+", " ", t).strip(" ,").lower()

    fresh: dict[str, list[dict[str, object]]] = {}
    for r in _lines(FRESH4)[1:]:
        fresh.setdefault(key(r["row"]), []).append(r)
    repeats = 0
    for other in sorted(p for p in EVAL.glob("occupation_titles_*.jsonl") if p != FRESH4):
        for r in _lines(other)[1:]:
            fields = [f for f in ("soc_code", "isco_code", "esco_uri") if f in r]
            for mine in fresh.get(key(r["row"]), []) if "row" in r else []:
                repeats += 1
                assert [mine[f] for f in fields] == [r[f] for f in fields], (other.name, r["item"])
    assert repeats >= 20
