"""The --cost measure of bench/concept_linking.py: extraction time over the 198 samples with and
without the concept linker, and where the mentions land."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def linker_cost(full, repeat: int = 3, blocks: list[int] | None = None) -> dict[str, object]:
    """Extraction time over the 198 samples, active profile, with and without the linker
    (fresh link cache each round; median of `repeat` round-robin rounds), and where the
    mentions land (concept / group / none, per kind). `blocks`: the search's query block sizes
    to time in turn within each round (one "with" run each; default: the index's own), each
    reported as its linker time / rest of its run in wall and in CPU seconds (the CPU ratio
    moves less when other processes share the cores)."""
    import statistics

    from domain.models import Section
    from domain.skills.ensemble import SkillExtractor

    bare = SkillExtractor(
        full.nlp, full.taxonomy, full.strategies, full.ambiguity, full.params, None,
        full.fitted_combiner,
    )  # fmt: skip
    rows = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    items = [(r["text"], (Section("overview", 0, 10**9),)) for r in rows]
    full.extract_many(items[:32])  # warm-up: vocab, weights
    linker = full.linker
    blocks = blocks or ([linker.index.block] if linker is not None and linker.index else [0])
    runs = ["without"] + [f"with, block {b}" for b in blocks]
    times: dict[str, list[float]] = {r: [] for r in runs}
    levels: Counter[tuple[str, str]] = Counter()
    # the linker's own time inside the "with" run, against the rest of that same run: robust
    # to a load that changes between the two runs (a shared machine)
    inside: dict[str, list[float]] = {r: [] for r in runs}
    inside_cpu: dict[str, list[float]] = {r: [] for r in runs}
    in_run: list[tuple[float, float]] = []
    if linker is not None:
        plain = linker.link_many

        def timed(*a, **kw):
            t, c = time.perf_counter(), time.process_time()
            try:
                return plain(*a, **kw)
            finally:
                in_run.append((time.perf_counter() - t, time.process_time() - c))

        linker.link_many = timed  # type: ignore[method-assign]
    for _ in range(repeat):
        for run, block in zip(runs, [0, *blocks], strict=True):
            ex = bare if run == "without" else full
            if full.linker is not None:
                full.linker._cache.clear()  # cold: a worker's first pass over new text
                if getattr(full.linker, "groups", None) is not None:
                    full.linker.groups._texts.clear()
                if hasattr(full.linker, "clear_caches"):  # the placements' cache too
                    full.linker.clear_caches()
                if block and full.linker.index is not None:
                    full.linker.index.block = block
            in_run.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            out = [x for i in range(0, len(items), 32) for x in ex.extract_many(items[i : i + 32])]
            times[run].append(time.perf_counter() - t0)
            cpu = time.process_time() - c0
            if run != "without":
                wall_in, cpu_in = sum(w for w, _ in in_run), sum(c for _, c in in_run)
                inside[run].append(wall_in / max(times[run][-1] - wall_in, 1e-9))
                inside_cpu[run].append(cpu_in / max(cpu - cpu_in, 1e-9))
                levels = Counter(
                    (s.kind, (s.link_level or "none").split(":")[0])
                    for x in out for s in x.skills for _ in s.mentions
                )  # fmt: skip
    wo = statistics.median(times["without"])
    import resource

    share = {}
    for kind in ("SKILL", "KNOWLEDGE", None):
        n = sum(v for (k, _), v in levels.items() if kind in (None, k))
        c = sum(v for (k, lv), v in levels.items() if kind in (None, k) and lv == "concept")
        g = sum(v for (k, lv), v in levels.items() if kind in (None, k) and lv == "group")
        share[kind or "all"] = f"concept {c / max(n, 1):.1%}, group {g / max(n, 1):.1%} of {n}"
    out_: dict[str, object] = {"postings": len(items), "without s": round(wo, 2)}
    for run in runs[1:]:
        w = statistics.median(times[run])
        tag = "" if len(runs) == 2 else f" ({run})"
        out_.update({
            f"with s{tag}": round(w, 2),
            f"linker share of extraction time{tag}": round((w - wo) / wo, 3),
            f"linker time / rest of the same run (median){tag}": round(
                statistics.median(inside[run]), 3) if inside[run] else None,
            f"linker CPU / rest CPU of the same run (median){tag}": round(
                statistics.median(inside_cpu[run]), 3) if inside_cpu[run] else None,
        })  # fmt: skip
    out_["sample mentions"] = share
    out_["peak RSS MiB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out_
