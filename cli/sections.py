"""`enrich train-sections`: train the block section classifier from an annotation export."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import Argument, Command, call, raw

if TYPE_CHECKING:
    from worker.settings import Settings

DESCRIPTION = """Train the section classifier (hashed block features -> multinomial logistic
regression) from an annotation export and write its artifact (weights.npz + meta.json).

annotation export: JSON Lines, one posting per line:
  {"posting_id": str, "blocks": [{"header": str | null, "text": str, "label": str}, ...]}
  blocks in posting order; "header" is the block's header line (null for a paragraph without
  one), "text" the lines under it. label is one of:
    overview company responsibilities requirements preferred benefits application legal other
  (scripts/build_section_gold.py writes this format from SkillSpan and the Google postings.)

With --dev, the rules alone, the model alone and the hybrid (rules where a header matches, the
model elsewhere) are scored line by line on it: accuracy and macro-F1, per label; the scores go
into meta.json. The same export and C give a byte-identical artifact.

exit status: 0 trained; 2 unreadable or invalid export.

example: enrich train-sections build/sections/train.jsonl --dev build/sections/dev.jsonl"""


def read_export(path: Path) -> list[tuple[dict[str, Any], list[Any]]]:
    from domain.errors import ConfigError
    from domain.sections.evaluate import parse_export

    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{n}: not JSON ({exc.__class__.__name__})") from exc
        out.append((rec, parse_export(rec, f"{path}:{n}")))
    if not out:
        raise ConfigError(f"{path}: no postings")
    return out


def score_all(
    rules: Any, model: Any, postings: list[tuple[dict[str, Any], list[Any]]]
) -> dict[str, Any]:
    """Rules / model / hybrid on labelled postings: overall and per source/variant."""
    from domain.sections.classifier import MODES, BlockClassifier
    from domain.sections.evaluate import evaluate_classifier

    groups: dict[str, list[Any]] = {"all": [b for _, b in postings]}
    for rec, blocks in postings:
        key = f"{rec.get('source', '?')}/{rec.get('variant', '?')}"
        groups.setdefault(key, []).append(blocks)
    out: dict[str, Any] = {}
    for mode in MODES:
        clf = BlockClassifier(rules, model, mode)
        out[mode] = {k: evaluate_classifier(v, clf.classify) for k, v in sorted(groups.items())}
    return out


def cmd_train_sections(args: Any, settings: Settings) -> int:
    from adapters.artifacts.config_files import load_config, section_rules
    from adapters.artifacts.section_model import save_block_model
    from domain.errors import ConfigError
    from domain.sections.blocks import block_examples
    from domain.sections.training import train_block_model

    try:
        train = read_export(args.train)
        dev = read_export(args.dev) if args.dev else []
        rules = section_rules(load_config(settings.config_root))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    examples = list(block_examples([b for _, b in train]))
    print(f"training on {len(train)} postings, {len(examples)} blocks (C={args.c}) ...",
          file=sys.stderr)  # fmt: skip
    t0 = time.perf_counter()
    digest = hashlib.sha256(args.train.read_bytes()).hexdigest()[:16]
    model = train_block_model(
        examples, args.c, {"train_file": args.train.name, "train_sha256_16": digest}
    )
    print(f"trained in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if dev:
        scores = score_all(rules, model, dev)
        model = type(model)(model.labels, model.coef, model.intercept,
                            dict(model.meta, dev_file=args.dev.name, dev_scores=scores))  # fmt: skip
        for mode, groups in scores.items():
            for key, s in groups.items():
                print(f"{mode:7} {key:20} lines {s['lines']:6}  accuracy {s['accuracy']:.3f}  "
                      f"macro-F1 {s['macro_f1']:.3f}")  # fmt: skip
    save_block_model(model, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


@click.command(
    "train-sections",
    cls=Command,
    short_help="train the section classifier from an annotation export (JSONL of labelled blocks)",
    help=raw(DESCRIPTION),
)
@click.argument("train", type=click.Path(path_type=Path), cls=Argument,
                help="annotation export to train on (JSONL)")  # fmt: skip
@click.option("--dev", type=click.Path(path_type=Path),
              help="annotation export to score on, not trained on (default: none, no dev score)")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=Path("config/models/section_blocks"),
              help="artifact directory (default config/models/section_blocks)")  # fmt: skip
@click.option(
    "--c",
    type=click.FloatRange(min=0, min_open=True),
    default=4.0,
    help="inverse L2 strength (default 4)",
)
def train_sections(**params: Any) -> int:
    return call(cmd_train_sections, params)
