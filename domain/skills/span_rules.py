"""The skill extractor's span rules: ambiguous forms kept only in context, named technologies,
"<label>: <names>" field lines, merging overlapping candidates, splitting a span over several
names, the member whose concept names a merged span, and the per-posting candidate counts. Pure."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from spacy.tokens import Doc

from domain.models import KIND_OF_CATEGORY, Section
from domain.sections.header_rules import section_at
from domain.skills.ensemble_types import (
    _DICTIONARY,
    _TECHNICAL,
    LIST_NAMES,
    NAMED,
    NAMING_SECTIONS,
    SEPARATORS,
    EnsembleParams,
    _Group,
    normalized,
)
from domain.skills.field_lines import is_field_value
from domain.skills.strategies import ALIAS, TAXONOMY, WEAK, Candidate
from domain.skills.taxonomy import AmbiguityRules, Taxonomy


class SpanRules:
    """The span rules SkillExtractor inherits; they read its taxonomy, ambiguity rules,
    params and strategy ranks."""

    taxonomy: Taxonomy
    ambiguity: AmbiguityRules
    params: EnsembleParams
    _rank: dict[str, tuple[int, int]]

    def names_span(self, doc: Doc, skill_id: str, start: int, end: int) -> bool:
        """Whether the tokens [start, end) of `doc` are the name or an alias of the taxonomy
        concept `skill_id` (case and whitespace aside); never for a `span:` id."""
        if skill_id.startswith("span:"):
            return False
        skill = self.taxonomy.get(skill_id)
        text = normalized(doc[start:end].text)
        return text in {normalized(n) for n in (skill.name, *skill.aliases)}

    def category(self, skill_id: str) -> str:
        return self.taxonomy.get(skill_id).category

    def resolve_ambiguous(self, doc: Doc, cands: list[Candidate]) -> list[Candidate]:
        """Keep an ambiguous form only next to a cue word or another technical skill."""
        anchors = [
            c
            for c in cands
            if not c.needs_context and c.skill_id and self.category(c.skill_id) in _TECHNICAL
        ]
        w = self.ambiguity.window
        kept = []
        for c in cands:
            if c.needs_context:
                lo, hi = max(c.start - w, 0), min(c.end + w, len(doc))
                cue = any(t.lower_ in self.ambiguity.cues for t in doc[lo:hi])
                near = any(
                    (a.start, a.end) != (c.start, c.end) and a.start < hi and lo < a.end
                    for a in anchors
                )
                if not (cue or near):
                    kept.append(Candidate(c.start, c.end, "dropped", c.skill_id, detail=c.detail))
                    continue
            kept.append(c)
        return kept

    def is_named(self, doc: Doc, c: Candidate) -> bool:
        """A dictionary match that names a technology, tool or programming language: a curated
        alias, a technology/tool concept, or a knowledge concept named by a proper name
        ("Python" of Python (computer programming), "PostgreSQL", "SQL"), not a common word."""
        if not c.skill_id or c.detail == WEAK or c.strategy not in (TAXONOMY, ALIAS):
            return False
        if c.end - c.start > 3:
            return False
        surface = doc[c.start : c.end].text
        if c.strategy == ALIAS:
            return surface.lower() != surface or not surface.isalpha()
        skill = self.taxonomy.get(c.skill_id)
        if skill.category == "technology/tool":
            return surface.lower() != surface
        if skill.category != "knowledge":
            return False
        proper = (
            any(ch.isupper() or ch.isdigit() for ch in surface[1:])
            or not surface.replace(" ", "").isalnum()
        )
        return proper or "(computer programming)" in skill.name

    def named(
        self,
        doc: Doc,
        cands: Sequence[Candidate],
        sections: tuple[Section, ...],
        text: str | None = None,
    ) -> list[Candidate]:
        """A `named` candidate for every named technology in a requirements, responsibilities
        or preferred section, or on a line that lists LIST_NAMES or more of them."""
        found = [c for c in cands if self.is_named(doc, c)]
        if not found:
            return []
        text = doc.text if text is None else text  # Doc.text rebuilds the string: costly
        line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

        def line(c: Candidate) -> int:
            return bisect_right(line_starts, doc[c.start].idx)

        per_line = Counter(line(c) for c in {(c.start, c.end): c for c in found}.values())
        keep = [
            section_at(sections, doc[c.start].idx) in NAMING_SECTIONS
            or per_line[line(c)] >= LIST_NAMES
            for c in found
        ]
        rest = {line(c): c.start for c, k in zip(found, keep, strict=True) if not k}
        if rest and self.params.field_lines:  # only lines no other rule keeps are read as fields
            fields = self.field_lines(doc, found, rest, line_starts)
            keep = [k or line(c) in fields for c, k in zip(found, keep, strict=True)]
        return [
            Candidate(c.start, c.end, NAMED, c.skill_id, "KNOWLEDGE", detail=c.detail)
            for c, k in zip(found, keep, strict=True)
            if k
        ]

    @staticmethod
    def field_lines(
        doc: Doc,
        found: Sequence[Candidate],
        lines: Mapping[int, int],
        line_starts: Sequence[int],
    ) -> set[int]:
        """Which of `lines` (line number, 1-based as bisect_right counts it -> a token on it) read
        "<label>: <names>" where every name is one of `found` (domain/skills/field_lines.py)."""
        inside = {i for c in found for i in range(c.start, c.end)}
        out = set()
        for n, token in lines.items():
            lo = line_starts[n - 1]
            hi = line_starts[n] if n < len(line_starts) else doc[-1].idx + len(doc[-1].text) + 1
            i = j = token
            while i > 0 and doc[i - 1].idx >= lo:
                i -= 1
            while j < len(doc) and doc[j].idx < hi:
                j += 1
            toks = [t for t in doc[i:j] if not t.is_space]
            if is_field_value([t.text for t in toks], [t.i in inside for t in toks], SEPARATORS):
                out.add(n)
        return out

    def split(self, doc: Doc, g: _Group) -> list[_Group]:
        """One group per named skill in a span that covers several. A coordination of names
        ("Java/Python/Go", "Python, SQL and Docker") becomes one group per name; a longer span
        around a named technology ("Build CI/CD pipelines", "Python-based services") keeps its
        group and the name gets its own. A name the taxonomy holds whole (CI/CD, SQL Server,
        Ruby on Rails) is one name: the longest match wins."""
        names = sorted(
            (m for m in g.members if m.strategy in _DICTIONARY and m.skill_id and m.detail != WEAK),
            key=lambda m: (-(m.end - m.start), m.start),
        )
        chosen: list[Candidate] = []
        for m in names:
            if not any(m.start < c.end and c.start < m.end for c in chosen):
                chosen.append(m)
        if not chosen or any((c.start, c.end) == (g.start, g.end) for c in chosen):
            return [g]
        covered = {i for c in chosen for i in range(c.start, c.end)}
        rest = [doc[i] for i in range(g.start, g.end) if i not in covered]
        coordination = len(chosen) >= 2 and all(
            t.lower_ in SEPARATORS or t.is_punct or t.is_space for t in rest
        )
        others = [m for m in g.members if m.strategy not in _DICTIONARY]

        def own(c: Candidate, extra: list[Candidate]) -> _Group:
            same = [m for m in g.members if (m.start, m.end) == (c.start, c.end)]
            kind = KIND_OF_CATEGORY.get(self.category(str(c.skill_id)), "KNOWLEDGE")
            return _Group(c.start, c.end, kind, same + extra)

        chosen.sort(key=lambda c: c.start)
        if coordination:
            return [own(c, others) for c in chosen]
        named = [c for c in chosen if any(
            m.strategy == NAMED and (m.start, m.end) == (c.start, c.end) for m in g.members
        )]  # fmt: skip
        if len(chosen) == 1 and g.kind in (None, own(chosen[0], []).kind):
            return [g]  # the span links to its one name itself ("SQL Server administration")
        return [g, *(own(c, []) for c in named)]

    def merge(self, cands: Sequence[Candidate]) -> list[_Group]:
        live = [c for c in cands if c.strategy != "dropped"]

        def rank(c: Candidate) -> tuple[int, int, int, int]:
            tier, j = self._rank.get(c.strategy, (99, 0))
            return (tier, -(c.end - c.start), j, c.start)

        order = sorted(live, key=rank)
        groups: list[_Group] = []
        owner: dict[int, int] = {}
        for c in order:
            hit = next((owner[i] for i in range(c.start, c.end) if i in owner), None)
            if hit is not None:
                groups[hit].members.append(c)
                continue
            for i in range(c.start, c.end):
                owner[i] = len(groups)
            groups.append(_Group(c.start, c.end, c.kind, [c]))
        return groups

    def _link(self, group: _Group, doc: Doc) -> Candidate | None:
        """The member whose taxonomy skill names a merged span: same boundaries first, then a
        concept whose preferred name the member's span is (not one listing it as an alternative
        label), then any member; never one whose kind contradicts the kind a typed strategy
        (model, context) gave it."""
        linked = [
            m
            for m in group.members
            if m.skill_id
            and m.detail != WEAK
            and (
                group.kind is None or KIND_OF_CATEGORY.get(self.category(m.skill_id)) == group.kind
            )
        ]

        def alternative(m: Candidate) -> bool:
            own = " ".join(doc[m.start : m.end].text.lower().split())
            return self.taxonomy.get(str(m.skill_id)).name.lower() != own

        linked.sort(key=lambda m: ((m.start, m.end) != (group.start, group.end), alternative(m), m.start))  # fmt: skip
        return linked[0] if linked else None

    @staticmethod
    def statistics(cands: Sequence[Candidate]) -> dict[str, Any]:
        """Per-posting counts: candidates per strategy and how aliases were resolved."""
        per_strategy = Counter(c.strategy for c in cands if c.strategy != "dropped")
        ambiguous = [c for c in cands if c.needs_context or c.strategy == "dropped"]
        return {
            "candidates": dict(sorted(per_strategy.items())),
            "alias_resolution": {
                "alias_matches": sum(1 for c in cands if c.strategy == ALIAS),
                "ambiguous_kept": sum(1 for c in ambiguous if c.strategy == ALIAS),
                "ambiguous_dropped": sum(1 for c in ambiguous if c.strategy == "dropped"),
                "forms": dict(
                    sorted(
                        Counter(
                            f"{c.detail}:{'kept' if c.strategy == ALIAS else 'dropped'}"
                            for c in ambiguous
                        ).items()
                    )
                ),
            },
        }
