"""Score the group placer out of fold on the hand-labelled SkillSpan TRAIN spans (issue #24, s24grp4).

    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_oof.py --cv-dir DIR --draw FILE [PARAMS ...]

DIR: the 5 fold artifacts of `scripts/build_group_classifier.py --cv --cv-dir DIR` (fold<i>.npz
and the postings it left out, fold<i>.json). FILE: the spans with their sentences, as written by
`scripts/skillspan_train_groups.py draw --seed 24` (rows: posting_id, start, sentence). Each
fold's spans are linked by the product's linker with the classifier that did not see them.
PARAMS: one linker-param set per argument, "name=value;name=value" ("" = the config as it is).
Prints per set and kind: spans without a concept, share placed, share of placed group links
that are right (our group is the label, under it or above it), right / placed at level 2 and 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HAND = ROOT / "config" / "eval" / "skillspan_train_groups.jsonl"


def within(code: str, group: str) -> bool:
    """Is `code` the group `group` or under it."""
    if code == group:
        return True
    return code.startswith(group if group.startswith("isced-f/") else group + ".")


def main() -> None:
    from adapters.artifacts.config_files import build_extractor, load_config
    from adapters.artifacts.group_classifier import load_group_classifier

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv-dir", type=Path, required=True)
    ap.add_argument("--draw", type=Path, required=True)
    ap.add_argument("params", nargs="*", default=[""])
    args = ap.parse_args()
    rows = [json.loads(x) for x in HAND.read_text(encoding="utf-8").splitlines()][1:]
    with open(args.draw, encoding="utf-8") as fh:
        sents = {(d["posting_id"], d["start"]): d["sentence"] for d in map(json.loads, fh)}
    lk = build_extractor(load_config(ROOT)).linker
    assert lk is not None
    base = lk.params
    n_folds = len(list(args.cv_dir.glob("fold*.npz")))
    folds = [set(json.loads((args.cv_dir / f"fold{i}.json").read_text())) for i in range(n_folds)]
    clfs = [load_group_classifier(args.cv_dir / f"fold{i}.npz") for i in range(n_folds)]
    for spec in args.params or [""]:
        kv = dict(x.split("=") for x in spec.split(";")) if spec else {}
        params = dataclasses.replace(base, **{k: type(getattr(base, k))(v) for k, v in kv.items()})
        links: dict[int, object] = {}
        for fold, clf in zip(folds, clfs, strict=True):
            idx = [i for i, r in enumerate(rows) if r["posting_id"] in fold]
            lk.params, lk.group_classifier, lk.groups = params, clf, None
            lk.clear_caches()
            got = lk.link_many(
                [(rows[i]["text"], rows[i]["kind"]) for i in idx],
                contexts=[sents[(rows[i]["posting_id"], rows[i]["start"])] for i in idx],
            )
            links.update(zip(idx, got, strict=True))
        c: Counter[tuple[str, str]] = Counter()
        for i, lnk in links.items():
            r, kind = rows[i], rows[i]["kind"]
            if lnk.level == "concept":  # type: ignore[attr-defined]
                continue
            c[(kind, "n")] += 1
            group = lnk.group  # type: ignore[attr-defined]
            if group is None:
                continue
            want = r["group"]
            ok = want is not None and (within(want, group.code) or within(group.code, want))
            for key in ("placed", f"n{group.level}"):
                c[(kind, key)] += 1
            for key in ("ok", f"ok{group.level}"):
                c[(kind, key)] += ok
        out = {}
        for kind in ("SKILL", "KNOWLEDGE"):
            n, placed = c[(kind, "n")], c[(kind, "placed")]
            out[kind] = (
                f"without a concept {n}, placed {placed / max(n, 1):.3f}, right "
                f"{c[(kind, 'ok')] / max(placed, 1):.3f} ({c[(kind, 'ok')]}/{placed}), level 2 "
                f"{c[(kind, 'ok2')]}/{c[(kind, 'n2')]}, level 1 {c[(kind, 'ok1')]}/{c[(kind, 'n1')]}"
            )
        ok = c[("SKILL", "ok")] + c[("KNOWLEDGE", "ok")]
        placed = c[("SKILL", "placed")] + c[("KNOWLEDGE", "placed")]
        print(
            json.dumps(kv), f"all right {ok / max(placed, 1):.3f} ({ok}/{placed})", json.dumps(out)
        )


if __name__ == "__main__":
    main()
