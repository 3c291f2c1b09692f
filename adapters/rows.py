"""Warehouse rows for the domain entities, shared by every store adapter (plain JSON values)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from domain.models import (
    STORED_CANDIDATES,
    EvaluationResult,
    ExtractedSkill,
    JobEnrichment,
    Posting,
    Rejection,
)


def posting_row(p: Posting, received_at: str) -> dict[str, Any]:
    return {
        "posting_id": p.posting_id,
        "content_hash": p.content_hash,
        "title": p.title,
        "company": p.company,
        "text": p.text,
        "source": p.source,
        "posted_at": p.posted_at,
        "received_at": received_at,
    }


def enrichment_row(e: JobEnrichment) -> dict[str, Any]:
    d = e.to_dict()
    return {
        "row_id": e.row_id,
        **{k: d[k] for k in ("posting_id", "content_hash", "enrichment_version")},
        "component_versions": d["component_versions"],
        "sections": d["sections"],
        # a row keeps the linker's first STORED_CANDIDATES candidates per skill
        "skills": [
            {**sk, "candidates": sk["candidates"][:STORED_CANDIDATES]} for sk in d["skills"]
        ],
        "skill_count": len(e.skills),
        "enriched_at": e.enriched_at,
        "processing_ms": d["processing_ms"],
        "truncated": e.truncated,
        "language": e.language,
        **occupation_columns(e),
    }


def skill_concept_row(s: ExtractedSkill) -> dict[str, Any]:
    """The per-skill concept columns (DuckDB enrichment_skills): link_level, group_id,
    group_name and the first STORED_CANDIDATES candidates as JSON text (None when there are
    none: rows from before 2026.11.10, a skill the linker never saw)."""
    cands = [c.to_dict() for c in s.candidates[:STORED_CANDIDATES]]
    return {
        "link_level": s.link_level,
        "group_id": s.group_id,
        "group_name": s.group_name,
        "candidates": json.dumps(cands) if cands else None,
    }


def occupation_columns(e: JobEnrichment) -> dict[str, Any]:
    """The occupation as stored: the whole code as JSON plus flat columns trends group by."""
    occ = dict(e.occupation) if e.occupation is not None else None
    return {
        "occupation": occ,
        "soc_code": occ.get("soc_code") if occ else None,
        "isco_group": occ.get("isco_group") if occ else None,
        "occupation_confidence": occ.get("confidence") if occ else None,
    }


STATE_KEYS = ("posting_id", "content_hash", "enrichment_version", "row_id", "enriched_at")


def state_rows(
    enrichment_rows: Iterable[dict[str, Any]],
    ts_key: Any,
    received: Mapping[tuple[str, str], Any] | None = None,
) -> list[dict[str, Any]]:
    """Each posting's latest enrichment in the batch, as state rows with a `received_at`: the
    intake stamp of its content from `received` ((posting_id, content_hash) -> stamp in the
    store's own form; missing: None). Latest = greatest (received_at, enriched_at), a None stamp
    the oldest; `ts_key` orders the stamps and enriched_at values."""
    got = received or {}

    def order(r: dict[str, Any]) -> tuple[bool, Any, Any]:
        at = r["received_at"]
        return (at is not None, ts_key(at) if at is not None else 0, ts_key(r["enriched_at"]))

    latest: dict[str, dict[str, Any]] = {}
    for e in enrichment_rows:
        r = {**{k: e[k] for k in STATE_KEYS},
             "received_at": got.get((e["posting_id"], e["content_hash"]))}  # fmt: skip
        cur = latest.get(r["posting_id"])
        if cur is None or _not_before(order(r), order(cur)):
            latest[r["posting_id"]] = r
    return list(latest.values())


def _not_before(a: tuple[bool, Any, Any], b: tuple[bool, Any, Any]) -> bool:
    if a[0] != b[0]:
        return a[0]  # a stamped row is later than an unstamped one
    if a[0] and a[1] != b[1]:
        return bool(a[1] > b[1])
    return bool(a[2] >= b[2])


def rejection_row(r: Rejection) -> dict[str, Any]:
    return r.to_dict()


def evaluation_row(r: EvaluationResult) -> dict[str, Any]:
    return r.to_dict()


def first_per_key(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """Drop later duplicates inside one batch: the first delivery wins, as across batches."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(tuple(r[k] for k in keys), r)
    return list(seen.values())
