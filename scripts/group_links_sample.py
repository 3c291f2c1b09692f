"""Draw, and score, the hand-judged sample of group-level links (issue #24).

    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_sample.py draw [--n 200] [--seed 0] [-o FILE]
    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_sample.py score [FILE]

draw: enriches the 198 committed sample postings with the product (active profile, in-process,
the pipeline `enrich extract` runs), takes every skill placed at group level (link_level
group:n), shuffles them with the seed and keeps the first of each distinct mention (lower-cased
text, kind) up to --n; writes one JSON line per link: posting_id, text, kind, sentence (the
mention's line), start / end, group_id, group_name, level, score, relinks (does linking the
mention alone with its sentence give that same group: a skill keeps the group of its best
mention, which may sit in another sentence), and verdict null for the judge. The header line
holds the guideline. Verdicts are filled by hand afterwards (correct | wrong, and a note).
score: share judged correct, per level and per kind; with `old_verdict` fields (the version
before, judged afterwards on the same mentions) its share too.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "config" / "eval" / "sample_group_links_judged.jsonl"
SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"

GUIDELINE = (
    "Group-level links the product makes on the 198 committed sample postings (quality "
    "profile), one per distinct mention (lower-cased text, kind), drawn with a fixed seed by "
    "scripts/group_links_sample.py draw. A link is judged 'correct' when the group is a true "
    "broader place for the mention as it is used in that sentence: the mention names an "
    "ability, body of knowledge or tool that belongs under that ESCO skill group / ISCED-F "
    "field / O*NET category, at whatever level (a level-1 group such as 'S1 communication, "
    "collaboration and creativity' is correct for 'team player' even when a narrower group "
    "exists; it need not be the group an annotator would pick first). 'wrong' when the mention "
    "does not belong there (an off-topic group: 'monitoring' under virus-protection software), "
    "or when the mention names no skill at all (a fragment, a company, a degree) and so has no "
    "right group. Judged by one annotator (the s24grp helper session) from the text, kind, "
    "sentence and group only, without the candidates or scores, on the shipped version only "
    "(no second version was judged, so no blinding between versions was needed)."
)


def line_of(text: str, start: int, end: int) -> str:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return text[a : len(text) if b < 0 else b]


def draw(n: int, seed: int, out: Path) -> None:
    from adapters.artifacts.config_files import build_pipeline, load_config
    from domain.validation import validate

    cfg = load_config(ROOT)
    pipeline = build_pipeline(cfg)
    postings = []
    with open(SAMPLES, "rb") as fh:
        for i, raw in enumerate(fh):
            p = validate(raw.rstrip(b"\n"), source="samples", ref=f"line {i + 1}",
                         now="2026-11-27T12:00:00.000+00:00")  # fmt: skip
            postings.append(p)
    texts = {p.posting_id: p.text for p in postings}
    rows = []
    for i in range(0, len(postings), 32):
        for e in pipeline.enrich(postings[i : i + 32]).enrichments:
            for s in e.skills:
                if not (s.link_level or "").startswith("group"):
                    continue
                m = s.mentions[0]
                rows.append({"posting_id": e.posting_id, "text": m.text, "kind": s.kind,
                             "sentence": line_of(texts[e.posting_id], m.start, m.end),
                             "start": m.start, "end": m.end, "group_id": s.group_id,
                             "group_name": s.group_name, "level": s.link_level,
                             "score": s.link_score})  # fmt: skip
    rows.sort(key=lambda r: (r["posting_id"], r["start"]))
    random.Random(seed).shuffle(rows)
    picked, seen = [], set()
    for r in rows:
        key = (" ".join(r["text"].lower().split()), r["kind"])
        if key not in seen:
            seen.add(key)
            picked.append(r)
        if len(picked) >= n:
            break
    linker = pipeline.extractor.linker
    assert linker is not None
    links = linker.link_many(
        [(r["text"], r["kind"]) for r in picked], [r["sentence"] for r in picked]
    )
    for r, lk in zip(picked, links, strict=True):
        r["relinks"] = lk.group is not None and lk.group.code == r["group_id"]
        r["verdict"] = None
        r["note"] = ""
    header = {"guideline": GUIDELINE, "enrichment_version": cfg.manifest.effective,
              "seed": seed, "group_links_on_samples": len(rows),
              "distinct_mentions": len({(" ".join(r["text"].lower().split()), r["kind"]) for r in rows})}  # fmt: skip
    with open(out, "w", encoding="utf-8") as fh:
        for row in (header, *picked):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"{len(picked)} of {len(rows)} group links ({header['distinct_mentions']} distinct) -> {out}"
    )


def load(path: Path) -> tuple[dict[str, object], list[dict[str, object]]]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0], lines[1:]


def score(path: Path) -> dict[str, object]:
    """Share judged correct overall, per level and per kind (rows with a verdict)."""
    _, rows = load(path)
    judged = [r for r in rows if r.get("verdict") in ("correct", "wrong")]
    out: dict[str, object] = {"rows": len(rows), "judged": len(judged)}
    ok = sum(r["verdict"] == "correct" for r in judged)
    out["correct"] = round(ok / max(len(judged), 1), 3)
    if any("old_verdict" in r for r in rows):  # the version before, same mentions (see header)
        old = [r for r in rows if r.get("old_verdict")]
        out["old version correct"] = round(
            sum(r["old_verdict"] == "correct" for r in old) / max(len(old), 1), 3
        )
        out["old version placed"] = sum(r["old_verdict"] != "no place" for r in old)
    for field in ("level", "kind"):
        n = Counter(str(r[field]) for r in judged)
        c = Counter(str(r[field]) for r in judged if r["verdict"] == "correct")
        out[f"by {field}"] = {k: f"{c[k]}/{v}" for k, v in sorted(n.items())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--n", type=int, default=200)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("-o", "--out", type=Path, default=OUT)
    s = sub.add_parser("score")
    s.add_argument("file", type=Path, nargs="?", default=OUT)
    args = ap.parse_args()
    if args.cmd == "draw":
        draw(args.n, args.seed, args.out)
    else:
        print(json.dumps(score(args.file)))


if __name__ == "__main__":
    main()
