"""`enrich evaluate` / `enrich-ops evaluate` (the quality gate) and `enrich-ops evaluations`.

Scores the active version on the gold datasets of config/evaluation.yaml (or any gold file),
stores each EvaluationResult through the store port, writes evaluation.{md,json,png} into the
report directory and exits non-zero when a threshold is missed or a result regressed.
scripts/evaluate_ci.py runs the same command as its own program (`main`).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, Command, Program, Progress, call, raw, run_program
from cli.common import services as _services
from cli.common import table as _table

if TYPE_CHECKING:
    from worker.settings import Settings

log = logging.getLogger("enrich.evaluate")

DESCRIPTION = """Score the active enrichment version on labeled gold sets: span-level strict and
overlap precision/recall/F1 per category, micro and macro, concept-level P/R/F1 where the gold
carries skill ids, and a calibration table (confidence bin vs observed precision).

Results are stored (enrich-ops evaluations shows the history) unless --no-store. The report goes
to REPORT_DIR/evaluation.md, .json and .png (per-category bars, calibration curve).

exit status: 0 all thresholds met and no regression; 1 a threshold missed or a regression;
2 bad configuration or gold file. Thresholds and targets live in config/evaluation.yaml.

example: enrich evaluate --dataset skillspan-dev --no-store"""


def cmd_evaluate(args: Any, settings: Settings) -> int:
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
    except ConfigError as exc:  # one line with the program's prefix, as every command: exit 2
        from worker.errors import BAD_INPUT, CliError

        raise CliError(str(exc), BAD_INPUT) from exc

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


def cmd_evaluations(args: Any, s: Settings) -> int:
    svc = _services(s)
    hist = svc.store.evaluations(args.dataset, args.limit)
    rows = [
        (r.evaluated_at[:19], r.dataset, r.enrichment_version, f"{r.f1('SKILL'):.3f}", f"{r.f1('KNOWLEDGE'):.3f}",
         f"{r.f1():.3f}", f"{r.f1('micro', 'strict'):.3f}", "REGRESSED" if r.regressed else "ok")
        for r in hist
    ]  # fmt: skip
    header = (
        "evaluated_at",
        "dataset",
        "version",
        "SKILL ovl F1",
        "KNOWL ovl F1",
        "micro ovl F1",
        "micro strict F1",
        "status",
    )
    print(_table(rows, header) if rows else "no evaluations yet (enrich-ops evaluate)")
    if args.plot and hist:
        from adapters.reports.evaluation_history_png import plot_history

        plot_history(list(reversed(hist)), args.plot)
        print(f"plot written to {args.plot}")
    return 0


def evaluate_command(short_help: str) -> click.Command:
    """The `evaluate` command, listed with `short_help` (each program words it its own way)."""

    @click.command("evaluate", cls=Command, short_help=short_help, help=raw(DESCRIPTION))
    @click.option("--dataset", multiple=True,
                  help="a dataset name from config/evaluation.yaml (repeatable; default: all)")  # fmt: skip
    @click.option("--gold", type=click.Path(path_type=Path),
                  help="score this gold file instead of the configured sets")  # fmt: skip
    @click.option("--format", default="jsonl",
                  type=click.Choice(["jsonl", "skillspan-bio", "green-bio"]),
                  help="format of --gold (default jsonl; see adapters/artifacts/gold_formats.py)")  # fmt: skip
    @click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"),
                  help="where the report is written (default: reports/)")  # fmt: skip
    @click.option("--no-store", is_flag=True, help="do not persist the results")
    @click.option("--no-gate", is_flag=True,
                  help="report only: exit 0 even when a threshold is missed")  # fmt: skip
    def evaluate(**params: Any) -> int:
        return call(cmd_evaluate, params)

    return evaluate


@click.command(
    "evaluations",
    cls=Command,
    short_help="evaluation history as a table (and a PNG trend with --plot)",
    help="Print the stored evaluations, newest first: dataset, enrichment version, date, F1 per "
    "label and whether the quality gate flagged a regression; --plot also draws F1 over time. "
    "Example: enrich-ops evaluations --dataset skillspan-dev --plot f1.png",
)
@click.option("--dataset", help="only this dataset of config/evaluation.yaml (default: all)")
@click.option("--limit", type=COUNT, default=30, help="newest evaluations to list (default 30)")
@click.option(
    "--plot", type=click.Path(path_type=Path), metavar="FILE.png", help="write a trend plot"
)
def evaluations(**params: Any) -> int:
    return call(cmd_evaluations, params)


def main(argv: Sequence[str] | None = None) -> int:
    """`evaluate` as its own program (scripts/evaluate_ci.py): the command's exit code."""

    def setup(settings: Settings) -> None:
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s"
        )

    command = evaluate_command("score the active version on the gold datasets")
    return run_program(command, argv, "evaluate", Program("evaluate", False, setup))
