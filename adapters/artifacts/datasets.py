"""Load labeled gold datasets (JSONL of documents with character spans) and the eval config."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from adapters.artifacts.gold_formats import green_bio_docs, skillspan_bio_docs
from domain.errors import ConfigError
from domain.evaluation.report import Bound, bounds_from_config
from domain.evaluation.run import GoldDataset
from domain.evaluation.spans import GoldDoc, Span

EVALUATION_CONFIG = "config/evaluation.yaml"


@dataclass(frozen=True)
class EvaluationConfig:
    datasets: tuple[dict[str, Any], ...]
    tolerance: float
    thresholds: tuple[Bound, ...] = ()
    targets: tuple[Bound, ...] = ()


def load_evaluation_config(root: Path) -> EvaluationConfig:
    try:
        cfg = yaml.safe_load((root / EVALUATION_CONFIG).read_text(encoding="utf-8"))
        return EvaluationConfig(
            tuple(cfg["datasets"]),
            float(cfg.get("regression_tolerance", 0.02)),
            bounds_from_config(cfg.get("thresholds")),
            bounds_from_config(cfg.get("targets")),
        )
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{EVALUATION_CONFIG}: {exc!r}") from exc


def load_gold(
    path: Path, name: str, labels: tuple[str, ...], label_map: dict[str, str] | None = None
) -> GoldDataset:
    """Parse and check a gold JSONL file; its content hash identifies the dataset version."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"gold dataset {name}: cannot read {path}: {exc}") from exc
    return _parse_gold(raw, path, name, labels, label_map)


def _parse_gold(
    raw: bytes, path: Path, name: str, labels: tuple[str, ...], label_map: dict[str, str] | None
) -> GoldDataset:
    docs = []
    for lineno, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if "guideline" in d and "text" not in d:
                continue  # the annotation guideline a hand-made gold file opens with
            text = d["text"]
            spans = tuple(
                Span(int(s["start"]), int(s["end"]), str(s["label"]), s.get("skill_id"))
                for s in d["skills" if "skills" in d else "spans"]
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{lineno}: not a gold document: {exc!r}") from exc
        bad = [s for s in spans if not 0 <= s.start < s.end <= len(text)]
        if bad:
            raise ConfigError(f"{path}:{lineno}: span out of range: {bad[0]}")
        docs.append(GoldDoc(str(d.get("doc_id", f"{name}-{lineno}")), text, spans))
    mapping = tuple(sorted((label_map or {}).items()))
    return GoldDataset(name, hashlib.sha256(raw).hexdigest()[:16], tuple(docs), labels, mapping)


GOLD_FORMATS = ("jsonl", "skillspan-bio", "green-bio")


def load_gold_file(
    path: Path, fmt: str = "jsonl", labels: tuple[str, ...] = (), name: str | None = None
) -> GoldDataset:
    """Any gold file in one of GOLD_FORMATS (see adapters/artifacts/gold_formats.py)."""
    name = name or path.stem
    if fmt == "jsonl":
        ds = load_gold(path, name, labels)
    elif fmt in ("skillspan-bio", "green-bio"):
        try:
            rows = (
                skillspan_bio_docs(path, name) if fmt == "skillspan-bio" else green_bio_docs(path)
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: not {fmt}: {exc!r}") from exc
        tmp = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()
        ds = _parse_gold(tmp, path, name, labels, None)
    else:
        raise ConfigError(f"unknown gold format {fmt!r}; one of {GOLD_FORMATS}")
    if not ds.labels:  # every label the gold uses
        found = sorted({s.label for d in ds.docs for s in d.spans})
        ds = replace(ds, labels=tuple(found))
    return ds


def configured_datasets(root: Path, only: str | None = None) -> list[GoldDataset]:
    cfg = load_evaluation_config(root)
    out = []
    for d in cfg.datasets:
        if only is None or d["name"] == only:
            out.append(
                load_gold(
                    root / d["path"], d["name"], tuple(d.get("labels", ())), d.get("label_map")
                )
            )
    if only is not None and not out:
        raise ConfigError(f"no dataset named {only!r} in {EVALUATION_CONFIG}")
    return out
