"""Every output of the concept linker on fixed inputs, written out so two code versions compare byte for byte.

    PYTHONPATH=$PWD .venv/bin/python bench/linker_identity.py --out FILE [--stream N]
    .venv/bin/python bench/linker_identity.py --compare OLD NEW

A speed change to the linker (issue #24, s24cost2) must not move any output. This writes, one
line each, the `repr` of (floats at full precision, nothing rounded):
  - every `Link` (top-1 id, score, method, every candidate with its score, group placement) of
    each hand-linked dev gold file (`config/eval/skillspan_dev_concepts*.jsonl`), linked with its
    sentence from a cold cache, one `link_many` per file, as bench/concept_linking.py does;
  - every `ExtractedSkill` (link fields, candidates, link level, group) of the 198 samples,
    extracted by the active profile in batches of 32 from a cold cache, then the same again warm
    (every link from the cache);
  - with `--stream N`: the skills of the first N postings of bench/linker_stream.py's stream
    (the samples and the Google postings, shuffled, seed 0), one warm-growing cache as a worker.
`--compare OLD NEW` prints the first differing line per part and exits 1 if any differs.
Needs ../shared/data for --stream only.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOLDS = ("skillspan_dev_concepts.jsonl", "skillspan_dev_concepts_more.jsonl")


def dump(out: Path, stream_n: int) -> None:
    from adapters.artifacts.config_files import build_extractor, load_config
    from adapters.artifacts.datasets import load_gold
    from bench.concept_linking import gold_items
    from domain.models import Section

    cfg = load_config(ROOT)
    extractor = build_extractor(cfg)
    linker = extractor.linker
    assert linker is not None
    overview = (Section("overview", 0, 10**9),)
    lines: list[str] = []
    for name in GOLDS:
        gold = load_gold(ROOT / "config" / "eval" / name, "concepts", ("SKILL", "KNOWLEDGE"))
        items = gold_items(gold.docs)
        linker.clear_caches()
        links = linker.link_many([(t, k) for t, k, *_ in items], contexts=[it[3] for it in items])
        lines += [f"gold {name} {i} {lk!r}" for i, lk in enumerate(links)]
    rows = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    texts = [r["text"] for r in rows]
    linker.clear_caches()
    for run in ("cold", "warm"):
        for b in range(0, len(texts), 32):
            got = extractor.extract_many([(t, overview) for t in texts[b : b + 32]])
            for j, e in enumerate(got):
                lines += [f"samples-{run} {b + j} {s!r}" for s in e.skills]
    if stream_n:
        from bench.linker_stream import stream

        linker.clear_caches()
        texts = stream(0)[:stream_n]
        for b in range(0, len(texts), 32):
            got = extractor.extract_many([(t, overview) for t in texts[b : b + 32]])
            for j, e in enumerate(got):
                lines += [f"stream {b + j} {s!r}" for s in e.skills]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parts: dict[str, int] = {}
    for x in lines:
        part = x.split(" ", 2)[0] if not x.startswith("gold") else " ".join(x.split(" ", 2)[:2])
        parts[part] = parts.get(part, 0) + 1
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"enrichment {cfg.manifest.effective}; {len(lines)} lines {parts}; sha256 {digest}")


def compare(old: Path, new: Path) -> int:
    a = old.read_text(encoding="utf-8").splitlines()
    b = new.read_text(encoding="utf-8").splitlines()
    if a == b:
        print(f"identical: {len(a)} lines")
        return 0
    print(f"DIFFERENT: {len(a)} vs {len(b)} lines")
    shown = 0
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y and shown < 5:
            print(f"line {i}:\n- {x}\n+ {y}")
            shown += 1
    return 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the outputs here")
    ap.add_argument("--stream", type=int, default=0, help="also the first N stream postings")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = ap.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if not args.out:
        ap.error("--out or --compare")
    dump(args.out, args.stream)


if __name__ == "__main__":
    main()
