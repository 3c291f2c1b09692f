"""Extraction speed per strategy vs bare spaCy tokenization of the same postings, on one core.

    .venv/bin/python bench/extraction.py [--profile quality|fast] [--copies 2] [--repeat 3] [--json FILE]

Times, in one process with one BLAS/OpenMP thread, over the sample postings (config/samples):
  tokenize          the extractor's spaCy tokenizer alone (the baseline of the ratios)
  <strategy>        tokenize + that strategy alone (taxonomy, alias, context, span_model or
                    transformer, as the profile says)
  dictionary path   tokenize + taxonomy + alias + context + merge (no network)
  full extractor    everything the active config runs, span model included
and prints postings/s and the ratio to tokenization (median of --repeat round-robin rounds). Ratios are the
figure to compare across machines: the absolute rates move with machine load.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: before numpy/thinc load
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_extractor, load_config  # noqa: E402
from domain.models import Section  # noqa: E402
from domain.skills.ensemble import SkillExtractor  # noqa: E402
from domain.skills.span_model import kept_lines, lines_of  # noqa: E402

OVERVIEW = (Section("overview", 0, 10**9),)


def texts(copies: int) -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    return [r["text"] for r in rows] * copies


def rate(fn: Callable[[], object], n: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(n / (time.perf_counter() - t0))
    return statistics.median(runs)


def sub_extractor(
    full: SkillExtractor, names: tuple[str, ...], linker: bool = False
) -> SkillExtractor:
    keep = [s for s in full.strategies if s.name in names]
    return SkillExtractor(full.nlp, full.taxonomy, keep, full.ambiguity, full.params,
                          full.linker if linker else None, full.fitted_combiner)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=2, help="copies of the 198 sample postings")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--profile", help="extraction profile (quality, fast; default: the active one)")
    args = ap.parse_args()
    cfg = load_config(ROOT, profile=args.profile)
    full = build_extractor(cfg)
    docs_in = texts(args.copies)
    items = [(t, OVERVIEW) for t in docs_in]
    n = len(items)
    run(full, items)  # warm-up: every lexeme in the vocab, model weights in cache
    # what one worker process holds: the active extractor built and run over every sample
    worker_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def tokenize() -> None:
        for i in range(0, n, 32):
            full.tokenize(docs_in[i : i + 32])

    dictionary = tuple(x for x in full.strategy_names if x not in ("span_model", "transformer"))
    runs: dict[str, Callable[[], object]] = {"tokenize": tokenize}
    for s in full.strategies:
        one = sub_extractor(full, (s.name,))
        runs[s.name] = lambda one=one: run(one, items)  # type: ignore[misc]
    dict_only = sub_extractor(full, dictionary)
    runs["dictionary path"] = lambda: run(dict_only, items)
    no_linker = sub_extractor(full, full.strategy_names)
    runs["full, no linker"] = lambda: run(no_linker, items)

    def cold() -> None:  # the linker's cache emptied first: every span searched again
        if full.linker is not None:
            full.linker._cache.clear()
        run(full, items)

    runs["full, cold links"] = cold
    runs["full extractor"] = lambda: run(full, items)
    try:  # the text normalization the pipeline runs before extraction (issue #23), alone
        from domain.text.normalize import normalize

        html_in = [as_html(t) for t in docs_in]
        runs["normalize plain"] = lambda: [normalize(t) for t in docs_in]
        runs["normalize HTML"] = lambda: [normalize(t) for t in html_in]
    except ImportError:  # a checkout before it existed: same bench, without those rows
        pass
    # round-robin: every configuration once per round, so drift in machine speed hits all alike
    samples: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            samples[name].append(rate(fn, n, 1))
    rows = [(name, statistics.median(v)) for name, v in samples.items()]
    net = next((s for s in full.strategies if s.name in ("span_model", "transformer")), None)
    kept = 1.0
    if net is not None and net.gate is not None:  # type: ignore[attr-defined]
        sample_docs = full.tokenize(docs_in[:198])
        n_kept = sum(map(len, kept_lines(sample_docs, docs_in[:198], net.gate)))  # type: ignore[attr-defined]
        kept = n_kept / sum(len(lines_of(d)) for d in sample_docs)

    base = rows[0][1]
    print(f"{n} postings (198 samples x {args.copies}), median of {args.repeat}, 1 thread, "
          f"version {cfg.manifest.effective}")  # fmt: skip
    print(f"{'':<18}{'postings/s':>12}{'x tokenize':>12}")
    for name, r in rows:
        print(f"{name:<18}{r:>12.1f}{r / base:>12.2f}")
    by = dict(rows)
    if "full, no linker" in by:
        print(f"concept linker: {by['full extractor'] / by['full, no linker']:.2f}x the extractor "
              f"without it (warm cache), {by['full, cold links'] / by['full, no linker']:.2f}x cold")  # fmt: skip
    print(f"line gate: {kept:.0%} of non-blank lines go to the network")
    print(
        f"peak RSS with the extractor built and warm (what a worker process holds): {worker_rss:.0f} MiB"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "version": cfg.manifest.effective, "postings": n, "gate_kept_lines": round(kept, 4),
            "worker_peak_rss_mib": round(worker_rss),
            "postings_per_s": {k: round(v, 1) for k, v in rows},
            "ratio_to_tokenize": {k: round(v / base, 3) for k, v in rows},
        }, indent=2) + "\n")  # fmt: skip


def as_html(text: str) -> str:
    """A posting as an ATS sends it: each line a <p>, entities escaped."""
    import html

    return "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n"))


def run(ex: SkillExtractor, items: list[tuple[str, tuple[Section, ...]]]) -> None:
    for i in range(0, len(items), 32):
        ex.extract_many(items[i : i + 32])


if __name__ == "__main__":
    main()
