"""Rule-based section classifier: full-line header regexes from config/section_patterns.yaml."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ConfigError
from domain.models import Section
from domain.sections.blocks import LABELS, strip_markup

OVERVIEW = "overview"
METADATA = "other"  # posting metadata lines ("Job type:", "Industry:") are "other"
# Decorations around a header's words: emoji, bullets, numbering marks, markup leftovers, colons
# ("✅ Requirements:", "▶ PROFIL RECHERCHÉ :", "1) Your tasks"): any non-word character but the
# brackets of an anonymized name ("About <ORGANIZATION>") or a parenthesis.
_TRAILING = re.compile(r"(?:[^\w>)]|_)+$")
_LEADING = re.compile(r"^(?:[^\w<(]|_|\d{1,2}[.)](?=\s))+")


@dataclass(frozen=True)
class HeaderRules:
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    metadata_key: re.Pattern[str]
    max_header_words: int
    body: tuple[tuple[str, re.Pattern[str]], ...] = ()  # paragraphs that say what they are

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> HeaderRules:
        try:
            kinds = tuple(
                (kind, re.compile("|".join(f"(?:{p})" for p in patterns)))
                for kind, patterns in cfg["kinds"].items()
            )
            meta = re.compile(r"(?:" + "|".join(cfg["metadata_keys"]) + r")\s*:")
            body = tuple(
                (kind, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
                for kind, patterns in (cfg.get("body_patterns") or {}).items()
            )
            rules = cls(kinds, meta, int(cfg.get("max_header_words", 7)), body)
        except (KeyError, TypeError, AttributeError, re.error) as exc:
            raise ConfigError(f"section_patterns.yaml is invalid: {exc!r}") from exc
        if unknown := sorted({k for k, _ in (*kinds, *body)} - set(LABELS)):
            raise ConfigError(f"section_patterns.yaml: unknown labels {unknown}; use {LABELS}")
        return rules

    def header_kind(self, line: str) -> str | None:
        """The section kind this line opens, or None when it is body text."""
        line = strip_markup(line)
        norm = _TRAILING.sub("", _LEADING.sub("", line.lower()))
        if not norm or len(norm.split()) > self.max_header_words:
            return None
        if line.rstrip().endswith(".") and len(norm.split()) > 3:
            return None  # a sentence ("Diversity is celebrated at X."), not a header
        if self.metadata_key.match(line.strip().lower()):
            return METADATA
        for kind, rx in self.kinds:
            if rx.fullmatch(norm):
                return kind
        return None

    def body_kind(self, line: str) -> str | None:
        """The section a paragraph opening with this line declares by its words, or None."""
        for kind, rx in self.body:
            if rx.search(line[:500]):
                return kind
        return None

    def classify(self, text: str) -> tuple[Section, ...]:
        """Cover the whole text with consecutive sections; each header starts a new one, and so
        does a paragraph (after a blank line) that body_patterns recognize."""
        sections: list[Section] = []
        kind, header, start = OVERVIEW, None, 0
        pos = 0
        blank_before = False
        for line in text.split("\n"):
            found = self.header_kind(line)
            if found is None and blank_before and line.strip():
                body = self.body_kind(line)
                if body is not None and body != kind:
                    if pos > start:
                        sections.append(Section(kind, start, pos, header))
                    kind, header, start = body, None, pos
            blank_before = not line.strip()
            if found is not None and not (found == METADATA and kind == METADATA):
                if pos > start:
                    sections.append(Section(kind, start, pos, header))
                kind, header, start = found, line.strip()[:120], pos
            pos += len(line) + 1
        end = len(text)
        if end > start or not sections:
            sections.append(Section(kind, start, end, header))
        return tuple(sections)


def section_at(sections: tuple[Section, ...], offset: int) -> str:
    """Kind of the section holding character `offset` (sections are sorted and contiguous);
    the last section's kind past the end. Binary search: called once per kept span."""
    i = bisect_right(sections, offset, key=lambda s: s.start) - 1
    if i >= 0 and offset < sections[i].end:
        return sections[i].kind
    return sections[-1].kind if sections else OVERVIEW
