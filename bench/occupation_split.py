"""What the per-pair held-out split (coder v1/v2) measured: string leaks and the top-1 they cap.

    .venv/bin/python bench/occupation_split.py [--json FILE]

Reads O*NET 29.2 alternate titles and the shipped coder, and scores the per-pair held-out split of
`domain/occupations/evaluate.is_held_out` (the v1/v2 measure) in four ways:
  strict        gold = the pair's own 6-digit code (the figure v1/v2 reported)
  single-code   strict, on held-out titles whose normalized string names exactly one 6-digit code
  leaked        strict, on held-out titles whose string the coder was built on under another code
  lenient       hit when the prediction is any 6-digit code O*NET lists for the string; inflated
                under this split, since the coder was trained on those strings (not a fair figure)
and counts how many held-out pairs have their string in the kept (built-on) set under another
code or under the same code. Only meaningful for a coder built on the per-pair split (v2 and
before): a coder built on the string split has seen most of these pairs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.occupations import load_coder  # noqa: E402
from domain.occupations.evaluate import is_held_out, soc6  # noqa: E402
from domain.occupations.split import title_key, topk_set_accuracy  # noqa: E402
from scripts.build_occupations import DATA, read_onet  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    occ_rows, _, alts = read_onet(DATA / "onet_29.2")
    with open(DATA / "onet_29.2" / "alternate_titles.txt", encoding="utf-8") as f:
        alt_only = [(r["O*NET-SOC Code"], r["Alternate Title"]) for r in csv.DictReader(f, delimiter="\t")]  # fmt: skip
    listed: dict[str, set[str]] = defaultdict(set)  # string -> every 6-digit code O*NET gives it
    kept: dict[str, set[str]] = defaultdict(set)  # string -> codes it was built on under
    for c, t in [*alts, *occ_rows]:
        listed[title_key(t)].add(soc6(c))
    for c, t in occ_rows:
        kept[title_key(t)].add(soc6(c))
    for c, t in alts:
        if not is_held_out(c, t):
            kept[title_key(t)].add(soc6(c))
    held = [(soc6(c), t, title_key(t)) for c, t in alt_only if is_held_out(c, t)]
    strings = {title_key(t) for _, t in alt_only}
    out: dict[str, object] = {
        "alternate_title_pairs": len(alt_only),
        "pairs_whose_string_names_2plus_codes": sum(
            len(listed[title_key(t)]) > 1 for _, t in alt_only
        ),
        "distinct_normalized_strings": len(strings),
        "strings_naming_2plus_codes": sum(len(listed[s]) > 1 for s in strings),
        "held_out_pairs": len(held),
        "held_out_string_kept_under_another_code": sum(bool(kept[k] - {c}) for c, _, k in held),
        "held_out_string_kept_under_the_same_code": sum(c in kept[k] for c, _, k in held),
    }
    coder = load_coder(ROOT / "config" / "occupations", ROOT / "config/models/concept_vectors")
    codes = coder.code_many([(t, ()) for _, t, _ in held])
    ranked = [[a.soc_code for a in r.alternatives] for r in codes]

    def acc(ix: list[int], gold: list[frozenset[str]]) -> dict[str, float | int]:
        g, r = [gold[i] for i in ix], [ranked[i] for i in ix]
        s: dict[str, float | int] = {"n": len(ix)}
        for d in (6, 2):
            for k in (1, 3):
                s[f"{d}d_top{k}"] = round(topk_set_accuracy(g, r, k, d), 4)
        return s

    own = [frozenset({c}) for c, _, _ in held]
    every = list(range(len(held)))
    out["strict"] = acc(every, own)
    out["single_code_strings"] = acc([i for i, (_, _, k) in enumerate(held) if len(listed[k]) == 1], own)  # fmt: skip
    out["leaked_strings"] = acc([i for i, (c, _, k) in enumerate(held) if kept[k] - {c}], own)
    out["lenient_any_listed_code"] = acc(every, [frozenset(listed[k]) for _, _, k in held])
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
