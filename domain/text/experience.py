"""Years of experience a posting asks for, attached to the skills they are asked for.

"5+ years of Java", "3-5 years experience with Python and SQL", "Python (3+ yrs)", "mindestens 3
Jahre Erfahrung mit Java", "3 ans d'expérience en Python", "2 años de experiencia con SQL",
"5 jaar ervaring met Java": the phrase gives (min, max) in years, max None when open ("5+",
"at least 5"). It attaches to every mention after it in the same clause (up to `.`, `;` or the
line end, within AFTER characters), or, when none follows, to the nearest mention before it on
the same line (within BEFORE characters: "Python (5+ years)"). English, French, German, Spanish
and Dutch; measured on tests/cases/experience_years.jsonl.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

AFTER = 80
BEFORE = 40
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10}  # fmt: skip
_N = r"(\d{1,2}(?:[.,]5)?|one|two|three|four|five|six|seven|eight|nine|ten)"
_PHRASE = re.compile(
    rf"(?:(?:at least|minimum( of)?|min\.?|over|more than|au moins|minimum|mindestens|"
    rf"mind\.|al menos|mínimo|minimaal|ten minste)\s+)?"
    rf"{_N}\s*(\+|plus)?\s*(?:(?:-|–|to|à|a|bis|tot)\s*{_N}\s*)?\+?\s*"
    r"(?:years?|yrs?\.?|ans?|années?|jahre[n]?|j\.|años?|jaar|jaren)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;\n]")
# The unit alone, found fast: most postings ask no years, and the full phrase scans slowly
_UNIT = re.compile(r"\b(?:years?|yrs?|ans?|années?|jahre[n]?|años?|jaar|jaren)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Years:
    start: int  # where the phrase is, in the analysed text
    end: int
    min: float
    max: float | None


def _num(s: str | None) -> float | None:
    if s is None:
        return None
    return float(_WORDS.get(s.lower()) or s.replace(",", "."))


def phrases(text: str) -> list[Years]:
    """Every "N years" phrase: (start, end, min, max); max None when open-ended."""
    out: list[Years] = []
    if not _UNIT.search(text):
        return out
    for m in _PHRASE.finditer(text):
        lo, hi = _num(m.group(2)), _num(m.group(4))
        if lo is None or lo > 50 or (hi is not None and hi < lo):
            continue
        out.append(Years(m.start(), m.end(), lo, hi))
    return out


def attach(text: str, spans: Sequence[tuple[int, int]]) -> dict[int, Years]:
    """Index into `spans` (mention start/end in `text`) -> the years asked for that mention."""
    found: dict[int, Years] = {}
    for y in phrases(text):
        stop = _CLAUSE_END.search(text, y.end)
        limit = min(stop.start() if stop else len(text), y.end + AFTER)
        after = [i for i, (s, _) in enumerate(spans) if y.end <= s < limit]
        if after:
            for i in after:
                found.setdefault(i, y)
            continue
        line_start = text.rfind("\n", 0, y.start) + 1
        before = [
            i for i, (s, e) in enumerate(spans)
            if s >= line_start and e <= y.start and y.start - e <= BEFORE
        ]  # fmt: skip
        if before:
            found.setdefault(max(before, key=lambda i: spans[i][1]), y)
    return found
