"""`enrich-ops trends`: skill-demand trends from the warehouse (demand, rising/falling, co-occurring)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, Command, PeriodType, call
from cli.common import table as _table
from domain.trends import DIMENSIONS, PERIODS, Changes, Coverage, Demand, Period, TrendStore

if TYPE_CHECKING:
    from worker.settings import Settings


def trend_store(settings: Settings) -> TrendStore:
    """The TrendStore of the configured warehouse (read-only)."""
    from worker.bootstrap import _build_store

    store: Any = _build_store(settings)
    if settings.store_backend == "bigquery":
        from adapters.bigquery.trends import BigQueryTrends

        return BigQueryTrends(store)
    from adapters.duckdb.trends import DuckDbTrends

    return DuckDbTrends(store)


def _coverage_lines(c: Coverage) -> list[str]:
    out = [f"{c.postings} postings counted, one row each (latest enrichment per posting)"]
    if c.spans_versions:
        out.append("NOTE: this period spans enrichment versions " + ", ".join(
            f"{v} ({n} postings)" for v, n in c.versions) + "; pin one with --version")  # fmt: skip
    elif c.versions:
        out.append(f"version {c.versions[0][0]}")
    if c.fallback_dates:
        out.append(f"{c.fallback_dates} postings have no readable posted_at: dated by received_at")
    return out


def group_names(settings: Settings) -> dict[str, str]:
    """Skill group code -> name from the active taxonomy's hierarchy
    (config/taxonomy/skill_groups.jsonl.gz), as `enrich summary` names groups; {} without it."""
    from adapters.artifacts.concept_linker import load_hierarchy

    path = settings.active_config_root() / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    return {c: g.name for c, g in load_hierarchy(path).groups.items()} if path.is_file() else {}


def named(demand: Demand, ch: Changes, names: dict[str, str]) -> tuple[Demand, Changes]:
    """The answers with each group code's name as its label (a code the hierarchy lacks keeps
    its code)."""
    return (
        replace(demand, points=tuple(replace(p, label=names.get(p.key, p.label))
                                     for p in demand.points)),
        replace(ch, rising=tuple(replace(c, label=names.get(c.key, c.label)) for c in ch.rising),
                falling=tuple(replace(c, label=names.get(c.key, c.label)) for c in ch.falling)),
    )  # fmt: skip


# "all time" for the questions about postings outside the asked span
EVER = Period("1000-01-01", "9999-01-01")


def _next_month(month: str) -> str:
    """'2021-08' -> '2021-09-01'."""
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}-01"


def outside_line(trends: TrendStore, span: Period, version: str | None, asked: str) -> str | None:
    """'59 postings dated 2020-12..2021-08 are outside <asked>: --span A..B' when postings fall
    outside `span` (months from the demand of their top 1,000 concepts), else None."""
    n, months = 0, []
    for start, end in ((EVER.start, span.start), (span.end, EVER.end)):
        if start >= end:
            continue
        d = trends.demand("concept", "month", Period(start, end), 1000, version)
        n += d.coverage.postings
        months += [pt.bucket[:7] for pt in d.points]
    if not n:
        return None
    if not months:
        return f"{n} postings are outside {asked}: widen it with --span START..END"
    start = min(f"{min(months)}-01", span.start)
    end = max(_next_month(max(months)), span.end)
    return (f"{n} postings dated {min(months)}..{max(months)} are outside {asked}: include "
            f"them with --span {start}..{end}")  # fmt: skip


def cmd_trends(args: Any, settings: Settings) -> int:
    from worker.errors import BAD_INPUT, FAILED, CliError

    span = args.span
    if span is None:
        today = date.today()
        span = Period(
            (today - timedelta(weeks=12)).isoformat(), (today + timedelta(days=1)).isoformat()
        )
    asked = f"{span.start}..{span.end}"
    asked = asked if args.span else f"the last 12 weeks ({asked})"
    trends = trend_store(settings)
    if args.by == "cluster" and not args.anchor:
        from worker.bootstrap import _build_store

        if not any(r.is_active for r in _build_store(settings).cluster_runs()):  # type: ignore[attr-defined]
            raise CliError("no clustering run: enrich-ops cluster", FAILED)
    if args.anchor and not trends.cooccurring(args.anchor, EVER, 1, args.version).anchor_postings:
        raise CliError(
            f"unknown --with {args.anchor}: no posting has it (ids as in `enrich-ops trends`: "
            "esco:..., onet:..., span:..., or soc:XX-XXXX)",
            BAD_INPUT,
        )
    outside = outside_line(trends, span, args.version, asked)
    if args.anchor:
        co = trends.cooccurring(args.anchor, span, args.top, args.version)
        print(f"skills found with {args.anchor} in {span.start}..{span.end} "
              f"({co.anchor_postings} postings):")  # fmt: skip
        print(_table([(c.key, c.label, c.postings, f"{c.share:.0%}") for c in co.items],
                     ("skill", "name", "postings", "share")))  # fmt: skip
        print("\n".join(_coverage_lines(co.coverage)))
        if outside:
            print(outside)
        return 0
    demand = trends.demand(args.by, args.period, span, args.top, args.version)
    if args.compare:
        before, after = args.compare
    else:
        mid = date.fromordinal((date.fromisoformat(span.start).toordinal()
                                + date.fromisoformat(span.end).toordinal()) // 2).isoformat()  # fmt: skip
        before, after = Period(span.start, mid), Period(mid, span.end)
    ch = trends.changes(args.by, before, after, args.top, args.version)
    if args.by == "group":
        demand, ch = named(demand, ch, group_names(settings))
    print(f"postings per {args.period} per {args.by}, {span.start}..{span.end}, top {args.top}:")
    print(_table([(p.bucket, p.key, p.label, p.postings) for p in demand.points],
                 (args.period, args.by, "name", "postings")))  # fmt: skip
    for name, rows in (("rising", ch.rising), ("falling", ch.falling)):
        print(f"\n{name} from {before.start}..{before.end} to {after.start}..{after.end}:")
        print(_table([(c.key, c.label, c.before, c.after, f"{c.delta:+d}",
                       "new" if c.ratio is None else f"{c.ratio:.2f}x") for c in rows],
                     (args.by, "name", "before", "after", "change", "ratio")))  # fmt: skip
    print()
    print("\n".join(_coverage_lines(demand.coverage)))
    if outside:
        print(outside)
    if args.plot:
        from adapters.reports.trends_png import plot_trends

        plot_trends(demand, ch, f"postings per {args.period} per {args.by}", args.plot)
        print(f"plot written to {args.plot}")
    return 0


@click.command(
    "trends",
    cls=Command,
    short_help="skill demand over time: postings per week/month per skill, skill group, skill "
    "category, occupation, cluster",
    help="Counts postings (each once, by its latest enrichment; --version pins one) on posted_at, "
    "or received_at where posted_at is missing (said as such). Prints demand per period for the "
    "top keys and the keys that rose / fell most between the two halves of the span (or "
    "--compare); --with prints the skills found with a skill or 'soc:XX-XXXX'. --by group: "
    "ESCO's level-1 skill groups (S1..S8, T1..T6, L1/L2, ISCED-F broad fields such as "
    "isced-f/06; an O*NET category counts under isced-f/06), each skill by its nearest group, "
    "a posting once per group; rows enriched before 2026.11.10 carry no group and count in none. "
    "--by category: the five skill categories (knowledge, skill/competence, ...). "
    "Example: enrich-ops trends --by group --period month --span 2020-12-01..2021-09-01",
)
@click.option("--by", type=click.Choice(DIMENSIONS), default="concept",
              help="what to count postings per: concept, category (the five skill categories), "
              "group (level-1 skill group), occupation, cluster (default concept)")  # fmt: skip
@click.option("--period", type=click.Choice(PERIODS), default="week",
              help="bucket of the demand table (default week)")  # fmt: skip
@click.option("--span", type=PeriodType(), help="START..END (default: the last 12 weeks)")
@click.option("--compare", type=PeriodType(), nargs=2, metavar="START..END START..END",
              help="two periods for rising/falling (default: the two halves of --span)")  # fmt: skip
@click.option("--top", type=COUNT, default=10, help="keys per table (default 10)")
@click.option("--version",
              help="count only rows of this enrichment version (default: each posting's latest)")  # fmt: skip
@click.option("--with", "anchor", metavar="SKILL_ID|soc:CODE",
              help="list the skills found with this skill id or occupation instead")  # fmt: skip
@click.option("--plot", type=click.Path(path_type=Path),
              help="also write demand lines + rising/falling bars (PNG)")  # fmt: skip
def trends(**params: Any) -> int:
    return call(cmd_trends, params)
