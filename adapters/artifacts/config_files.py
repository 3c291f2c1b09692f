"""Load versioned config and artifacts from disk and build the components they describe."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

import spacy
import yaml

from adapters.artifacts.section_model import load_block_model
from adapters.artifacts.span_model import load_gate, load_span_model
from domain.clustering.model import ClusterParams
from domain.errors import ConfigError
from domain.models import VersionManifest
from domain.occupations.coder import OccupationCoder
from domain.pipeline import Pipeline
from domain.ports import LanguageDetector
from domain.sections.classifier import BlockClassifier
from domain.sections.header_rules import HeaderRules
from domain.skills.ensemble import EnsembleParams, SkillExtractor, symbol_names
from domain.skills.linking import ConceptLinker
from domain.skills.span_model import SpanModelStrategy
from domain.skills.strategies import (
    ALIAS,
    CONTEXT,
    SPAN_MODEL,
    TAXONOMY,
    AliasStrategy,
    ContextParams,
    ContextPatternStrategy,
    Strategy,
    TaxonomyStrategy,
)
from domain.skills.taxonomy import (
    Alias,
    ExactLinker,
    Taxonomy,
    aliases_from_config,
    ambiguity_from_config,
)
from domain.skills.transformer_spans import TRANSFORMER, TransformerSpanStrategy
from domain.versions import build_manifest, resolve_profile

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


def load_config(
    root: Path, versions_file: str = MODEL_VERSIONS, profile: str | None = None
) -> LoadedConfig:
    """Read model_versions.yaml under `root` and fingerprint every file it names.

    `profile` overrides the file's active profile (benchmarks compare both); the fingerprint
    then covers the file as if its `profile:` line said so."""
    spec_path = root / versions_file
    try:
        spec_bytes = spec_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {spec_path}: {exc}") from exc
    try:
        raw = yaml.safe_load(spec_bytes)
    except yaml.YAMLError as exc:  # a push cut mid-write, a typo: name the file and the line
        raise ConfigError(f"{spec_path} is not valid YAML: {_first_line(exc)}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{spec_path} must be a mapping")
    if profile is not None and profile != raw.get("profile"):
        spec_bytes, _ = with_profile(spec_bytes, profile)
        raw["profile"] = profile
    spec = resolve_profile(raw)
    spec_bytes = without_clustering(spec_bytes)
    files: dict[str, bytes] = {}
    for comp in (spec.get("components") or {}).values():
        for rel in (comp or {}).get("files", []):
            if (root / rel).is_file():
                files[rel] = (root / rel).read_bytes()
            elif (root / rel).is_dir():  # a model directory: every file in it, by name
                files[rel] = _directory_digest(root / rel)
    for role, comp in sorted((spec.get("components") or {}).items()):
        # named by full path: a worker's log says which root it read (ENRICH_CONFIG_ROOT)
        gone = [str(root / rel) for rel in (comp or {}).get("files", []) if rel not in files]
        if gone:
            raise ConfigError(f"component '{role}' names files that do not exist: {gone}")
    return LoadedConfig(root, spec, build_manifest(spec, spec_bytes, files))


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


SMOKE_TEXT = (
    "Requirements:\n- 3+ years of experience with Python and SQL\n"
    "- Knowledge of Kubernetes and Docker\n- Good communication skills\n"
)


def smoke_extraction(pipeline: Pipeline) -> int:
    """Run a fixed three-line posting through the pipeline: the skills found (> 0), else
    ConfigError naming what failed. A config that loads but cannot extract is refused with it."""
    from domain.models import Posting

    probe = Posting("smoke-test", SMOKE_TEXT, hashlib.sha256(SMOKE_TEXT.encode()).hexdigest())
    try:
        out = pipeline.enrich([probe])
    except Exception as exc:
        raise ConfigError(
            f"smoke extraction raised {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    if out.failures or not out.enrichments:
        reasons = sorted({f"{f.stage}/{f.reason}" for f in out.failures})
        raise ConfigError(f"smoke extraction failed: {reasons or 'no enrichment'}")
    skills = len(out.enrichments[0].skills)
    if skills == 0:
        raise ConfigError("smoke extraction found no skill in a posting naming Python and SQL")
    return skills


def load_clustering(root: Path, versions_file: str = MODEL_VERSIONS) -> ClusterParams:
    """The clustering block of model_versions.yaml under `root`, without loading any model."""
    raw = _yaml(root / versions_file)
    if not isinstance(raw, dict) or "clustering" not in raw:
        raise ConfigError(f"{root / versions_file}: no 'clustering' block")
    return ClusterParams.from_config(raw["clustering"])


def with_profile(spec_bytes: bytes, profile: str) -> tuple[bytes, int]:
    """model_versions.yaml's bytes with its top-level `profile:` line set to `profile` (all other
    bytes, comments included, unchanged), and how many such lines there were (0 or 1)."""
    return re.subn(rb"(?m)^profile:[ \t]*\S+", b"profile: " + profile.encode(), spec_bytes, count=1)


def without_clustering(spec_bytes: bytes) -> bytes:
    """The bytes the enrichment fingerprint covers: all but the top-level `clustering:` block
    (from that line to the next unindented, non-comment line or the end of the file)."""
    return re.sub(rb"(?ms)^clustering:.*?(?=^[^\s#]|\Z)", b"", spec_bytes, count=1)


def _directory_digest(path: Path) -> bytes:
    lines = [
        f"{f.relative_to(path).as_posix()} {hashlib.sha256(f.read_bytes()).hexdigest()}"
        for f in sorted(path.rglob("*"))
        if f.is_file()
    ]
    return "\n".join(lines).encode()


def load_taxonomy(path: Path) -> Taxonomy:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Taxonomy.from_rows(json.loads(line) for line in fh)


def _component(cfg: LoadedConfig, role: str) -> dict[str, Any]:
    comp = cfg.spec["components"].get(role)
    if not isinstance(comp, dict):
        raise ConfigError(f"model_versions.yaml: component '{role}' is required by the extractor")
    return comp


def build_extractor(cfg: LoadedConfig, threads: int = 1) -> SkillExtractor:
    """The skill extractor with the strategies `skills_extractor.params.strategies` lists.

    `threads`: intra-op threads of the transformer strategy's runtime (one per prefork process)."""
    taxonomy = load_taxonomy(cfg.path("taxonomy"))
    alias_cfg = _yaml(cfg.path("aliases"))
    try:
        aliases = aliases_from_config(alias_cfg, taxonomy)
        ambiguity = ambiguity_from_config(alias_cfg, taxonomy)
    except ConfigError as exc:  # e.g. a taxonomy update removed a concept an alias targets
        raise ConfigError(f"{cfg.path('aliases')}: {exc}") from exc
    params = cfg.params("skills_extractor")
    names = list(params.pop("strategies", [TAXONOMY, ALIAS]))
    if unknown := set(names) - {TAXONOMY, ALIAS, CONTEXT, SPAN_MODEL, TRANSFORMER}:
        raise ConfigError(f"skills_extractor: unknown strategies {sorted(unknown)}")
    ensemble = EnsembleParams.from_config(params)
    nlp = spacy.blank("en")
    if SPAN_MODEL in names:
        _component(cfg, SPAN_MODEL)
        nlp = load_span_model(cfg.path(SPAN_MODEL))
    extra = [str(n) for n in alias_cfg.get("symbol_names") or ()]
    symbol_names(nlp, taxonomy, aliases, ambiguity, extra)  # C#, .NET, CI/CD stay one token
    skip = ambiguity.lowered
    linker = ExactLinker(taxonomy, aliases, skip)
    built: dict[str, Strategy] = {}
    for name in names:
        if name == TAXONOMY:
            built[name] = TaxonomyStrategy(nlp.vocab, nlp.tokenizer, taxonomy, skip)
        elif name == ALIAS:
            built[name] = AliasStrategy(nlp.vocab, nlp.tokenizer, aliases, ambiguity)
        elif name == CONTEXT:
            _component(cfg, "context_patterns")
            ctx = ContextParams.from_config(_yaml(cfg.path("context_patterns")) or {})
            built[name] = ContextPatternStrategy(nlp.vocab, nlp.tokenizer, ctx)
        elif name == TRANSFORMER:
            from adapters.artifacts.onnx_tagger import OnnxTagger

            _component(cfg, TRANSFORMER)
            tagger = OnnxTagger(cfg.path(TRANSFORMER), threads=threads, **cfg.params(TRANSFORMER))
            built[name] = TransformerSpanStrategy(tagger, load_gate(cfg.path(TRANSFORMER)), linker)
        else:
            gate = load_gate(cfg.path(SPAN_MODEL))
            built[name] = SpanModelStrategy(nlp, gate, linker)
    concept_linker = None
    if "concept_linker" in cfg.spec["components"]:
        concept_linker = build_concept_linker(cfg, taxonomy, alias_cfg, skip)
    combiner = None
    if "skill_combiner" in cfg.spec["components"]:  # the learned combiner (ensemble.combiner)
        from adapters.artifacts.combiner import load_combiner

        combiner = load_combiner(cfg.path("skill_combiner"))
    return SkillExtractor(
        nlp, taxonomy, [built[n] for n in names], ambiguity, ensemble, concept_linker, combiner
    )


def build_concept_linker(
    cfg: LoadedConfig, taxonomy: Taxonomy, alias_cfg: dict[str, Any], skip: frozenset[str]
) -> ConceptLinker:
    """The `concept_linker` component with every file it lists (vectors, hierarchy, group
    classifier, learned decision), as a worker builds it. `skip`: lowered ambiguous forms.
    Raises ConfigError naming a missing or corrupt file."""
    from adapters.artifacts.concept_linker import build_linker
    from domain.skills.linking import LinkerParams

    return build_linker(
        cfg.path("concept_linker"),
        taxonomy,
        linker_aliases(alias_cfg, taxonomy),
        skip,
        LinkerParams.from_config(cfg.params("concept_linker")),
        linker_hierarchy_path(cfg),
        linker_classifier_path(cfg),
        linker_decision_path(cfg),
    )


def linker_hierarchy_path(cfg: LoadedConfig) -> Path | None:
    """The concept linker's second file (the skill groups), when model_versions.yaml lists one."""
    files = cfg.spec["components"]["concept_linker"].get("files", [])
    return cfg.path("concept_linker", 1) if len(files) > 1 else None


def linker_classifier_path(cfg: LoadedConfig) -> Path | None:
    """The concept linker's third file (the group classifier), when model_versions.yaml lists one."""
    files = cfg.spec["components"]["concept_linker"].get("files", [])
    return cfg.path("concept_linker", 2) if len(files) > 2 else None


def linker_decision_path(cfg: LoadedConfig) -> Path | None:
    """The concept linker's fourth file (the learned top-1 decision, 2026.11.19), when listed."""
    files = cfg.spec["components"]["concept_linker"].get("files", [])
    return cfg.path("concept_linker", 3) if len(files) > 3 else None


def linker_aliases(alias_cfg: dict[str, Any], taxonomy: Taxonomy) -> tuple[Alias, ...]:
    """What the concept linker names concepts by besides labels: the curated aliases, the
    link-only phrases (`links:`, never finders), and the ambiguous forms in their exact case
    ("Go", "R", "Spark": a span a model found and typed is not the verb "go")."""
    return (
        *aliases_from_config(alias_cfg, taxonomy),
        *aliases_from_config(alias_cfg, taxonomy, "links"),
        *ambiguity_from_config(alias_cfg, taxonomy).forms,
    )


def section_rules(cfg: LoadedConfig) -> HeaderRules:
    return HeaderRules.from_config(_yaml(cfg.path("section_classifier")))


def build_section_classifier(cfg: LoadedConfig) -> BlockClassifier:
    """Rules (first file) + block model (second file, when the mode needs one)."""
    params = cfg.params("section_classifier")
    mode = str(params.get("mode", "rules"))
    files = cfg.spec["components"]["section_classifier"].get("files", [])
    model = load_block_model(cfg.path("section_classifier", 1)) if len(files) > 1 else None
    return BlockClassifier(section_rules(cfg), model, mode)


def build_pipeline(cfg: LoadedConfig, threads: int = 1) -> Pipeline:
    """Construct the active components exactly as the manifest describes them."""
    return Pipeline(
        cfg.manifest,
        build_section_classifier(cfg),
        build_extractor(cfg, threads),
        language=build_language_detector(cfg),
        occupations=build_occupation_coder(cfg),
    )


def build_language_detector(cfg: LoadedConfig) -> LanguageDetector:
    """The `language_detector` component with its params (a config without one, an archived
    release before 2026.12.7, gets v1's values: the ones LinguaDetector held in code). Raises
    ConfigError on an unknown param or value."""
    from adapters.artifacts.language import LanguageParams, LinguaDetector

    params = (
        cfg.params("language_detector") if "language_detector" in cfg.spec["components"] else {}
    )
    return LinguaDetector(LanguageParams.from_config(params))


def build_occupation_coder(cfg: LoadedConfig, calibrated: bool = True) -> OccupationCoder | None:
    """The occupation coder when model_versions.yaml lists `occupation_coder` (else None); its
    second file, when listed, is the title encoder of its centroids. A missing or damaged
    artifact raises ConfigError naming the file (at worker start). v9: its confidence
    calibrated by calibration.json in its folder, unless `calibrated` is False (the raw coder
    that scripts/fit_occupation_calibration.py fits the maps on)."""
    if "occupation_coder" not in cfg.spec["components"]:
        return None
    from adapters.artifacts.occupations import load_coder

    files = cfg.spec["components"]["occupation_coder"]["files"]
    vectors = cfg.path("occupation_coder", 1) if len(files) > 1 else None
    # v7: params.skill_group_weight > 0 lets the posting's skills weigh on the major group
    weight = float(cfg.params("occupation_coder").get("skill_group_weight", 0.0))
    names = None
    if weight > 0:
        names = {s.skill_id: s.name for s in load_taxonomy(cfg.path("taxonomy"))}
    coder = load_coder(
        cfg.path("occupation_coder"),
        vectors,
        skill_names=names,
        skill_group_weight=weight,
        calibrated=calibrated,
    )
    # v8: params.v8_readings (default off: v7's reading) turns on the ESCO pick's ISCO minor-group
    # agreement, ESCO labels compared by meaning, titles in other languages left to the skills
    # v9: params.v9_readings (default off: v8's reading; v9 needs v8's) turns on the head noun's
    # group term, the SOC group's ISCO groups for the ESCO pick, lone foreign words -> the skills
    params = cfg.params("occupation_coder")
    if not (params.get("v9_readings", False) and params.get("v8_readings", False)):
        coder = dc_replace(
            coder, head_weight=0.0, isco_by_soc_group=False, lone_foreign_words=False
        )
    if not cfg.params("occupation_coder").get("v8_readings", False):
        return dc_replace(
            coder, isco3_agreement=False, other_languages_use_skills=False, esco_vector_weight=0.0
        )
    return coder
