"""Re-link a judged sample of group links with other linker params (issue #24, s24grp5).

    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_relink.py relink SAMPLE --out FILE
        [--clf NPZ] [--blind BLIND] [--old PARAMS] PARAMS
    PYTHONPATH=$PWD .venv/bin/python scripts/group_links_relink.py score FILE [--verdicts BLIND]

relink: enriches the 198 committed sample postings with the product (as
scripts/group_links_sample.py draw does), the linker's params changed by PARAMS
("name=value;name=value") and its group classifier by --clf; for each row of SAMPLE (a judged
file, e.g. config/eval/sample_group_links_judged_v3.jsonl) finds the skill holding that mention
and writes the row to FILE with `new_group_id`, `new_group_name`, `new_level` (level "none" and
group null: no place any more) and `new_relinks` (the mention linked alone with its sentence
gets that group). A row whose group is unchanged keeps its verdict; a changed one
gets `new_verdict` null, and --blind writes those rows alone, with text, kind, sentence and the
new group only (no old group, verdict or score), for judging by hand under the sample's
guideline. Also counts, over all the samples' mentions, those the new params place that the old
(--old, default the config's) did not, and those whose group changed.
score: share correct before (the rows' verdicts) and after (unchanged rows' verdicts, changed
rows' verdicts from the blind file, merged by row number; a row with no place any more counts
as not placed), per level, over the rows outside the hand-labelled train spans and over all.
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

SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"


def placements(
    spec: str, clf: Path | None
) -> tuple[dict[tuple[str, int], tuple[str, str, str]], object]:
    """(posting_id, mention start) -> (level, group id, group name) of every kept skill's
    mentions on the samples, with the params of `spec` and the classifier `clf`; and that
    linker."""
    from adapters.artifacts.config_files import build_pipeline, load_config
    from adapters.artifacts.group_classifier import load_group_classifier
    from domain.validation import validate

    pipeline = build_pipeline(load_config(ROOT))
    lk = pipeline.extractor.linker
    assert lk is not None
    kv = dict(x.split("=") for x in spec.split(";")) if spec else {}
    lk.params = dataclasses.replace(
        lk.params, **{k: type(getattr(lk.params, k))(v) for k, v in kv.items()}
    )
    if clf is not None:
        lk.group_classifier = load_group_classifier(clf)
    lk.groups = None
    lk.clear_caches()
    with open(SAMPLES, "rb") as fh:
        postings = [validate(raw.rstrip(b"\n"), source="samples", ref=f"line {i + 1}",
                             now="2026-11-27T12:00:00.000+00:00") for i, raw in enumerate(fh)]  # fmt: skip
    out = {}
    for i in range(0, len(postings), 32):
        for e in pipeline.enrich(postings[i : i + 32]).enrichments:
            for s in e.skills:
                for m in s.mentions:
                    out[(e.posting_id, m.start)] = (
                        s.link_level or "none",
                        s.group_id or "",
                        s.group_name or "",
                    )
    return out, lk


def relink(
    sample: Path, out: Path, blind: Path | None, spec: str, clf: Path | None, old_spec: str = ""
) -> None:
    lines = [json.loads(x) for x in sample.read_text(encoding="utf-8").splitlines() if x.strip()]
    header, rows = lines[0], lines[1:]
    old, _ = placements(old_spec, None)
    new, lk = placements(spec, clf)
    changed = []
    for n, r in enumerate(rows):
        level, gid, name = new.get((r["posting_id"], r["start"]), ("none", "", ""))
        r["row"] = n
        r["new_level"] = level if level.startswith("group") else "none"
        r["new_group_id"], r["new_group_name"] = (gid, name) if gid else (None, None)
        if r["new_group_id"] == r["group_id"] and r["new_level"] == r["level"]:
            r["new_verdict"] = r["verdict"]
        else:
            r["new_verdict"] = None
            if r["new_group_id"] is not None:
                changed.append(r)
    # does the mention linked alone with its sentence get that group (as draw's `relinks`)
    again = lk.link_many(  # type: ignore[attr-defined]
        [(r["text"], r["kind"]) for r in rows], [r["sentence"] for r in rows]
    )
    for r, x in zip(rows, again, strict=True):
        r["new_relinks"] = x.group is not None and x.group.code == r["new_group_id"]
    newly = Counter(
        lv for key, (lv, _, _) in new.items()
        if lv.startswith("group") and not old.get(key, ("none",))[0].startswith("group")
    )  # fmt: skip
    moved = Counter(
        (old[key][0], lv) for key, (lv, g, _) in new.items()
        if key in old and old[key][0].startswith("group") and old[key][1] != g
    )  # fmt: skip
    head = {**header, "relinked_with": spec, "clf": str(clf or ""),
            "mentions newly placed on the samples, by level": dict(newly),
            "mentions whose group changed on the samples (old level, new level)":
                {f"{a} -> {b}": v for (a, b), v in sorted(moved.items())}}  # fmt: skip
    with open(out, "w", encoding="utf-8") as fh:
        for row in (head, *rows):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if blind is not None:
        with open(blind, "w", encoding="utf-8") as fh:
            for r in changed:
                keep = {k: r[k] for k in ("row", "text", "kind", "sentence")}
                keep |= {"group_id": r["new_group_id"], "group_name": r["new_group_name"],
                         "level": r["new_level"], "verdict": None, "note": ""}  # fmt: skip
                fh.write(json.dumps(keep, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in head.items() if k.startswith("mentions")}))
    print(f"{len(rows)} rows, {len(changed)} moved to another group, "
          f"{sum(r['new_level'] == 'none' for r in rows)} no place -> {out}")  # fmt: skip


def score(path: Path, verdicts: Path | None) -> dict[str, object]:
    """Before / after shares correct among the placed rows, per level; outside the train spans
    (`in_train_labels` false) and all."""
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()][1:]
    if verdicts is not None:
        got = {}
        for line in verdicts.read_text(encoding="utf-8").splitlines():
            d = json.loads(line) if line.strip() else {}
            if "row" in d:  # a header line (guideline) has none
                got[d["row"]] = d["verdict"]
        for r in rows:
            if r["new_verdict"] is None and r["row"] in got:
                r["new_verdict"] = got[r["row"]]
    out: dict[str, object] = {}
    for name, sel in (("outside train labels", [r for r in rows if not r.get("in_train_labels")]),
                      ("all", rows)):  # fmt: skip
        part: dict[str, object] = {}
        for when, level, verdict in (("before", "level", "verdict"),
                                     ("after", "new_level", "new_verdict")):  # fmt: skip
            placed = [r for r in sel if r[level] != "none"]
            judged = [r for r in placed if r[verdict] in ("correct", "wrong")]
            ok = Counter(r[level] for r in judged if r[verdict] == "correct")
            n = Counter(r[level] for r in judged)
            part[when] = {
                "placed": len(placed), "unjudged": len(placed) - len(judged),
                "correct": round(sum(ok.values()) / max(len(judged), 1), 3),
                "by level": {k: f"{ok[k]}/{v} = {ok[k] / v:.3f}" for k, v in sorted(n.items())},
            }  # fmt: skip
        out[name] = part
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("relink")
    r.add_argument("sample", type=Path)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--blind", type=Path)
    r.add_argument("--clf", type=Path)
    r.add_argument("--old", default="", help="the params SAMPLE was made with (default: config)")
    r.add_argument("params")
    s = sub.add_parser("score")
    s.add_argument("file", type=Path)
    s.add_argument("--verdicts", type=Path)
    args = ap.parse_args()
    if args.cmd == "relink":
        relink(args.sample, args.out, args.blind, args.params, args.clf, args.old)
    else:
        print(json.dumps(score(args.file, args.verdicts)))


if __name__ == "__main__":
    main()
