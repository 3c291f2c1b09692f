"""Relink a judged group-link sample with the product as it is now (s24vec, 2026.12.2): each of
its 200 mentions linked again alone with its sentence (ConceptLinker.link_many). A row keeps the
judged verdict where the group is the same ('carried'); a row whose group moved takes its verdict
from `--verdicts` (JSON {text: [verdict, note]}, judged by hand under the sample's guideline); a
row now linked at concept level, or not placed, has no group verdict. Stops, listing them, when
a moved row has no verdict. Prints the share judged correct of the rows with a verdict.

    PYTHONPATH=$PWD .venv/bin/python scripts/relink_group_sample.py \
        config/eval/sample_group_links_judged_v3.jsonl VERDICTS.json \
        -o config/eval/sample_group_links_judged_v3_relinked.jsonl --judged "2026-12-01 by ..."

VERDICTS.json for the committed v3 relinked file: its 16 rows with `"carried": false` and a
verdict (`{r["text"]: [r["verdict"], r["note"]]}`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="a judged sample (scripts/group_links_sample.py)")
    ap.add_argument("verdicts", type=Path, help="JSON {text: [verdict, note]} for moved rows")
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--judged", default="", help="who judged the moved rows, when, blind or not")
    args = ap.parse_args()
    cfg = load_config(ROOT)
    linker = build_pipeline(cfg).extractor.linker
    assert linker is not None
    lines = [json.loads(x) for x in args.source.read_text(encoding="utf-8").splitlines() if x]
    rows, verdicts = lines[1:], json.loads(args.verdicts.read_text(encoding="utf-8"))
    links = linker.link_many([(r["text"], r["kind"]) for r in rows], [r["sentence"] for r in rows])
    out, missing = [], []
    for r, x in zip(rows, links, strict=True):
        new = {k: r[k] for k in ("posting_id", "text", "kind", "sentence", "start", "end")}
        g = x.group
        if x.skill_id is not None:
            new.update(group_id=None, group_name=None, level="concept", carried=False,
                       verdict=None, note=f"now a concept-level link ({x.skill_id}); no group verdict", relinks=False)  # fmt: skip
        elif g is None:
            new.update(group_id=None, group_name=None, level="none", carried=False, verdict=None,
                       note="", relinks=False)  # fmt: skip
        elif g.code == r["group_id"]:
            new.update(group_id=g.code, group_name=g.name, level=r["level"], carried=True,
                       verdict=r["verdict"], note=r.get("note", ""), relinks=True)  # fmt: skip
        elif r["text"] in verdicts:
            verdict, note = verdicts[r["text"]]
            new.update(group_id=g.code, group_name=g.name, level=x.level, carried=False,
                       verdict=verdict, note=note, relinks=True)  # fmt: skip
        else:
            missing.append((r["text"], g.code, g.name))
        out.append(new)
    if missing:
        sys.exit("moved rows without a verdict:\n" + "\n".join(map(str, missing)))
    header = {
        "guideline": f"The 200 mentions of {args.source.name}, each linked again alone with its "
        f"sentence by {cfg.manifest.declared} (ConceptLinker.link_many). Same guideline as that "
        "file. 'carried': the group is the one judged there, so its verdict carries over. Rows "
        "whose group moved were judged again (see 'judged'). Rows now linked at concept level or "
        "not placed have no group verdict.",
        "enrichment_version": cfg.manifest.effective,
        "source": str(args.source.relative_to(ROOT) if args.source.is_absolute() else args.source),
        "judged": args.judged,
    }
    args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [header, *out]),
                        encoding="utf-8")  # fmt: skip
    judged = [o for o in out if o["verdict"] is not None]
    right = sum(o["verdict"] == "correct" for o in judged)
    print(f"{args.out}: {len(judged)} with a verdict, {right / len(judged):.3f} correct; "
          f"carried {sum(o['carried'] for o in out)}, concept level "
          f"{sum(o['level'] == 'concept' for o in out)}")  # fmt: skip


if __name__ == "__main__":
    main()
