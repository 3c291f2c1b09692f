"""Occupation confidence calibration on sets nobody chose on: raw (v8) vs calibrated (v9).

    PYTHONPATH=$PWD .venv/bin/python bench/occupation_calibration.py [--cache DIR] [--json FILE]

Sets: config/eval/occupation_titles_heldout.jsonl and every config/eval/occupation_titles_fresh*.jsonl
(Google titles read from ../shared/data by row, bench/occupation_heldout.py), each in two views:
as posted (title + the skills the quality profile extracts) and skills only (the title withheld,
as a posting without a usable title is coded). Event: soc_code equals the hand label at 6 digits.
Over the items with a label that the coder codes (method title or skills; the floor off, so old
and new code the same items): expected calibration error (10 equal-mass bins), Brier score, a
reliability table (10 equal-mass bins of the new confidence, and of the old), and the 6- and
2-digit precision of the codes at confidence >= 0.5 and >= 0.8 with their coverage (share of the
labelled items). Then the floor: codes it removes, of them wrong / right at 6 digits, right at 2.
--samples: also the 198 sample postings (the demo's) through the pipeline, raw vs calibrated coder.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.occupation_heldout import (  # noqa: E402
    HELDOUT,
    extracted_skills,
    heldout_items,
)
from domain.occupations.code import OccupationCode  # noqa: E402

EVAL = ROOT / "config" / "eval"


def held_out_sets() -> list[Path]:
    """The held-out set and every fresh set present (a fourth one is scored when added)."""
    return [HELDOUT, *sorted(EVAL.glob("occupation_titles_fresh*.jsonl"))]


def reliability(conf: np.ndarray, ok: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    order = np.argsort(conf, kind="stable")
    return [
        {"n": len(b), "mean_confidence": round(float(conf[b].mean()), 4),
         "right6": round(float(ok[b].mean()), 4)}
        for b in np.array_split(order, bins) if len(b)
    ]  # fmt: skip


def calibration_scores(conf: np.ndarray, ok6: np.ndarray, ok2: np.ndarray, n: int) -> dict:
    """ECE, Brier, reliability, precision / coverage at 0.5 and 0.8 of coded items; `n` the
    labelled items of the set (the coverage's denominator)."""
    table = reliability(conf, ok6)
    ece = sum(t["n"] * abs(t["right6"] - t["mean_confidence"]) for t in table) / max(len(conf), 1)
    out: dict[str, Any] = {
        "coded": len(conf), "right6": int(ok6.sum()),
        "ece": round(float(ece), 4), "brier": round(float(np.mean((conf - ok6) ** 2)), 4),
    }  # fmt: skip
    for t in (0.5, 0.8):
        sel = conf >= t
        out[f"at_{t}"] = {
            "codes": int(sel.sum()), "coverage": round(float(sel.sum() / n), 4) if n else None,
            "precision6": round(float(ok6[sel].mean()), 4) if sel.any() else None,
            "precision2": round(float(ok2[sel].mean()), 4) if sel.any() else None,
        }  # fmt: skip
    out["reliability"] = table
    return out


def score_view(
    old: Sequence[OccupationCode],
    new: Sequence[OccupationCode],
    floored: Sequence[OccupationCode],
    gold: Sequence[str],
) -> dict[str, Any]:
    coded = [i for i, c in enumerate(old) if c.soc_code is not None]
    ok6 = np.array([old[i].soc_code == gold[i] for i in coded])
    ok2 = np.array([(old[i].soc_code or "")[:2] == gold[i][:2] for i in coded])
    out: dict[str, Any] = {"labelled": len(gold)}
    for name, codes in (("old", old), ("new", new)):
        conf = np.array([codes[i].confidence for i in coded], dtype=np.float64)
        out[name] = calibration_scores(conf, ok6, ok2, len(gold))
    gone = np.array([floored[i].soc_code is None for i in coded], dtype=bool)
    out["floor"] = {
        "removed": int(gone.sum()), "removed_wrong6": int((gone & ~ok6).sum()),
        "removed_right6": int((gone & ok6).sum()), "removed_right2": int((gone & ok2).sum()),
        "kept": int((~gone).sum()),
        "kept_precision6": round(float(ok6[~gone].mean()), 4) if (~gone).any() else None,
    }  # fmt: skip
    return out


def samples(cfg: Any) -> dict[str, Any]:
    """--samples: the 198 sample postings through the pipeline in-process (build_pipeline), with
    the raw and the calibrated coder: codes per method, reasons, confidences printed 1.0."""
    from collections import Counter

    from adapters.artifacts.config_files import build_pipeline
    from domain.validation import validate

    pipe = build_pipeline(cfg)
    assert pipe.occupations is not None
    raw = replace(pipe, occupations=replace(pipe.occupations, calibration=None))
    lines = (ROOT / "config/samples/skillspan_postings.jsonl").read_bytes().splitlines()
    now = "2026-12-01T00:00:00.000+00:00"  # a rejection's stamp only
    posts = [validate(x, source="bench", ref="samples", now=now) for x in lines if x.strip()]
    occ: dict[str, list[dict[str, Any]]] = {}
    for name, p in (("old", raw), ("new", pipe)):
        occ[name] = []
        for i in range(0, len(posts), 32):
            occ[name] += [e.occupation or {} for e in p.enrich(posts[i : i + 32]).enrichments]
    out: dict[str, Any] = {"postings": len(posts)}
    for name, got in occ.items():
        out[name] = {
            "by_method": dict(Counter(o.get("method") for o in got)),
            "by_reason": dict(Counter(str(o.get("reason")) for o in got)),
            "printed_1.0": sum(o.get("confidence") == 1.0 for o in got),
            "skills_below_0.01": sum(
                o.get("method") == "skills" and o.get("confidence", 0) < 0.01 for o in got
            ),
            "max_confidence": max(o.get("confidence", 0.0) for o in got),
        }
    pairs = list(zip(occ["old"], occ["new"], strict=True))
    out["low_confidence_was"] = dict(
        Counter(o.get("method") for o, n in pairs if n.get("reason") == "low_confidence")
    )
    out["kept_codes_unchanged"] = all(
        o.get("soc_code") == n.get("soc_code") for o, n in pairs if n.get("soc_code")
    )
    return out


def main() -> int:
    from adapters.artifacts.config_files import build_occupation_coder, load_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="folder for the extracted skills")
    ap.add_argument("--json", type=Path, help="also write the results here (bench/results/...)")
    ap.add_argument("--samples", action="store_true", help="also the 198 sample postings")
    args = ap.parse_args()
    cfg = load_config(ROOT, profile="quality")
    floored = build_occupation_coder(cfg)
    assert floored is not None and floored.calibration is not None
    raw = replace(floored, calibration=None)
    new = replace(floored, calibration=replace(floored.calibration, floor=0.0))
    out: dict[str, Any] = {"version": cfg.manifest.effective, "floor": floored.calibration.floor}
    pooled: dict[str, dict[str, list[Any]]] = {}
    for path in held_out_sets():
        items = [it for it in heldout_items(path) if it[3]]
        skills = extracted_skills(items, args.cache)
        gold = [str(g) for *_, g in items]
        for view in ("as_posted", "skills_only"):
            pairs = [(t if view == "as_posted" else None, skills[p]) for p, t, _, _ in items]
            codes = [c.code_many(pairs) for c in (raw, new, floored)]
            out[f"{path.stem}/{view}"] = score_view(*codes, gold)
            acc = pooled.setdefault(view, {"old": [], "new": [], "floored": [], "gold": []})
            for key, got in zip(("old", "new", "floored"), codes, strict=True):
                acc[key] += got
            acc["gold"] += gold
    for view, acc in pooled.items():
        out[f"all_held_out/{view}"] = score_view(
            acc["old"], acc["new"], acc["floored"], acc["gold"]
        )
    for key, r in out.items():
        if not isinstance(r, dict):
            continue
        print(
            f"{key}: labelled {r['labelled']}, coded {r['old']['coded']}, right6 {r['old']['right6']}"
        )
        for name in ("old", "new"):
            s = r[name]
            a5, a8 = s["at_0.5"], s["at_0.8"]
            print(
                f"  {name}: ECE {s['ece']:.4f} Brier {s['brier']:.4f} | >=0.5: {a5['codes']} codes, "
                f"cov {a5['coverage']}, P6 {a5['precision6']}, P2 {a5['precision2']} | >=0.8: "
                f"{a8['codes']} codes, cov {a8['coverage']}, P6 {a8['precision6']}, P2 {a8['precision2']}"
            )
            print("    reliability (mean conf -> right6, n): " + ", ".join(
                f"{t['mean_confidence']:.3f}->{t['right6']:.2f} ({t['n']})" for t in s["reliability"]
            ))  # fmt: skip
        print(f"  floor {out['floor']}: {r['floor']}")
    if args.samples:
        out["samples"] = samples(cfg)
        print("samples:", json.dumps(out["samples"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
