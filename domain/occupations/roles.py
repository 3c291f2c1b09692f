"""The role phrase inside a posting's first line when that line is a sentence, not a title.

"We are looking for two full-time developers to join ..." -> "developers"; "A postdoc position is
open ..." -> "postdoc"; "... has become available as Director Data Partner in ..." -> "director
data partner". `find_role(line)` returns the phrase (lower case, at most `MAX_ROLE_WORDS` words)
or None when no pattern matches: the line then names no occupation the coder can read, and the
coder treats the title as weak (domain/occupations/coder.py falls back to the posting's skills).
`is_sentence(line)` says when a line is read as a sentence. Anonymization tokens of de-identified
postings (`<ORGANIZATION>`, `<LOCATION>`, `<NAME>`, ...) are removed first (`strip_anonymized`).
Pure: no I/O.
"""

from __future__ import annotations

import re


def words_set(text: str) -> frozenset[str]:
    """The space-separated words of `text`, as a set."""
    return frozenset(text.split())


MAX_ROLE_WORDS = 5
# De-identification placeholders (SkillSpan: <ORGANIZATION>, <LOCATION>, <ADDRESS>, <NAME>,
# <CONTACT>, <PROFESSION>, ...): upper-case words in angle brackets, never part of a title.
ANONYMIZED = re.compile(r"<\s*[A-Z][A-Z_ ]{1,30}\s*>")
# A line opening like these is a sentence about the job, not a title.
_OPENERS = words_set(
    "the a an we our would are do is please join as in at for with this you if there "
    "can what about looking"
)
_MIN_SENTENCE_WORDS = 6
_LONG_LINE_WORDS = 12
_WORD = re.compile(r"[^\W_][\w+#.&'/-]*", re.UNICODE)
# Words that sit between a hiring phrase and the role: articles, numbers, praise, contract terms.
_FILLERS = words_set(
    "a an the one two three four five several some number of new our your more or and "
    "vacant talented passionate motivated highly dedicated skilled experienced "
    "enthusiastic energetic responsible independent qualified ambitious dynamic "
    "driven strong great curious bright skilled hands-on full-time part-time fulltime "
    "parttime permanent temporary future additional few 2-3 3-year 2-year 1-year"
)
# A role phrase ends at one of these words or at punctuation.
_STOPS = words_set(
    "to who with for in at that which within on from is are will was by as where "
    "whose starting based ready able you we"
)
# A phrase starting with one of these names no role ("looking for a job", "position as soon as").
_NOT_ROLES = words_set(
    "job jobs people person persons staff colleague colleagues candidate candidates "
    "someone appointment position positions part application applications what soon "
    "team you"
)
# -ing words that are nouns in titles (a role ends at other -ing words: "consultant ensuring ...").
_ING_NOUNS = words_set(
    "engineering marketing accounting nursing manufacturing training planning banking "
    "consulting testing programming computing housekeeping mining building cleaning "
    "catering recruiting publishing pricing sourcing trading"
)
# (pattern, whether the role comes after the match (True) or before it (False))
_TRIGGERS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (
        re.compile(
            r"\b(?:looking|searching|seeking|hoping)\s+(?:for|to\s+(?:recruit|hire|appoint|"
            r"employ|find|welcome|strengthen\s+\w+\s+\w+\s+with))\b"
        ),
        True,
    ),
    (re.compile(r"\b(?:is|are)\s+(?:recruiting|hiring|seeking|searching\s+for)\b"), True),
    (re.compile(r"\b(?:is|are)\s+wanted\b"), False),
    (re.compile(r"\b(?:seeks\s+to\s+appoint|seeks|wants\s+to\s+hire|wanted:?)\b"), True),
    (re.compile(r"\bto\s+(?:recruit|hire|appoint)\b|\bappointment\s+(?:of|as)\b"), True),
    (re.compile(r"\bapplications?\s+for(?:\s+(?:an?|the))?(?:\s+(?:position|post)\s+as)?\b"), True),
    (re.compile(r"\b(?:position|post|role|job|vacancy|opening)\s+(?:as|of)\b"), True),
    (re.compile(r"\b(?:available|opening|opportunity|become|work)\s+as\b"), True),
    (re.compile(r"^as\b"), True),
    (re.compile(r"\b(?:want\s+to\s+be(?:come)?|are\s+you|you\s+are|join\s+us\s+as)\b"), True),
    (re.compile(r"\b(?:job\s+|official\s+|position\s+)?title\s*:"), True),
    (
        re.compile(
            r"\b(?:position|post|vacancy|job|role)\s+(?:is|are)\s+(?:available|open|vacant)"
        ),
        False,
    ),
    (re.compile(r"\b(?:position|post|vacancy)\b"), False),
)


def strip_anonymized(line: str) -> str:
    """`line` without de-identification tokens (<ORGANIZATION>, <LOCATION>, ...), spaces folded."""
    return re.sub(r"\s+", " ", ANONYMIZED.sub(" ", line)).strip()


def is_sentence(line: str) -> bool:
    """True when `line` reads as a sentence: more than 12 words before its first anonymization
    token, or (tokens removed) at least 6 words after an opener such as 'We', 'The', 'A', 'As'."""
    first = ANONYMIZED.split(line.strip(), maxsplit=1)[0]
    if len(_WORD.findall(first)) > _LONG_LINE_WORDS:  # not a header line: 'Title <ORG> Date ...'
        return True
    words = _WORD.findall(strip_anonymized(line).lower())
    return len(words) >= _MIN_SENTENCE_WORDS and words[0] in _OPENERS


def _is_word(w: str) -> bool:
    return any(c.isalpha() for c in w)


def _after(text: str) -> str:
    """The role phrase at the start of `text`: fillers skipped, up to a stop word or punctuation."""
    chunk = re.split(r"[.,;:!?()\[\]|\"]|\s-\s", text, maxsplit=1)[0]
    words = [w for w in chunk.split() if w]
    i = 0
    while i < len(words) and (
        words[i] in _FILLERS
        or not _is_word(words[i])
        or words[i].endswith(("-driven", "-minded", "-motivated", "-time"))
        or (words[i].endswith("ing") and words[i] not in _ING_NOUNS)  # 'leading', 'speaking'
    ):
        i += 1
    out: list[str] = []
    for w in words[i:]:
        if w in _STOPS or (w.endswith("ing") and w not in _ING_NOUNS) or not _is_word(w):
            break
        out.append(w)
        if len(out) == MAX_ROLE_WORDS:
            break
    return " ".join(out)


def _before(text: str) -> str:
    """The role phrase ending `text` (up to 3 words back, fillers and articles dropped)."""
    chunk = re.split(r"[.,;:!?()\[\]|\"]|\s-\s", text)[-1]
    words = [w for w in chunk.split() if w]
    out: list[str] = []
    for w in reversed(words):
        if w in _STOPS or w in _FILLERS or not _is_word(w) or w.endswith("-time"):
            break
        out.insert(0, w)
        if len(out) == 3:
            break
    return " ".join(out)


# The first patterns are hiring phrases that name a role wherever they stand in a line; the others
# ('as', 'X position', 'are you a') only in a line read as a sentence.
_STRONG = 6


def find_role(line: str, strong_only: bool = False) -> str | None:
    """The role phrase of a sentence-like line (lower case), or None when no hiring pattern
    names one. The earliest pattern match in the line that yields a phrase wins. With
    `strong_only`, only hiring phrases ('looking for', 'is recruiting', 'applications for' ...)."""
    text = strip_anonymized(line).lower()
    found: list[tuple[int, str]] = []
    for pattern, after in _TRIGGERS[:_STRONG] if strong_only else _TRIGGERS:
        for m in pattern.finditer(text):
            role = _after(text[m.end() :].strip()) if after else _before(text[: m.start()])
            if role and role.split()[0] not in _NOT_ROLES:
                found.append((m.start(), role))
                break
    if not found:
        return None
    return min(found)[1]
