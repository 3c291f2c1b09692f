"""Posting language detection: old vs new params on the labelled set, their cost, and the skills
that change on the 198 samples.

    PYTHONPATH=$PWD .venv/bin/python bench/language.py [--old-params JSON] [--new-params JSON]
        [--speed] [--rss] [--skills] [--grid] [--show-errors SPLIT] [--json FILE]

set      config/eval/language_postings.jsonl (its first line says what was written by this
         project and how rows are split): the 198 samples, the 1,250 Google postings (read from
         ../shared/data, local only), short English postings, de fr es nl it pt postings, a few
         bilingual (mul) and names-only (und) texts. Each text is judged as the pipeline judges
         it: normalized (domain/text/normalize.py), then the detector on the analysed text.
old/new  `LanguageParams` of adapters/artifacts/language.py: old defaults to v1 (the class
         defaults), new to model_versions.yaml's `language_detector.params`; --*-params JSON
         overrides single keys on top of those.
scores   per gold label and split (dev = chosen on, test = reported): n, accuracy, `mul` rate,
         `und` rate, wrong (another language's code: what loses skills on an English posting).
--grid   new-params candidates scored on the dev split only (the choice of v2's values).
--speed  ms per posting of old and new over the whole set, interleaved rounds (median, ratio).
--rss    RSS of a fresh process that builds each detector and judges the set (MiB, each run
         twice, alternating).
--skills the quality profile's pipeline on the 198 samples with each detector: postings whose
         language changes, mentions and distinct skill ids gained / lost, occupation codes;
         --skills-written: the same on the texts of the set this project wrote.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import load_config  # noqa: E402
from adapters.artifacts.language import LanguageParams, LinguaDetector  # noqa: E402
from domain.text.normalize import normalize  # noqa: E402

SET = ROOT / "config" / "eval" / "language_postings.jsonl"
SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
SPLIT_SALT = "s26lang-split:"


@dataclass(frozen=True)
class Item:
    item: str
    lang: str
    split: str  # dev | test
    group: str  # samples | google | written-<shape>
    text: str


def split_of(item: str) -> str:
    """'dev' when the first byte of sha256(SPLIT_SALT + item) is < 128, else 'test'."""
    return "dev" if hashlib.sha256((SPLIT_SALT + item).encode()).digest()[0] < 128 else "test"


def google_text(row: dict[str, str]) -> str:
    return (
        f"{row['Title']}\n{row['Location']}\n\nResponsibilities\n{row['Responsibilities']}"
        f"\n\nMinimum qualifications\n{row['Minimum Qualifications']}\n\n"
        f"Preferred qualifications\n{row['Preferred Qualifications']}\n"
    )


def load_set(path: Path = SET) -> list[Item]:
    """The labelled items with their texts (Google rows are skipped when ../shared is absent)."""
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()][1:]
    samples = {json.loads(x)["posting_id"]: json.loads(x)["text"] for x in SAMPLES.open()}
    google: list[dict[str, str]] = []
    if GOOGLE.is_file():
        with GOOGLE.open(encoding="utf-8", newline="") as fh:
            google = list(csv.DictReader(fh))
    out = []
    for r in rows:
        if "text" in r:
            text, group = r["text"], f"written-{r['shape']}"
        elif r["source"] == "samples":
            text, group = samples[r["item"].split(":", 1)[1]], "samples"
        elif google:
            text, group = google_text(google[r["row"]]), "google"
        else:
            continue
        out.append(Item(r["item"], r["lang"], split_of(r["item"]), group, normalize(text).text))
    return out


def scores(items: list[Item], found: list[str]) -> dict[str, dict[str, Any]]:
    """{gold label: {n, acc, mul, und, wrong}} over `items` (and `all` / `non_en` rows)."""
    out: dict[str, dict[str, Any]] = {}
    keys = [*sorted({i.lang for i in items}), "non_en", "all"]
    for key in keys:
        pairs = [
            (i.lang, f)
            for i, f in zip(items, found, strict=True)
            if key == "all"
            or i.lang == key
            or (key == "non_en" and i.lang not in ("en", "mul", "und"))
        ]
        if not pairs:
            continue
        n = len(pairs)
        out[key] = {
            "n": n,
            "acc": round(sum(g == f for g, f in pairs) / n, 4),
            "mul": round(sum(f == "mul" and g != "mul" for g, f in pairs) / n, 4),
            "und": round(sum(f == "und" and g != "und" for g, f in pairs) / n, 4),
            "wrong": round(sum(f not in ("mul", "und", g) for g, f in pairs) / n, 4),
        }
    return out


def detect_all(params: LanguageParams, items: list[Item]) -> list[str]:
    detector = LinguaDetector(params)
    return [detector.detect(i.text) for i in items]


def report(name: str, items: list[Item], old: list[str], new: list[str]) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for split in ("dev", "test", "all"):
        idx = [k for k, i in enumerate(items) if split in ("all", i.split)]
        sub = [items[k] for k in idx]
        o, n = scores(sub, [old[k] for k in idx]), scores(sub, [new[k] for k in idx])
        res[split] = {"old": o, "new": n}
        print(
            f"\n{name} {split}: label  n  acc old->new  mul old->new  und old->new  wrong old->new"
        )
        for key in n:
            a, b = o[key], n[key]
            print(
                f"  {key:7s} {b['n']:5d}  {a['acc']:.3f}->{b['acc']:.3f}  {a['mul']:.3f}->"
                f"{b['mul']:.3f}  {a['und']:.3f}->{b['und']:.3f}  {a['wrong']:.3f}->{b['wrong']:.3f}"
            )
    return res


def speed(
    old: LanguageParams, new: LanguageParams, items: list[Item], rounds: int
) -> dict[str, Any]:
    detectors = {"old": LinguaDetector(old), "new": LinguaDetector(new)}
    times: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(rounds):
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            t0 = time.perf_counter()
            for i in items:
                detectors[name].detect(i.text)
            times[name].append((time.perf_counter() - t0) * 1000 / len(items))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nspeed ms/posting (median of {rounds} interleaved rounds over {len(items)} texts): "
          f"old {med['old']:.3f}, new {med['new']:.3f}, new/old {med['new'] / med['old']:.2f}")  # fmt: skip
    return {"rounds": rounds, "ms_per_posting": med, "ratio": med["new"] / med["old"]}


_RSS_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
from adapters.artifacts.language import LanguageParams, LinguaDetector
from bench.language import load_set
items = load_set()
before = rss()
d = LinguaDetector(LanguageParams(**json.loads(sys.argv[2])))
for i in items:
    d.detect(i.text)
print(json.dumps({"before": before, "after": rss()}))
"""


def rss(old: LanguageParams, new: LanguageParams, runs: int = 2) -> dict[str, Any]:
    got: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(runs):
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            params = json.dumps(asdict(old if name == "old" else new))
            cmd = [sys.executable, "-c", _RSS_CHILD, str(ROOT), params]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            got[name].append(out["after"] - out["before"])
    med = {k: statistics.median(v) for k, v in got.items()}
    print(f"\nRSS added by the detector + judging the set (MiB, median of {runs}): "
          f"old {med['old']:.1f}, new {med['new']:.1f}")  # fmt: skip
    return {"runs": runs, "mib": med, "all": got}


def grid(base: LanguageParams, items: list[Item]) -> list[dict[str, Any]]:
    dev = [i for i in items if i.split == "dev"]
    out = []
    space = {
        "strong_confidence": [0.9, 0.95],
        "mixed_min_lines": [2],
        "mixed_share": [0.25, 0.34, 0.4],
        "line_words": [4, 5],
        "weak_words": [0, 3, 4],
    }
    for values in itertools.product(*space.values()):
        params = replace(base, **dict(zip(space, values, strict=True)))
        s = scores(dev, detect_all(params, dev))
        row = {"params": dict(zip(space, values, strict=True)), "dev": s["all"], "en": s["en"],
               "non_en": s["non_en"], "mul": s.get("mul", {})}  # fmt: skip
        out.append(row)
        print(f"{row['params']}  all acc {s['all']['acc']:.4f} wrong {s['all']['wrong']:.4f} "
              f"en mul {s['en']['mul']:.4f} non_en acc {s['non_en']['acc']:.3f} "
              f"mul acc {row['mul'].get('acc', 0):.3f}")  # fmt: skip
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old-params", default="{}")
    ap.add_argument("--new-params", default="{}")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rss", action="store_true")
    ap.add_argument("--skills", action="store_true")
    ap.add_argument("--skills-written", action="store_true")
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--show-errors", choices=["dev", "test", "all"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    cfg = load_config(ROOT)
    old = replace(LanguageParams(), **json.loads(args.old_params))
    new = replace(
        LanguageParams.from_config(cfg.params("language_detector")), **json.loads(args.new_params)
    )
    print(f"old {asdict(old)}\nnew {asdict(new)}")
    items = load_set()
    print(
        f"set: {len(items)} items, {Counter(i.split for i in items)}, {Counter(i.lang for i in items)}"
    )
    if args.grid:
        out: dict[str, Any] = {"grid": grid(new, items)}
    else:
        found_old, found_new = detect_all(old, items), detect_all(new, items)
        out = {
            "old": asdict(old),
            "new": asdict(new),
            "scores": report("set", items, found_old, found_new),
        }
        for group in sorted({i.group for i in items}):
            idx = [k for k, i in enumerate(items) if i.group == group]
            out[f"group:{group}"] = report(
                group,
                [items[k] for k in idx],
                [found_old[k] for k in idx],
                [found_new[k] for k in idx],
            )["all"]
        if args.show_errors:
            for i, a, b in zip(items, found_old, found_new, strict=True):
                if args.show_errors in ("all", i.split) and b != i.lang:
                    print(f"  {i.item} gold {i.lang} old {a} new {b} ({i.group})")
        if args.speed:
            out["speed"] = speed(old, new, items, args.rounds)
        if args.rss:
            out["rss"] = rss(old, new)
        if args.skills:
            from bench.language_skills import skill_changes

            out["skills"] = skill_changes(cfg, old, new)
        if args.skills_written:
            from bench.language_skills import skill_changes, written_postings

            out["skills_written"] = skill_changes(
                cfg, old, new, written_postings(items), "written texts"
            )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
