"""How values travel between Python and the DuckDB store: timestamps, string lists, re-read postings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.models import Posting

# A list of strings as ONE JSON text parameter. DuckDB's Python binding checks every element of a
# list parameter for a pandas object, and without pandas installed each check is a failed
# import: 74 ms per 1,000 ids (the bridge's --wait spent 60% of its CPU there). As JSON: 1.4 ms.
_STRINGS = """(SELECT unnest(from_json(?, '["VARCHAR"]')))"""


def _strings(values: Sequence[str]) -> str:
    return json.dumps(list(values))


def _ts(iso: str) -> datetime:
    """ISO 8601 (any offset) -> naive UTC, which is how timestamps are stored."""
    dt = datetime.fromisoformat(iso)
    return (dt.astimezone(UTC) if dt.tzinfo else dt).replace(tzinfo=None)


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC).isoformat(timespec="milliseconds")


def _iso_us(dt: datetime | None) -> str | None:
    """A stored intake stamp back to ISO 8601 UTC, microseconds kept (they order the stamps)."""
    return None if dt is None else dt.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _db_ts(iso: str) -> str:
    return _ts(iso).isoformat(sep=" ")


def _cutoff(grace_s: float) -> str:
    return _db_ts((datetime.now(UTC) - timedelta(seconds=grace_s)).isoformat())


def _reread(r: tuple[Any, ...]) -> Posting:
    """A posting read back for a re-run (drift, replay): its 7 stored fields, then its intake
    stamp: the state's when the state holds this content, else the postings row's."""
    return Posting(*r[:7], received_at=_iso_us(r[7]))
