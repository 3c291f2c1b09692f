"""Train the span model (spaCy NER over SKILL/KNOWLEDGE) on SkillSpan train, CPU, fixed seed.

    .venv/bin/python scripts/train_span_model.py [--data ../shared/data] [--out models/span_ner] [--max-steps N]

SkillSpan's two BIO layers overlap on 2% of span tokens; a single NER cannot represent that, so
where they overlap the longer span wins. Writes spaCy training files under build/, trains with
config/span_model.cfg, and keeps the best model (on SkillSpan dev) in --out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span

ROOT = Path(__file__).resolve().parents[1]


def bio_spans(tags: list[str], label: str) -> list[tuple[int, int, str]]:
    out, start = [], None
    for i, t in enumerate([*tags, "O"]):
        if t == "I" and start is not None:
            continue
        if start is not None:
            out.append((start, i, label))
            start = None
        if t in ("B", "I"):
            start = i
    return out


def to_docbin(path: Path, nlp: spacy.language.Language) -> DocBin:
    db = DocBin()
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        doc = Doc(nlp.vocab, words=r["tokens"])
        spans = bio_spans(r["tags_skill"], "SKILL") + bio_spans(r["tags_knowledge"], "KNOWLEDGE")
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken = [False] * len(doc)
        ents = []
        for a, b, lab in spans:
            if not any(taken[a:b]):
                taken[a:b] = [True] * (b - a)
                ents.append(Span(doc, a, b, label=lab))
        doc.ents = sorted(ents, key=lambda s: s.start)
        db.add(doc)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "span_ner")
    ap.add_argument("--max-steps", type=int, default=3000)
    args = ap.parse_args()
    nlp = spacy.blank("en")
    build = ROOT / "build" / "span_ner"
    build.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        to_docbin(args.data / "eval" / "skillspan" / f"{split}.json", nlp).to_disk(
            build / f"{split}.spacy"
        )
    cmd = [
        sys.executable, "-m", "spacy", "train", str(ROOT / "config" / "span_model.cfg"),
        "--output", str(build / "out"), "--paths.train", str(build / "train.spacy"),
        "--paths.dev", str(build / "dev.spacy"), "--training.max_steps", str(args.max_steps),
        "--system.seed", "0",
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    best = build / "out" / "model-best"
    if args.out.exists():
        import shutil

        shutil.rmtree(args.out)
    import shutil

    shutil.copytree(best, args.out)
    print(f"model written to {args.out}")


if __name__ == "__main__":
    main()
