"""Synthetic job families for clustering tests: postings with skill sets drawn per family."""

from __future__ import annotations

import random
from collections.abc import Sequence

from domain.models import ExtractedSkill, JobEnrichment, Mention, Posting
from tests.conftest import posting

FAMILIES = {
    "data": (["python", "sql", "spark", "statistics", "machine learning", "pandas", "airflow",
              "tableau", "etl", "data modelling"], ["data", "engineer", "analyst", "scientist"]),
    "web": (["javascript", "react", "css", "html", "typescript", "node.js", "rest apis",
             "graphql", "webpack", "accessibility"], ["frontend", "web", "developer"]),
    "care": (["patient care", "nursing", "first aid", "medication", "empathy", "hygiene",
              "care plans", "safeguarding", "clinical records", "wound care"],
             ["nurse", "care", "assistant", "carer"]),
    "sales": (["negotiation", "crm", "lead generation", "salesforce", "cold calling",
               "account management", "forecasting", "closing", "prospecting", "b2b"],
              ["sales", "account", "executive", "manager"]),
}  # fmt: skip


def family_postings(
    n: int, seed: int = 0, prefix: str = "p", skills_per: int = 5
) -> list[tuple[str, str, list[str], str]]:
    """(posting_id, title, skills, family) tuples; ids sort in generation order."""
    rng = random.Random(seed)
    names = sorted(FAMILIES)
    out = []
    for i in range(n):
        fam = names[i % len(names)]
        skills, words = FAMILIES[fam]
        chosen = rng.sample(skills, skills_per)
        other = FAMILIES[rng.choice(names)][0]
        chosen.append(rng.choice(other))  # one skill of any family: noise
        title = " ".join(rng.sample(words, 2))
        out.append((f"{prefix}{i:06d}", title, chosen, fam))
    return out


def seed_store(
    store: object, rows: Sequence[tuple[str, str, Sequence[str], str]], version: str, at: str
) -> list[Posting]:
    """Write postings + an enrichment at `version` whose skills are exactly the given ones."""
    postings, enrichments = [], []
    for pid, title, skills, _ in rows:
        p = posting(pid, f"{title}: " + ", ".join(skills), title)
        postings.append(p)
        enrichments.append(
            JobEnrichment(
                pid, p.content_hash, version, {"skills_extractor": "x"}, (),
                tuple(
                    ExtractedSkill(
                        f"esco:{s.replace(' ', '-')}", s, "knowledge", 0.8, ("taxonomy",),
                        (Mention(0, 1, s[:1], "overview", "taxonomy"),),
                    )
                    for s in dict.fromkeys(skills)
                ),
                at, 1.0,
            )
        )  # fmt: skip
    store.write_batch(postings, enrichments, [])  # type: ignore[attr-defined]
    return postings
