"""Production path end to end: Pub/Sub emulator -> bridge -> real worker -> BigQuery emulator."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import pubsub_v1

from adapters.artifacts.config_files import load_config
from adapters.bigquery.client import make_client
from adapters.bigquery.store import BigQueryStore
from tests.conftest import ROOT
from tests.emulators import PROJECT
from tests.integration.conftest import enrich_cli, make_fleet, write_postings
from worker.fleet import Fleet

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CURRENT = load_config(ROOT).manifest.effective


@pytest.fixture(scope="module")
def gcp_fleet(
    tmp_path_factory: pytest.TempPathFactory,
    bq_endpoint: str,
    bq_write_endpoint: str,
    pubsub_host: str,
) -> Iterator[Fleet]:
    name = uuid.uuid4().hex[:8]
    fleet = make_fleet(
        tmp_path_factory.mktemp("gcp"),
        store_backend="bigquery",
        bigquery_project=PROJECT,
        bigquery_dataset=f"e2e_{name}",
        bigquery_endpoint=bq_endpoint,
        bigquery_write_endpoint=bq_write_endpoint,
        source="pubsub",
        pubsub_project=PROJECT,
        pubsub_topic=f"postings-{name}",
        pubsub_subscription=f"bridge-{name}",
    )
    os.environ["PUBSUB_EMULATOR_HOST"] = pubsub_host  # for this process's admin clients
    s = fleet.settings
    pubsub_v1.PublisherClient().create_topic(name=s.topic_path)
    pubsub_v1.SubscriberClient().create_subscription(
        name=s.subscription_path, topic=s.topic_path, ack_deadline_seconds=30
    )
    try:
        for _ in range(2):  # the second run must change nothing
            mig = enrich_cli(fleet, "migrate")
            assert mig.returncode == 0, mig.stderr.decode()
        assert b"migrations applied now: none" in mig.stdout
        fleet.start(("redis", "worker", "persister"))
        yield fleet
    finally:
        fleet.stop()
        os.environ.pop("PUBSUB_EMULATOR_HOST", None)


def bridge_once(fleet: Fleet) -> str:
    run = enrich_cli(fleet, "bridge", "--idle-exit", "3", "--wait", "--timeout", "180", timeout=300)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    return run.stdout.decode()


def test_published_postings_land_in_bigquery_once(gcp_fleet: Fleet, tmp_path: Path) -> None:
    fleet = gcp_fleet
    src = tmp_path / "in.jsonl"
    ids = write_postings(src, "gcp", 40)
    with open(src, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"posting_id": "gcp-bad", "text": 7}) + "\n")
    published = enrich_cli(fleet, "publish", str(src))
    assert published.returncode == 0, published.stderr.decode()
    assert b"published 41 messages" in published.stdout
    out = bridge_once(fleet)
    assert "received 41, enqueued 40" in out and "rejected 1" in out

    s = fleet.settings
    store = BigQueryStore(make_client(PROJECT, s.bigquery_endpoint), s.bigquery_dataset_ref)
    counts = store.counts_by_version()
    assert [(c.enrichment_version, c.rows, c.latest) for c in counts] == [(CURRENT, 40, 40)]
    assert store.rejection_counts() == {("validate", "wrong_type"): 1}
    hist = store.posting_history(ids[0])
    assert len(hist) == 1 and hist[0].skills and hist[0].component_versions

    # the same postings published again: still 40 rows, one per posting
    again = enrich_cli(fleet, "publish", str(src))
    assert again.returncode == 0
    bridge_once(fleet)
    counts = store.counts_by_version()
    assert [(c.enrichment_version, c.rows, c.latest) for c in counts] == [(CURRENT, 40, 40)]
    assert sum(store.rejection_counts().values()) == 1
