"""`enrich-ops trends` (tables, --plot, --version, --with) and the exporter's week top concepts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from adapters.duckdb.store import DuckDbStore
from adapters.duckdb.trends import DuckDbTrends
from adapters.prometheus.exporter import FleetCollector, Sources, current_week
from cli import enrich_ops as ops_cli
from domain.models import ExtractedSkill, JobEnrichment, Mention, Section
from tests.conftest import posting
from worker import settings

# nearest skill groups: py in ESCO's S5.1.1, sql in an O*NET category (level 1: isced-f/06)
GROUPS = {"esco:py": "S5.1.1", "esco:sql": "onet-category:Database software"}


def _skill(sid: str) -> ExtractedSkill:
    return ExtractedSkill(sid, f"name of {sid}", "knowledge", 0.6, ("taxonomy",),
                          (Mention(0, 3, "abc", "overview", "taxonomy"),),
                          group_id=GROUPS.get(sid))  # fmt: skip


def _seed(store: DuckDbStore) -> None:
    """p0..p5 posted in the week of 2026-03-02 (p0..p2 with py), p6..p9 a month later with sql;
    p9 re-enriched at v2."""
    ps, rows = [], []
    for i in range(10):
        day = "2026-03-03" if i < 6 else "2026-04-07"
        p = replace(posting(f"p{i}", f"text {i}"), posted_at=f"{day}T08:00:00Z")
        ps.append(p)
        skills = [_skill("esco:py")] if i < 3 else [_skill("esco:sql")]
        if i == 0:  # an unlinked span: its id and name are posting words, never a metric label
            skills.append(_skill("span:skill:secret"))
        rows.append(JobEnrichment(p.posting_id, p.content_hash, "v1", {}, (Section("overview", 0, 4),),
                                  tuple(skills), "2026-04-10T00:00:00.000+00:00", 1.0,
                                  occupation={"soc_code": "15-1252", "soc_title": "Software Developers"}))  # fmt: skip
    rows.append(
        replace(rows[-1], enrichment_version="v2", enriched_at="2026-04-11T00:00:00.000+00:00")
    )
    store.write_batch(ps, rows, [])


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DuckDbStore]:
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_STORE_BACKEND", "duckdb")
    settings.get_settings.cache_clear()
    store = DuckDbStore(settings.get_settings().duckdb_path)
    _seed(store)
    yield store
    settings.get_settings.cache_clear()


def test_trends_prints_demand_changes_and_the_versions_it_spans(
    warehouse: DuckDbStore, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = tmp_path / "t.png"
    args = ["trends", "--span", "2026-03-01..2026-05-01", "--compare", "2026-03-01..2026-04-01",
            "2026-04-01..2026-05-01", "--plot", str(png)]  # fmt: skip
    assert ops_cli.main(args) == 0
    out = capsys.readouterr().out
    assert {"2026-03-02 esco:sql name of esco:sql 3", "2026-03-02 esco:py name of esco:py 3",
            "2026-04-06 esco:sql name of esco:sql 4"} <= set(_lines(out))  # fmt: skip
    rising = _lines(out.split("rising from")[1].split("falling from")[0])
    assert "esco:sql name of esco:sql 3 4 +1 1.33x" in rising
    falling = _lines(out.split("falling from")[1])
    assert "esco:py name of esco:py 3 0 -3 0.00x" in falling
    assert "spans enrichment versions v1 (9 postings), v2 (1 postings)" in out
    assert png.stat().st_size > 5000 and png.read_bytes()[:4] == b"\x89PNG"


def test_trends_version_pins_and_with_lists_cooccurring_skills(
    warehouse: DuckDbStore, capsys: pytest.CaptureFixture[str]
) -> None:
    span = "2026-03-01..2026-05-01"
    assert ops_cli.main(["trends", "--by", "occupation", "--span", span, "--version", "v2"]) == 0
    out = _lines(capsys.readouterr().out)
    assert "2026-04-06 15-1252 Software Developers 1" in out and "version v2" in out
    assert ops_cli.main(["trends", "--with", "soc:15-1252", "--span", span]) == 0
    out = _lines(capsys.readouterr().out)
    assert "esco:sql name of esco:sql 7 70%" in out and "esco:py name of esco:py 3 30%" in out
    assert any(line.endswith("(10 postings):") for line in out)


def test_trends_by_group_names_level1_groups_and_by_category_counts_categories(
    warehouse: DuckDbStore, capsys: pytest.CaptureFixture[str]
) -> None:
    span = ["--period", "month", "--span", "2026-03-01..2026-05-01"]
    assert ops_cli.main(["trends", "--by", "group", *span]) == 0
    out = _lines(capsys.readouterr().out)
    # names from config/taxonomy/skill_groups.jsonl.gz, as `enrich summary` prints them
    assert {"2026-03-01 S5 working with computers 3",
            "2026-03-01 isced-f/06 information and communication technologies (icts) 3",
            "2026-04-01 isced-f/06 information and communication technologies (icts) 4"} <= set(out)  # fmt: skip
    assert "S5 working with computers 3 0 -3 0.00x" in out  # falling, named too
    assert ops_cli.main(["trends", "--by", "category", *span]) == 0
    out = _lines(capsys.readouterr().out)
    assert {"2026-03-01 knowledge knowledge 6", "2026-04-01 knowledge knowledge 4"} <= set(out)


def test_trends_rejects_a_bad_span(warehouse: DuckDbStore) -> None:
    with pytest.raises(SystemExit) as exc:
        ops_cli.main(["trends", "--span", "March..April"])
    assert exc.value.code == 2


def test_exporter_reports_the_current_weeks_top_concepts(warehouse: DuckDbStore) -> None:
    collector = FleetCollector(Sources(warehouse, None, None, lambda: "v1", (),
                                       trends=DuckDbTrends(warehouse),
                                       today=lambda: date(2026, 3, 5)))  # fmt: skip
    metrics = {m.name: m for m in collector._trending(DuckDbTrends(warehouse))}
    top = [(s.labels["rank"], s.labels["concept"], s.labels["week"], s.value)
           for s in metrics["enrich_trend_week_top_concepts"].samples]  # fmt: skip
    assert top == [("1", "esco:py", "2026-03-02", 3.0), ("2", "esco:sql", "2026-03-02", 3.0)]
    dated = {
        s.labels["date_source"]: s.value for s in metrics["enrich_trend_week_postings"].samples
    }
    assert dated == {"posted_at": 6.0, "received_at": 0.0}


def test_exporter_reuses_the_week_counts_between_refreshes(warehouse: DuckDbStore) -> None:
    clock = [100.0]
    calls: list[str] = []

    class Counting(DuckDbTrends):
        def demand(self, *a, **k):  # type: ignore[no-untyped-def]
            calls.append("demand")
            return super().demand(*a, **k)

    src = Sources(warehouse, None, None, lambda: "v1", (), trends=Counting(warehouse),
                  today=lambda: date(2026, 3, 5), trends_every_s=60, monotonic=lambda: clock[0])  # fmt: skip
    collector = FleetCollector(src)
    names = [m.name for m in collector.collect()]
    assert "enrich_trend_week_top_concepts" in names and calls == ["demand"]
    clock[0] += 59
    assert "enrich_trend_week_top_concepts" in [m.name for m in collector.collect()]
    assert calls == ["demand"]
    clock[0] += 1
    list(collector.collect())
    assert calls == ["demand", "demand"]


def test_current_week_runs_monday_to_monday() -> None:
    w = current_week(date(2026, 3, 8))  # a Sunday
    assert (w.start, w.end) == ("2026-03-02", "2026-03-09")
