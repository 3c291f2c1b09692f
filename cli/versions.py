"""`enrich summary`, `enrich versions`, `enrich history`: what the warehouse holds, per version."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from cli.common import Argument, Command, call
from cli.common import current_version as _current_version
from cli.common import store as _store

if TYPE_CHECKING:
    from domain.occupations.summary import OccupationSummary
    from domain.ports import GroupCount
    from worker.settings import Settings


def print_summary(
    settings: Settings, postings: int | None = None, seconds: float | None = None
) -> None:
    """Print the warehouse summary: current version, rows per version, drift backlog, top 15
    skills, top 10 skill groups, occupations (postings per method and no-code reason, top 10
    SOC codes), rejection/failure counts; with `postings` and `seconds` (wall, s) also the fleet
    throughput. Raises what the store raises (StoreUnusable, StoreBusy: see worker/errors.py)."""
    store = _store(settings)
    version = _current_version(settings)
    print(f"current enrichment version: {version}")
    if postings is not None and seconds:
        print(
            f"fleet throughput: {postings} postings in {seconds:.1f}s = {postings / seconds:.1f} postings/s"
        )
    print(
        f"skills per posting (current version; distinct skills per enrichment row, averaged): "
        f"{store.skills_per_posting(version):.1f}"
    )
    print("rows per version:")
    for c in store.counts_by_version():
        mark = "  <- current" if c.enrichment_version == version else ""
        print(
            f"  {c.enrichment_version:<28} {c.rows:>7} rows {c.latest:>7} postings at it now{mark}"
        )
    print(f"drift backlog (latest row not current): {store.count_drifted(version)}")
    print("top skills (postings mentioning them):")
    top = store.top_skills(version, 15)
    width = name_width(max((len(s.category) for s in top), default=0))
    for s in top:
        print(f"  {s.postings:>5}  {s.name[:width]:<{width}} {s.category}")
    from domain.skills.rollup import group_lines

    print("\n".join(group_lines(named_groups(settings, store.top_groups(version, 10)))))
    print("\n".join(occupation_lines(store.top_occupations(version, 10))))
    counts = store.rejection_counts()
    print(f"rejections/failures: {sum(counts.values())}")
    for (stage, reason), n in sorted(counts.items()):
        print(f"  {n:>5}  {stage}/{reason}")


# What a method's count is called in `summary` (None: the row has no occupation at all).
METHOD_LABELS: dict[str | None, str] = {
    "title": "from the title",
    "skills": "from the skills",
    "none": "no code",
    None: "not coded (rows written before occupation coding, 2026.11.8)",
}


def occupation_lines(s: OccupationSummary) -> list[str]:
    """The occupations block of `summary`: postings per method and per no-code reason, then the
    top SOC codes (postings; coded from title / from skills; mean confidence; SOC code, ISCO-08
    unit group most of them carry, O*NET title). Counted on each posting's current row at the
    current version (EnrichmentStore.top_occupations)."""
    if not s.postings:
        return [
            "occupations: none (no posting's current row is at the current version; postings "
            "at older versions count once re-enriched: see the drift backlog above)"
        ]
    order = sorted(
        s.methods, key=lambda m: list(METHOD_LABELS).index(m) if m in METHOD_LABELS else 9
    )
    n = f"{s.postings} posting" + ("s" if s.postings != 1 else "")
    lines = [f"occupations (the current row of {n} at the current version):"]
    lines += [f"  {s.methods[m]:>5}  {METHOD_LABELS.get(m, m)}" for m in order]
    for reason, n in sorted(s.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:>5}    no code: {reason}")
    if not s.top:
        return [*lines, "top occupations: none coded"]
    lines.append(
        "top occupations (postings, from title, from skills, mean confidence: the expected "
        "share right at 6 digits since coder v9, 2026.12.7, a score before; docs/occupations.md):"
    )
    for c in s.top:
        isco = f"ISCO {c.isco_group}" if c.isco_group else "ISCO -"
        lines.append(
            f"  {c.postings:>5} {c.by_title:>5} {c.by_skills:>5}  {c.mean_confidence:.2f}  "
            f"{c.soc_code}  {isco}  {c.soc_title or ''}"
        )
    return lines


def name_width(rest: int) -> int:
    """Characters of a skill name `summary` shows: what the terminal leaves beside the counts
    and a `rest`-wide column, at least 70 (a pipe or a log gets 70)."""
    columns = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 0
    return max(70, columns - 9 - rest)


def named_groups(settings: Settings, groups: Sequence[GroupCount]) -> list[GroupCount]:
    """The groups with a name beside each code: the stored group_name, else the active
    taxonomy's (config/taxonomy/skill_groups.jsonl.gz; BigQuery's ANY_VALUE may pick a row
    without one), else the O*NET category's own words ('onet-category:<name>')."""
    if all(g.name for g in groups):
        return list(groups)
    from adapters.artifacts.concept_linker import load_hierarchy

    path = settings.active_config_root() / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    known = load_hierarchy(path).groups if path.is_file() else {}

    def name(code: str) -> str:
        return known[code].name if code in known else code.partition(":")[2]

    return [g if g.name else replace(g, name=name(g.group_id)) for g in groups]


def cmd_summary(args: Any, settings: Settings) -> int:
    print_summary(settings)
    return 0


def cmd_versions(args: Any, settings: Settings) -> int:
    from adapters.artifacts.config_files import load_config

    m = load_config(settings.active_config_root()).manifest
    print(
        json.dumps(
            {"effective": m.effective, "declared": m.declared, "components": m.labels()}, indent=2
        )
    )
    return 0


# The store has no per-posting rejection read: history filters the newest rejection rows.
REJECTIONS_SCANNED = 10_000


def cmd_history(args: Any, settings: Settings) -> int:
    from worker.errors import FAILED

    store = _store(settings)
    rows = store.posting_history(args.posting_id)
    for e in rows:
        print(json.dumps({"enrichment_version": e.enrichment_version, "enriched_at": e.enriched_at,
                          "content_hash": e.content_hash, "components": e.component_versions,
                          "skills": [s.name for s in e.skills], "language": e.language,
                          "occupation": e.occupation}))  # fmt: skip
    rejected = [r for r in store.rejections(REJECTIONS_SCANNED) if r.posting_id == args.posting_id]
    for r in reversed(rejected):  # oldest first, like the enrichments; detail holds no posting text
        print(json.dumps({"rejected_at": r.rejected_at, "stage": r.stage, "reason": r.reason,
                          "detail": r.detail, "content_hash": r.content_hash}))  # fmt: skip
    if not rows and not rejected:
        print(f"no rows for {args.posting_id}", file=sys.stderr)
        return FAILED
    return 0


@click.command(
    "summary",
    cls=Command,
    short_help="rows per version, drift, top skills, occupations, rejections",
    help="Print what the warehouse holds: the current enrichment version, skills per posting "
    "(distinct skills per enrichment row at that version, averaged), rows and postings per "
    "version, the drift backlog, the top 15 skills and top 10 skill groups by postings, the "
    "occupations of the postings whose current row is at the current version (postings per "
    "method: from the title, from the skills, no code, not coded (rows from before 2026.11.8); "
    "no-code postings per reason; the top 10 SOC codes with postings, how many from title and "
    "from skills, mean confidence, ISCO-08 group and title; see docs/occupations.md), and "
    "rejections / failures by stage and reason. Example: enrich summary",
)
def summary(**params: Any) -> int:
    return call(cmd_summary, params)


@click.command(
    "versions",
    cls=Command,
    short_help="the active model versions and fingerprints",
    help="Print, as JSON, the effective enrichment version of the active config "
    "(<declared>+<fingerprint>), the declared one and one label per component "
    "(<name>.v<version>@<fingerprint>, e.g. skill_ensemble.v10@9eb11c88): what every new row "
    "will carry. Example: enrich versions",
)
def versions(**params: Any) -> int:
    return call(cmd_versions, params)


@click.command(
    "history",
    cls=Command,
    short_help="every enrichment of one posting, oldest first",
    help="Print one JSON line per enrichment row of the posting, oldest first (version, time, "
    "content hash, component labels, skill names, language, occupation as `enrich extract` "
    "prints it; null on rows from before either), then one per rejection or failure row "
    "(stage, reason, detail; never the posting text). An id with no row: 'no rows for ID' on "
    "stderr, exit 1. Example: enrich history bad-missing-text",
)
@click.argument("posting_id", cls=Argument)
def history(**params: Any) -> int:
    return call(cmd_history, params)
