"""The group placer's checks on the hand-linked DEV gold, per param set (issue #24, s24grp5).

    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_dev.py [--clf FILE] [PARAMS ...]

For each param set ("name=value;name=value", "" = the config as it is) and each dev gold file
(config/eval/skillspan_dev_concepts.jsonl, skillspan_dev_concepts_more.jsonl): the share of spans
linked at any level (the >= 95% floor), the group levels used, and for spans whose hand answer
is a group: placed, same group, group or an ancestor, same branch (bench/concept_linking.py
`group_scores`), for the whole file, per kind, and its first 10 postings / the rest (sorted ids; the
group params of 2026.11.15-18 were chosen on part 2's first 10). --clf: another group
classifier artifact (e.g. one with a level-1 head, scripts/build_group_classifier.py --level1).
A check, not a tuning set: the choices are made out of fold on the TRAIN labels
(scripts/group_links_oof.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOLDS = [ROOT / "config" / "eval" / f"skillspan_dev_concepts{s}.jsonl" for s in ("", "_more")]


def main() -> None:
    from concept_linking import gold_groups, gold_items, group_scores, link_items

    from adapters.artifacts.config_files import build_extractor, load_config
    from adapters.artifacts.datasets import load_gold
    from adapters.artifacts.group_classifier import load_group_classifier

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clf", type=Path, help="a group classifier artifact (default: the config's)")
    ap.add_argument("params", nargs="*", default=[""])
    args = ap.parse_args()
    lk = build_extractor(load_config(ROOT)).linker
    assert lk is not None
    if args.clf is not None:
        lk.group_classifier = load_group_classifier(args.clf)
    base = lk.params
    golds = []
    for path in GOLDS:
        items = gold_items(load_gold(path, "concepts", ("SKILL", "KNOWLEDGE")).docs)
        golds.append((path.name, items, gold_groups(path)))
    for spec in args.params or [""]:
        kv = dict(x.split("=") for x in spec.split(";")) if spec else {}
        lk.params = dataclasses.replace(
            base, **{k: type(getattr(base, k))(v) for k, v in kv.items()}
        )
        lk.groups = None
        out: dict[str, object] = {}
        for name, items, groups in golds:
            lk.clear_caches()
            links = link_items(lk, items)
            levels = Counter(lk_.level for lk_ in links)
            row: dict[str, object] = {
                "linked any level": round(1 - levels["none"] / len(items), 3),
                "levels": dict(sorted(levels.items())),
            }
            if groups:
                row["group answers"] = group_scores(links, items, groups, lk.hierarchy)
                docs = sorted({it[4][0] for it in items})
                for kind in ("SKILL", "KNOWLEDGE"):
                    sel = [i for i, it in enumerate(items) if it[1] == kind]
                    row[kind] = group_scores(
                        [links[i] for i in sel], [items[i] for i in sel], groups, lk.hierarchy
                    )
                for part_name, part in (("first 10", set(docs[:10])), ("rest", set(docs[10:]))):
                    sel = [i for i, it in enumerate(items) if it[4][0] in part]
                    row[part_name] = group_scores(
                        [links[i] for i in sel], [items[i] for i in sel], groups, lk.hierarchy
                    )
            out[name] = row
        print(json.dumps(kv), json.dumps(out))


if __name__ == "__main__":
    main()
