"""`enrich evaluate` (also `enrich-ops evaluate`, scripts/evaluate_ci.py): the quality gate.

Scores the active version on the gold datasets of config/evaluation.yaml (or any gold file),
stores each EvaluationResult through the store port, writes evaluation.{md,json,png} into the
report directory and exits non-zero when a threshold is missed or a result regressed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from worker.settings import Settings

log = logging.getLogger("enrich.evaluate")

DESCRIPTION = """Score the active enrichment version on labeled gold sets: span-level strict and
overlap precision/recall/F1 per category, micro and macro, concept-level P/R/F1 where the gold
carries skill ids, and a calibration table (confidence bin vs observed precision).

Results are stored (enrich-ops evaluations shows the history) unless --no-store. The report goes
to REPORT_DIR/evaluation.md, .json and .png (per-category bars, calibration curve).

exit status: 0 all thresholds met and no regression; 1 a threshold missed or a regression;
2 bad configuration or gold file. Thresholds and targets live in config/evaluation.yaml."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dataset",
        action="append",
        help="a dataset name from config/evaluation.yaml (repeatable; default: all)",
    )
    p.add_argument("--gold", type=Path, help="score this gold file instead of the configured sets")
    p.add_argument(
        "--format",
        default="jsonl",
        choices=["jsonl", "skillspan-bio", "green-bio"],
        help="format of --gold (see adapters/artifacts/gold_formats.py)",
    )
    p.add_argument("--report-dir", type=Path, default=Path("reports"), help="default: reports/")
    p.add_argument("--no-store", action="store_true", help="do not persist the results")
    p.add_argument(
        "--no-gate", action="store_true", help="report only: exit 0 even when a threshold is missed"
    )


def add_subcommand(sub: Any, help_text: str) -> None:
    """`evaluate` under an argparse subparsers object (the enrich and enrich-ops CLIs)."""
    p = sub.add_parser(
        "evaluate",
        help=help_text,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.artifacts.datasets import load_gold_file
    from adapters.reports.evaluation_png import write_png
    from domain.errors import ConfigError
    from domain.evaluation.report import build_report, markdown, misses
    from domain.evaluation.run import evaluate, predicted_spans
    from domain.evaluation.spans import reliability
    from domain.pipeline import utc_now
    from worker.bootstrap import Services, build_store

    try:
        store = None if args.no_store else build_store(settings)
        svc = Services(settings, store)  # type: ignore[arg-type]  # no store: nothing persisted
        cfg = svc.evaluation_config()
        if args.gold:
            datasets = [load_gold_file(args.gold, args.format)]
        else:
            datasets = [d for name in (args.dataset or [None]) for d in svc.datasets(name)]
        print(f"evaluating {svc.manifest.effective} (loading models ...)", file=sys.stderr)
        pipeline = svc.pipeline
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from worker.cli import Progress

    show = Progress()
    results, calibration, speed = [], {}, {}
    for ds in datasets:
        t0 = time.perf_counter()

        def step(done: int, total: int, name: str = ds.name) -> None:
            show(f"  {name}: {done}/{total} documents", final=done == total, done=done,
                 total=total)  # fmt: skip

        predicted = predicted_spans(pipeline, ds.docs, dict(ds.label_map), step)
        speed[ds.name] = round(len(ds.docs) / (time.perf_counter() - t0), 1)
        previous = None if args.no_store else next(iter(svc.store.evaluations(ds.name, 1)), None)
        result = evaluate(pipeline, ds, utc_now(), previous, cfg.tolerance, predicted)
        if not args.no_store:
            svc.store.save_evaluation(result)
        results.append(result)
        calibration[ds.name] = reliability(predicted, ds.docs)
        log.info("evaluated %s: %d docs, micro overlap F1 %.3f", ds.name, len(ds.docs), result.f1())
    report = build_report(
        results, calibration, cfg.thresholds, cfg.targets, {"postings_per_s_in_eval": speed}
    )
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (args.report_dir / "evaluation.md").write_text(text)
    write_png(report, args.report_dir / "evaluation.png")
    print(text)
    print(f"report: {args.report_dir}/evaluation.{{md,json,png}}", file=sys.stderr)
    missed = misses(results, cfg.thresholds)
    for line in missed:
        print(f"THRESHOLD MISSED: {line}", file=sys.stderr)
    regressed = [r for r in results if r.regressed]
    for r in regressed:
        print(f"REGRESSION on {r.dataset}: " + "; ".join(r.regressions), file=sys.stderr)
    if args.no_gate:
        return 0
    return 1 if missed or regressed else 0


def main(argv: list[str] | None = None) -> int:
    from worker.settings import get_settings

    p = argparse.ArgumentParser(
        prog="evaluate",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    args = p.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    return run(args, settings)
