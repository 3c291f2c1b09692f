"""DuckDB store: the intake ledger (domain/reconcile.py) and the events outbox (domain/events.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.duckdb.connection import LeasedConnection
from adapters.duckdb.values import _cutoff, _db_ts, _iso, _iso_us
from adapters.rows import first_per_key, posting_row
from domain.models import Posting
from domain.ports import DueEvent, IntakeEntry, LedgerCounts

# Ledger entries neither enriched (any version) nor recorded as failed, idle since the cutoff.
_UNACCOUNTED = """
    NOT EXISTS (SELECT 1 FROM job_enrichments e
                WHERE e.posting_id = i.posting_id AND e.content_hash = i.content_hash)
    AND NOT EXISTS (SELECT 1 FROM rejections r
                    WHERE r.posting_id = i.posting_id AND r.content_hash = i.content_hash)
    AND coalesce(i.last_attempt_at, i.accepted_at) <= ?
"""
_INTAKE_SPEC = json.dumps(
    [{**{c: "VARCHAR" for c in ("posting_id", "content_hash", "title", "company", "text",
                                 "source", "posted_at", "source_ref")}, "accepted_at": "TIMESTAMP",
      "received_at": "TIMESTAMP"}]
)  # fmt: skip


class IntakeLedger(LeasedConnection):
    """The intake ledger and event marks of the DuckDB store."""

    # The clock is this process's: DuckDB is one file on one host, so every process that opens
    # it (bridge, reconciler, persister) reads the same clock.

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        if not postings:
            return 0
        now = _db_ts(datetime.now(UTC).isoformat())
        rows = first_per_key(
            [
                {
                    **posting_row(p, _db_ts(p.received_at) if p.received_at else None),
                    "source_ref": ref[:300],
                    "accepted_at": now,
                }
                for p, ref in zip(postings, refs, strict=True)
            ],
            ("posting_id", "content_hash"),
        )
        with self._connect() as con:
            new = con.execute(
                f"""
                INSERT INTO intake (posting_id, content_hash, title, company, text, source,
                                    posted_at, source_ref, accepted_at, received_at)
                SELECT r.posting_id, r.content_hash, r.title, r.company, r.text, r.source,
                       r.posted_at, r.source_ref, r.accepted_at, r.received_at
                FROM (SELECT unnest(from_json(?, '{_INTAKE_SPEC}')) AS r)
                ON CONFLICT DO NOTHING RETURNING posting_id
                """,
                [json.dumps(rows)],
            ).fetchall()
        return len(new)

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        rows = self._query(
            f"""
            SELECT posting_id, text, content_hash, title, company, source, posted_at,
                   source_ref, accepted_at, attempts, received_at
            FROM intake i WHERE {_UNACCOUNTED}
            ORDER BY posting_id, content_hash LIMIT ?
            """,
            [_cutoff(grace_s), limit],
        )
        return [
            IntakeEntry(Posting(*r[:7], received_at=_iso_us(r[10])), r[7] or "", _iso(r[8]),
                        int(r[9]))
            for r in rows
        ]  # fmt: skip

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        if not keys:
            return 0
        keys_json = json.dumps([{"p": p, "h": h} for p, h in dict.fromkeys(keys)])
        with self._connect() as con:
            done = con.execute(
                """
                UPDATE intake SET attempts = attempts + 1, last_attempt_at = $1
                FROM (SELECT unnest(from_json($2, '[{"p": "VARCHAR", "h": "VARCHAR"}]')) AS k) AS s
                WHERE intake.posting_id = s.k.p AND intake.content_hash = s.k.h
                RETURNING intake.posting_id
                """,
                [_db_ts(datetime.now(UTC).isoformat()), keys_json],
            ).fetchall()
        return len(done)

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        rows = self._query(
            f"""
            SELECT (SELECT count(*) FROM intake), (SELECT count(*) FROM intake i WHERE {_UNACCOUNTED}),
                   (SELECT coalesce(sum(attempts), 0) FROM intake),
                   (SELECT count(*) FROM rejections WHERE stage = 'intake'
                      AND reason = 'lost_in_transit'),
                   (SELECT count(*) FROM intake WHERE text = '')
            """,
            [_cutoff(grace_s)],
        )
        return LedgerCounts(*(int(v) for v in rows[0]))

    def compact_intake(self, retention_s: float, limit: int) -> int:
        with self._connect() as con:
            done = con.execute(
                """
                UPDATE intake SET text = '', title = NULL, company = NULL
                FROM (SELECT i.posting_id, i.content_hash FROM intake i
                      WHERE i.text <> '' AND i.accepted_at <= $1
                        AND (EXISTS (SELECT 1 FROM job_enrichments e WHERE e.posting_id = i.posting_id
                                       AND e.content_hash = i.content_hash)
                             OR EXISTS (SELECT 1 FROM rejections r WHERE r.posting_id = i.posting_id
                                          AND r.content_hash = i.content_hash))
                      ORDER BY 1, 2 LIMIT $2) AS s
                WHERE intake.posting_id = s.posting_id AND intake.content_hash = s.content_hash
                RETURNING intake.posting_id
                """,
                [_cutoff(retention_s), limit],
            ).fetchall()
        return len(done)

    # -- events outbox (domain/events.py) ------------------------------------------------------

    def mark_events_sent(self, rows: Sequence[tuple[str, str]]) -> int:
        if not rows:
            return 0
        now = _db_ts(datetime.now(UTC).isoformat())
        data = json.dumps([{"r": r, "p": p} for r, p in dict(rows).items()])
        with self._connect() as con:
            new = con.execute(
                """
                INSERT INTO event_marks (row_id, posting_id, sent_at)
                SELECT s.k.r, s.k.p, $1
                FROM (SELECT unnest(from_json($2, '[{"r": "VARCHAR", "p": "VARCHAR"}]')) AS k) AS s
                ON CONFLICT DO NOTHING RETURNING row_id
                """,
                [now, data],
            ).fetchall()
        return len(new)

    _DUE = """
        FROM job_enrichments e
        WHERE e.enriched_at >= ? AND e.enriched_at <= ?
          AND NOT EXISTS (SELECT 1 FROM event_marks m WHERE m.row_id = e.row_id)
    """

    def due_events(self, window_s: float, grace_s: float, limit: int) -> list[DueEvent]:
        rows = self._query(
            f"SELECT e.row_id, e.posting_id {self._DUE} ORDER BY e.row_id LIMIT ?",
            [_cutoff(window_s), _cutoff(grace_s), limit],
        )
        return [DueEvent(r[0], r[1]) for r in rows]

    def count_due_events(self, window_s: float, grace_s: float) -> int:
        rows = self._query(f"SELECT count(*) {self._DUE}", [_cutoff(window_s), _cutoff(grace_s)])
        return int(rows[0][0])
