"""The words of mentions and labels as the concept linker compares them: stop and filler words,
the order-free normalized key, a product name's short forms, and the extra-words measure
(share of a label's content words a mention does not have). Pure."""

from __future__ import annotations

import re
from functools import lru_cache

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "be",
        "is",
        "are",
        "using",
        "use",
        "e.g.",
        "eg",
        "etc",
        "your",
        "our",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "such",
        "other",
        "various",
    ]
)
# Words job ads wrap around a skill that say nothing about which one: "excellent written
# communication skills" names the concept "communication". Dropped from mention text before
# every method (labels keep them: "language skills" stays a label).
FILLER = frozenset(
    [
        "skill",
        "skills",
        "ability",
        "abilities",
        "good",
        "strong",
        "excellent",
        "great",
        "proven",
        "solid",
        "demonstrated",
        "outstanding",
        "exceptional",
        "effective",
        "very",
        "highly",
        "basic",
        "advanced",
        "proficient",
        "proficiency",
        "familiarity",
        "understanding",
        "hands-on",
    ]
)


def strip_filler(text: str) -> str:
    words = text.split()
    kept = [w for w in words if w.lower().strip(",.;:()") not in FILLER]
    return " ".join(kept) if kept else text


_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _base(w: str) -> str:
    """Crude verb base: developing -> develop, managed -> manag(e) both sides alike."""
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


def normalized_key(text: str) -> str:
    """Order-free key: lower-case words without stop words, singular, base form, sorted."""
    words = [_base(_singular(w)) for w in _TOKEN.findall(text.lower()) if w not in _STOP]
    return " ".join(sorted(set(words)))


# Product names in the taxonomy that job ads write without the vendor
VENDORS = (
    "apache",
    "atlassian",
    "microsoft",
    "oracle",
    "amazon",
    "google",
    "ibm",
    "adobe",
    "jetbrains",
)
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9]*[A-Z0-9]$")


def short_forms(name: str) -> list[tuple[str, bool]]:
    """How job ads shorten a product's preferred name, as (form, case-sensitive): without a
    leading vendor word ("kafka"), and for a name ending in its acronym, the spelled-out words
    ("domain name system") and the acronym in its own case only ("DNS": "apps" is not the
    Automated Package Processing System APPS). An acronym counts when its letters appear in
    order in the words before it, starting with the first word's initial."""
    words = name.split()
    out = []
    if len(words) >= 2 and words[0].lower() in VENDORS:
        out.append((" ".join(words[1:]).lower(), False))
    if len(words) >= 3 and _ACRONYM.match(words[-1]) and sum(c.isupper() for c in words[-1]) >= 2:
        acro, long = words[-1].lower(), " ".join(words[:-1]).lower()
        rest = iter(long[1:])
        if acro[0] == long[0] and all(c in rest for c in acro[1:]):
            out += [(words[-1], True), (long, False)]
    # the vendor with the acronym: "Amazon EC2" for Amazon Elastic Compute Cloud EC2, "Amazon
    # S3" for Amazon Simple Storage Service S3
    if len(words) >= 4 and words[0].lower() in VENDORS and _ACRONYM.match(words[-1]):
        out.append((f"{words[0]} {words[-1]}".lower(), False))
    # a language named without "programming language", in its own case only: "Rust" for
    # Rust programming language ("rust" is corrosion)
    if len(words) >= 3 and " ".join(words[-2:]).lower() == "programming language":
        out.append((" ".join(words[:-2]), True))
    return out


# Head words a label adds without narrowing what the mention means: "automation" is
# *automation technology*, "project management" *perform project management*, "Waterfall"
# *Waterfall development*. Not penalized as extra words.
GENERIC = frozenset(
    [
        "technology",
        "technologies",
        "development",
        "software",
        "system",
        "systems",
        "methodology",
        "methodologies",
        "principles",
        "techniques",
        "tools",
        "tool",
        "perform",
        "apply",
        "use",
        "work",
        "programming",
        "language",
        "languages",
        "practices",
        "methods",
        "processes",
        "concepts",
    ]
)


_GENERIC_KEYS = frozenset(_base(_singular(w)) for w in GENERIC)


@lru_cache(maxsize=200_000)
def _content_keys(text: str) -> tuple[str, ...]:
    """A text's words as extra_words compares them: lower-case, no stop words, singular, base."""
    return tuple(_base(_singular(w)) for w in _TOKEN.findall(text.lower()) if w not in _STOP)


@lru_cache(maxsize=200_000)
def _label_keys(label: str) -> tuple[str, ...]:
    return tuple(w for w in _content_keys(label) if w not in _GENERIC_KEYS)


def extra_words(mention: str, label: str) -> float:
    """Share of the label's content words the mention does not have, in [0, 1]. A word is had
    when a mention word equals it up to plural / verb ending or one starts the other (>= 4
    letters: "develop" in "development"); GENERIC head words are neither counted nor extra
    ("sound development software" for "software development": "sound" of "sound", 1.0;
    "algorithms" for "formulas": 1.0; "automation technology" for "automation": 0.0)."""
    want = _label_keys(label)
    if not want:
        return 0.0
    have, starts, long = _had(mention)
    missing = 0
    for w in want:
        # had: equal, a mention word of >= 4 letters starts it, or it (>= 4) starts one; the
        # last as "w begins with a mention word of >= 4 letters" (one that long and not equal
        # to w is shorter than w): no slices of w to build
        if not (w in have or w in starts or w.startswith(long)):
            missing += 1
    return missing / len(want)


@lru_cache(maxsize=50_000)
def _had(mention: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """A mention's content words, every prefix of >= 4 letters of them, and those of >= 4
    letters (for extra_words)."""
    have = _content_keys(mention)
    long = tuple(h for h in dict.fromkeys(have) if len(h) >= 4)
    return frozenset(have), frozenset(h[:i] for h in have for i in range(4, len(h) + 1)), long


def is_narrower(mention: str, label: str) -> bool:
    """The label names a narrower thing than the mention: it has every non-generic content word
    of the mention and one more ("clinical biochemistry" for "biochemistry", "packaging
    engineering" for "engineering"; not "automation technology" for "automation")."""
    return (
        bool(_label_keys(mention))
        and extra_words(mention, label) > 0
        and (extra_words(label, mention) == 0)
    )
