"""BigQuery adapter specifics on the emulator: migrations, legacy rows, error mapping."""

from __future__ import annotations

import pytest

from adapters.bigquery.client import make_client
from adapters.bigquery.migrate import migrate
from adapters.bigquery.store import BigQueryStore
from domain.errors import PermanentError, TransientError
from tests.emulators import PROJECT
from worker.fleet import free_port

pytestmark = pytest.mark.integration


def test_migrate_twice_changes_nothing(bq_endpoint: str) -> None:
    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.mig_twice"
    first = migrate(client, ds)
    assert "migrations/001_add_version_fields.sql" in first
    tables = sorted(t.table_id for t in client.list_tables(ds))
    assert migrate(client, ds) == ["ddl/001_tables.sql"]  # no migration runs again
    assert sorted(t.table_id for t in client.list_tables(ds)) == tables
    applied = [r[0] for r in client.query(f"SELECT name FROM `{ds}.schema_migrations`").result()]
    assert sorted(applied) == [
        "migrations/001_add_version_fields.sql",
        "migrations/002_backfill_posting_state.sql",
        "migrations/003_add_skill_links.sql",
        "migrations/004_cluster_runs_lifecycle.sql",
        "migrations/005_section_weighting.sql",
        "migrations/006_intake_ledger.sql",
        "migrations/007_posting_language.sql",
        "migrations/008_occupations.sql",
        "migrations/009_experience_years.sql",
        "migrations/010_concept_candidates.sql",
        "migrations/011_append_write_path.sql",
        "migrations/012_event_marks.sql",
        "migrations/013_state_by_intake_order.sql",
    ]
    assert client.get_table(f"{ds}.section_classifications").table_type == "VIEW"
    assert client.get_table(f"{ds}.posting_state").table_type == "VIEW"


def test_migration_005_replaces_the_unused_section_table_by_a_view(bq_endpoint: str) -> None:
    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.mig_sections"
    client.create_dataset(ds, exists_ok=True)
    # what ddl/001 created before 005: a table nothing wrote
    client.query(
        f"CREATE TABLE `{ds}.section_classifications` (row_id STRING NOT NULL, "
        "posting_id STRING NOT NULL, classifier_version STRING NOT NULL, kind STRING NOT NULL, "
        "start INT64 NOT NULL, `end` INT64 NOT NULL, header STRING)"
    ).result()
    assert "migrations/005_section_weighting.sql" in migrate(client, ds)
    assert client.get_table(f"{ds}.section_classifications").table_type == "VIEW"
    fields = {f.name for f in client.get_table(f"{ds}.job_enrichments").schema}
    assert {"skill_links", "skill_sections"} <= fields


def test_pre_existing_rows_are_tagged_legacy_and_become_drift(bq_endpoint: str) -> None:
    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.legacy"
    client.create_dataset(ds, exists_ok=True)
    # a table from before versioning: no enrichment_version / component_versions
    client.query(
        f"CREATE TABLE `{ds}.job_enrichments` (row_id STRING, posting_id STRING, "
        "content_hash STRING, skill_count INT64, enriched_at TIMESTAMP)"
    ).result()
    client.query(
        f"INSERT INTO `{ds}.job_enrichments` (row_id, posting_id, content_hash, skill_count, "
        "enriched_at) VALUES ('old-1', 'old-1', 'h', 3, TIMESTAMP '2025-01-01 00:00:00+00')"
    ).result()
    migrate(client, ds)
    store = BigQueryStore(client, ds)
    assert [(c.enrichment_version, c.rows) for c in store.counts_by_version()] == [("legacy", 1)]
    assert store.count_drifted("2026.11.0+abc") == 1


def test_rows_written_before_migration_009_read_no_years(
    bq_endpoint: str, bq_write_endpoint: str
) -> None:
    from domain.models import ExtractedSkill, Mention
    from tests.conftest import posting
    from tests.contract.test_store_contract import T1, enrichment

    client, ds, _, store = _append_store(bq_endpoint, bq_write_endpoint, "years_legacy")
    a = posting("a", "5+ years of Java")
    java = ExtractedSkill("s1", "Java", "knowledge", 0.6, ("named",),
                          (Mention(12, 16, "Java", "requirements", "named", 5.0, None),))  # fmt: skip
    store.write_batch([a], [enrichment(a, "v1", T1, [java])], [])
    assert store.posting_history("a")[0].skills[0].mentions[0].years_min == 5.0
    # what a row written before 009 holds: no skill_years at all
    client.query(f"UPDATE `{ds}.job_enrichments` SET skill_years = NULL WHERE TRUE").result()
    (m,) = store.posting_history("a")[0].skills[0].mentions
    assert (m.start, m.end, m.years_min, m.years_max) == (12, 16, None, None)


def test_vendor_errors_map_to_permanent_and_transient(bq_endpoint: str) -> None:
    client = make_client(PROJECT, bq_endpoint)
    with pytest.raises(PermanentError):
        BigQueryStore(client, f"{PROJECT}.no_such_dataset").count_drifted("v1")
    dead = make_client(PROJECT, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with pytest.raises(TransientError):
        BigQueryStore(dead, f"{PROJECT}.x", api_deadline_s=2).count_drifted("v1")


def test_cluster_versions_query_groups_runs(bq_endpoint: str) -> None:
    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.clusters"
    migrate(client, ds)
    store = BigQueryStore(client, ds)
    assert store.cluster_versions() == []
    client.query(
        f"INSERT INTO `{ds}.cluster_runs` (run_id, clustering_version, enrichment_version, "
        "n_postings, n_clusters, started_at) VALUES "
        "('r1', 'kmeans.v1', 'v1', 198, 23, TIMESTAMP '2026-11-01 03:00:00+00'), "
        "('r2', 'kmeans.v1', 'v1', 198, 23, TIMESTAMP '2026-11-02 03:00:00+00')"
    ).result()
    (row,) = store.cluster_versions()
    assert (row["clustering_version"], row["enrichment_version"], row["runs"]) == (
        "kmeans.v1",
        "v1",
        2,
    )


def _append_store(bq_endpoint: str, bq_write_endpoint: str, name: str):  # type: ignore[no-untyped-def]
    from adapters.bigquery.append import make_appender

    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.{name}"
    migrate(client, ds)
    appender = make_appender(client, ds, bq_write_endpoint, emulator=True)
    return client, ds, appender, BigQueryStore(client, ds, writer=appender)


def test_a_batch_two_persisters_both_appended_is_read_once(
    bq_endpoint: str, bq_write_endpoint: str
) -> None:
    """The default stream is at-least-once and two persisters racing on one batch both find its
    keys absent: both append everything. Every read answers as if it had been written once."""
    from dataclasses import replace

    from adapters.bigquery.store import enrichment_columns
    from adapters.rows import enrichment_row, posting_row, rejection_row, state_rows
    from tests.conftest import posting
    from tests.contract.test_store_contract import T1, enrichment, rejection, skill

    client, ds, appender, store = _append_store(bq_endpoint, bq_write_endpoint, "race")
    a, b = posting("a", "Python and SQL"), posting("b", "x")
    e = enrichment(a, "v1", T1, [skill("s1", "Python")])
    r = replace(rejection("f-b", "b", "extract"), content_hash=b.content_hash)
    for _ in range(2):  # what each racing persister appends
        appender.append("postings", [posting_row(a, T1), posting_row(b, T1)])
        appender.append("job_enrichments", [enrichment_columns(enrichment_row(e))])
        appender.append("posting_state_log", state_rows([enrichment_row(e)], str))
        appender.append("rejections", [rejection_row(r)])
    raw = next(iter(client.query(f"SELECT COUNT(*) AS n FROM `{ds}.job_enrichments`").result()))
    assert raw["n"] == 2  # the duplicate is really there

    assert [(c.rows, c.postings, c.latest) for c in store.counts_by_version()] == [(1, 1, 1)]
    assert store.posting_history("a") == [e]
    assert [p.posting_id for p in store.drifted_postings("v2", 10)] == ["a"]
    assert store.count_drifted("v2") == 1
    assert store.rejection_counts() == {("extract", "invalid_json"): 1}
    assert [p.posting_id for p in store.failed_postings("v1", ["extract"], 10)] == ["b"]
    assert store.top_skills("v1")[0].postings == 1
    # and the next delivery of the batch finds every key: nothing more is appended
    assert store.write_batch([a, b], [e], [r]) == (0, 0, 0)


def test_append_to_a_table_behind_the_code_names_the_column_and_migrate(
    bq_endpoint: str, bq_write_endpoint: str
) -> None:
    """A migration not applied (here: occupation columns dropped) is a PermanentError that says
    which column and what to run, not a vendor error about Arrow or protobuf."""
    from adapters.bigquery.append import repair_emulator_catalog
    from tests.conftest import posting
    from tests.contract.test_store_contract import T1, enrichment

    client, ds, _, store = _append_store(bq_endpoint, bq_write_endpoint, "behind")
    client.query(f"ALTER TABLE `{ds}.job_enrichments` DROP COLUMN soc_code").result()
    repair_emulator_catalog(client, ds, ["job_enrichments"])
    a = posting("a", "x")
    with pytest.raises(PermanentError, match=r"no column soc_code.*enrich migrate"):
        store.write_batch([a], [enrichment(a, "v1", T1)], [])


def test_storage_write_api_appends_to_the_flat_tables(
    bq_endpoint: str, bq_write_endpoint: str
) -> None:
    """postings, posting_state_log and rejections go through AppendRows on the default stream
    (the emulator's write-stream registry lists it), job_enrichments through insertAll there."""
    from adapters.bigquery.append import AppendWriter, make_write_client
    from adapters.rows import posting_row
    from tests.conftest import posting

    client = make_client(PROJECT, bq_endpoint)
    ds = f"{PROJECT}.flat"
    migrate(client, ds)
    writer = AppendWriter(client, ds, make_write_client(bq_write_endpoint))
    assert writer.append("postings", [posting_row(posting(f"p{i}", "x"), "2026-11-30T00:00:00+00:00")
                                      for i in range(3)]) == 3  # fmt: skip
    stream = writer.write_client.get_write_stream(name=writer._stream("postings"))
    assert stream.name.endswith("/streams/_default")
    n = next(iter(client.query(f"SELECT COUNT(*) AS n FROM `{ds}.postings`").result()))["n"]
    assert n == 3
