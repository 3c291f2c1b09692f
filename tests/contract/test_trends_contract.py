"""One suite for the TrendStore queries, run against DuckDB and BigQuery-on-emulator."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from domain.models import ExtractedSkill, JobEnrichment, Mention, Section
from domain.trends import Period, TrendStore
from tests.conftest import posting

pytestmark = pytest.mark.contract

PY, SQL, JAVA = ("s:py", "Python"), ("s:sql", "SQL"), ("s:java", "Java")
NURSE = {"soc_code": "29-1141", "soc_title": "Registered Nurses", "method": "title"}
DEV = {"soc_code": "15-1252", "soc_title": "Software Developers", "method": "title"}
JAN, FEB = Period("2026-01-01", "2026-02-01"), Period("2026-02-01", "2026-03-01")


# a skill's nearest group, as written since 2026.11.10 (None: a row written before)
S511, S52, ISCED, ONET = "S5.1.1", "S5.2", "isced-f/0613", "onet-category:Database software"


def skill(
    sid: str, name: str, category: str = "knowledge", group_id: str | None = None
) -> ExtractedSkill:
    return ExtractedSkill(sid, name, category, 0.6, ("taxonomy",),
                          (Mention(0, 3, name[:3], "overview", "taxonomy"),),
                          link_level=group_id and "concept", group_id=group_id)  # fmt: skip


def enrichment(p, version, at, skills, occupation) -> JobEnrichment:  # type: ignore[no-untyped-def]
    return JobEnrichment(
        p.posting_id, p.content_hash, version, {"skills_extractor": version},
        (Section("overview", 0, len(p.text)),), tuple(skill(*s) for s in skills), at, 1.0,
        occupation=occupation,
    )  # fmt: skip


@pytest.fixture(params=["fake", "duckdb", "bigquery"])
def trends(request: pytest.FixtureRequest, tmp_path: Path) -> TrendStore:
    """Five postings: a..c in January, d..e in February; `b` re-enriched at v2 (counted once);
    `e` without posted_at (received 2026-02-10, the fallback date). Skill groups (level 1): a's
    two skills both sit in S5; b's v1 row and c carry none (rows written before groups), b's v2
    row has S5 and isced-f/06; d has isced-f/0613 and an O*NET category (both isced-f/06)."""
    if request.param == "fake":
        from tests.fakes import InMemoryStore, InMemoryTrends

        store = InMemoryStore()
        trends = InMemoryTrends(store, received_at="2026-02-10T12:00:00+00:00")
    elif request.param == "duckdb":
        from adapters.duckdb.store import DuckDbStore
        from adapters.duckdb.trends import DuckDbTrends

        store = DuckDbStore(tmp_path / "w.duckdb")
        trends: TrendStore = DuckDbTrends(store)
    else:
        from adapters.bigquery.trends import BigQueryTrends
        from tests.contract.conftest import bigquery_store

        store = bigquery_store(request)  # type: ignore[assignment]
        trends = BigQueryTrends(store)  # type: ignore[arg-type]
    days = {"a": "2026-01-05", "b": "2026-01-06", "c": "2026-01-20", "d": "2026-02-03", "e": None}
    ps = {
        k: replace(posting(k, f"text {k}"), posted_at=d and f"{d}T09:00:00+00:00")
        for k, d in days.items()
    }
    rows = [
        enrichment(ps["a"], "v1", "2026-02-10T00:00:00.000+00:00", [(*PY, "knowledge", S511), (*SQL, "knowledge", S52)], DEV),
        enrichment(ps["b"], "v1", "2026-02-10T00:00:00.000+00:00", [PY], DEV),
        enrichment(ps["b"], "v2", "2026-02-11T00:00:00.000+00:00", [(*PY, "knowledge", S52), (*JAVA, "knowledge", ISCED)], DEV),
        enrichment(ps["c"], "v1", "2026-02-10T00:00:00.000+00:00", [SQL], NURSE),
        enrichment(ps["d"], "v1", "2026-02-10T00:00:00.000+00:00", [(*JAVA, "knowledge", ISCED), ("s:care", "care", "skill/competence", ONET)], NURSE),
        enrichment(ps["e"], "v1", "2026-02-10T00:00:00.000+00:00", [JAVA], NURSE),
    ]  # fmt: skip
    # received_at is the write time: pin it so `e` falls back to a known day
    if request.param == "fake":
        store.write_batch(list(ps.values()), rows, [])
    elif request.param == "duckdb":
        store.write_batch(list(ps.values()), rows, [])
        store._query("UPDATE postings SET received_at = TIMESTAMP '2026-02-10 12:00:00'")
    else:
        store.write_batch(list(ps.values()), rows, [])
        store.client.query(
            f"UPDATE `{store.dataset}.postings` SET received_at = TIMESTAMP '2026-02-10 12:00:00+00' WHERE TRUE"
        ).result()
    return trends


def test_demand_counts_each_posting_once_per_week_on_its_current_row(trends: TrendStore) -> None:
    d = trends.demand("concept", "week", Period("2026-01-01", "2026-03-01"), limit=2)
    # top 2 keys: java (b, d, e), then py (a, b) before sql (a, c) on the tie; b counted by its
    # v2 row only; e on its received_at (2026-02-10)
    assert [(p.bucket, p.key, p.postings) for p in d.points] == [
        ("2026-01-05", "s:java", 1),
        ("2026-01-05", "s:py", 2),
        ("2026-02-02", "s:java", 1),
        ("2026-02-09", "s:java", 1),
    ]
    assert d.coverage.versions == (("v1", 4), ("v2", 1))
    assert d.coverage.spans_versions and d.coverage.fallback_dates == 1


def test_demand_by_month_per_occupation_and_group(trends: TrendStore) -> None:
    span = Period("2026-01-01", "2026-03-01")
    occ = trends.demand("occupation", "month", span)
    assert {(p.bucket, p.key, p.label, p.postings) for p in occ.points} == {
        ("2026-01-01", "15-1252", "Software Developers", 2),
        ("2026-01-01", "29-1141", "Registered Nurses", 1),
        ("2026-02-01", "29-1141", "Registered Nurses", 2),
    }
    cat = trends.demand("category", "month", span)
    assert {(p.bucket, p.key, p.postings) for p in cat.points} == {
        ("2026-01-01", "knowledge", 3),
        ("2026-02-01", "knowledge", 2),
        ("2026-02-01", "skill/competence", 1),
    }


def test_demand_per_level1_group_counts_a_posting_once_per_group(trends: TrendStore) -> None:
    # January: a (two skills in S5: once), b's v2 row (S5 and isced-f/06); c has no group.
    # February: d (isced-f/0613 and an O*NET category: once in isced-f/06); e has no group.
    grp = trends.demand("group", "month", Period("2026-01-01", "2026-03-01"))
    assert {(p.bucket, p.key, p.postings) for p in grp.points} == {
        ("2026-01-01", "S5", 2),
        ("2026-01-01", "isced-f/06", 1),
        ("2026-02-01", "isced-f/06", 1),
    }
    assert grp.coverage.postings == 5  # rows without groups are counted postings, in no group
    # pinned to v1: b's v1 row carries no group, so S5 has a only
    pinned = trends.demand("group", "month", JAN, version="v1")
    assert {(p.key, p.postings) for p in pinned.points} == {("S5", 1)}


def test_changes_per_level1_group(trends: TrendStore) -> None:
    c = trends.changes("group", JAN, FEB)
    assert [(x.key, x.before, x.after) for x in c.rising] == []
    assert [(x.key, x.before, x.after) for x in c.falling] == [("S5", 2, 0)]
    assert trends.changes("group", JAN, FEB).coverage.spans_versions


def test_version_pins_the_rows_counted(trends: TrendStore) -> None:
    d = trends.demand("concept", "month", JAN, version="v1")
    assert {(p.key, p.postings) for p in d.points} == {("s:py", 2), ("s:sql", 2)}
    assert d.coverage.versions == (("v1", 3),) and not d.coverage.spans_versions


def test_changes_give_counts_of_both_periods(trends: TrendStore) -> None:
    c = trends.changes("concept", JAN, FEB)
    assert [(x.key, x.before, x.after) for x in c.rising] == [("s:care", 0, 1), ("s:java", 1, 2)]
    assert [(x.key, x.before, x.after) for x in c.falling] == [("s:py", 2, 0), ("s:sql", 2, 0)]
    assert c.coverage.postings == 5


def test_cooccurring_with_a_skill_and_an_occupation(trends: TrendStore) -> None:
    span = Period("2026-01-01", "2026-03-01")
    py = trends.cooccurring("s:py", span)
    assert py.anchor_postings == 2
    assert [(x.key, x.postings, x.share) for x in py.items] == [
        ("s:java", 1, 0.5),
        ("s:sql", 1, 0.5),
    ]
    nurse = trends.cooccurring("soc:29-1141", span)
    assert nurse.anchor_postings == 3
    assert [(x.key, x.postings) for x in nurse.items][:1] == [("s:java", 2)]


def _duckdb(trends: TrendStore):  # type: ignore[no-untyped-def]
    from adapters.duckdb import trends as duckdb_trends

    if not isinstance(trends, duckdb_trends.DuckDbTrends):
        pytest.skip("DuckDB's key masks only")
    return duckdb_trends


def _answers(trends: TrendStore) -> list[object]:
    """Every category / group answer of the fixture: demand per week and month, pinned to each
    version, and the changes from January to February."""
    span = Period("2026-01-01", "2026-03-01")
    return [
        *(trends.demand(d, p, span, version=v) for d in ("group", "category")
          for p in ("week", "month") for v in (None, "v1", "v2")),
        *(trends.changes(d, JAN, FEB, version=v) for d in ("group", "category") for v in (None, "v1")),
    ]  # fmt: skip


def test_duckdb_counts_groups_alike_beyond_the_bit_mask(
    trends: TrendStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More skill keys than the mask's bits (unknown group codes): DuckDB's DISTINCT form."""
    duckdb_trends = _duckdb(trends)
    from_skills = duckdb_trends.DuckDbTrends(trends.store, stored_masks=False)  # type: ignore[attr-defined]
    masked = _answers(from_skills)
    monkeypatch.setattr(duckdb_trends, "MAX_BITS", 1)
    assert _answers(from_skills) == masked


def test_duckdb_stored_masks_answer_as_the_skill_rows(
    trends: TrendStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The masks stored with each row give the answers counted from the skill rows."""
    duckdb_trends = _duckdb(trends)
    from_skills = duckdb_trends.DuckDbTrends(trends.store, stored_masks=False)  # type: ignore[attr-defined]
    with caplog.at_level("INFO", logger=duckdb_trends.__name__):
        assert _answers(trends) == _answers(from_skills)
    assert "counting skill rows" not in caplog.text  # the stored masks answered


def test_duckdb_file_written_before_the_masks_is_migrated_on_open(
    trends: TrendStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows with no masks (older code) are counted from their skill rows; a file from before
    the mask columns gets them on open, equal to what a write stores."""
    from adapters.duckdb.store import DuckDbStore

    duckdb_trends = _duckdb(trends)
    store = trends.store  # type: ignore[attr-defined]
    want = _answers(trends)
    masks = "SELECT row_id, category_mask, group_mask FROM job_enrichments ORDER BY row_id"
    written = store._query(masks)
    assert all(c is not None and g is not None for _, c, g in written)
    store._query("UPDATE job_enrichments SET group_mask = NULL WHERE posting_id = 'd'")
    with caplog.at_level("INFO", logger=duckdb_trends.__name__):
        assert _answers(trends) == want
    assert "counting skill rows" in caplog.text
    store._query("ALTER TABLE job_enrichments DROP COLUMN category_mask")
    store._query("ALTER TABLE job_enrichments DROP COLUMN group_mask")
    reopened = DuckDbStore(store.path)
    assert reopened._query(masks) == written
    caplog.clear()
    with caplog.at_level("INFO", logger=duckdb_trends.__name__):
        assert _answers(duckdb_trends.DuckDbTrends(reopened)) == want
    assert "counting skill rows" not in caplog.text


def test_duckdb_a_group_outside_the_book_still_counts(trends: TrendStore) -> None:
    """A level-1 code the book does not hold (a new taxonomy group) is counted all the same."""
    _duckdb(trends)
    store = trends.store  # type: ignore[attr-defined]
    f = replace(posting("f", "text f"), posted_at="2026-01-07T09:00:00+00:00")
    row = enrichment(f, "v1", "2026-02-10T00:00:00.000+00:00", [(*PY, "knowledge", "Z9.1")], DEV)
    store.write_batch([f], [row], [])
    grp = trends.demand("group", "month", Period("2026-01-01", "2026-03-01"))
    assert {(p.bucket, p.key, p.postings) for p in grp.points} == {
        ("2026-01-01", "S5", 2),
        ("2026-01-01", "Z9", 1),
        ("2026-01-01", "isced-f/06", 1),
        ("2026-02-01", "isced-f/06", 1),
    }
    c = trends.changes("group", JAN, FEB)
    assert [(x.key, x.before, x.after) for x in c.falling] == [("S5", 2, 0), ("Z9", 1, 0)]
