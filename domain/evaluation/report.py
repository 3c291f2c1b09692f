"""The quality gate: thresholds from config checked against evaluation results, and the report.

config/evaluation.yaml holds two tables of minimum F1, dataset -> label -> mode -> value:
  thresholds  the gate: `evaluate` exits non-zero when a result falls below one;
  targets     the goals the extractor is built toward; reported as met / not met, never fatal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import ConfigError
from domain.evaluation.spans import expected_calibration_error
from domain.models import EvaluationResult


@dataclass(frozen=True, slots=True)
class Bound:
    dataset: str
    label: str
    mode: str  # strict | overlap | set (concept level)
    minimum: float

    def actual(self, result: EvaluationResult) -> float:
        return result.f1(self.label, self.mode)


def bounds_from_config(cfg: Mapping[str, Any] | None) -> tuple[Bound, ...]:
    out = []
    for dataset, labels in (cfg or {}).items():
        if not isinstance(labels, Mapping):
            raise ConfigError(f"evaluation bounds for {dataset}: expected label -> mode -> F1")
        for label, modes in labels.items():
            if not isinstance(modes, Mapping):
                raise ConfigError(f"evaluation bounds {dataset}/{label}: expected mode -> F1")
            for mode, value in modes.items():
                if mode not in ("strict", "overlap", "set"):
                    raise ConfigError(f"evaluation bounds {dataset}/{label}: bad mode {mode!r}")
                out.append(Bound(str(dataset), str(label), str(mode), float(value)))
    return tuple(out)


def misses(results: Sequence[EvaluationResult], bounds: Sequence[Bound]) -> list[str]:
    """Every bound of an evaluated dataset that its result falls below, as a readable line."""
    by_name = {r.dataset: r for r in results}
    out = []
    for b in bounds:
        r = by_name.get(b.dataset)
        if r is not None and b.actual(r) < b.minimum:
            out.append(f"{b.dataset} {b.label} {b.mode} F1 {b.actual(r):.3f} < {b.minimum:.2f}")
    return out


def build_report(
    results: Sequence[EvaluationResult],
    calibration: Mapping[str, Sequence[Mapping[str, Any]]],
    thresholds: Sequence[Bound],
    targets: Sequence[Bound],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    by_name = {r.dataset: r for r in results}

    def rows(bounds: Sequence[Bound]) -> list[dict[str, Any]]:
        return [
            {
                "dataset": b.dataset,
                "label": b.label,
                "mode": b.mode,
                "minimum": b.minimum,
                "actual": round(b.actual(by_name[b.dataset]), 4),
                "met": b.actual(by_name[b.dataset]) >= b.minimum,
            }
            for b in bounds
            if b.dataset in by_name
        ]

    return {
        "results": [r.to_dict() for r in results],
        "calibration": {
            name: {"table": list(t), "ece": expected_calibration_error(t)}
            for name, t in calibration.items()
        },
        "thresholds": rows(thresholds),
        "targets": rows(targets),
        "passed": not misses(results, thresholds) and not any(r.regressed for r in results),
        **(extra or {}),
    }


def markdown(report: Mapping[str, Any]) -> str:
    lines = ["# Extraction quality", ""]
    for r in report["results"]:
        lines += [
            f"## {r['dataset']} ({r['n_docs']} docs, content {r['dataset_hash']})",
            "",
            f"Version `{r['enrichment_version']}`, evaluated {r['evaluated_at']}.",
            "",
            "| label | mode | precision | recall | F1 | predicted | gold |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for label, modes in r["metrics"].items():
            for mode, m in modes.items():
                lines.append(
                    f"| {label} | {mode} | {m['precision']:.3f} | {m['recall']:.3f} | "
                    f"{m['f1']:.3f} | {m.get('n_pred', '')} | {m.get('n_gold', '')} |"
                )
        if r.get("regressed"):
            lines += ["", "**Regression** vs previous result: " + "; ".join(r["regressions"])]
        lines.append("")
    for name, cal in report["calibration"].items():
        lines += [
            f"## Calibration on {name} (expected calibration error {cal['ece']:.3f})",
            "",
            "Observed precision = share of predictions in the bin that overlap a gold span of",
            "the same label.",
            "",
            "| confidence | predictions | mean confidence | observed precision |",
            "|---|---:|---:|---:|",
        ]
        for row in cal["table"]:
            if row["n"]:
                lines.append(
                    f"| {row['bin_low']:.1f}-{row['bin_high']:.1f} | {row['n']} | "
                    f"{row['mean_confidence']:.3f} | {row['precision']:.3f} |"
                )
        lines.append("")
    for title, key in (("Quality gate (thresholds)", "thresholds"), ("Targets", "targets")):
        if report[key]:
            lines += [f"## {title}", "", "| dataset | label | mode | minimum F1 | actual | |",
                      "|---|---|---|---:|---:|---|"]  # fmt: skip
            for b in report[key]:
                mark = "met" if b["met"] else "**not met**"
                lines.append(
                    f"| {b['dataset']} | {b['label']} | {b['mode']} | {b['minimum']:.2f} | "
                    f"{b['actual']:.3f} | {mark} |"
                )
            lines.append("")
    lines.append(f"Gate: {'PASSED' if report['passed'] else 'FAILED'}")
    return "\n".join(lines) + "\n"
