"""BigQuery store values: an enrichment row in job_enrichments' parallel per-skill columns and
back, and the timestamp conversions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def _parallel(row: Any, column: str, i: int, names: tuple[str, ...]) -> dict[str, Any]:
    """The i-th skill's fields from a parallel per-skill column (skill_links since migration
    003, skill_sections since 005); None for rows written before the column existed."""
    entries = row.get(column) or []
    return {n: entries[i][n] if i < len(entries) else None for n in names}


def _concepts(row: Any, i: int) -> dict[str, Any]:
    """The i-th skill's concept fields from skill_concepts (migration 010); None / no
    candidates for rows written before."""
    d = _parallel(row, "skill_concepts", i, ("link_level", "group_id", "group_name", "candidates"))
    d["candidates"] = [dict(c) for c in d["candidates"] or ()]
    return d


def _mention_years(row: Any, i: int) -> list[dict[str, Any]]:
    """The years of the i-th skill's mentions, in mention order, from skill_years (migration
    009); an empty list for rows written before it (their mentions read no years)."""
    entries = row.get("skill_years") or []
    return list(entries[i]["mentions"] or []) if i < len(entries) else []


def _with_years(mentions: Any, years: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, m in enumerate(mentions):
        y = years[k] if k < len(years) else {}
        out.append({**dict(m), "years_min": y.get("years_min"), "years_max": y.get("years_max")})
    return out


def _json_or_none(text: str | None) -> Any:
    """A JSON column read through TO_JSON_STRING: NULL comes back as None or 'null'."""
    return None if text in (None, "null") else json.loads(text)


def enrichment_columns(row: dict[str, Any]) -> dict[str, Any]:
    """An enrichment row (adapters/rows.py) in job_enrichments' columns: per-skill link, section
    and concept fields go to the parallel columns skill_links / skill_sections / skill_concepts
    / skill_years (migrations 003, 005, 010, 009), same order as skills."""
    skills = row["skills"]
    return {
        **row,
        "skills": [{k: s.get(k) for k in _SKILL_FIELDS} for s in skills],
        "skill_links": [
            {"skill_id": s["skill_id"], "link_score": s.get("link_score"),
             "link_method": s.get("link_method")}
            for s in skills
        ],
        "skill_sections": [
            {"skill_id": s["skill_id"], "section": s.get("section"),
             "section_relevance": s.get("section_relevance")}
            for s in skills
        ],
        # migration 010: where each skill sits and its first candidates (re-thresholding)
        "skill_concepts": [
            {"skill_id": s["skill_id"], "link_level": s.get("link_level"),
             "group_id": s.get("group_id"), "group_name": s.get("group_name"),
             "candidates": [
                 {k: c.get(k) for k in ("skill_id", "name", "score", "source")}
                 for c in s.get("candidates") or ()
             ]}
            for s in skills
        ],
        # migration 009: each mention's years of experience, in mention order
        "skill_years": [
            {"skill_id": s["skill_id"],
             "mentions": [
                 {"years_min": m.get("years_min"), "years_max": m.get("years_max")}
                 for m in s.get("mentions") or ()
             ]}
            for s in skills
        ],
    }  # fmt: skip


_SKILL_FIELDS = ("skill_id", "name", "category", "confidence", "source_strategies", "mentions")


def _iso_us(dt: datetime | None) -> str | None:
    """An intake stamp as ISO 8601 UTC, microseconds kept (they order the stamps)."""
    return None if dt is None else dt.astimezone(UTC).isoformat(timespec="microseconds")


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def _ts(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
