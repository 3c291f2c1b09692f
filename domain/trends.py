"""Skill-demand trends: the questions analysts ask of the warehouse, as a port and its answers.

Every answer counts postings once, by the row that is current for them (the latest enrichment
per posting, or with `version` the latest row of that version), on the posting's posted_at
(received_at when posted_at is missing or unreadable: `fallback_dates` says how many), and lists
the enrichment versions its rows come from so a period that spans two versions says so.
Periods are half-open: start <= t < end, ISO dates ('2026-01-01').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

# concept: skill_id; category: the five skill categories (knowledge, skill/competence, ...);
# group: the level-1 skill group of each skill's nearest group (level1_group; rows written
# before 2026.11.10 carry no group_id and count in no group); occupation: SOC code;
# cluster: the active clustering run's cluster id.
DIMENSIONS = ("concept", "category", "group", "occupation", "cluster")
PERIODS = ("week", "month")
ONET_LEVEL1 = "isced-f/06"  # O*NET technology categories sit under isced-f/061

# Code books of the per-row key masks a store may keep so that trends by category / group read
# one integer per posting instead of its skill rows (DuckDB: job_enrichments.category_mask /
# group_mask): bit i stands for BOOK[i]. APPEND ONLY: a stored mask keeps the meaning the book
# had when the row was written. A key outside its book sets OUTSIDE_BIT, and a query that meets
# it counts from the skill rows instead (same answer, slower).
GROUP_BOOK = (
    "L1", "L2", *(f"S{i}" for i in range(1, 9)), *(f"T{i}" for i in range(1, 7)),
    *(f"isced-f/{i:02d}" for i in range(11)), "isced-f/99",
)  # fmt: skip
CATEGORY_BOOK = (
    "knowledge", "skill/competence", "transversal", "technology/tool", "language", "certification",
)  # fmt: skip
OUTSIDE_BIT = 63


@dataclass(frozen=True)
class Period:
    start: str  # ISO date, inclusive
    end: str  # ISO date, exclusive

    def __post_init__(self) -> None:
        if not (len(self.start) >= 10 and len(self.end) >= 10 and self.start < self.end):
            raise ValueError(f"a period needs ISO dates with start < end, got {self}")


@dataclass(frozen=True)
class TrendPoint:
    bucket: str  # ISO date of the week's Monday / the month's first day
    key: str  # skill_id, skill category, level-1 group code, SOC code or cluster id
    label: str
    postings: int


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: int  # postings in the first period
    after: int  # postings in the second period

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def ratio(self) -> float | None:
        return None if self.before == 0 else self.after / self.before


@dataclass(frozen=True)
class CoCount:
    key: str  # skill_id
    label: str
    postings: int  # postings that have both
    share: float  # of the postings that have the anchor


@dataclass(frozen=True)
class Coverage:
    """Which versions the counted rows come from, and how many dates fell back to received_at."""

    versions: tuple[tuple[str, int], ...] = ()
    fallback_dates: int = 0
    postings: int = 0

    @property
    def spans_versions(self) -> bool:
        return len(self.versions) > 1


@dataclass(frozen=True)
class Demand:
    points: tuple[TrendPoint, ...]
    coverage: Coverage = field(default_factory=Coverage)


@dataclass(frozen=True)
class Changes:
    rising: tuple[Change, ...]
    falling: tuple[Change, ...]
    coverage: Coverage = field(default_factory=Coverage)


@dataclass(frozen=True)
class CoOccurrence:
    anchor_postings: int
    items: tuple[CoCount, ...]
    coverage: Coverage = field(default_factory=Coverage)


class TrendStore(Protocol):
    """Named trend queries; every adapter answers them the same way (tests/contract)."""

    def demand(
        self, dimension: str, period: str, span: Period, limit: int = 10, version: str | None = None
    ) -> Demand:
        """Postings per `period` bucket per key of `dimension`, for the `limit` keys with the
        most postings in `span`. dimension in DIMENSIONS, period in PERIODS."""
        ...

    def changes(
        self, dimension: str, before: Period, after: Period, limit: int = 10,
        version: str | None = None,
    ) -> Changes:  # fmt: skip
        """The keys whose postings rose / fell most (by count) from `before` to `after`."""
        ...

    def cooccurring(
        self, anchor: str, span: Period, limit: int = 10, version: str | None = None
    ) -> CoOccurrence:
        """Skills most often found with `anchor`: a skill_id, or 'soc:XX-XXXX' for an occupation."""
        ...


def level1_group(group_id: str) -> str:
    """The level-1 skill group of a stored `group_id` (a skill's nearest group), by its code:
    "S5.1.1" -> "S5", "T3.1" -> "T3", "L1" -> "L1", "isced-f/0613" -> "isced-f/06" (the broad
    field: 2 digits), "onet-category:<name>" -> "isced-f/06" (O*NET technology categories sit
    under isced-f/061). Matches config/taxonomy/skill_groups.jsonl.gz for every group in it
    (tests/unit/test_trends_groups.py); the warehouses' SQL applies the same rule."""
    if group_id.startswith("onet-category:"):
        return ONET_LEVEL1
    if group_id.startswith("isced-f/"):
        return group_id[: len("isced-f/") + 2]
    return group_id.split(".", 1)[0]


def key_mask(keys: Iterable[str], book: Sequence[str]) -> int:
    """The bits of `keys` in `book` OR-ed together (0 for no key): an int in [0, 2**64), bit i
    for book[i], bit OUTSIDE_BIT for any key the book does not hold."""
    mask = 0
    for key in keys:
        mask |= 1 << (book.index(key) if key in book else OUTSIDE_BIT)
    return mask


def skill_masks(skills: Iterable[tuple[str, str | None]]) -> tuple[int, int]:
    """(category mask, level-1 group mask) of one enrichment row's skills, each given as
    (category, group_id or None): the masks over CATEGORY_BOOK and GROUP_BOOK (key_mask); a
    skill without a group_id sets no group bit."""
    pairs = list(skills)
    return (
        key_mask((c for c, _ in pairs), CATEGORY_BOOK),
        key_mask((level1_group(g) for _, g in pairs if g), GROUP_BOOK),
    )


def check(dimension: str, period: str = "week") -> None:
    """ValueError naming the bad choice (the CLI turns it into a one-line error)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, got {dimension!r}")
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")


def split_changes(
    rows: Sequence[Change], limit: int
) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """Rising: largest positive delta first; falling: most negative first; ties by key."""
    rising = sorted((c for c in rows if c.delta > 0), key=lambda c: (-c.delta, c.key))[:limit]
    falling = sorted((c for c in rows if c.delta < 0), key=lambda c: (c.delta, c.key))[:limit]
    return tuple(rising), tuple(falling)
