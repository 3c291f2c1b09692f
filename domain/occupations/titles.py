"""Job-title normalization: strip gender markers, pay, shifts, locations and seniority before matching.

`normalize_title(raw)` returns a `NormalizedTitle`: the words to match (lower case, abbreviations
spelled out), the seniority it named as its own field, and the pieces that were dropped are not kept
(a title can carry pay or a place, never needed downstream). Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from domain.occupations.heads import head_of_as_manager, with_comma_field
from domain.occupations.roles import ANONYMIZED, find_role, is_sentence, words_set

# Seniority words, most senior first when several appear. A word listed here is removed from the
# title that is matched ("Senior Nurse" is coded as a nurse), except words that name an
# occupation of their own (chief, director, head of ... stay in the title).
SENIORITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("principal", ("principal",)),
    ("lead", ("lead", "team lead")),
    ("senior", ("senior", "sr", "snr", "experienced")),
    ("mid", ("mid", "mid level", "mid-level", "intermediate")),
    ("junior", ("junior", "jr", "jnr", "entry level", "entry-level", "graduate")),
    ("intern", ("intern", "internship", "trainee", "apprentice", "working student")),
)
_SENIORITY_WORDS = {w: level for level, words in SENIORITY for w in words}

# Abbreviations spelled out the way O*NET and ESCO titles spell them.
ABBREVIATIONS: dict[str, str] = {
    "rn": "registered nurse",
    "lpn": "licensed practical nurse",
    "lvn": "licensed vocational nurse",
    "cna": "certified nursing assistant",
    "np": "nurse practitioner",
    "pa": "physician assistant",
    "swe": "software engineer",
    "sde": "software development engineer",
    "sre": "site reliability engineer",
    "qa": "quality assurance",
    "hr": "human resources",
    "vp": "vice president",
    "cfo": "chief financial officer",
    "ceo": "chief executive officer",
    "cto": "chief technology officer",
    "mgr": "manager",
    "mngr": "manager",
    "eng": "engineer",
    "engr": "engineer",
    "dev": "developer",
    "devs": "developers",
    "admin": "administrator",
    "asst": "assistant",
    "assoc": "associate",
    "acct": "accountant",
    "tech": "technician",
    "techs": "technicians",
    "rep": "representative",
    "coord": "coordinator",
    "supv": "supervisor",
    "spec": "specialist",
    "hvac": "heating ventilation air conditioning",
    "cdl": "commercial driver",
    "ux": "user experience",
    "ui": "user interface",
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "it": "information technology",
}

# One spelling for words written joined, hyphenated or apart ("Backend", "Back-End", "Back End").
SPELLINGS: dict[str, str] = {
    "backend": "back end",
    "frontend": "front end",
    "fullstack": "full stack",
    "webdeveloper": "web developer",
    "devops": "devops",
    "dev-ops": "devops",
}

# Whole pieces (between separators) that never name an occupation.
_NOISE_PIECE = re.compile(
    r"^(?:remote|hybrid|on-?site|full[- ]?time|part[- ]?time|contract|temporary|temp|permanent|"
    r"freelance|nights?|days?|evenings?|weekends?|night shift|day shift|\d+\s*(?:hrs?|hours)|"
    r"urgent(?:ly)?|immediate start|new|hiring|now hiring|sign[- ]on bonus|relocation)$"
)
_GENDER = re.compile(
    r"[\(\[]\s*(?:(?:[mwfdhxai*]|div(?:ers[e]?)?\.?)\s*[/|,-]\s*)+"  # (m/f/d), (h/f), [w/m/d]
    r"(?:[mwfdhxai*]|div(?:ers[e]?)?\.?)\s*[\)\]]"  # v8: (m/w/div), (m/f/diverse), (m-w-d)
    r"|\b[mwfh]\s*/\s*[mwfdhx](?:\s*/\s*[mwfdhx])?\b"  # m/f/d without brackets
    r"|[\(\[]\s*(?:all genders?|any gender|gn|mfd|mwd|wmd|fmd|hf|fh)\s*[\)\]]"
    r"|\*in\b|:in\b"  # German gender star: Entwickler*in
    r"|(?<=o)/a\b|(?<=[a-zé])\((?:e|se|ne|a)\)",  # v8: Enfermero/a, Chargé(e), Vendeur(se)
    re.IGNORECASE,
)
_PAY = re.compile(
    r"(?:[$€£¥]\s?\d[\d,.]*\s*k?|\d[\d,.]*\s*k?\s*(?:usd|eur|gbp|€|\$|£))"
    r"(?:\s*(?:-|to)\s*[$€£]?\s?\d[\d,.]*\s*k?)?"
    r"(?:\s*(?:/|per|an?)\s*(?:hour|hr|year|yr|annum|month|week))?"
    r"(?:\s*(?:sign[- ]on|signing|joining)?\s*bonus)?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s+[-–—|•·:]\s+|[|•·;–—]|,|\(|\)|\[|\]|<[^>]*>|\s+-(?=\S)|\s+@\s+")
# "We are looking for a passionate nurse to join ...": the words after the hiring verb
_SENTENCE_ROLE = re.compile(
    r"\b(?:looking for|seeking|hiring|recruiting|searching for|need|wanted:?)\s+(?:an?\s+|the\s+)?"
    r"(?P<role>.+?)(?=\s+(?:to|who|with|for|in|at|that|and join)\b|[.!]|$)"
)
# v7: an acronym in brackets inside the title ("Anti-Money Laundering (AML) Operations Manager",
# "High Performance Computing (HPC) Specialist") cut the title at the bracket; it is dropped when
# words follow it (at the end it is left as before: "Chief Financial Officer (CFO)").
_INNER_ACRONYM = re.compile(r"\s*\(\s*[A-Z][A-Z0-9&/]{1,7}s?\s*\)\s+(?=[^\W\d_])")
_LEVEL = re.compile(r"\b(?:i{1,3}|iv|v|level\s*\d|l\d|grade\s*\d|band\s*\d)\b")
_LOCATION = re.compile(r"\s+(?:in|at|near|based in)\s+[a-z][\w .'-]*$")
_TOKEN = re.compile(r"[^\W_][\w+#.&'/-]*", re.UNICODE)
_MAX_WORDS = 12
# Only a title's first characters are read: a title is short, and the patterns above must never
# see 100 KB of '$1$1...' or '<<<...' (seconds of regex backtracking per posting).
MAX_TITLE_CHARS = 300


@dataclass(frozen=True)
class NormalizedTitle:
    """The words to match (may be empty), the seniority level or None, whether it was a sentence,
    and whether it is weak: a sentence in which no role phrase was found (domain/occupations/
    roles.py), whose words are still matched but which the coder may overrule with the skills."""

    text: str
    seniority: str | None
    sentence: bool = False
    weak: bool = False

    @property
    def empty(self) -> bool:
        return not any(c.isalpha() for c in self.text)


def _fold(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    # invisible characters and emoji carry no occupation
    text = "".join(
        c if unicodedata.category(c)[0] in "LNPZ" or c in "+#&$€£/|<>" else " " for c in text
    )
    return re.sub(r"\s+", " ", text).strip()


# A piece made only of these ("The <ORGANIZATION> ...", "Engineer at <ORGANIZATION>") names nothing.
_FUNCTION_WORDS = words_set("the a an at for in of by and or with from to")


def _piece_score(piece: str) -> int:
    """Pieces with letters and not noise; later pieces lose ties (the title usually comes first)."""
    words = _TOKEN.findall(piece)
    if not words or _NOISE_PIECE.match(piece) or not any(c.isalpha() for c in piece):
        return 0
    if all(w in _FUNCTION_WORDS for w in words):
        return 0
    return 1


def _trim_function_words(piece: str) -> str:
    """'full stack engineer at' (its <ORGANIZATION> removed) -> 'full stack engineer'."""
    words = piece.split()
    while words and words[-1] in _FUNCTION_WORDS:
        words.pop()
    return " ".join(words)


def _seniority(words: list[str]) -> tuple[list[str], str | None]:
    found: list[str] = []
    kept: list[str] = []
    i = 0
    while i < len(words):
        two = " ".join(words[i : i + 2])
        if i + 1 < len(words) and two in _SENIORITY_WORDS:
            found.append(_SENIORITY_WORDS[two])
            i += 2
            continue
        w = words[i].rstrip(".")
        if w in _SENIORITY_WORDS:
            found.append(_SENIORITY_WORDS[w])
        elif w == "staff" and any(
            x.startswith(("engineer", "scien")) for x in words[i + 1 : i + 3]
        ):
            found.append("senior")
        else:
            kept.append(words[i])
        i += 1
    order = [level for level, _ in SENIORITY]
    level = min(found, key=order.index) if found else None
    return kept, level


def normalize_title(raw: str | None, head_noun: bool = True) -> NormalizedTitle:
    """Normalize a posting title for matching; never raises. None or blank -> an empty title.
    `head_noun` (v5, heads.py): read a bare role word with its comma field and "Head of X" as
    "X manager"; False gives v4's text (the O*NET split keys, split.py, stay v4's)."""
    if not raw:
        return NormalizedTitle("", None)
    text = _GENDER.sub(" ", _fold(raw[:MAX_TITLE_CHARS]))
    text = _PAY.sub(" ", text)
    if head_noun:  # v7 (posting titles only: the O*NET split keys keep v4's text)
        text = _INNER_ACRONYM.sub(" ", text)
    pieces = [p.strip(" .-/") for p in _SEPARATORS.split(text) if p and p.strip(" .-/")]
    lowered = [p.lower() for p in pieces]
    chosen = next((p for p in lowered if _piece_score(p)), "")
    anonymized = ANONYMIZED.search(text) is not None
    if anonymized:
        chosen = _trim_function_words(chosen)
    weak = False
    # A sentence ("We are looking for two developers to ...") is read for its role phrase; so is
    # any line with a hiring phrase ("<ORGANIZATION> is looking for a project manager ...").
    sentence = is_sentence(text) or len(_TOKEN.findall(chosen)) > _MAX_WORDS
    role = find_role(text, strong_only=not sentence)
    if role:
        chosen, sentence = role, True
    elif sentence:
        weak = True
        if m := _SENTENCE_ROLE.search(chosen):
            chosen = m.group("role")
    chosen = _LOCATION.sub("", chosen)
    chosen = _LEVEL.sub(" ", chosen)
    words = [
        w.rstrip(".") if w.endswith(".") and len(w) <= 5 else w for w in _TOKEN.findall(chosen)
    ]
    words, level = _seniority(words)
    if head_noun and not sentence:  # v5: the head noun where Google-style titles put it (heads.py)
        words = _head_noun(words, lowered, chosen)
    if level is None:  # "Sr. RN, Nights": seniority may sit in another piece
        for p in lowered:
            _, level = _seniority([w.rstrip(".") for w in _TOKEN.findall(p)])
            if level:
                break
    out: list[str] = []
    for w in words:
        w = SPELLINGS.get(w, w)
        if "-" in w and w not in SPELLINGS and not w.startswith("-"):
            out.extend(ABBREVIATIONS.get(x, x) for x in w.split("-") if x)  # back-end, full-stack
            continue
        out.extend(ABBREVIATIONS.get(w, w).split())
    if sentence:
        out = out[:_MAX_WORDS]
    return NormalizedTitle(" ".join(out), level, sentence, weak)


def _head_noun(words: list[str], lowered: list[str], chosen: str) -> list[str]:
    later = lowered[lowered.index(chosen) + 1 :] if chosen in lowered else []
    field = next((" ".join(_TOKEN.findall(p)) for p in later if _piece_score(p)), None)
    words = with_comma_field(words, field)
    return head_of_as_manager(words)


_FIRST_LINE_MAX = MAX_TITLE_CHARS
# v8: a short line ending in a colon opens a section ("Responsibilities:", "Your tasks:").
_HEADER_LINE = re.compile(r"^[^:]{1,60}:$")


def posting_title(
    title: str | None, text: str, headers: Collection[str] = ()
) -> tuple[str | None, str | None]:
    """(the title to code, where it came from): the title field when it has any non-space
    character ('title'), else the text's first non-blank line when it is at most 300 characters
    ('first_line'; since v4 also a sentence: `normalize_title` reads it for its role phrase, or
    marks it weak), else (None, None). v8: a first line that is a section header is not a title
    ("Responsibilities:", "About the job"): one of `headers` (the header lines of the sections
    the section classifier named other than overview, as `Section.header` stores them: a CAPS
    or bold title line may open the overview) or a short line ending in a colon gives
    (None, 'header') and the skills decide; a first line with fewer than two letters ("x", "-",
    "42") gives (None, 'no_words')."""
    if title and title.strip():
        return title, "title"
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[:120] in headers or _HEADER_LINE.match(line):
            return None, "header"
        if sum(c.isalpha() for c in line) < 2:
            return None, "no_words"
        if len(line) <= _FIRST_LINE_MAX:
            return line, "first_line"
        break
    return None, None
