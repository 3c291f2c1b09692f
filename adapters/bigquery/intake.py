"""BigQuery store: the intake ledger (domain/reconcile.py)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.bigquery.client import translated
from adapters.bigquery.columns import _iso, _iso_us
from adapters.bigquery.runner import P, QueryRunner
from adapters.rows import first_per_key, posting_row
from domain.models import Posting
from domain.ports import IntakeEntry, LedgerCounts


class IntakeLedger(QueryRunner):
    """The intake ledger of the BigQuery store."""

    # accepted_at / last_attempt_at come from CURRENT_TIMESTAMP() in the SQL: BigQuery's clock.

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        rows = first_per_key(
            [
                {**posting_row(p, p.received_at or ""), "source_ref": ref[:300]}
                for p, ref in zip(postings, refs, strict=True)
            ],
            ("posting_id", "content_hash"),
        )
        return self._merge("merge_intake", rows)

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        rows = self._run(
            "unaccounted_intake",
            P("grace_ms", "INT64", int(grace_s * 1000)),
            P("limit", "INT64", limit),
        )
        return [
            IntakeEntry(
                Posting(r["posting_id"], r["text"], r["content_hash"], r["title"], r["company"],
                        r["source"], r["posted_at"], received_at=_iso_us(r["received_at"])),
                r["source_ref"] or "", _iso(r["accepted_at"]), int(r["attempts"]),
            )
            for r in rows
        ]  # fmt: skip

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        return self._merge("mark_reenqueued", [{"p": p, "h": h} for p, h in dict.fromkeys(keys)])

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        r = next(iter(self._run("ledger_counts", P("grace_ms", "INT64", int(grace_s * 1000)))))
        return LedgerCounts(
            int(r["accepted"]), int(r["unaccounted"]), int(r["reenqueued"]),
            int(r["lost_in_transit"]), int(r["compacted"]),
        )  # fmt: skip

    def compact_intake(self, retention_s: float, limit: int) -> int:
        with translated("compact_intake"):
            job = self._job(
                "compact_intake",
                [P("retention_ms", "INT64", int(retention_s * 1000)), P("limit", "INT64", limit)],
            )
            return int(job.num_dml_affected_rows or 0)
