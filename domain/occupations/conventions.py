"""The coding guideline's own conventions for titles O*NET files elsewhere (coder v6).

The hand-labelled title sets (config/eval/occupation_titles_*.jsonl, guideline in each file's
first line) code some titles by a convention of this project, not by where O*NET lists their
words: "Account Strategist" is an advertising sales agent (41-3011) although O*NET lists
Strategist under 13-1161; a sales representative of cloud products sells technical products
(41-4011). Each rule below is one sentence of that guideline, matched on the normalized title
(`titles.normalize_title(...).text`) and, for the words normalization removes ("lead") or that
sit in another comma piece ("Google Cloud"), on the raw title, lowercased.

`HELD_OUT_GUIDELINE` are the conventions of the held-out file's guideline (copied into the dev
file's); `DEV_GUIDELINE` those the dev file's labeller added for its titles ("Added for these
titles"). Which ones ship was chosen on the dev set (docs/occupations.md, v6).

`apply_convention` puts the convention's class first, at probability at least
CONVENTION_PROBABILITY (the others scaled to the rest). Pure: no I/O, never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# The top-1 probability a convention's class gets at least (the classifier may rank it low).
CONVENTION_PROBABILITY = 0.6


@dataclass(frozen=True)
class Convention:
    """`code` (SOC 6-digit 'XX-XXXX') when `title` matches the normalized title and `raw`
    (if given) matches the lowercased raw title."""

    name: str
    code: str
    title: re.Pattern[str]
    raw: re.Pattern[str] | None = None

    def matches(self, text: str, raw: str) -> bool:
        return bool(self.title.search(text)) and (self.raw is None or bool(self.raw.search(raw)))


def _c(name: str, code: str, title: str, raw: str | None = None) -> Convention:
    return Convention(name, code, re.compile(title), re.compile(raw) if raw else None)


_ANY = r"."
HELD_OUT_GUIDELINE: tuple[Convention, ...] = (
    _c("account strategists selling advertising", "41-3011", r"\baccount strateg"),
    _c(
        "account executives / sales representatives of cloud products",
        "41-4011",
        r"\b(?:sales\b.*\brepresentative|account executive)s?\b",
        r"\bcloud\b",
    ),
    _c("technical program managers", "11-3021", r"\btechnical program manager"),
    _c("UX researchers and designers", "15-1255", r"\buser experience (?:researcher|designer)"),
    _c(
        "account managers of advertising products",
        "11-2011",
        r"\baccount manager",
        r"\badvertis|\bads\b",
    ),
)
DEV_GUIDELINE: tuple[Convention, ...] = (
    _c("other program managers", "11-9199", r"\bprogram manager"),
    _c(
        "business development and partner managers / leads, leads of sales",
        "11-2022",
        r"\b(?:business development|partner(?: development| growth)?|partnerships?) manager",
    ),
    _c(
        "partner leads, leads of sales",
        "11-2022",
        _ANY,
        r"^[^,(]*\b(?:partner(?: development| growth)?|business development|sales) lead\b",
    ),
    _c("go-to-market and product marketing", "11-2021", r"\bgo to market\b|\bproduct marketing"),
    _c("strategy leads", "13-1111", _ANY, r"^[^,(]*\bstrategy(?: and operations)? lead\b"),
    _c("strategists", "13-1161", r"\bstrategist"),
    _c(
        "solutions / cloud engineers and architects",
        "15-1299",
        r"\b(?:solutions?|cloud) (?:engineer|architect)s?$",
    ),
    _c("customer / partner sales engineers", "41-9031", r"\b(?:customer|sales) engineers?$"),
    _c("communications managers", "11-2032", r"\bcommunications manager"),
)
CONVENTIONS = HELD_OUT_GUIDELINE + DEV_GUIDELINE


def convention_code(
    text: str, raw: str | None, conventions: tuple[Convention, ...] = CONVENTIONS
) -> str | None:
    """The SOC code of the first convention matching the normalized `text` and the raw title
    (lowercased here), else None."""
    low = (raw or "").lower()
    for c in conventions:
        if text and c.matches(text, low):
            return c.code
    return None


def apply_convention(
    p: np.ndarray, top: np.ndarray, code: str | None, index: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (classes,), top-k class indices) -> the same with `code`'s class first, at
    probability >= CONVENTION_PROBABILITY (the other classes scaled to sum to the rest); the
    other alternatives keep their order. Unchanged when `code` is None or not a class."""
    j = index.get(code) if code else None
    if j is None:
        return p, top
    q = np.asarray(p, dtype=np.float64).copy()
    target = max(float(q[j]), CONVENTION_PROBABILITY)
    rest = float(q.sum() - q[j])
    q *= (1.0 - target) / rest if rest > 0 else 0.0
    q[j] = target
    others = [int(k) for k in top if int(k) != j]
    return q.astype(p.dtype), np.asarray([j, *others][: len(top)], dtype=top.dtype)


def with_conventions(
    p: np.ndarray,
    tops: np.ndarray,
    titles: list[tuple[str, str | None]],
    codes: tuple[str, ...],
    conventions: tuple[Convention, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """A batch: (probabilities (n, classes), top-k (n, k)) and n (normalized text, raw title)
    -> the same, each row through `apply_convention` of its first matching convention."""
    index = {c: i for i, c in enumerate(codes)}
    p, tops = p.copy(), tops.copy()
    for r, (text, raw) in enumerate(titles):
        code = convention_code(text, raw, conventions)
        if code is not None:
            p[r], tops[r] = apply_convention(p[r], tops[r], code, index)
    return p, tops
