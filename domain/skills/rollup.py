"""Roll-up of skills by taxonomy group (issue #24), as the lines `enrich summary` prints."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ports import GroupCount


def group_lines(groups: Sequence[GroupCount]) -> list[str]:
    """A header and one line per group: postings naming it, skills placed in it, code, name.
    A skill counts in its nearest group only, so a parent (isced-f/06) can show fewer postings
    than its child (isced-f/061): the header says so (ops8's trial read it as a roll-up). No group (rows from before 2026.11.10, or nothing placed): the header says so."""
    if not groups:
        return ["top skill groups: none (rows before 2026.11.10 carry no group)"]
    width = max(len(g.group_id) for g in groups)  # whole codes: a cut one names nothing
    header = "top skill groups (postings, skills; each skill in its nearest group only, not in"
    header += " the groups above it; concept and group-level links):"
    return [header] + [
        f"  {g.postings:>5} {g.skills:>6}  {g.group_id:<{width}} {g.name[:70]}" for g in groups
    ]
