"""The concept look-up index of scripts/concept_gold.py: every concept id of the compiled taxonomy
(config/taxonomy/skills.jsonl.gz) plus every ESCO v1.1.1 skill group, searchable by label and
idf-weighted token overlap. Reads the shared ESCO / O*NET files; FileNotFoundError without them."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "taxonomy"
ESCO = DATA / "esco_v1.1.1"
ONET = DATA / "onet_29.2"
TAXONOMY = ROOT / "config" / "taxonomy" / "skills.jsonl.gz"
ESCO_URI = "http://data.europa.eu/esco/"

_TOKEN = re.compile(r"[a-z0-9+#]+(?:[./-][a-z0-9+#]+)*")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "in",
        "for",
        "to",
        "with",
        "on",
        "or",
        "at",
        "by",
        "as",
        "be",
        "your",
        "our",
        "you",
        "we",
        "skills",
        "skill",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, stop words dropped, a light plural stem ('systems' -> 'system')."""
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t in _STOP:
            continue
        if len(t) > 4 and t.endswith("s") and not t.endswith("ss"):
            t = t[:-1]
        out.append(t)
    return out


def group_id(uri: str) -> str:
    """ESCO URI -> project id: esco:<uuid> for skill groups, esco:isced-f/<code> for knowledge."""
    rest = uri.removeprefix(ESCO_URI)
    return "esco:" + (rest.removeprefix("skill/") if rest.startswith("skill/") else rest)


@dataclass
class Entry:
    id: str
    name: str
    kind: str  # SKILL | KNOWLEDGE | GROUP
    labels: list[str]
    extra: str = ""  # description snippet, O*NET category, group code
    level: int | None = None
    broader: set[str] = field(default_factory=set)


class Index:
    """Every concept id of the compiled taxonomy plus every ESCO skill group, searchable by label."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        with gzip.open(TAXONOMY, "rt", encoding="utf-8") as f:
            for line in f:
                s = json.loads(line)
                kind = "SKILL" if s["category"] == "skill/competence" else "KNOWLEDGE"
                extra = s.get("subcategory") or s.get("reuse_level") or ""
                self.entries[s["skill_id"]] = Entry(
                    s["skill_id"], s["name"], kind, [s["name"], *s.get("aliases", [])], extra
                )
        with open(ESCO / "skills_en.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                e = self.entries.get(group_id(r["conceptUri"]))
                if e is not None:
                    e.extra = f"{r['skillType']}; {r['description'][:110]}"
        self.code: dict[str, str] = {}
        with open(ESCO / "skillsHierarchy_en.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                for lvl in range(4):
                    uri = r[f"Level {lvl} URI"]
                    if uri:
                        gid = group_id(uri)
                        code = r[f"Level {lvl} code"] or uri.rsplit("/", 1)[1]
                        self.code[code] = gid
                        e = self.entries.get(gid)
                        if e is None:
                            label = r[f"Level {lvl} preferred term"]
                            self.entries[gid] = Entry(gid, label, "GROUP", [label], code, lvl)
        with open(ESCO / "skillGroups_en.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                e = self.entries.get(group_id(r["conceptUri"]))
                if e is not None and e.kind == "GROUP":
                    e.labels += [a for a in r["altLabels"].splitlines() if a]
        with zipfile.ZipFile(ESCO / "esco_v1.1.1_relations_csv.zip") as z:
            raw = z.read("broaderRelationsSkillPillar.csv").decode("utf-8")
        for r in csv.DictReader(io.StringIO(raw)):
            e = self.entries.get(group_id(r["conceptUri"]))
            if e is not None:
                e.broader.add(group_id(r["broaderUri"]))
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_label: dict[str, set[str]] = defaultdict(set)
        self.postings: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for e in self.entries.values():
            self.by_name[e.name.lower()].append(e.id)
            for i, label in enumerate(e.labels):
                self.by_label[label.lower()].add(e.id)
                for t in set(tokens(label)):
                    self.postings[t].add((e.id, i))
        n = len(self.entries)
        self.idf = {t: math.log(n / len({i for i, _ in p})) for t, p in self.postings.items()}

    def search(self, text: str, kinds: tuple[str, ...], k: int) -> list[tuple[float, Entry, str]]:
        """Best k entries of the given kinds: (score, entry, matched label); exact label first."""
        best: dict[str, tuple[float, str]] = {}
        for cid in self.by_label.get(text.lower().strip(), ()):
            e = self.entries[cid]
            hit = next(a for a in e.labels if a.lower() == text.lower().strip())
            best[cid] = (10.0 if e.name.lower() == text.lower().strip() else 9.0, hit)
        q = set(tokens(text))
        qw = sum(self.idf.get(t, 0.0) for t in q) or 1.0
        hits: dict[tuple[str, int], float] = Counter()
        for t in q:
            for key in self.postings.get(t, ()):
                hits[key] += self.idf[t]
        for (cid, i), w in hits.items():
            e = self.entries[cid]
            if e.kind not in kinds:
                continue
            label = e.labels[i]
            lw = sum(self.idf.get(t, 0.0) for t in set(tokens(label))) or 1.0
            score = w / math.sqrt(qw * lw)  # cosine-like over idf-weighted token sets
            if score > best.get(cid, (0.0, ""))[0]:
                best[cid] = (score, label)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
        out = [(s, self.entries[c], lab) for c, (s, lab) in ranked if self.entries[c].kind in kinds]
        return out[:k]

    def resolve(self, answer: str, kind: str) -> tuple[str | None, str]:
        """A DECISIONS.tsv answer -> (id or None, link_level); raises ValueError when unknown."""
        a = answer.strip()
        if a in ("-", ""):
            return None, "none"
        if a.startswith("g:"):
            g = a[2:]
            gid = g if g.startswith("esco:") else self.code.get(g)
            if gid is None or gid not in self.entries or self.entries[gid].kind != "GROUP":
                raise ValueError(f"unknown ESCO group {g!r}")
            return gid, "group"
        if a.startswith("="):
            ids = self.by_name.get(a[1:].lower(), [])
            ids = [i for i in ids if self.entries[i].kind != "GROUP"]
            same = [i for i in ids if self.entries[i].kind == kind] or ids
            if len(same) != 1:
                raise ValueError(f"name {a[1:]!r} names {len(ids)} concepts: {ids}")
            return same[0], "concept"
        if a not in self.entries or self.entries[a].kind == "GROUP":
            raise ValueError(f"unknown concept id {a!r}")
        return a, "concept"
