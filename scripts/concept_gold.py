"""Look-up helper for hand-linking SkillSpan dev spans to ESCO / O*NET concepts or ESCO skill groups.

It shows candidates found independently of the product's concept linker (exact and alternative
label matches, then idf-weighted token overlap over ESCO v1.1.1 labels + description snippets and
O*NET 29.2 technology names, plus ESCO skill groups for the group fallback); the annotator decides.

    .venv/bin/python scripts/concept_gold.py next [--postings 1] [-k 5]   spans of the next unlinked postings
    .venv/bin/python scripts/concept_gold.py search "text" [--kind SKILL|KNOWLEDGE] [-k 8]
    .venv/bin/python scripts/concept_gold.py groups "text" [-k 8]         ESCO skill groups (levels 1-3)
    .venv/bin/python scripts/concept_gold.py add DOC_ID DECISIONS.tsv [--replace]  append (or re-link) a posting
    .venv/bin/python scripts/concept_gold.py check [FILE ...]             every id / group id exists
    .venv/bin/python scripts/concept_gold.py stats [FILE ...]             postings, spans, link levels
    .venv/bin/python scripts/concept_gold.py resample [--n 100 --seed 0 --postings N --template RELINK.tsv]
                                                       spans to re-link, answers hidden
    .venv/bin/python scripts/concept_gold.py agree RELINK.tsv             agreement with the first answers
    .venv/bin/python scripts/concept_gold.py top-links EXTRACTED.jsonl [--n 100]  (enrich extract output)

DECISIONS.tsv: one line per gold span of the posting, in span order, `index<TAB>answer[<TAB>note]`;
answer is a concept id (esco:<uuid>, onet:<slug>), `=<exact taxonomy name>` (resolved to its id,
an error when ambiguous), `g:<ESCO group id or code>` (e.g. g:S1.0.1, g:esco:isced-f/0613) or `-`
(null). RELINK.tsv: `index<TAB>answer<TAB>doc_id<TAB>start<TAB>end`, one row per re-linked span.
Postings come from config/eval/skillspan_dev.jsonl (SkillSpan DEV only; never the test split).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

if not __package__:  # run as scripts/concept_gold.py: the project root holds `scripts`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.concept_index import DATA as DATA
from scripts.concept_index import ESCO as ESCO
from scripts.concept_index import ESCO_URI as ESCO_URI
from scripts.concept_index import ONET as ONET
from scripts.concept_index import ROOT as ROOT
from scripts.concept_index import TAXONOMY as TAXONOMY
from scripts.concept_index import Entry as Entry
from scripts.concept_index import Index as Index
from scripts.concept_index import group_id as group_id
from scripts.concept_index import tokens as tokens

DEV = ROOT / "config" / "eval" / "skillspan_dev.jsonl"
GOLD = ROOT / "config" / "eval" / "skillspan_dev_concepts.jsonl"
MORE = ROOT / "config" / "eval" / "skillspan_dev_concepts_more.jsonl"


def dev_docs() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]


def linked_ids(*paths: Path) -> set[str]:
    out = set()
    for p in paths:
        if p.exists():
            for line in p.read_text(encoding="utf-8").splitlines():
                d = json.loads(line)
                if "doc_id" in d:
                    out.add(d["doc_id"])
    return out


def context(text: str, start: int, end: int, width: int = 60) -> str:
    left = text[max(0, start - width) : start].split("\n")[-1]
    right = text[end : end + width].split("\n")[0]
    return f"{left}[{text[start:end]}]{right}"


def fmt(score: float, e: Entry, label: str) -> str:
    via = "" if label == e.name else f" (via {label!r})"
    return f"{score:4.2f} {e.id} {e.name!r}{via} | {e.extra[:70]}"


def cmd_next(ix: Index, args: argparse.Namespace) -> None:
    done = linked_ids(GOLD, MORE)
    todo = [d for d in dev_docs() if d["doc_id"] not in done][: args.postings]
    for d in todo:
        print(f"## {d['doc_id']} ({len(d['spans'])} spans)")
        for i, s in enumerate(sorted(d["spans"], key=lambda s: (s["start"], s["end"]))):
            text = d["text"][s["start"] : s["end"]]
            print(f"{i}\t{s['label'][0]}\t{text!r}\t| {context(d['text'], s['start'], s['end'])}")
            for c in ix.search(text, (s["label"],), args.k):
                print("\t\t" + fmt(*c))


def cmd_add(ix: Index, args: argparse.Namespace) -> None:
    if args.doc_id in linked_ids(GOLD) or (args.doc_id in linked_ids(MORE) and not args.replace):
        sys.exit(f"{args.doc_id} is already linked (--replace re-links a posting of the new file)")
    doc = next(d for d in dev_docs() if d["doc_id"] == args.doc_id)
    spans = sorted(doc["spans"], key=lambda s: (s["start"], s["end"]))
    rows = [r.split("\t") for r in Path(args.decisions).read_text().splitlines() if r.strip()]
    if [int(r[0]) for r in rows] != list(range(len(spans))):
        sys.exit(f"{args.decisions}: need indexes 0..{len(spans) - 1} in order, one per span")
    out, errors = [], []
    for r, s in zip(rows, spans, strict=True):
        try:
            sid, level = ix.resolve(r[1] if len(r) > 1 else "-", s["label"])
        except ValueError as exc:
            errors.append(f"{r[0]}: {exc}")
            continue
        row = {"start": s["start"], "end": s["end"], "label": s["label"], "link_level": level}
        row["skill_id"] = sid if level == "concept" else None
        if level == "group":
            row["group_id"] = sid
        out.append(row)
    if errors:
        sys.exit("\n".join(errors))
    line = json.dumps({"doc_id": doc["doc_id"], "text": doc["text"], "spans": out}) + "\n"
    lines = MORE.read_text(encoding="utf-8").splitlines(keepends=True) if MORE.exists() else []
    at = [i for i, x in enumerate(lines) if json.loads(x).get("doc_id") == doc["doc_id"]]
    if at:
        lines[at[0]] = line
    else:
        lines.append(line)
    MORE.write_text("".join(lines), encoding="utf-8")
    print(f"{doc['doc_id']}: {len(out)} spans, " + str(Counter(r["link_level"] for r in out)))


def check(ix: Index, paths: list[Path]) -> list[str]:
    """Every concept id exists in the compiled taxonomy, every group id is an ESCO skill group."""
    problems = []
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            d = json.loads(line)
            for s in d.get("spans", ()):
                sid, gid = s.get("skill_id"), s.get("group_id")
                if sid is not None and (sid not in ix.entries or ix.entries[sid].kind == "GROUP"):
                    problems.append(f"{p.name}:{n}: unknown concept {sid}")
                if gid is not None and (gid not in ix.entries or ix.entries[gid].kind != "GROUP"):
                    problems.append(f"{p.name}:{n}: unknown group {gid}")
    return problems


def sample(n: int, seed: int, postings: int | None = None) -> list[tuple[dict, dict]]:
    """n spans of the new gold file (its first `postings` postings), by a fixed seed: (doc, span)."""
    docs = [
        d for d in map(json.loads, MORE.read_text(encoding="utf-8").splitlines()) if "doc_id" in d
    ]
    pairs = [(d, s) for d in docs[:postings] for s in d["spans"]]
    return random.Random(seed).sample(pairs, n)


def cmd_resample(ix: Index, args: argparse.Namespace) -> None:
    picked = sample(args.n, args.seed, args.postings)
    for i, (d, s) in enumerate(picked):  # answers are not printed
        text = d["text"][s["start"] : s["end"]]
        print(f"{i}\t{s['label'][0]}\t{text!r}\t| {context(d['text'], s['start'], s['end'])}")
        for c in ix.search(text, (s["label"],), args.k):
            print("\t\t" + fmt(*c))
    if args.template:  # RELINK.tsv to fill in: the answer column is left "?"
        rows = [
            f"{i}\t?\t{d['doc_id']}\t{s['start']}\t{s['end']}" for i, (d, s) in enumerate(picked)
        ]
        Path(args.template).write_text("\n".join(rows) + "\n", encoding="utf-8")


def near(ix: Index, a: str | None, b: str | None) -> bool:
    """Same answer, or one is exactly one broader-relation step from the other."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    return b in ix.entries[a].broader or a in ix.entries[b].broader


def ancestors(ix: Index, a: str) -> set[str]:
    """Every broader concept or group of `a`, any number of steps up."""
    out: set[str] = set()
    todo = [a]
    while todo:
        for b in ix.entries[todo.pop()].broader:
            if b not in out and b in ix.entries:
                out.add(b)
                todo.append(b)
    return out


def on_one_path(ix: Index, a: str | None, b: str | None) -> bool:
    """Same answer, or one is broader than the other by any number of steps."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    return a in ancestors(ix, b) or b in ancestors(ix, a)


def cmd_agree(ix: Index, args: argparse.Namespace) -> None:
    # RELINK.tsv rows: index, second answer, doc_id, start, end (the span, so the file may grow)
    docs = [json.loads(x) for x in MORE.read_text(encoding="utf-8").splitlines()]
    spans = {
        (d["doc_id"], s["start"], s["end"]): s for d in docs if "doc_id" in d for s in d["spans"]
    }
    rows = [r.split("\t") for r in Path(args.relink).read_text().splitlines() if r.strip()]
    pairs = [spans[(r[2], int(r[3]), int(r[4]))] for r in rows]
    exact = close = path = 0
    by_level: Counter[str] = Counter()
    for s, r in zip(pairs, rows, strict=True):
        first = s.get("skill_id") or s.get("group_id")
        second, _ = ix.resolve(r[1], s["label"])
        exact += first == second
        close += near(ix, first, second)
        path += on_one_path(ix, first, second)
        by_level[f"{s['link_level']}:{'same' if first == second else 'differs'}"] += 1
        if first != second and args.verbose:
            print(f"{r[0]}\tfirst={first}\tsecond={second}")
    print(json.dumps({"n": len(pairs), "exact": exact / len(pairs),
                      "same_or_one_step": close / len(pairs),
                      "same_or_on_one_broader_path": path / len(pairs), "by_level": dict(by_level)}))  # fmt: skip


def top_links(path: Path, n: int) -> list[dict]:
    """The n most frequent (surface text lower-cased, concept id) pairs in `enrich extract` output.

    Pairs tied with the n-th are kept too (so the list can be longer than n), ordered by count,
    then text, then id; span:... ids (no concept) are
    not links and are skipped. methods counts link_method over the pair's mentions.
    """
    count: Counter[tuple[str, str]] = Counter()
    methods: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        for m in json.loads(line)["mentions"]:
            if m["skill_id"].startswith("span:"):
                continue
            key = (m["text"].lower(), m["skill_id"])
            count[key] += 1
            methods[key][m["link_method"]] += 1
            names[m["skill_id"]] = m["name"]
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > n:  # keep every pair tied with the n-th: a cut inside a tie would be arbitrary
        ranked = [kv for kv in ranked if kv[1] >= ranked[n - 1][1]]
    return [{"rank": i + 1, "text": t, "skill_id": sid, "name": names[sid], "mentions": c,
             "methods": dict(methods[(t, sid)].most_common())}
            for i, ((t, sid), c) in enumerate(ranked)]  # fmt: skip


def stats(ix: Index, path: Path) -> dict[str, object]:
    """Postings, spans, and spans per link level (overall and per label) of one gold file."""
    docs = [
        d for d in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if "doc_id" in d
    ]
    level: Counter[tuple[str, str]] = Counter()
    groups: Counter[int | None] = Counter()
    for d in docs:
        for s in d["spans"]:
            lvl = s.get("link_level") or ("concept" if s.get("skill_id") else "none")
            level[(s["label"], lvl)] += 1
            if s.get("group_id"):
                groups[ix.entries[s["group_id"]].level] += 1
    out: dict[str, object] = {"postings": len(docs), "spans": sum(level.values())}
    for label in ("ALL", "SKILL", "KNOWLEDGE"):
        n: Counter[str] = Counter()
        for (lab, lv), c in level.items():
            if label in ("ALL", lab):
                n[lv] += c
        out[label] = {lv: f"{n[lv]} ({n[lv] / max(sum(n.values()), 1):.1%})" for lv in sorted(n)}
    out["group levels"] = dict(sorted(groups.items()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("next")
    p.add_argument("--postings", type=int, default=1)
    p.add_argument("-k", type=int, default=5)
    p = sub.add_parser("search")
    p.add_argument("text")
    p.add_argument("--kind", choices=("SKILL", "KNOWLEDGE"), default=None)
    p.add_argument("-k", type=int, default=8)
    p = sub.add_parser("groups")
    p.add_argument("text")
    p.add_argument("-k", type=int, default=8)
    p = sub.add_parser("add")
    p.add_argument("doc_id")
    p.add_argument("decisions")
    p.add_argument("--replace", action="store_true")
    p = sub.add_parser("check")
    p.add_argument("files", nargs="*", type=Path, default=[GOLD, MORE])
    p = sub.add_parser("stats")
    p.add_argument("files", nargs="*", type=Path, default=[GOLD, MORE])
    p = sub.add_parser("resample")
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--template", help="write RELINK.tsv rows to fill in (answers hidden)")
    p.add_argument("--postings", type=int, default=None, help="sample the first N postings only")
    p = sub.add_parser("agree")
    p.add_argument("relink")
    p.add_argument("--verbose", action="store_true")
    p = sub.add_parser("top-links")
    p.add_argument("extracted", type=Path)
    p.add_argument("--n", type=int, default=100)
    args = ap.parse_args()
    if args.cmd == "top-links":
        for row in top_links(args.extracted, args.n):
            print(json.dumps(row))
        return
    ix = Index()
    if args.cmd == "next":
        cmd_next(ix, args)
    elif args.cmd == "search":
        kinds = (args.kind,) if args.kind else ("SKILL", "KNOWLEDGE")
        for c in ix.search(args.text, kinds, args.k):
            print(fmt(*c))
    elif args.cmd == "groups":
        for c in ix.search(args.text, ("GROUP",), args.k):
            print(fmt(*c) + f" level {c[1].level}")
    elif args.cmd == "add":
        cmd_add(ix, args)
    elif args.cmd == "check":
        problems = check(ix, [p for p in args.files if p.exists()])
        print("\n".join(problems) or "all ids exist")
        sys.exit(1 if problems else 0)
    elif args.cmd == "stats":
        for p in args.files:
            print(p.name, json.dumps(stats(ix, p)))
    elif args.cmd == "resample":
        cmd_resample(ix, args)
    else:
        cmd_agree(ix, args)


if __name__ == "__main__":
    main()
