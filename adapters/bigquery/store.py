"""BigQuery implementation of EnrichmentStore: batches appended through the Storage Write API,
reads through the de-duplicating views of migration 011, named queries in sql/."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.cloud import bigquery

from adapters.bigquery.append import Appender
from adapters.bigquery.clusters import ClusterTables
from adapters.bigquery.columns import _ts, enrichment_columns
from adapters.bigquery.intake import IntakeLedger
from adapters.bigquery.reads import EnrichmentReads
from adapters.rows import (
    enrichment_row,
    evaluation_row,
    first_per_key,
    posting_row,
    rejection_row,
    state_rows,
)
from domain.errors import PermanentError
from domain.models import EvaluationResult, JobEnrichment, Posting, Rejection

__all__ = ["BigQueryStore", "enrichment_columns"]  # enrichment_columns: bench, tests


class BigQueryStore(EnrichmentReads, IntakeLedger, ClusterTables):
    """Batches are appended (Storage Write API, default stream), never MERGEd: per batch, one
    query reads the keys the batch names (clustered / partition-pruned, see existing_keys.sql)
    and one append per table writes the new rows, so the cost does not grow with the tables and
    no DML quota (25 mutating statements per table per 10 s) caps the fleet. Any number of
    persister processes may write at once. A redelivered batch appends nothing new; two
    persisters racing on one batch may both append it, and the v_* views keep one row per key.
    Current state is the newest move per posting in posting_state_log (view posting_state).

    `writer` is required for writes (reads work without one). The appends of a batch are not one
    transaction: a crash between them leaves a prefix written and the task's retry completes it.
    Other writes (evaluations, clustering, intake ledger) are rare and stay MERGEs.
    """

    def __init__(
        self,
        client: bigquery.Client,
        dataset: str,
        api_deadline_s: float = 120.0,
        writer: Appender | None = None,
    ) -> None:
        super().__init__(client, dataset, api_deadline_s)
        self.writer = writer

    # -- writes -------------------------------------------------------------------------------

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        if self.writer is None:
            raise PermanentError(
                "BigQuery writes need the Storage Write API: on an emulator set "
                "ENRICH_BIGQUERY_WRITE_ENDPOINT to its gRPC host:port"
            )
        now = datetime.now(UTC).isoformat()
        # a posting's received_at is its intake stamp (the persist time when it has none)
        p_rows = first_per_key(
            [posting_row(p, p.received_at or now) for p in postings], ("posting_id", "content_hash")
        )
        e_rows = first_per_key([enrichment_row(e) for e in enrichments], ("row_id",))
        r_rows = first_per_key([rejection_row(r) for r in rejections], ("rejection_id",))
        have = self._existing_keys(p_rows, e_rows, r_rows)
        new_p = [r for r in p_rows if ("p", f"{r['posting_id']}:{r['content_hash']}") not in have]
        new_e = [r for r in e_rows if ("e", r["row_id"]) not in have]
        new_r = [r for r in r_rows if ("r", r["rejection_id"]) not in have]
        self.writer.append("postings", new_p)
        self.writer.append("job_enrichments", [enrichment_columns(r) for r in new_e])
        # every batch moves the state, new rows or not (a rollback re-run of an old version)
        received = {(p.posting_id, p.content_hash): p.received_at for p in postings}
        self.writer.append("posting_state_log", state_rows(e_rows, _ts, received))
        self.writer.append("rejections", new_r)
        return len(new_p), len(new_e), len(new_r)

    def _existing_keys(
        self, p_rows: list[dict[str, Any]], e_rows: list[dict[str, Any]],
        r_rows: list[dict[str, Any]],
    ) -> set[tuple[str, str]]:  # fmt: skip
        if not (p_rows or e_rows or r_rows):
            return set()
        A = bigquery.ArrayQueryParameter
        rows = self._run(
            "existing_keys",
            A("posting_ids", "STRING", sorted({r["posting_id"] for r in p_rows})),
            A("posting_keys", "STRING", [f"{r['posting_id']}:{r['content_hash']}" for r in p_rows]),
            A("versions", "STRING", sorted({r["enrichment_version"] for r in e_rows})),
            A("enriched_ids", "STRING", sorted({r["posting_id"] for r in e_rows})),
            A("row_ids", "STRING", [r["row_id"] for r in e_rows]),
            A("rejected_days", "DATE", sorted({_ts(r["rejected_at"]).date() for r in r_rows})),
            A("rejection_ids", "STRING", [r["rejection_id"] for r in r_rows]),
        )
        return {(r["kind"], r["k"]) for r in rows}

    def save_evaluation(self, result: EvaluationResult) -> bool:
        return self._merge("merge_evaluation", [evaluation_row(result)]) > 0
