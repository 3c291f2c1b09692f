"""Load labeled gold datasets (JSONL of documents with character spans) and the eval config."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.errors import ConfigError
from domain.evaluation.run import GoldDataset
from domain.evaluation.spans import GoldDoc, Span

EVALUATION_CONFIG = "config/evaluation.yaml"


@dataclass(frozen=True)
class EvaluationConfig:
    datasets: tuple[dict[str, Any], ...]
    tolerance: float


def load_evaluation_config(root: Path) -> EvaluationConfig:
    try:
        cfg = yaml.safe_load((root / EVALUATION_CONFIG).read_text(encoding="utf-8"))
        return EvaluationConfig(
            tuple(cfg["datasets"]), float(cfg.get("regression_tolerance", 0.02))
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
    docs = []
    for lineno, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            text = d["text"]
            spans = tuple(Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in d["spans"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{lineno}: not a gold document: {exc!r}") from exc
        bad = [s for s in spans if not 0 <= s.start < s.end <= len(text)]
        if bad:
            raise ConfigError(f"{path}:{lineno}: span out of range: {bad[0]}")
        docs.append(GoldDoc(str(d.get("doc_id", f"{name}-{lineno}")), text, spans))
    mapping = tuple(sorted((label_map or {}).items()))
    return GoldDataset(name, hashlib.sha256(raw).hexdigest()[:16], tuple(docs), labels, mapping)


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
