"""`enrich summary`'s occupations block on real DuckDB files through the real CLI entry point
(issue #27): an empty warehouse, rows from before occupation coding, coded rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.duckdb.store import DuckDbStore
from cli import enrich as cli
from cli.common import current_version
from domain.models import JobEnrichment, Section
from domain.occupations.summary import OccupationGroup, summarize_occupations
from tests.conftest import posting
from worker.settings import get_settings

AT = "2026-12-01T00:00:00.000+00:00"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_STORE_BACKEND", "duckdb")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def write(rows: list[tuple[str, str, dict[str, Any] | None]]) -> None:
    """(posting id, enrichment version, occupation dict or None) -> one row each."""
    ps = [posting(pid, f"text of {pid}") for pid, _, _ in rows]
    es = [JobEnrichment(p.posting_id, p.content_hash, v, {}, (Section("overview", 0, 5),), (),
                        AT, 1.0, occupation=o) for p, (_, v, o) in zip(ps, rows, strict=True)]  # fmt: skip
    DuckDbStore(get_settings().duckdb_path).write_batch(ps, es, [])


def summary(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["summary"]) == 0
    return [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]


def test_summary_of_an_empty_warehouse_says_no_occupations(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = summary(capsys)
    assert any(line.startswith("occupations: none (no posting's current row") for line in lines)
    assert not any(line.startswith("top occupations") for line in lines)


def test_summary_counts_rows_from_before_occupation_coding_as_not_coded(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write([("old-1", "2026.11.7+00000000", None), ("old-2", "2026.11.7+00000000", None)])
    lines = summary(capsys)  # both at an older version: drift, nothing at the current one
    assert any(line.startswith("occupations: none (no posting's current row") for line in lines)
    assert "drift backlog (latest row not current): 2" in lines
    write([("p1", current_version(get_settings()), None)])  # current version, occupation NULL
    lines = summary(capsys)
    assert "occupations (the current row of 1 posting at the current version):" in lines
    assert "1 not coded (rows written before occupation coding, 2026.11.8)" in lines
    assert "top occupations: none coded" in lines


def test_summary_prints_methods_reasons_and_top_occupations(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v = current_version(get_settings())
    dev = {"soc_code": "15-1252", "soc_title": "Software Developers", "isco_group": "2512"}
    write([
        ("p1", v, {**dev, "confidence": 0.9, "method": "title", "reason": None}),
        ("p2", v, {**dev, "isco_group": "2511", "confidence": 0.0, "method": "skills",
                   "reason": "weak_title"}),
        ("p3", v, {"soc_code": None, "confidence": 0.0, "method": "none", "reason": "no_title"}),
    ])  # fmt: skip
    lines = summary(capsys)
    i = lines.index("occupations (the current row of 3 postings at the current version):")
    assert lines[i + 1 : i + 4] == ["1 from the title", "1 from the skills", "1 no code"]
    assert lines[i + 4] == "1 no code: no_title"
    assert lines[i + 5].startswith("top occupations (postings, from title, from skills, mean")
    # v9's confidence is calibrated (ops12: the header still called it "a score, not a probability")
    assert "expected share right at 6 digits" in lines[i + 5] and "score, not" not in lines[i + 5]
    # 2 postings, 1 from title, 1 from skills, mean (0.9 + 0.0) / 2; ISCO tie: the lower code
    assert lines[i + 6] == "2 1 1 0.45 15-1252 ISCO 2511 Software Developers"


def test_summarize_occupations_ranks_by_postings_then_code() -> None:
    groups = [
        OccupationGroup("29-1141", "Registered Nurses", "2221", "title", None, 2, 1.6),
        OccupationGroup("15-1252", "Software Developers", None, "skills", "weak_title", 2, 0.2),
        OccupationGroup(
            "11-1021", "General and Operations Managers", "1120", "title", None, 3, 3.0
        ),
        OccupationGroup(None, None, None, "none", "no_title", 4, 0.0),
    ]
    s = summarize_occupations(groups, 2)
    assert [(c.soc_code, c.postings) for c in s.top] == [("11-1021", 3), ("15-1252", 2)]
    assert s.top[1].isco_group is None and s.top[1].by_skills == 2
    assert (s.postings, s.methods, s.reasons) == (11, {"title": 5, "skills": 2, "none": 4},
                                                  {"no_title": 4})  # fmt: skip
