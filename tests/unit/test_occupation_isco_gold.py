"""The hand-labelled ISCO-08 / ESCO occupation gold on Google titles and sample lines (s27lab):
every item carries isco_code and esco_uri, null exactly where the title names no occupation,
each ISCO code is a 4-digit unit group some ESCO v1.1.1 occupation sits in, and each ESCO URI is
a known occupation whose ISCO group is the item's isco_code (the compiled ESCO table in config/occupations/coder.npz)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "config" / "eval"
DEV = EVAL / "occupation_titles_dev.jsonl"
FRESH3 = EVAL / "occupation_titles_fresh3.jsonl"
FRESH4 = EVAL / "occupation_titles_fresh4.jsonl"  # s27lab4
SAMPLES = EVAL / "occupation_titles.jsonl"  # the 198 sample first lines, keyed by posting_id

Row = Mapping[str, object]


def _rows(path: Path) -> list[dict[str, object]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[1:]


def _esco_isco() -> dict[str, str]:
    """ESCO occupation URI -> its ISCO-08 unit group, as compiled into the coder's artifact."""
    with np.load(ROOT / "config" / "occupations" / "coder.npz") as z:
        return dict(zip(map(str, z["esco_uris"]), map(str, z["esco_isco"]), strict=True))


def isco_problems(rows: Sequence[Row], esco_isco: Mapping[str, str]) -> list[str]:
    """One message per item whose ISCO / ESCO labels break the file's rules (empty: all good)."""
    groups = set(esco_isco.values())
    out = []
    for r in rows:
        item = r.get("item", r.get("posting_id"))
        isco, uri = r.get("isco_code", "missing"), r.get("esco_uri", "missing")
        if isco == "missing" or uri == "missing":
            out.append(f"{item}: no isco_code / esco_uri field")
            continue
        if (r["soc_code"] is None) != (isco is None):
            out.append(
                f"{item}: isco_code null {isco is None} but soc_code null {r['soc_code'] is None}"
            )
        if isco is not None and (
            not str(isco).isdigit() or len(str(isco)) != 4 or isco not in groups
        ):
            out.append(f"{item}: isco_code {isco!r} is no ISCO-08 unit group of an ESCO occupation")
        if uri is not None and esco_isco.get(str(uri)) != isco:
            out.append(f"{item}: esco_uri {uri!r} is unknown or not in ISCO group {isco!r}")
        if uri is not None and isco is None:
            out.append(f"{item}: esco_uri without isco_code")
    return out


@pytest.mark.parametrize(
    "path", [DEV, FRESH3, FRESH4, SAMPLES], ids=["dev", "fresh3", "fresh4", "samples"]
)
def test_every_isco_and_esco_label_is_a_known_code_that_agrees(path: Path) -> None:
    rows = _rows(path)
    assert isco_problems(rows, _esco_isco()) == []
    coded = [r for r in rows if r["isco_code"]]
    assert len(coded) >= 140
    assert sum(r["esco_uri"] is not None for r in coded) >= len(coded) // 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"isco_code": "9999"}, "is no ISCO-08 unit group"),
        ({"isco_code": "251"}, "is no ISCO-08 unit group"),
        ({"isco_code": None}, "isco_code null True"),
        ({"esco_uri": "http://data.europa.eu/esco/occupation/nope"}, "is unknown or not in"),
        ({"isco_code": "2511"}, "is unknown or not in"),  # the URI below is a 2512 occupation
    ],
)
def test_the_check_flags_a_bad_code(change: dict[str, object], expected: str) -> None:
    esco_isco = _esco_isco()
    uri = next(u for u, g in esco_isco.items() if g == "2512")
    good = {"item": "x", "soc_code": "15-1252", "isco_code": "2512", "esco_uri": uri}
    assert isco_problems([good], esco_isco) == []
    problems = isco_problems([{**good, **change}], esco_isco)
    assert len(problems) >= 1 and expected in problems[0]


def test_the_dev_guideline_writes_down_the_isco_conventions() -> None:
    head = json.loads(DEV.read_text(encoding="utf-8").splitlines()[0])["guideline"]
    assert "ISCO conventions" in head and "s27lab" in head and "esco_uri" in head


SECOND = EVAL / "occupation_isco_dev_second.jsonl"  # s27lab, the same annotator
THIRD = EVAL / "occupation_isco_dev_third.jsonl"  # s27lab4, another annotator
FRESH3_SECOND = EVAL / "occupation_isco_fresh3_second.jsonl"  # s27lab4, another annotator


@pytest.mark.parametrize(
    ("first", "second"),
    [(DEV, SECOND), (DEV, THIRD), (FRESH3, FRESH3_SECOND)],
    ids=["dev-second", "dev-third", "fresh3-second"],
)
def test_the_blind_second_labels_are_the_seeded_draw_and_obey_the_same_rules(
    first: Path, second: Path
) -> None:
    from bench.occupation_isco_agreement import SETS, draw, read_rows

    assert first in SETS.values()
    labelled, again = read_rows(first), read_rows(second)
    assert [r["item"] for r in again] == draw(labelled, 30)
    soc = {r["item"]: r["soc_code"] for r in labelled}
    rows = [{**r, "soc_code": soc[r["item"]]} for r in again]
    assert isco_problems(rows, _esco_isco()) == []


def test_the_other_annotators_files_say_who_labelled_them_and_how() -> None:
    for path in (THIRD, FRESH3_SECOND):
        head = json.loads(path.read_text(encoding="utf-8").splitlines()[0])["guideline"]
        assert "ANOTHER annotator (s27lab4" in head and "model session" in head
        assert "never opened" in head


def test_cohen_kappa_corrects_raw_agreement_for_chance() -> None:
    from bench.occupation_isco_agreement import cohen_kappa

    # p_o = 0.75, p_e = 0.5 * 0.25 + 0.5 * 0.75 = 0.5
    assert cohen_kappa(["1", "1", "2", "2"], ["1", "2", "2", "2"]) == pytest.approx(0.5)
    assert cohen_kappa(["1", None, "2"], ["1", None, "2"]) == pytest.approx(1.0)
    assert cohen_kappa(["2", "2"], ["2", "2"]) == 1.0  # one class throughout: no chance term
    # disagreeing on every item of two balanced classes is worse than chance
    assert cohen_kappa(["1", "2"], ["2", "1"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa(["1"], ["1", "2"])


def test_agreement_counts_4_digit_1_digit_and_esco_matches() -> None:
    from bench.occupation_isco_agreement import agreement

    a, b = "http://data.europa.eu/esco/occupation/a", "http://data.europa.eu/esco/occupation/b"
    first = [
        {"item": "1", "isco_code": "2512", "esco_uri": a},
        {"item": "2", "isco_code": "2431", "esco_uri": None},
        {"item": "3", "isco_code": None, "esco_uri": None},
        {"item": "4", "isco_code": "1221", "esco_uri": b},
    ]
    second = [
        {"item": "1", "isco_code": "2512", "esco_uri": a},
        {"item": "2", "isco_code": "2434", "esco_uri": None},  # same major group
        {"item": "3", "isco_code": "2421", "esco_uri": None},  # null is its own class
        {"item": "4", "isco_code": "1221", "esco_uri": a},
    ]
    got = agreement(first, second)
    assert got["n"] == 4 and got["isco_4digit"] == 0.5 and got["isco_1digit"] == 0.75
    assert got["esco_both_set"] == 2 and got["esco"] == 0.5
    # majors first 2,2,None,1 / second 2,2,2,1: p_o 0.75, p_e 0.5*0.75 + 0.25*0.25 = 0.4375
    assert got["kappa_1digit"] == pytest.approx((0.75 - 0.4375) / (1 - 0.4375))
    with pytest.raises(KeyError):
        agreement(first, [{"item": "9", "isco_code": None, "esco_uri": None}])


def test_the_audit_reads_the_title_head_and_lists_departures_from_esco_groups() -> None:
    from bench.occupation_isco_agreement import audit, title_head

    assert (
        title_head("Senior Principal DevOps Engineer ( m/f/d ) <ORGANIZATION>") == "devops engineer"
    )
    assert title_head("Software Engineer, Android Applications") == "software engineer"
    assert title_head("Java Developer - Credit Research") == "java developer"
    labels = {"software engineer": {"2512"}, "devops engineer": {"2519"}}
    rows = [
        {"isco_code": "2512"},
        {"isco_code": "2512"},
        {"isco_code": "2421"},
        {"isco_code": None},
    ]
    titles = ["Software Engineer, Ads", "DevOps Engineer", "Strategy Lead", "Business Intern"]
    got = audit(rows, titles, labels)
    assert (
        got["coded"] == 3 and got["head_is_esco_label"] == 2 and got["isco_among_esco_groups"] == 1
    )
    assert got["departures"] == [("devops engineer", ["2519"], "2512")]
