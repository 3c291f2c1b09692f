"""Mentions that name no skill (issue #24, 2026.11.18), which the group fallback leaves without a
place rather than placing wrongly. Pure word rules, each with the reason it gives:
    function word   one word that is a function word or a filler ("not", "also", "etc")
    bare verb       one word that is a generic verb form with its object cut off ("allowing",
                    "ensure", "including"): the span model kept the verb, not the skill
    organization    a department, team-of-a-company or company name ("Finance department",
                    "Acme Ltd"): a place to work, not a skill
    (2026.11.29, from the hand-labelled SkillSpan train spans, config/eval/skillspan_train_groups.jsonl)
    generic         only generic words of ability ("technical skills", "skilled", "hands-on",
                    "technical understanding"): what the ability is, the mention does not say
    qualification   a licence, clearance or certificate ("Drivers License", "Security
                    Clearance") or a Danish / abbreviated degree ("cand.merc", "M.S")
    workplace       a kind of workplace ("working in a start-up environment")
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[a-z][a-z'./&-]*")

_FUNCTION = frozenset(
    ["not", "no", "also", "etc", "very", "more", "most", "less", "all", "any", "other", "such",
     "some", "many", "much", "well", "just", "only", "both", "each", "either", "neither", "own",
     "same", "so", "too", "then", "than", "there", "here", "this", "that", "these", "those",
     "it", "its", "we", "you", "they", "our", "your", "their", "who", "which", "what", "when",
     "where", "why", "how", "if", "but", "yet", "however", "within", "without", "across",
     "including", "include", "includes", "e.g", "i.e", "eg", "ie", "via", "per", "plus",
     "ideally", "preferably", "relevant", "related", "similar", "various", "strong", "good",
     "great", "excellent", "solid", "proven", "key", "new", "ability", "skills", "skill",
     "experience", "knowledge", "understanding", "etc."]
)  # fmt: skip

# generic verbs whose object carries the skill; alone they name nothing
_VERBS = frozenset(
    ["allow", "enable", "ensure", "make", "help", "get", "take", "give", "provide", "involve",
     "require", "become", "keep", "let", "want", "need", "seek", "look", "join", "bring",
     "work", "use", "do", "have", "be", "go", "come", "put", "set", "see", "try", "find",
     "hold", "gain", "contribute", "participate", "support", "drive", "deliver", "handle",
     "play", "grow", "thrive", "enjoy", "love", "like", "start", "continue", "perform"]
)  # fmt: skip
_ORG_LAST = frozenset(
    ["department", "departments", "dept", "division", "inc", "inc.", "ltd", "ltd.", "llc",
     "gmbh", "a/s", "aps", "plc", "corp", "corp.", "corporation", "company", "headquarters",
     "hq", "subsidiary"]
)  # fmt: skip


# words that say someone is able, not at what
_GENERIC = _FUNCTION | frozenset(
    ["technical", "abilities", "capabilities", "capability", "competence", "competences",
     "competencies", "expertise", "skilled", "hands-on", "hands", "on", "talent", "talented",
     "qualified", "qualifications", "professional", "general", "background", "know-how", "a",
     "an", "the", "and", "of", "in", "with", "have", "has", "high", "level", "superior"]
)  # fmt: skip
_QUALIFICATION_LAST = frozenset(
    ["license", "licence", "licenses", "licences", "clearance", "clearances"]
)  # fmt: skip
_DEGREE_ABBR = frozenset(["m.s", "b.s", "m.sc", "b.sc", "b.a", "m.a", "ph.d"])
_STARTUP = frozenset(["startup", "start-up", "start-ups", "startups"])


def _verb_forms(verb: str) -> set[str]:
    stem = verb[:-1] if verb.endswith("e") and verb not in ("be", "see") else verb
    out = {verb, verb + "s", verb + "es", stem + "ing", stem + "ed", verb + "d"}
    if (
        len(verb) > 2
        and verb[-1] not in "aeiouwy"
        and verb[-2] in "aeiou"
        and verb[-3] not in "aeiou"
    ):
        out |= {verb + verb[-1] + "ing", verb + verb[-1] + "ed"}  # get -> getting
    return out


_BARE = frozenset(f for v in _VERBS for f in _verb_forms(v)) | frozenset(
    ["made", "got", "gotten", "took", "taken", "gave", "given", "kept", "held", "brought",
     "done", "did", "does", "had", "has", "is", "are", "was", "been", "went", "gone", "came",
     "found", "grew", "grown", "seen", "saw", "put"]
)  # fmt: skip


def non_skill(text: str) -> str | None:
    """The reason the mention names no skill ("function word", "bare verb", "organization",
    "generic", "qualification", "workplace"), or None when it may name one."""
    low = _TOKEN.findall(text.lower())
    if not low:
        return None
    cleaned = [w.strip(".") for w in low]
    if cleaned[-1] in _QUALIFICATION_LAST or any(
        w in _DEGREE_ABBR or w.startswith("cand.") for w in low
    ):
        return "qualification"
    if _STARTUP.intersection(low) and "environment" in low:
        return "workplace"
    if all(w in _GENERIC for w in cleaned) and not all(w in _FUNCTION for w in cleaned):
        return "generic"
    if len(low) == 1:
        if low[0] in _FUNCTION:
            return "function word"
        if low[0] in _BARE:
            return "bare verb"
    if len(low) >= 2 and low[-1] in _ORG_LAST:
        return "organization"
    return None
