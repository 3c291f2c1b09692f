"""The compiled skill taxonomy and curated aliases, as immutable lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Skill:
    skill_id: str
    name: str
    category: str
    aliases: tuple[str, ...] = ()


def is_weak_label(skill: Skill, label: str) -> bool:
    """A one-word alternative label other than the skill's own name ("engineering" for
    *packaging engineering*, "design" for *think creatively*): it may find a skill, never name it.
    "python" for *Python (computer programming)* is the name without its qualifier: not weak."""
    name = skill.name.lower()
    return " " not in label and label != name and not name.startswith(label + " (")


@dataclass(frozen=True, slots=True)
class Alias:
    alias: str
    skill_id: str
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class AmbiguityRules:
    """Forms that name a skill only in a technical context (Go, R, Access, ...)."""

    forms: tuple[Alias, ...] = ()  # exact-case form -> skill
    cues: frozenset[str] = frozenset()  # lower-case cue words
    window: int = 6

    @property
    def lowered(self) -> frozenset[str]:
        return frozenset(a.alias.lower() for a in self.forms)


class Taxonomy:
    def __init__(self, skills: Iterable[Skill]) -> None:
        self._by_id = {s.skill_id: s for s in skills}
        self._by_name: dict[str, str] = {}
        # ESCO ids sort before O*NET ("esco:" < "onet:"), so a shared name resolves to ESCO.
        for sid in sorted(self._by_id):
            self._by_name.setdefault(self._by_id[sid].name.lower(), sid)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Taxonomy:
        return cls(
            Skill(r["skill_id"], r["name"], r["category"], tuple(r.get("aliases", ())))
            for r in rows
        )

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Any:
        return iter(self._by_id.values())

    def get(self, skill_id: str) -> Skill:
        return self._by_id[skill_id]

    def resolve(self, ref: str) -> str:
        """A skill id for an id or an exact (case-insensitive) preferred name."""
        if ref in self._by_id:
            return ref
        sid = self._by_name.get(ref.lower())
        if sid is None:
            raise ConfigError(f"alias target '{ref}' is neither a skill id nor a skill name")
        return sid


def aliases_from_config(
    cfg: Mapping[str, Any], taxonomy: Taxonomy, key: str = "aliases"
) -> tuple[Alias, ...]:
    """Parse a list of skill_aliases.yaml (`aliases`, or `links`: optional); every target must
    exist in the taxonomy."""
    entries = cfg.get(key, [] if key != "aliases" else None)
    if not isinstance(entries, list):
        raise ConfigError(f"skill_aliases.yaml: '{key}' must be a list")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or not e.get("alias") or not e.get("skill"):
            raise ConfigError(f"skill_aliases.yaml {key} entry {i}: needs 'alias' and 'skill'")
        out.append(
            Alias(str(e["alias"]), taxonomy.resolve(str(e["skill"])), bool(e.get("case_sensitive")))
        )
    return tuple(out)


def ambiguity_from_config(cfg: Mapping[str, Any], taxonomy: Taxonomy) -> AmbiguityRules:
    entries = cfg.get("ambiguous", [])
    if not isinstance(entries, list):
        raise ConfigError("skill_aliases.yaml: 'ambiguous' must be a list")
    forms = []
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or not e.get("form") or not e.get("skill"):
            raise ConfigError(f"skill_aliases.yaml ambiguous entry {i}: needs 'form' and 'skill'")
        forms.append(Alias(str(e["form"]), taxonomy.resolve(str(e["skill"])), case_sensitive=True))
    cues = frozenset(str(c).lower() for c in cfg.get("cues", []))
    return AmbiguityRules(tuple(forms), cues, int(cfg.get("context_window", 6)))


class ExactLinker:
    """Links a span found without a dictionary (model, context) to a skill by its exact name."""

    def __init__(
        self, taxonomy: Taxonomy, aliases: Iterable[Alias] = (), skip: frozenset[str] = frozenset()
    ) -> None:
        self._lower: dict[str, str] = {}
        self._cased: dict[str, str] = {}
        # A concept's preferred name before any other concept's alternative label ("project
        # management" is ESCO's project management, not an alt label of project commissioning);
        # then ESCO before O*NET on shared names (ids sort that way)
        ids = sorted(s.skill_id for s in taxonomy)
        for preferred in (True, False):
            for sid in ids:
                skill = taxonomy.get(sid)
                for label in (skill.name.lower(),) if preferred else skill.aliases:
                    # ambiguous words (go, r, access), weak one-word labels never link on their own
                    if label.lower() not in skip and not is_weak_label(skill, label.lower()):
                        self._lower.setdefault(label.lower(), sid)
        for a in aliases:
            if a.case_sensitive:
                self._cased[a.alias] = a.skill_id
            else:
                self._lower[a.alias.lower()] = a.skill_id

    def __call__(self, text: str) -> str | None:
        text = " ".join(text.split())
        return self._cased.get(text) or self._lower.get(text.lower())


@dataclass(frozen=True, slots=True)
class SkillGroup:
    """A broader place in the taxonomy: an ESCO skill group (code "S1.2.3", level 1-3) or an
    O*NET technology category (code "onet-category:<name>", level 3)."""

    code: str
    name: str
    level: int
    ref: str = ""  # the ESCO id (esco:<uuid>, esco:isced-f/0613); "" for O*NET categories


class SkillHierarchy:
    """Each concept's broader groups, nearest first (level 3, then 2, then 1).

    Built from config/taxonomy/skill_groups.jsonl.gz (scripts/build_runtime_data.py): rows
    {"group": code, "name", "level"} and {"skill_id", "groups": [code, ...] nearest first}.
    A concept without a row (an unknown id, a removed concept) has no groups."""

    def __init__(self, groups: Iterable[SkillGroup], of_skill: Mapping[str, Iterable[str]]) -> None:
        self.groups = {g.code: g for g in groups}
        self.by_ref = {g.ref: g for g in self.groups.values() if g.ref}
        self._of: dict[str, tuple[SkillGroup, ...]] = {}
        for sid, codes in of_skill.items():
            try:
                self._of[sid] = tuple(self.groups[c] for c in codes)
            except KeyError as exc:
                raise ConfigError(f"skill hierarchy: {sid} names unknown group {exc}") from None

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> SkillHierarchy:
        groups, of_skill = [], {}
        for r in rows:
            if "group" in r:
                groups.append(
                    SkillGroup(
                        str(r["group"]), str(r["name"]), int(r["level"]), str(r.get("ref", ""))
                    )
                )
            elif "skill_id" in r:
                of_skill[str(r["skill_id"])] = [str(c) for c in r["groups"]]
            else:
                raise ConfigError(f"skill hierarchy: a row is neither a group nor a skill: {r!r}")
        return cls(groups, of_skill)

    def __len__(self) -> int:
        return len(self.groups)

    def skill_ids(self) -> list[str]:
        """The concepts placed in a group, in file order."""
        return list(self._of)

    def of(self, skill_id: str) -> tuple[SkillGroup, ...]:
        """The concept's groups, nearest (most specific) first; () when it has none."""
        return self._of.get(skill_id, ())

    def nearest(self, skill_id: str) -> SkillGroup | None:
        groups = self.of(skill_id)
        return groups[0] if groups else None
