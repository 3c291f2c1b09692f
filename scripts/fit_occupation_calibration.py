"""Fit the occupation coder's confidence calibration: config/occupations/calibration.json.

    PYTHONPATH=$PWD .venv/bin/python scripts/fit_occupation_calibration.py [--cache DIR] [--check]

Deterministic, ~1-2 minutes (most of it the quality profile extracting the postings' skills;
--cache DIR keeps them). Choose-on sets only: the 150 Google dev titles
(config/eval/occupation_titles_dev.jsonl, titles read from ../shared/data by row) and the 150
sample lines with a code (config/eval/occupation_titles.jsonl), each coded by the RAW coder as
the worker builds it (build_occupation_coder(cfg, calibrated=False)) with the skills the quality
profile extracts (bench/occupation_heldout.py), in two views: as posted (title + skills) and
skills only (the title withheld: how a posting without a usable title is coded). One training row
per coded item; the label: soc_code equals the hand label at 6 digits.

Per method (title, skills) every candidate map of CANDIDATES is scored by out-of-fold log-loss
(5 stratified folds x 5 seeds); the lowest wins (ties: the earlier, simpler one) and is refitted
on all rows. The floor is raised along FLOORS while the codes each step removes (out-of-fold confidences
between two floors, both methods, both views) are right at 6 digits at most FLOOR_PRECISION of
the time: it stops before the first step that would remove codes right more often.
The file keeps the choice and the trade-off table under "fit"; --rows writes the training rows
(no title text) that tests/unit/test_occupation_calibration.py refits from. --check: fit, and
exit 1 when the result differs from the shipped file (nothing written).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.occupations.calibration import (  # noqa: E402
    FEATURES,
    Calibration,
    MethodMap,
    features,
)

# name -> (kind, features): logistic maps over FEATURES' subsets, isotonic on the raw confidence
CANDIDATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "constant": ("constant", ()),
    "platt": ("logistic", ("logit",)),
    "platt_convention": ("logistic", ("logit", "convention")),
    "platt_known": ("logistic", ("logit", "log_known")),
    "platt_convention_known": ("logistic", ("logit", "convention", "log_known")),
    "isotonic": ("isotonic", ()),
    "isotonic_convention": ("isotonic", ("convention",)),
}
FLOORS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
FLOOR_PRECISION = 0.1  # a code right less than 1 time in 10 at 6 digits is a guess
FOLDS, SEEDS = 5, 5
SETS = ("google_dev", "sample_lines")
VIEWS = ("as_posted", "skills_only")


def training_rows(cache: Path | None) -> list[dict[str, Any]]:
    """One row per choose-on item coded (method title or skills) in each view: set, item, view,
    method, raw (the raw confidence), known (skills known to ESCO), ok6 / ok2 (right at 6 / 2
    digits)."""
    from adapters.artifacts.config_files import build_occupation_coder, load_config
    from bench.occupation_heldout import DEV, extracted_skills, hand_items, heldout_items

    coder = build_occupation_coder(load_config(ROOT, profile="quality"), calibrated=False)
    assert coder is not None, "model_versions.yaml lists no occupation_coder"
    rows: list[dict[str, Any]] = []
    for name in SETS:
        items = heldout_items(DEV) if name == "google_dev" else hand_items()
        skills = extracted_skills(items, cache)
        for view in VIEWS:
            pairs = [(t if view == "as_posted" else None, skills[pid]) for pid, t, _, _ in items]
            for (pid, _, _, gold), c, (_, ids) in zip(
                items, coder.code_many(pairs), pairs, strict=True
            ):
                if not gold or c.soc_code is None:
                    continue
                known = len({s for s in ids if s in coder.esco.skill_index})
                rows.append(
                    {"set": name, "item": pid, "view": view, "method": c.method,
                     "raw": c.confidence, "known": known, "ok6": c.soc_code == gold,
                     "ok2": c.soc_code[:2] == gold[:2]}
                )  # fmt: skip
    return rows


def _x(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> np.ndarray:
    f = [features(r["raw"], r["known"]) for r in rows]
    return np.array([[d[n] for n in names] for d in f], dtype=np.float64).reshape(len(rows), -1)


def fit_map(name: str, rows: Sequence[dict[str, Any]]) -> MethodMap:
    """Candidate `name` fitted on `rows` (each with raw, known, ok6)."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    kind, names = CANDIDATES[name]
    y = np.array([r["ok6"] for r in rows], dtype=np.float64)
    if kind == "constant" or len(set(y)) < 2:
        return MethodMap("constant", intercept=round(float((y.sum() + 0.5) / (len(y) + 1)), 6))
    if kind == "logistic":
        m = LogisticRegression(C=1.0, max_iter=1000).fit(_x(rows, names), y)
        coef = tuple(round(float(c), 6) for c in m.coef_[0])
        return MethodMap("logistic", names, coef, round(float(m.intercept_[0]), 6))
    conv = _x(rows, ("convention",))[:, 0] > 0 if names else np.zeros(len(rows), bool)
    raw = np.array([r["raw"] for r in rows], dtype=np.float64)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(raw[~conv], y[~conv])
    rate = round(float((y[conv].sum() + 1) / (conv.sum() + 2)), 6) if names else None
    xs = tuple(round(float(v), 6) for v in iso.X_thresholds_)
    ys = tuple(round(float(v), 6) for v in np.clip(iso.y_thresholds_, 0.005, 0.995))
    return MethodMap("isotonic", x=xs, y=ys, convention_rate=rate)


def predict(m: MethodMap, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    return np.array([m.probability(r["raw"], r["known"]) for r in rows], dtype=np.float64)


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """log-loss (p clipped to [0.001, 0.999]), Brier, ECE over 10 equal-mass bins."""
    q = np.clip(p, 1e-3, 1 - 1e-3)
    order = np.argsort(p, kind="stable")
    bins = [b for b in np.array_split(order, 10) if len(b)]
    ece = sum(len(b) * abs(y[b].mean() - p[b].mean()) for b in bins) / len(y)
    return {
        "log_loss": round(float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "ece": round(float(ece), 4),
    }


def out_of_fold(name: str, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """(SEEDS, len(rows)) out-of-fold predictions of candidate `name`."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array([r["ok6"] for r in rows], dtype=int)
    out = np.zeros((SEEDS, len(rows)))
    folds = min(FOLDS, int(min(y.sum(), len(y) - y.sum())))
    for seed in range(SEEDS):
        if folds < 2:  # too few of one class to stratify: the constant everywhere
            out[seed] = (y.sum() + 0.5) / (len(y) + 1)
            continue
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
            m = fit_map(name, [rows[i] for i in tr])
            out[seed, te] = predict(m, [rows[i] for i in te])
    return out


def floor_table(rows: Sequence[dict[str, Any]], oof: np.ndarray) -> list[dict[str, Any]]:
    """Per floor: codes removed (out-of-fold confidence below it), of them wrong / right at 6
    digits and right at 2 digits, and the 6-digit precision and count of the codes kept."""
    ok6 = np.array([r["ok6"] for r in rows])
    ok2 = np.array([r["ok2"] for r in rows])
    table = []
    for f in FLOORS:
        gone = oof < f
        table.append(
            {"floor": f, "codes": len(rows), "removed": int(gone.sum()),
             "removed_wrong6": int((gone & ~ok6).sum()), "removed_right6": int((gone & ok6).sum()),
             "removed_right2": int((gone & ok2).sum()),
             "removed_precision6": round(float(ok6[gone].mean()), 4) if gone.any() else None,
             "kept": int((~gone).sum()),
             "kept_precision6": round(float(ok6[~gone].mean()), 4) if (~gone).any() else None}
        )  # fmt: skip
    return table


def fit(rows: Sequence[dict[str, Any]]) -> tuple[Calibration, dict[str, Any]]:
    """The calibration and its report (candidates' scores, choices, floor table)."""
    report: dict[str, Any] = {
        "sets": list(SETS), "views": list(VIEWS), "label": "soc_code right at 6 digits",
        "choice": f"lowest out-of-fold log-loss, {FOLDS} stratified folds x {SEEDS} seeds",
        "floor_rule": f"raised while each step's removed codes are right <= {FLOOR_PRECISION} at 6d",
        "features": list(FEATURES), "methods": {},
    }  # fmt: skip
    maps: dict[str, MethodMap] = {}
    oof_all = np.zeros(len(rows))
    for method in sorted({r["method"] for r in rows}):  # title, skills (and any new method)
        idx = [i for i, r in enumerate(rows) if r["method"] == method]
        sub = [rows[i] for i in idx]
        y = np.array([r["ok6"] for r in sub], dtype=np.float64)
        cand: dict[str, dict[str, float]] = {}
        preds = {}
        for name in CANDIDATES:
            preds[name] = out_of_fold(name, sub)
            each = [scores(y, p) for p in preds[name]]
            cand[name] = {k: round(float(np.mean([e[k] for e in each])), 4) for k in each[0]}
        best = min(CANDIDATES, key=lambda n: (cand[n]["log_loss"], list(CANDIDATES).index(n)))
        maps[method] = fit_map(best, sub)
        oof_all[idx] = preds[best].mean(axis=0)
        raw = np.array([r["raw"] for r in sub])
        report["methods"][method] = {
            "rows": len(sub), "right6": int(y.sum()), "chosen": best,
            "raw_confidence": scores(y, raw), "candidates_out_of_fold": cand,
        }  # fmt: skip
    table = floor_table(rows, oof_all)
    floor = 0.0
    for lower, upper in itertools.pairwise(table):
        step = upper["removed"] - lower["removed"]
        right = upper["removed_right6"] - lower["removed_right6"]
        if step and right / step > FLOOR_PRECISION:
            break
        floor = upper["floor"]
    report["floor_table"] = table
    report["floor_by_view"] = {
        v: floor_table([r for r in rows if r["view"] == v], oof_all[[r["view"] == v for r in rows]])
        for v in VIEWS
    }
    return Calibration(maps, floor), report


def main() -> int:
    from adapters.artifacts.occupations import CALIBRATION, save_calibration

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="folder for the extracted skills (per version)")
    ap.add_argument("--out", type=Path, default=ROOT / "config" / "occupations")
    ap.add_argument(
        "--rows", type=Path, default=ROOT / "bench/results/occupation_calibration_rows.json"
    )
    ap.add_argument("--check", action="store_true", help="exit 1 when the fit differs from --out's")
    args = ap.parse_args()
    rows = training_rows(args.cache)
    calibration, report = fit(rows)
    if args.check:
        shipped = json.loads((args.out / CALIBRATION).read_text(encoding="utf-8"))
        same = {**calibration.to_dict(), "fit": report} == shipped
        print("calibration.json is what the script fits" if same else "calibration.json differs")
        return 0 if same else 1
    save_calibration(calibration, report, args.out)
    args.rows.parent.mkdir(parents=True, exist_ok=True)
    args.rows.write_text(json.dumps(rows, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps({**calibration.to_dict(), "floor_table": report["floor_table"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
