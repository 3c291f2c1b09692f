"""Score and time transformer span artifacts (ONNX, as workers run them) on SkillSpan dev.

    .venv/bin/python bench/transformer_spans.py [DIR ...] [--no-gate] [--batch 16] [--max-pieces 256]

For each artifact directory (default: config/models/transformer_spans) the `transformer` strategy
alone — spaCy tokenization, line gate, OnnxTagger with one thread — is scored with the project's
evaluator (overlap and strict P/R/F1 per label) on the 58 SkillSpan dev postings, and timed on the
198 sample postings (postings/s on one thread, median of 3, tokenization included; the ratio to
tokenization alone is printed because absolute rates move with machine load). Peak RSS last.
Product venv only: no torch.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.datasets import configured_datasets  # noqa: E402
from adapters.artifacts.onnx_tagger import OnnxTagger  # noqa: E402
from adapters.artifacts.span_model import load_gate  # noqa: E402
from domain.evaluation.spans import Span, score  # noqa: E402
from domain.skills.transformer_spans import DECODERS, TransformerSpanStrategy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", type=Path,
                    default=[ROOT / "config" / "models" / "transformer_spans"])  # fmt: skip
    ap.add_argument("--no-gate", action="store_true", help="tag every line")
    ap.add_argument("--batch", type=int, default=1, help="lines per ONNX call")
    ap.add_argument("--max-pieces", type=int, default=256, help="longer lines are split")
    ap.add_argument("--decode", choices=DECODERS, default="argmax",
                    help="argmax per word, or viterbi over the line's BIO tags")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="append one JSON line per artifact here")
    args = ap.parse_args()
    nlp = spacy.blank("en")
    (ds,) = configured_datasets(ROOT, "skillspan-dev")
    dev_texts = [d.text for d in ds.docs]
    samples = [json.loads(x)["text"] for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]  # fmt: skip
    t_tok = statistics.median(_time(lambda: list(nlp.tokenizer.pipe(samples))) for _ in range(3))
    for d in args.dirs:
        tagger = OnnxTagger(d, threads=1, batch_size=args.batch, max_pieces=args.max_pieces,
                            decode=args.decode)  # fmt: skip
        gate = None if args.no_gate else load_gate(d)
        strategy = TransformerSpanStrategy(tagger, gate, lambda s: None)

        def run(texts: list[str], strategy: TransformerSpanStrategy = strategy) -> list[list[Span]]:
            out = []
            for i in range(0, len(texts), 32):
                chunk = texts[i : i + 32]
                docs = list(nlp.tokenizer.pipe(chunk))
                for doc, cands in zip(docs, strategy.find_many(docs, chunk), strict=True):
                    out.append([Span(doc[c.start].idx, doc[c.end - 1].idx + len(doc[c.end - 1]),
                                     str(c.kind)) for c in cands])  # fmt: skip
            return out

        pred = dict(zip([x.doc_id for x in ds.docs], run(dev_texts), strict=True))
        m = score(pred, ds.docs, ds.labels)
        secs = statistics.median(_time(lambda: run(samples)) for _ in range(args.repeat))
        rate = len(samples) / secs
        meta = json.loads((d / "meta.json").read_text()) if (d / "meta.json").is_file() else {}
        print(f"{d.name}: {meta.get('layers', '?')} layers, {meta.get('quantization', '?')}, "
              f"{(d / 'model.onnx').stat().st_size / 1e6:.1f} MB, gate {'off' if gate is None else 'on'}, "
              f"batch {args.batch}, max {args.max_pieces} pieces, decode {args.decode}")  # fmt: skip
        row: dict[str, object] = {"artifact": d.name, "gate": gate is not None, "batch": args.batch,
                                  "decode": args.decode}  # fmt: skip
        for label in (*ds.labels, "micro"):
            o, s = m[label]["overlap"], m[label]["strict"]
            print(f"  {label:<10} overlap P {o['precision']:.3f} R {o['recall']:.3f} "
                  f"F1 {o['f1']:.3f}  strict F1 {s['f1']:.3f}")  # fmt: skip
            row[label] = {"overlap_f1": round(float(o["f1"]), 3), "strict_f1": round(float(s["f1"]), 3)}  # fmt: skip
        print(f"  speed: {rate:.1f} postings/s on 1 thread ({len(samples)} sample postings), "
              f"{t_tok / secs:.3f}x tokenization")  # fmt: skip
        row["postings_per_s"] = round(rate, 1)
        if args.json:
            with args.json.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MiB")


def _time(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
