"""Replay check of the concept linker (issue #24 cold cost): are its links the same after a change?

    PYTHONPATH=$PWD .venv/bin/python bench/linker_replay.py record FILE
        one extraction pass (active profile) over the 198 samples in batches of 32; every call
        of ConceptLinker.link_many is written to FILE (JSON lines: the call's (text, kind) items,
        sentences, and each link: top-1 id / score / method, candidates, group code / score)
    PYTHONPATH=$PWD .venv/bin/python bench/linker_replay.py check FILE [--repeat 3] [--profile N]
        a fresh linker (no extractor) replays the recorded calls in order, cold (empty caches),
        and prints how many calls / mentions differ, per field (top-1, candidates, group), with
        the first few differences; then the replay's time (median of `repeat` cold passes, and
        one warm pass); --profile N: a cProfile of one cold pass, its N costliest functions;
        --profile -1: the table of where the time goes (docs/concept-linking.md, s24cost)
        [--setting BLOCK[/DIMS/POOL] | old:FILE ...]: search settings applied to the built
        index (old:FILE: that linking.py's VectorIndex.top, at block 256); with
        several, each one's differences and cold CPU time, in turn within each round;
        [--split N]: each recorded call replayed as N smaller calls (another batching of the
        same mentions: how much the old code's own floats depend on the batch)

Record with the old code (e.g. a `git archive` copy of main with this file copied in, run with
PYTHONPATH set to that copy), check with the new: a 0 in every "differ" line is byte-identical
links (scores compared as the floats the linker returns, not rounded).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path.cwd() if (Path.cwd() / "domain").is_dir() else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import (  # noqa: E402
    _yaml,
    build_concept_linker,
    load_config,
    load_taxonomy,
)
from domain.skills.taxonomy import ambiguity_from_config  # noqa: E402

SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"


def link_row(link: Any) -> dict[str, Any]:
    """What the replay compares of one link (floats kept exact: repr round-trips)."""
    return {
        "id": link.skill_id,
        "score": link.score,
        "method": link.method,
        "cands": [[c.skill_id, c.label, c.score, c.source] for c in link.candidates],
        "group": [link.group.code, link.group.level] if link.group is not None else None,
    }


def as_stored(row: dict[str, Any]) -> dict[str, Any]:
    """A link row with its scores rounded as ConceptCandidate.to_dict / the stores round them."""
    return {**row, "score": round(row["score"], 4),
            "cands": [[i, n, round(s, 4), src] for i, n, s, src in row["cands"]]}  # fmt: skip


def record(path: Path) -> None:
    from adapters.artifacts.config_files import build_extractor
    from domain.models import Section

    cfg = load_config(ROOT)
    extractor = build_extractor(cfg)
    linker = extractor.linker
    assert linker is not None, "the active config has no concept linker"
    plain = linker.link_many
    calls: list[dict[str, Any]] = []

    def recording(items, contexts=None):  # type: ignore[no-untyped-def]
        links = plain(items, contexts)
        calls.append(
            {
                "items": [list(x) for x in items],
                "contexts": list(contexts) if contexts is not None else None,
                "links": [link_row(lk) for lk in links],
            }
        )
        return links

    linker.link_many = recording  # type: ignore[method-assign]
    rows = [json.loads(x) for x in SAMPLES.open()]
    items = [(r["text"], (Section("overview", 0, 10**9),)) for r in rows]
    for i in range(0, len(items), 32):
        extractor.extract_many(items[i : i + 32])
    with path.open("w") as fh:
        for c in calls:
            fh.write(json.dumps(c) + "\n")
    n = sum(len(c["items"]) for c in calls)
    print(
        f"enrichment {cfg.manifest.effective}: {len(calls)} link_many calls, {n} mentions -> {path}"
    )


def build_linker():  # type: ignore[no-untyped-def]
    """The product's concept linker alone, as build_extractor builds it (every file it lists)."""
    cfg = load_config(ROOT)
    taxonomy = load_taxonomy(cfg.path("taxonomy"))
    alias_cfg = _yaml(cfg.path("aliases"))
    skip = ambiguity_from_config(alias_cfg, taxonomy).lowered
    return build_concept_linker(cfg, taxonomy, alias_cfg, skip)


def cold(linker: Any) -> None:
    """Empty every cache a worker's first pass over new text starts with."""
    linker._cache.clear()
    if getattr(linker, "groups", None) is not None:
        linker.groups._texts.clear()
    if hasattr(linker, "clear_caches"):  # newer code: every cache, the placements' too
        linker.clear_caches()


def replay(linker: Any, calls: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [
        [link_row(lk) for lk in linker.link_many([tuple(x) for x in c["items"]], c["contexts"])]
        for c in calls
    ]


_TOPS: dict[str, Any] = {}


def apply(linker: Any, setting: str) -> None:
    """A search setting "BLOCK[/DIMS/POOL]" on the built index (DIMS 0: exact search), or
    "old:FILE": FILE's VectorIndex.top (another checkout's domain/skills/linking.py) at
    block 256, to time old and new search code in one process."""
    import importlib.util
    import types

    from domain.skills.search import Projection

    index = linker.index
    _TOPS.setdefault("new", index.top)
    if setting.startswith("old:"):
        spec = importlib.util.spec_from_file_location("old_linking", setting[4:])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["old_linking"] = module
        spec.loader.exec_module(module)
        index.top = types.MethodType(module.VectorIndex.top, index)
        index.block, index.pool, index.projections = 256, 0, {}
        return
    index.top = _TOPS["new"]
    block, dims, pool = ([int(x) for x in setting.split("/")] + [0, 0])[:3]
    index.block, index.pool = block, pool
    index.projections = {
        kind: Projection(matrix, dims)
        for kind, (matrix, sids) in index.parts.items()
        if dims and sids
    }


def split(calls: list[dict[str, Any]], parts: int) -> list[dict[str, Any]]:
    """Each call as `parts` smaller calls (same mentions in order): what a different batching
    of the same postings would send."""
    out = []
    for c in calls:
        size = -(-len(c["items"]) // parts)
        for a in range(0, len(c["items"]), size):
            out.append({k: c[k][a : a + size] if c[k] is not None else None for k in c})
    return out


def check(path: Path, repeat: int, profile: int, settings: list[str], parts: int = 1) -> None:
    calls = [json.loads(x) for x in path.open()]
    if parts > 1:
        calls = split(calls, parts)
    t0 = time.perf_counter()
    linker = build_linker()
    print(f"linker built in {time.perf_counter() - t0:.1f} s")
    if len(settings) > 1:
        compare(linker, calls, repeat, settings)
        return
    if settings:
        apply(linker, settings[0])
    cold(linker)
    got = replay(linker, calls)
    diff(calls, got)
    timing(linker, calls, repeat, profile)


def diff(calls: list[dict[str, Any]], got: list[list[dict[str, Any]]]) -> dict[str, int]:
    """Prints and returns how many recorded links the replay changed, exactly and as stored."""
    fields = ("id", "score", "method", "cands", "group")
    differ = dict.fromkeys(fields, 0)
    calls_differ = mentions_differ = 0
    shown = 0
    stored = dict.fromkeys(("any", "top-1 id", "candidate ids / order", "group"), 0)
    for c, new in zip(calls, got, strict=True):
        bad = False
        for item, old_row, new_row in zip(c["items"], c["links"], new, strict=True):
            if old_row == new_row:
                continue
            a, b = as_stored(old_row), as_stored(new_row)
            stored["any"] += a != b
            stored["top-1 id"] += a["id"] != b["id"]
            stored["candidate ids / order"] += [x[0] for x in a["cands"]] != [
                x[0] for x in b["cands"]
            ]
            stored["group"] += a["group"] != b["group"]
            bad = True
            mentions_differ += 1
            for f in fields:
                differ[f] += old_row[f] != new_row[f]
            if shown < 5:
                shown += 1
                print(f"  differs: {item}: {old_row} -> {new_row}")
        calls_differ += bad
    n = sum(len(c["items"]) for c in calls)
    print(f"{len(calls)} calls, {n} mentions: {calls_differ} calls differ, {mentions_differ} "
          f"mentions differ; per field: {json.dumps(differ)}")  # fmt: skip
    print(f"as stored (scores rounded to 4 places, what rows and `enrich extract` keep): "
          f"{json.dumps(stored)}")  # fmt: skip
    return {"mentions differ": mentions_differ, **{f"stored {k}": v for k, v in stored.items()}}


def timing(linker: Any, calls: list[dict[str, Any]], repeat: int, profile: int) -> None:
    times, cpu = [], []
    for _ in range(repeat):
        cold(linker)
        t0, c0 = time.perf_counter(), time.process_time()
        replay(linker, calls)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t0, c0 = time.perf_counter(), time.process_time()
    replay(linker, calls)
    warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"replay cold: median {statistics.median(times):.3f} s wall, "
          f"{statistics.median(cpu):.3f} s CPU (of {[round(t, 3) for t in cpu]}); "
          f"warm {warm:.3f} s wall, {warm_cpu:.3f} s CPU")  # fmt: skip
    if profile < 0:
        breakdown(linker, calls)
    elif profile:
        import cProfile
        import pstats

        cold(linker)
        prof = cProfile.Profile()
        prof.enable()
        replay(linker, calls)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(profile)


def compare(linker: Any, calls: list[dict[str, Any]], repeat: int, settings: list[str]) -> None:
    """Each setting's differences from the recording, then its cold and warm replay CPU time:
    `repeat` rounds, the settings in turn within a round (one machine state for all), median."""
    for st in settings:
        apply(linker, st)
        cold(linker)
        print(f"setting {st}:")
        diff(calls, replay(linker, calls))
    cpu: dict[str, list[float]] = {st: [] for st in settings}
    warm: dict[str, list[float]] = {st: [] for st in settings}
    for _ in range(repeat):
        for st in settings:
            apply(linker, st)
            cold(linker)
            c0 = time.process_time()
            replay(linker, calls)
            cpu[st].append(time.process_time() - c0)
            c0 = time.process_time()
            replay(linker, calls)  # the same calls again: every link cached
            warm[st].append(time.process_time() - c0)
    for st in settings:
        print(f"setting {st}: cold replay CPU median {statistics.median(cpu[st]):.3f} s "
              f"(of {[round(t, 3) for t in cpu[st]]}); warm {statistics.median(warm[st]):.3f} s")  # fmt: skip


# (table row, file suffix, function, cumulative or own time) for --breakdown
PARTS = (
    ("search: matrix product (best_rows' own time)", "search.py", "best_rows", "own"),
    ("search: top-k (exact_best: top_columns, ranked)", "search.py", "exact_best", "cum"),
    ("search: candidate building (VectorIndex.top's own loop)", "linking.py", "top", "own"),
    ("encode (model2vec, queries + group step)", "concept_linker.py", "encode", "cum"),
    ("rerank (with extra_words)", "linking.py", "rerank", "cum"),
    ("  of which extra_words", "linking.py", "extra_words", "cum"),
    ("symbolic methods (exact / alias / normalized)", "linking.py", "_symbolic", "cum"),
    ("group placer (_place_groups)", "linking.py", "_place_groups", "cum"),
    ("  label vote (label_votes: encode + product)", "groups.py", "label_votes", "cum"),
    ("  place(): candidates vote + level choice (own)", "groups.py", "place", "own"),
    ("  word votes of mention and sentence (_words)", "groups.py", "_words", "cum"),
    ("link cache (_remember)", "linking.py", "_remember", "cum"),
    ("link_many's own loop (strip_filler, keys)", "linking.py", "link_many", "own"),
)


def breakdown(linker: Any, calls: list[dict[str, Any]]) -> None:
    """Where one cold replay's time goes, from cProfile (which slows Python code more than
    numpy's: shares, not seconds, are the point)."""
    import cProfile
    import pstats

    cold(linker)
    prof = cProfile.Profile()
    prof.enable()
    replay(linker, calls)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, fn), (_, _, _, ct, _) in stats.items() if fn == "link_many")
    print("| part | share of link_many | (cProfile s) |\n|---|---:|---:|")
    for name, file, func, which in PARTS:
        t = sum(
            (ct if which == "cum" else tt)
            for (f, _, fn), (_, _, tt, ct, _) in stats.items()
            if fn == func and f.endswith(file)
        )
        print(f"| {name} | {t / total:.1%} | {t:.2f} |")
    print(f"| link_many, all | 100% | {total:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("file", type=Path)
    c = sub.add_parser("check")
    c.add_argument("file", type=Path)
    c.add_argument("--repeat", type=int, default=3)
    c.add_argument("--profile", type=int, default=0)
    c.add_argument("--split", type=int, default=1, help="replay each call as N smaller calls")
    c.add_argument(
        "--setting",
        action="append",
        default=[],
        help="search setting BLOCK[/DIMS/POOL] applied to the built index (several: compared)",
    )
    args = ap.parse_args()
    if args.cmd == "record":
        record(args.file)
    else:
        check(args.file, args.repeat, args.profile, args.setting, args.split)


if __name__ == "__main__":
    main()
