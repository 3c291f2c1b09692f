"""Draw SkillSpan TRAIN gold spans for hand-labelling with ESCO skill groups (issue #24, s24grp3).

    PYTHONPATH=$PWD .venv/bin/python scripts/skillspan_train_groups.py draw [--seed 24] [--skill 400]
        [--knowledge 150] -o FILE

draw: every gold span of ../shared/data/eval/skillspan/train.json (the TRAIN split only; never
dev, never test), one per distinct (lower-cased text, kind), shuffled with the seed; the first
--skill SKILL and --knowledge KNOWLEDGE spans, one JSON line each (posting_id, start, end, text,
kind, sentence, group: null for the labeller). The labels are filled by hand afterwards from the
text and sentence alone, into config/eval/skillspan_train_groups.jsonl (scripts/build_group_classifier.py
trains on that file).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.gold_formats import skillspan_bio_docs  # noqa: E402

TRAIN = ROOT.parent / "shared" / "data" / "eval" / "skillspan" / "train.json"


def line_of(text: str, start: int, end: int) -> str:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return text[a : len(text) if b < 0 else b]


def draw(seed: int, n_skill: int, n_knowledge: int, out: Path) -> None:
    spans = []
    for doc in skillspan_bio_docs(TRAIN, "train"):
        text = str(doc["text"])
        for s in doc["spans"]:  # type: ignore[attr-defined]
            a, b = int(s["start"]), int(s["end"])
            spans.append({"posting_id": doc["doc_id"], "start": a, "end": b, "text": text[a:b],
                          "kind": s["label"], "sentence": line_of(text, a, b), "group": None})  # fmt: skip
    spans.sort(key=lambda r: (r["posting_id"], r["start"], r["kind"]))
    random.Random(seed).shuffle(spans)
    want = {"SKILL": n_skill, "KNOWLEDGE": n_knowledge}
    seen: set[tuple[str, str]] = set()
    rows = []
    for r in spans:
        key = (str(r["text"]).lower(), str(r["kind"]))
        if key in seen or want.get(key[1], 0) <= 0:
            continue
        seen.add(key)
        want[key[1]] -= 1
        rows.append(r)
    with open(out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{out}: {len(rows)} spans")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--seed", type=int, default=24)
    d.add_argument("--skill", type=int, default=400)
    d.add_argument("--knowledge", type=int, default=150)
    d.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()
    draw(args.seed, args.skill, args.knowledge, args.out)


if __name__ == "__main__":
    main()
