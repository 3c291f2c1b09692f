"""Build the labelled section blocks the block classifier trains and is scored on.

Two real sources, each split into train and dev (never mixed):
  * SkillSpan postings (config/samples/skillspan_postings.jsonl, CC BY 4.0): their own header
    lines, labelled by hand in config/eval/skillspan_section_headers.yaml (guideline at its top).
    SkillSpan train postings -> train, SkillSpan dev postings -> dev.
  * Google job postings (../shared/data/postings/google_job_skills, local use only, not
    redistributed: this script reads them, nothing derived from their text is committed): the
    title, then the separate Responsibilities / Minimum / Preferred qualifications fields as
    responsibilities / requirements / preferred blocks. 1 in 5 postings (by a hash of the row
    number) -> dev.

Every posting appears in variants, so the model is tested where rules cannot help:
  headed   its own (SkillSpan) or the usual (Google) headers
  renamed  (Google) headers from a pool the rules do not know; train and dev use disjoint pools
  bare     no header lines at all; a blank line between blocks

Output: <out>/{train,dev}.jsonl, one posting per line in the annotation-export format
`enrich train-sections` reads: {"posting_id", "variant", "source", "blocks": [{"header", "text",
"label"}]}. Deterministic (fixed seed; byte-identical on rerun).

    python scripts/build_section_gold.py [--data ../shared/data] [--out build/sections]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SKILLSPAN = ROOT / "config" / "samples" / "skillspan_postings.jsonl"
HEADERS = ROOT / "config" / "eval" / "skillspan_section_headers.yaml"

GOOGLE_HEADERS = {
    "responsibilities": "Responsibilities",
    "requirements": "Minimum qualifications",
    "preferred": "Preferred qualifications",
}
# Header names the rules in config/section_patterns.yaml do not match (a test checks it).
RENAMED = {
    "train": {
        "responsibilities": ["Your week", "Your day", "Scope", "The work"],
        "requirements": ["What it takes", "Your toolkit", "Needed", "Minimum bar"],
        "preferred": ["Even better", "Extra credit", "Bonus points if you have"],
    },
    "dev": {
        "responsibilities": ["Your impact", "How you will contribute", "The challenge"],
        "requirements": ["Essentials", "To succeed you need", "Baseline"],
        "preferred": ["Great if you also have", "Ideally", "Nice extras"],
    },
}
_TRAIL = re.compile(r"[\s:?;\-]+$")


def header_key(line: str) -> str:
    return _TRAIL.sub("", line.strip().lower())


def skillspan_blocks(
    text: str, headers: dict[str, str], prefixes: dict[str, str]
) -> list[dict[str, Any]]:
    """Blocks of a SkillSpan posting at its hand-labelled header lines."""
    blocks: list[dict[str, Any]] = [{"header": None, "lines": [], "label": "overview"}]
    for line in text.split("\n"):
        key = header_key(line)
        label = headers.get(key)
        if label is None and len(key.split()) <= 8:
            label = next((v for p, v in prefixes.items() if key.startswith(p)), None)
        if label is not None:
            blocks.append({"header": line.strip(), "lines": [], "label": label})
        else:
            blocks[-1]["lines"].append(line)
    out = [
        {"header": b["header"], "text": "\n".join(b["lines"]), "label": b["label"]} for b in blocks
    ]
    return [b for b in out if b["header"] or b["text"].strip()]


def bare(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """No headers; a blank line after every block (header-only blocks disappear)."""
    kept = [b for b in blocks if b["text"].strip()]
    return [
        {
            "header": None,
            "text": b["text"].rstrip("\n") + ("\n" if i < len(kept) - 1 else ""),
            "label": b["label"],
        }
        for i, b in enumerate(kept)
    ]


def from_skillspan(headers_file: Path, postings_file: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    spec = yaml.safe_load(headers_file.read_text(encoding="utf-8"))
    headers, prefixes = spec["headers"], spec.get("prefixes", {})
    for line in postings_file.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        split = "dev" if "-dev-" in p["posting_id"] else "train"
        blocks = skillspan_blocks(p["text"], headers, prefixes)
        for variant, bs in (("headed", blocks), ("bare", bare(blocks))):
            yield (
                split,
                {
                    "posting_id": p["posting_id"],
                    "variant": variant,
                    "source": "skillspan",
                    "blocks": bs,
                },
            )


def _lines(field: str, bullet: str) -> str:
    return "\n".join(f"{bullet}{ln.strip()}" for ln in field.split("\n") if ln.strip())


def from_google(csv_file: Path, seed: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    with open(csv_file, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for n, row in enumerate(rows):
        digest = hashlib.sha256(f"google-{n}".encode()).digest()
        split = "dev" if digest[0] % 5 == 0 else "train"
        bullet = rng.choice(["", "", "- ", "• ", "* "])
        body = [
            ("responsibilities", row["Responsibilities"]),
            ("requirements", row["Minimum Qualifications"]),
            ("preferred", row["Preferred Qualifications"]),
        ]
        if rng.random() < 0.2:
            body[0], body[1] = body[1], body[0]
        body = [(label, _lines(text, bullet)) for label, text in body if text.strip()]
        overview = {
            "header": None,
            "text": f"{row['Title']}\n{row['Location']}",
            "label": "overview",
        }
        pid = f"google-{n:04d}"
        headed = [overview] + [
            {"header": GOOGLE_HEADERS[lb], "text": t, "label": lb} for lb, t in body
        ]
        renamed = [overview] + [
            {
                "header": rng.choice(RENAMED[split][lb]) + rng.choice(["", ":"]),
                "text": t,
                "label": lb,
            }
            for lb, t in body
        ]
        for variant, bs in (("headed", headed), ("renamed", renamed), ("bare", bare(headed))):
            yield split, {"posting_id": pid, "variant": variant, "source": "google", "blocks": bs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "sections")
    ap.add_argument("--train-sources", default="skillspan,google",
                    help="sources of the train split (default skillspan,google; dev has both)")  # fmt: skip
    args = ap.parse_args(argv)
    train_sources = set(args.train_sources.split(","))
    csv_file = args.data / "postings" / "google_job_skills" / "job_skills.csv"
    if not csv_file.is_file():
        print(f"error: {csv_file} not found (pass --data)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    out = {"train": [], "dev": []}  # type: dict[str, list[str]]
    for split, rec in [*from_skillspan(HEADERS, SKILLSPAN), *from_google(csv_file)]:
        if split == "train" and rec["source"] not in train_sources:
            continue
        out[split].append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    for split, lines in out.items():
        (args.out / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{args.out / f'{split}.jsonl'}: {len(lines)} postings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
