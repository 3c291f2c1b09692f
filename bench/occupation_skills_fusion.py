"""Experiment (not shipped): the posting's skills fused into the coder's major-group decision.

    .venv/bin/python bench/occupation_skills_fusion.py [--choose | --weight W --temperature T]

O*NET 29.2 technology_skills.txt lists the software each occupation uses (32,627 rows). Each
example is resolved to the project's skill id through config/taxonomy/skills.jsonl.gz (name or
alias, ESCO first, as scripts/build_runtime_data.py resolves them), giving a (SOC classes x skills)
0/1 matrix. A posting's skill score per class is the IDF-weighted overlap / sqrt(the class's
skill count); its major-group distribution is the softmax of those scores at temperature T summed
per group; with >= 3 known skills, W x log p_skills(group) is added to the coder's group
log-probability before the group-first decision (domain/occupations/fusion.py).

--choose   W in 0 ... 2, T in 2, 5, gate tau (only titles whose top probability is below tau)
           on the 150 hand-labelled sample lines (the choose-on set)
--dev      the same grid on the 150 Google dev titles (config/eval/occupation_titles_dev.jsonl,
           v5's choose-on set), next to the 150 sample lines; never the fresh held-out set
default    the chosen W, T (tau: always) on the 150 and, once, on the fresh held-out Google titles
Skills: the quality profile's extraction of each posting (bench/occupation_heldout.py, cached).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.occupations import load_coder  # noqa: E402
from bench.occupation_heldout import (  # noqa: E402
    DEV,
    Item,
    extracted_skills,
    hand_items,
    heldout_items,
)
from domain.occupations.coder import OccupationCoder  # noqa: E402
from domain.occupations.evaluate import topk_accuracy  # noqa: E402
from domain.occupations.titles import normalize_title  # noqa: E402

TECH = ROOT.parent / "shared" / "data" / "taxonomy" / "onet_29.2" / "technology_skills.txt"


def _norm(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip()).lower()


class SkillsSoc:
    """(classes x skills) O*NET technology-skill matrix with IDF weights."""

    def __init__(self, coder: OccupationCoder) -> None:
        lookup: dict[str, str] = {}
        with gzip.open(ROOT / "config/taxonomy/skills.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                for label in [r["name"], *r.get("aliases", [])]:
                    lookup.setdefault(_norm(label), r["skill_id"])
        cidx = {c: i for i, c in enumerate(coder.soc.codes)}
        pairs = set()
        with TECH.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                sid = lookup.get(_norm(row["Example"]))
                c = row["O*NET-SOC Code"][:7]
                if sid is not None and c in cidx:
                    pairs.add((cidx[c], sid))
        skills = sorted({s for _, s in pairs})
        self.index = {s: i for i, s in enumerate(skills)}
        self.m = np.zeros((len(cidx), len(skills)), dtype=np.float32)
        for c, s in pairs:
            self.m[c, self.index[s]] = 1.0
        self.idf = np.log(len(cidx) / self.m.sum(axis=0))
        self.size = np.sqrt(np.maximum(self.m.sum(axis=1), 1.0))

    def scores(self, ids: list[str]) -> tuple[np.ndarray, int]:
        x = np.zeros(len(self.index), dtype=np.float32)
        for s in ids:
            if s in self.index:
                x[self.index[s]] = self.idf[self.index[s]]
        return (self.m @ x) / self.size, int((x > 0).sum())


def evaluate(
    coder: OccupationCoder,
    model: SkillsSoc,
    items: list[Item],
    skills: dict[str, list[str]],
    weight: float,
    temperature: float,
    tau: float,
) -> list[float]:
    """6d top-1, 6d top-3, 2d top-1, 2d top-3 on the items with a code (titles as the coder
    reads them; weak titles too, scored on their words)."""
    assert coder.majors is not None
    texts = [normalize_title(t).text or "x" for _, t, _, _ in items]
    from domain.occupations.software import with_developer_readings

    p, glp = with_developer_readings(coder._scored, texts, coder.developer_weight)
    assert glp is not None
    for i, (pid, *_) in enumerate(items):
        s, n = model.scores(skills[pid])
        if n < 3 or p[i].max() >= tau or weight == 0:
            continue
        g = coder.majors.member @ np.exp(temperature * (s - s.max()))
        glp[i] = glp[i] + weight * np.log(np.maximum(g / g.sum(), 1e-6))
    tops = coder.majors.rank(p, glp)
    keep = [i for i, it in enumerate(items) if it[3]]
    ranked = [[coder.soc.codes[j] for j in tops[i]] for i in keep]
    gold = [str(items[i][3]) for i in keep]
    return [round(topk_accuracy(gold, ranked, k, d), 3) for d in (6, 2) for k in (1, 3)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--choose", action="store_true")
    ap.add_argument("--dev", action="store_true", help="the grid on the Google dev titles")
    ap.add_argument("--weight", type=float, default=1.0)
    ap.add_argument("--temperature", type=float, default=5.0)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/occupation_bench"))
    args = ap.parse_args()
    coder = load_coder(ROOT / "config/occupations", ROOT / "config/models/concept_vectors")
    model = SkillsSoc(coder)
    hand = hand_items()
    hs = extracted_skills(hand, args.cache)
    if args.dev:
        dev = heldout_items(DEV)
        ds = extracted_skills(dev, args.cache)
        for tau in (0.2, 0.35, 0.5, 1.01):
            for w in (0.0, 0.5, 1.0, 2.0):
                for t in (2.0, 5.0):
                    d = evaluate(coder, model, dev, ds, w, t, tau)
                    h = evaluate(coder, model, hand, hs, w, t, tau)
                    print(f"tau {tau} weight {w} T {t}: google dev {d}  hand 150 {h}")
        return 0
    if args.choose:
        for tau in (0.2, 0.35, 0.5, 1.01):
            for w in (0.0, 0.25, 0.5, 1.0, 2.0):
                for t in (2.0, 5.0):
                    print(tau, w, t, evaluate(coder, model, hand, hs, w, t, tau))
        return 0
    fresh = heldout_items()
    fs = extracted_skills(fresh, args.cache)
    for w in (0.0, args.weight):
        h = evaluate(coder, model, hand, hs, w, args.temperature, 1.01)
        f = evaluate(coder, model, fresh, fs, w, args.temperature, 1.01)
        print(f"weight {w}: hand 150 {h}  fresh held-out {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
