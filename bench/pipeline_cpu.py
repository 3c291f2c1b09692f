"""CPU seconds of the whole in-process pipeline on the 198 samples (sections, normalization,
extraction, language): the load-independent speed figure of issue #23, before vs after.

    .venv/bin/python bench/pipeline_cpu.py [ROOT]     # ROOT: another checkout (the "before")

Counts process CPU time (not wall time), best of 2 passes after a warm-up batch, one thread:
on a shared machine wall-clock rates move with the neighbours' load, CPU time much less.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import time
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from domain.models import Posting  # noqa: E402
from domain.validation import validate  # noqa: E402


def main() -> None:
    pipeline = build_pipeline(load_config(ROOT))
    lines = (ROOT / "config/samples/skillspan_postings.jsonl").read_bytes().splitlines()
    now = "2026-11-30T00:00:00+00:00"
    posts = [p for p in (validate(x, source="b", ref="r", now=now) for x in lines)
             if isinstance(p, Posting)]  # fmt: skip
    pipeline.enrich(posts[:32])  # warm-up
    best = float("inf")
    for _ in range(2):
        t0 = time.process_time()
        for i in range(0, len(posts), 32):
            pipeline.enrich(posts[i : i + 32])
        best = min(best, time.process_time() - t0)
    print(f"{ROOT} {pipeline.manifest.effective}: {len(posts)} postings in {best:.2f} CPU s, "
          f"{len(posts) / best:.1f} postings per CPU second")  # fmt: skip


if __name__ == "__main__":
    main()
