"""What a warehouse's occupations add up to (`enrich summary`, issue #27): the stores group each
posting's current row by occupation, method and reason; this ranks those groups. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OccupationGroup:
    """Postings of one (SOC code, SOC title, ISCO group, method, reason) among the rows a store
    counts, and the sum of their stored occupation confidence (`occupation_confidence`, in
    [0, 1] per row; 0.0 on 'none' rows). method is 'title', 'skills' or 'none', and None on
    rows written before occupation coding (enrichment 2026.11.8: occupation NULL)."""

    soc_code: str | None
    soc_title: str | None
    isco_group: str | None
    method: str | None
    reason: str | None
    postings: int
    confidence_sum: float


@dataclass(frozen=True, slots=True)
class OccupationCount:
    """One SOC 2018 occupation ('XX-XXXX') and the postings coded to it: `by_title` from the
    title, `by_skills` from the skills (docs/occupations.md: often a guess), `mean_confidence`
    the mean of their stored confidence in [0, 1]. soc_title: the O*NET title the rows carry
    (the most frequent one; ties: the first in sort order). isco_group: the ISCO-08 unit group
    (4 digits) most of them carry, ties the lowest; None when none carries one."""

    soc_code: str
    soc_title: str | None
    isco_group: str | None
    postings: int
    by_title: int
    by_skills: int
    mean_confidence: float


@dataclass(frozen=True, slots=True)
class OccupationSummary:
    """The occupations of the postings a store counts (each posting's current row, at one
    enrichment version): `postings` in all; `top` the most frequent SOC codes (postings
    descending, then code); `methods` postings per method ('title' | 'skills' | 'none'; None:
    rows from before occupation coding); `reasons` postings per no-code reason (method 'none')."""

    postings: int = 0
    top: tuple[OccupationCount, ...] = ()
    methods: Mapping[str | None, int] = field(default_factory=dict)
    reasons: Mapping[str, int] = field(default_factory=dict)


def _first_most_common(counts: Counter[str]) -> str | None:
    if not counts:
        return None
    return min(counts, key=lambda k: (-counts[k], k))


def summarize_occupations(groups: Iterable[OccupationGroup], limit: int) -> OccupationSummary:
    """Rank the groups a store read into the top `limit` SOC codes plus the counts per method
    and per no-code reason. Groups without a soc_code count in `methods` (and `reasons`) only."""
    methods: Counter[str | None] = Counter()
    reasons: Counter[str] = Counter()
    per_code: dict[str, list[OccupationGroup]] = {}
    for g in groups:
        methods[g.method] += g.postings
        if g.method == "none":
            reasons[g.reason or "unknown"] += g.postings
        if g.soc_code is not None:
            per_code.setdefault(g.soc_code, []).append(g)
    counts = []
    for code, gs in per_code.items():
        n = sum(g.postings for g in gs)
        titles: Counter[str] = Counter()
        iscos: Counter[str] = Counter()
        for g in gs:
            if g.soc_title:
                titles[g.soc_title] += g.postings
            if g.isco_group:
                iscos[g.isco_group] += g.postings
        counts.append(
            OccupationCount(
                soc_code=code,
                soc_title=_first_most_common(titles),
                isco_group=_first_most_common(iscos),
                postings=n,
                by_title=sum(g.postings for g in gs if g.method == "title"),
                by_skills=sum(g.postings for g in gs if g.method == "skills"),
                mean_confidence=sum(g.confidence_sum for g in gs) / n,
            )
        )
    counts.sort(key=lambda c: (-c.postings, c.soc_code))
    return OccupationSummary(
        postings=sum(methods.values()),
        top=tuple(counts[:limit]),
        methods=dict(methods),
        reasons=dict(reasons),
    )
