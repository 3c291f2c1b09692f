"""The concept linker's artifacts: a model2vec static embedding model (config/models/concept_vectors,
distilled from MiniLM by scripts/build_concept_vectors.py; since 2026.12.2 the linker reads
config/models/concept_vectors_tuned, its token table fine-tuned by
scripts/finetune_concept_vectors.py, same shape and tokenizer), loaded with `model2vec` (numpy +
tokenizers; no torch, no network; every taxonomy label is embedded once at load); and the skill
hierarchy (config/taxonomy/skill_groups.jsonl.gz, scripts/build_runtime_data.py) the fallback to
a broader group reads; and (2026.11.19) the learned top-1 decision
(config/models/concept_decision.json, scripts/build_concept_decision.py). Any of them missing or
corrupt: ConfigError naming the file, at worker start."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError
from domain.skills.decision import LearnedDecision
from domain.skills.linking import (
    ConceptLinker,
    Encoder,
    LinkerParams,
    VectorIndex,
    label_rows,
    unit_rows,
)
from domain.skills.taxonomy import Alias, SkillHierarchy, Taxonomy

REQUIRED = ("config.json", "model.safetensors", "tokenizer.json")


def _unreadable_file(path: Path) -> Path:
    """The first of the artifact's files that does not parse on its own (a truncated
    model.safetensors, a tokenizer.json that is not JSON), so the error names it; the directory
    when each parses alone and only their combination fails."""
    from safetensors import safe_open
    from tokenizers import Tokenizer

    reads = (
        ("config.json", lambda p: json.loads(p.read_text(encoding="utf-8"))),
        ("model.safetensors", lambda p: safe_open(str(p), framework="numpy").keys()),
        ("tokenizer.json", lambda p: Tokenizer.from_file(str(p))),
    )
    for name, read in reads:
        try:
            read(path / name)
        except Exception:  # safetensors / tokenizers raise their own types
            return path / name
    return path


def load_encoder(path: Path) -> Encoder:
    """Fails, naming the file, when the artifact is missing or unreadable: never a silent
    fallback to no linking."""
    target = "concept-vectors-tuned" if path.name == "concept_vectors_tuned" else "concept-vectors"
    for name in REQUIRED:
        if not (path / name).is_file():
            raise ConfigError(f"concept linker artifact missing: {path / name} (make {target})")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec import StaticModel

    try:
        model = StaticModel.from_pretrained(str(path))
        probe = model.encode(["python"], show_progress_bar=False, use_multiprocessing=False)
    except Exception as exc:
        raise ConfigError(
            f"concept linker artifact unreadable: {_unreadable_file(path)} "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if probe.ndim != 2 or not np.isfinite(probe).all():
        raise ConfigError(f"concept linker artifact gives no usable vectors: {path}")

    def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = model.encode(list(texts), show_progress_bar=False, use_multiprocessing=False)
        return unit_rows(vectors)

    return encode


def load_hierarchy(path: Path) -> SkillHierarchy:
    """The skill groups file (gzip JSON lines). Raises ConfigError naming the file when it is
    missing, not gzip / JSON, has rows of neither shape, or holds no group."""
    if not path.is_file():
        raise ConfigError(f"skill hierarchy missing: {path} (make data)")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            hierarchy = SkillHierarchy.from_rows(json.loads(line) for line in fh if line.strip())
    except ConfigError as exc:
        raise ConfigError(f"skill hierarchy unreadable: {path} ({exc})") from exc
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"skill hierarchy unreadable: {path} ({type(exc).__name__}: {exc})"
        ) from exc
    if not len(hierarchy):
        raise ConfigError(f"skill hierarchy holds no group: {path}")
    return hierarchy


def load_decision(path: Path) -> LearnedDecision:
    """The learned decision's JSON file. Raises ConfigError naming the file when it is missing,
    not JSON, or not a model of this code's features."""
    if not path.is_file():
        raise ConfigError(f"concept decision missing: {path} (make concept-decision)")
    try:
        return LearnedDecision.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, ConfigError) as exc:
        raise ConfigError(f"concept decision unreadable: {path} ({exc})") from exc


def build_linker(
    path: Path,
    taxonomy: Taxonomy,
    aliases: Sequence[Alias],
    skip: frozenset[str],
    params: LinkerParams,
    hierarchy_path: Path | None = None,
    classifier_path: Path | None = None,
    decision_path: Path | None = None,
) -> ConceptLinker:
    """The product's linker: vectors from `path`, the hierarchy fallback from `hierarchy_path`
    (None: no fallback), the fallback's group classifier from `classifier_path` (None: none),
    the learned top-1 decision from `decision_path` (None: the threshold)."""
    hierarchy = load_hierarchy(hierarchy_path) if hierarchy_path is not None else None
    decision = load_decision(decision_path) if decision_path is not None else None
    classifier = None
    if classifier_path is not None:
        from adapters.artifacts.group_classifier import load_group_classifier

        classifier = load_group_classifier(classifier_path)
    rows = label_rows(taxonomy)
    index = VectorIndex(load_encoder(path), [r[0] for r in rows], [r[1] for r in rows],
                        [r[2] for r in rows])  # fmt: skip
    if params.search_dims:  # (s24cost4, off) the two-stage search, from the loaded vectors
        try:
            index.two_stage(params.search_dims, params.search_pool)
        except ValueError as exc:
            raise ConfigError(f"concept_linker search_dims: {exc} ({path})") from exc
    linker = ConceptLinker(taxonomy, aliases, skip, index, params, hierarchy=hierarchy,
                           group_classifier=classifier, decision=decision)  # fmt: skip
    linker.placer()  # the group placer's tables, built at start rather than on the first batch
    return linker
