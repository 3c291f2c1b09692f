"""Load versioned config and artifacts from disk and build the components they describe."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.errors import ConfigError
from domain.models import VersionManifest
from domain.pipeline import Pipeline
from domain.sections.header_rules import HeaderRules
from domain.skills.phrase_matcher import MatcherParams, TaxonomyPhraseMatcher
from domain.skills.taxonomy import Taxonomy, aliases_from_config, ambiguity_from_config
from domain.versions import build_manifest

MODEL_VERSIONS = "config/model_versions.yaml"


@dataclass(frozen=True)
class LoadedConfig:
    root: Path
    spec: dict[str, Any]
    manifest: VersionManifest

    def path(self, role: str, index: int = 0) -> Path:
        return self.root / self.spec["components"][role]["files"][index]

    def params(self, role: str) -> dict[str, Any]:
        return dict(self.spec["components"][role].get("params", {}))


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def load_config(root: Path, versions_file: str = MODEL_VERSIONS) -> LoadedConfig:
    """Read model_versions.yaml under `root` and fingerprint every file it names."""
    spec_path = root / versions_file
    try:
        spec_bytes = spec_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {spec_path}: {exc}") from exc
    spec = yaml.safe_load(spec_bytes)
    if not isinstance(spec, dict):
        raise ConfigError(f"{spec_path} must be a mapping")
    files: dict[str, bytes] = {}
    for comp in (spec.get("components") or {}).values():
        for rel in (comp or {}).get("files", []):
            if (root / rel).is_file():
                files[rel] = (root / rel).read_bytes()
    return LoadedConfig(root, spec, build_manifest(spec, spec_bytes, files))


def load_taxonomy(path: Path) -> Taxonomy:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Taxonomy.from_rows(json.loads(line) for line in fh)


def build_pipeline(cfg: LoadedConfig) -> Pipeline:
    """Construct the active components exactly as the manifest describes them."""
    rules = HeaderRules.from_config(_yaml(cfg.path("section_classifier")))
    taxonomy = load_taxonomy(cfg.path("taxonomy"))
    alias_cfg = _yaml(cfg.path("aliases"))
    aliases = aliases_from_config(alias_cfg, taxonomy)
    ambiguity = ambiguity_from_config(alias_cfg, taxonomy)
    try:
        params = MatcherParams(**cfg.params("skills_extractor"))
    except TypeError as exc:
        raise ConfigError(f"skills_extractor params: {exc}") from exc
    return Pipeline(
        cfg.manifest, rules, TaxonomyPhraseMatcher(taxonomy, aliases, params, ambiguity)
    )
