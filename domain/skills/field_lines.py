"""Field lines: a short label, a colon, then only technology names ("NEW version: Java",
"Stack: Python, Go", "Tools - Git / Jira" is not one: no colon). The names of such a line are the
line's value, so each is reported as a named technology wherever the line sits (2026.12.4).

Pure: works on one line's tokens, as strings, and which of them lie inside a named technology.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

MAX_LABEL_WORDS = 4  # "NEW version", "Tech stack", "Main programming language"
_BULLETS = frozenset({"-", "*", "•", "●", "▪", "◦", "·", "–", ">", "+"})
# Labels whose value names an organisation, a place, a person or a channel, not a skill:
# "Client: Oracle", "Employer: SAP", "Apply via: LinkedIn", "Interview: Zoom". A label holding
# one of these words is no field of skills (a probe of 24 field lines, docs/combiner.md).
NOT_SKILL_LABELS = frozenset(
    {"company", "client", "clients", "customer", "customers", "employer", "partner", "partners",
     "vendor", "brand", "industry", "sector", "location", "locations", "office", "city",
     "country", "region", "department", "team", "division", "reports", "reporting", "manager",
     "contact", "recruiter", "posted", "by", "hiring", "salary", "benefits", "perks", "project",
     "apply", "application", "found", "source", "interview", "interviews", "website", "email",
     "equipment"}
)  # fmt: skip


def is_field_value(
    words: Sequence[str], named: Sequence[bool], separators: Collection[str]
) -> bool:
    """True when the line `words` (its tokens, spaces left out) reads `<label>: <value>` with a
    label of 1..MAX_LABEL_WORDS words (after an optional bullet), none of NOT_SKILL_LABELS, and
    a value made only of tokens inside named technologies (`named[i]`) and `separators` (lower
    case: "," "/" "and"), with at least one name; a trailing "." is allowed. Raises ValueError
    when the two sequences differ in length."""
    if len(words) != len(named):
        raise ValueError(f"{len(words)} words but {len(named)} named flags")
    try:
        colon = words.index(":")
    except ValueError:
        return False
    label = list(words[:colon])
    while label and label[0] in _BULLETS:
        label = label[1:]
    if not 1 <= len(label) <= MAX_LABEL_WORDS:
        return False
    if any(w.lower() in NOT_SKILL_LABELS for w in label):
        return False
    if not any(ch.isalpha() for w in label for ch in w):
        return False
    value = list(range(colon + 1, len(words)))
    if value and words[value[-1]] == ".":
        value = value[:-1]
    return any(named[i] for i in value) and all(
        named[i] or words[i].lower() in separators for i in value
    )
