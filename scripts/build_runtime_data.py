"""Build the runtime data the product ships: compiled taxonomy and sample postings.

Reads the public sources in ../shared/data (ESCO v1.1.1, O*NET 29.2, SkillSpan) and writes
deterministic files under config/ that are committed with attribution, so a fresh clone runs
without ../shared. Re-running on the same inputs produces byte-identical outputs.

    python scripts/build_runtime_data.py [--data ../shared/data] [--out config]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.gold_formats import green_bio_docs, skillspan_bio_docs  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"

# Labels that are too short or too generic to match on their own; the matcher would fire on
# ordinary prose ("work", "design") — precision work belongs to the extraction issue.
MIN_LABEL_CHARS = 2
MAX_LABEL_TOKENS = 8


def _norm(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip()).lower()


def _esco_category(skill_type: str, reuse_level: str, is_language: bool) -> str:
    # ESCO and O*NET have no certification concepts ("prepare licence agreements" is a skill),
    # so no skill gets that category from these sources.
    if is_language:
        return "language"
    if reuse_level == "transversal":
        return "transversal"
    if skill_type == "knowledge":
        return "knowledge"
    return "skill/competence"


def _esco_top_groups(esco_dir: Path) -> Callable[[str], str | None]:
    """skill URI -> its level-1 group in the ESCO skills hierarchy ("S5 working with computers"),
    walking broader relations upward (first parent in URI order when there are several)."""
    names: dict[str, str] = {}
    with open(esco_dir / "skillsHierarchy_en.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Level 1 URI"]:
                code, term = row["Level 1 code"], row["Level 1 preferred term"]
                names[row["Level 1 URI"]] = f"{code} {term}".strip()
    parents: dict[str, list[str]] = defaultdict(list)
    with zipfile.ZipFile(esco_dir / "esco_v1.1.1_relations_csv.zip") as zf:
        raw = zf.open("broaderRelationsSkillPillar.csv").read().decode("utf-8-sig")
    for row in csv.DictReader(io.StringIO(raw)):
        parents[row["conceptUri"]].append(row["broaderUri"])

    def top(uri: str) -> str | None:
        seen, frontier = {uri}, [uri]
        while frontier:
            nxt = []
            for u in frontier:
                if u in names:
                    return names[u]
                for p in sorted(parents.get(u, ())):
                    if p not in seen:
                        seen.add(p)
                        nxt.append(p)
            frontier = nxt
        return None

    return top


def build_taxonomy(data: Path) -> list[dict[str, object]]:
    esco_dir = data / "taxonomy" / "esco_v1.1.1"
    with zipfile.ZipFile(esco_dir / "esco_v1.1.1_classification_en_csv.zip") as zf:
        raw = zf.open("languageSkillsCollection_en.csv").read().decode("utf-8-sig")
    language_uris = {row["conceptUri"] for row in csv.DictReader(io.StringIO(raw))}

    top_group = _esco_top_groups(esco_dir)
    skills: list[dict[str, object]] = []
    seen_labels: dict[str, str] = {}
    with open(esco_dir / "skills_en.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["status"] != "released":
                continue
            name = row["preferredLabel"].strip()
            labels = [name, *row["altLabels"].split("\n")]
            aliases = sorted(
                {_norm(x) for x in labels if len(x.strip()) >= MIN_LABEL_CHARS} - {_norm(name)}
            )
            uri = row["conceptUri"]
            skills.append(
                {
                    "skill_id": "esco:" + uri.rsplit("/", 1)[-1],
                    "name": name,
                    "category": _esco_category(
                        row["skillType"], row["reuseLevel"], uri in language_uris
                    ),
                    "skill_type": row["skillType"],
                    "reuse_level": row["reuseLevel"],
                    "top_group": top_group(uri),
                    "source": "esco",
                    "aliases": [a for a in aliases if len(a.split()) <= MAX_LABEL_TOKENS],
                }
            )
            # O*NET names already carried by an ESCO concept are not added again, except where
            # ESCO has the word only as a one-word alternative label of a broader concept ("git"
            # of *tools for software configuration management*): that is a weak label, which
            # never names a skill (domain/skills/taxonomy.py is_weak_label), so O*NET keeps it.
            for label in [_norm(name), *aliases]:
                if " " in label or label == _norm(name) or _norm(name).startswith(label + " ("):
                    seen_labels.setdefault(label, str(skills[-1]["skill_id"]))

    onet: dict[str, dict[str, object]] = {}
    with open(data / "taxonomy" / "onet_29.2" / "technology_skills.txt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            name = row["Example"].strip()
            key = _norm(name)
            if key in seen_labels:  # already an ESCO concept: ESCO id wins, no duplicate skill
                continue
            entry = onet.setdefault(
                key,
                {
                    "skill_id": "onet:" + re.sub(r"[^a-z0-9]+", "-", key).strip("-"),
                    "name": name,
                    "category": "technology/tool",
                    "subcategory": row["Commodity Title"],
                    "source": "onet",
                    "hot": False,
                    "aliases": [],
                },
            )
            entry["hot"] = bool(entry["hot"]) or row["Hot Technology"] == "Y"
    skills.extend(onet.values())
    skills.sort(key=lambda s: str(s["skill_id"]))
    ids = [s["skill_id"] for s in skills]
    assert len(ids) == len(set(ids)), "duplicate skill ids"
    return skills


ONET_PARENTS = ("isced-f/061", "isced-f/06")
_DATE = re.compile(r"^Date posted:\s*(\d{4}-\d{2}-\d{2})")


def build_skill_groups(data: Path, skills: list[dict[str, object]]) -> list[dict[str, object]]:
    """The broader places concepts roll up to (config/taxonomy/skill_groups.jsonl.gz): ESCO's
    skill groups at levels 1-3 (skillsHierarchy_en.csv; a group's code, e.g. "S5.1.1", or for
    the knowledge groups without one their ISCED-F id, "isced-f/0613") and, for each ESCO skill,
    its nearest group reached by broader relations (broaderRelationsSkillPillar.csv, breadth
    first, parents in URI order) with that group's ancestors: nearest first. O*NET technologies
    get their commodity category ("onet-category:<name>", level 3). Rows sorted: byte-identical."""
    esco_dir = data / "taxonomy" / "esco_v1.1.1"
    node: dict[str, tuple[str, str, int]] = {}  # uri -> (code, name, level)
    refs: dict[str, str] = {}  # code -> ESCO id as the gold files write it (esco:<uuid>)
    chain: dict[str, list[str]] = {}  # uri -> codes, nearest first (levels 3..1)
    with open(esco_dir / "skillsHierarchy_en.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            path = []
            for lv in (1, 2, 3):
                uri = row[f"Level {lv} URI"]
                if not uri:
                    break
                code = row[f"Level {lv} code"] or uri.split("/esco/", 1)[-1]
                node.setdefault(uri, (code, row[f"Level {lv} preferred term"], lv))
                refs[code] = "esco:" + uri.split("/esco/", 1)[-1].removeprefix("skill/")
                path.append(node[uri][0])
                chain.setdefault(uri, path[::-1])
    parents: dict[str, list[str]] = defaultdict(list)
    with zipfile.ZipFile(esco_dir / "esco_v1.1.1_relations_csv.zip") as zf:
        raw = zf.open("broaderRelationsSkillPillar.csv").read().decode("utf-8-sig")
    for row in csv.DictReader(io.StringIO(raw)):
        parents[row["conceptUri"]].append(row["broaderUri"])

    def nearest(uri: str) -> list[str]:
        seen, frontier = {uri}, [uri]
        while frontier:
            nxt = []
            for u in frontier:
                if u in chain and u != uri:
                    return chain[u]
                for p in sorted(parents.get(u, ())):
                    if p not in seen:
                        seen.add(p)
                        nxt.append(p)
            frontier = nxt
        return []

    groups = {code: (name, lv) for code, name, lv in node.values()}
    of_skill = []
    for s in skills:
        sid = str(s["skill_id"])
        if sid.startswith("esco:"):
            codes = nearest("http://data.europa.eu/esco/skill/" + sid[5:])
        elif s.get("subcategory"):
            code = f"onet-category:{s['subcategory']}"
            groups[code] = (str(s["subcategory"]), 3)
            # every O*NET technology category is software: under ISCED-F 061 ICTs (level 2)
            # and 06 (level 1), so O*NET candidates and ESCO knowledge vote in one hierarchy
            codes = [code, *ONET_PARENTS] if ONET_PARENTS[0] in groups else [code]
        else:
            codes = []
        if codes:
            of_skill.append({"skill_id": sid, "groups": codes})
    rows: list[dict[str, object]] = [
        {"group": code, "name": name, "level": lv, **({"ref": refs[code]} if code in refs else {})}
        for code, (name, lv) in sorted(groups.items())
    ]
    return rows + sorted(of_skill, key=lambda r: str(r["skill_id"]))


def build_samples(data: Path) -> list[dict[str, object]]:
    """Rebuild SkillSpan train+dev sentences into whole postings (sentences in order, headers kept)."""
    postings: list[dict[str, object]] = []
    for split in ("train", "dev"):
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        order: list[tuple[str, int]] = []
        with open(data / "eval" / "skillspan" / f"{split}.json", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                key = (row["source"], int(row["idx"]))
                if key not in groups:
                    order.append(key)
                groups[key].append(" ".join(row["tokens"]))
        for source, idx in order:
            lines = groups[(source, idx)]
            posted = next((m.group(1) for x in lines if (m := _DATE.match(x))), None)
            postings.append(
                {
                    "posting_id": f"skillspan-{split}-{source}-{idx:03d}",
                    "title": lines[0][:200],
                    "company": None,
                    "text": "\n".join(lines),
                    "source": f"skillspan/{split}/{source}",
                    "posted_at": f"{posted}T00:00:00+00:00" if posted else None,
                }
            )
    return postings


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
        encoding="utf-8",
    )


def _write_gzip_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(payload.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=ROOT / "config", help="config folder")
    args = parser.parse_args()

    skills = build_taxonomy(args.data)
    _write_gzip_jsonl(args.out / "taxonomy" / "skills.jsonl.gz", skills)
    by_source: dict[str, int] = defaultdict(int)
    for s in skills:
        by_source[str(s["source"])] += 1
    print(f"taxonomy: {len(skills)} skills {dict(by_source)}")
    groups = build_skill_groups(args.data, skills)
    _write_gzip_jsonl(args.out / "taxonomy" / "skill_groups.jsonl.gz", groups)
    n_groups = sum("group" in r for r in groups)
    print(f"skill groups: {n_groups} groups, {len(groups) - n_groups} concepts placed")

    samples = build_samples(args.data)
    out = args.out / "samples" / "skillspan_postings.jsonl"
    out.write_text(
        "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n" for p in samples),
        encoding="utf-8",
    )
    print(f"samples: {len(samples)} postings -> {out.relative_to(ROOT)}")

    for name, gold in (
        ("skillspan_dev", skillspan_bio_docs(args.data / "eval" / "skillspan" / "dev.json", "dev")),
        ("green2022_test", green_bio_docs(args.data / "eval" / "green2022" / "testset.txt")),
    ):
        out = args.out / "eval" / f"{name}.jsonl"
        _write_jsonl(out, gold)
        n_spans = sum(len(d["spans"]) for d in gold)  # type: ignore[arg-type]
        print(f"gold: {len(gold)} docs, {n_spans} spans -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
