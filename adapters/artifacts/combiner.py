"""The learned combiner's artifact: one JSON file of logistic-regression parameters
(config/models/skill_combiner/combiner.json, written by scripts/train_combiner.py)."""

from __future__ import annotations

import json
from pathlib import Path

from domain.errors import ConfigError
from domain.skills.combiner import LearnedCombiner


def load_combiner(path: Path) -> LearnedCombiner:
    """The fitted combiner in `path` (a combiner.json file, or the directory holding one).

    Raises ConfigError naming the file when it is missing, not JSON or malformed (never a
    silent fallback to the rule)."""
    file = path / "combiner.json" if path.is_dir() else path
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"skill combiner {file}: cannot read ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"skill combiner {file}: not a JSON object")
    try:
        return LearnedCombiner.from_dict(raw)
    except ConfigError as exc:
        raise ConfigError(f"skill combiner {file}: {exc}") from exc
