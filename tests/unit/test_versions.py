import shutil
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from domain.errors import ConfigError
from domain.versions import build_manifest, fingerprint, resolve_profile

ROOT = Path(__file__).resolve().parents[2]

SPEC = {
    "enrichment_version": "1.0",
    "components": {
        "section_classifier": {"name": "rules", "version": "1", "files": ["a.yaml"]},
        "skills_extractor": {"name": "m", "version": "2", "params": {"w": 0.5}},
        "taxonomy": {"name": "t", "version": "1", "files": ["t.gz"]},
        "aliases": {"name": "al", "version": "1", "files": ["al.yaml"]},
    },
}
FILES = {"a.yaml": b"a", "t.gz": b"t", "al.yaml": b"al"}


def test_fingerprint_is_order_independent_and_content_sensitive() -> None:
    assert fingerprint({"x": b"1", "y": b"2"}) == fingerprint({"y": b"2", "x": b"1"})
    assert fingerprint({"x": b"1"}) != fingerprint({"x": b"2"})
    assert fingerprint({"x": b"1"}) != fingerprint({"z": b"1"})


def test_manifest_effective_version_changes_on_silent_edit() -> None:
    m1 = build_manifest(SPEC, b"spec", FILES)
    m2 = build_manifest(SPEC, b"spec", FILES | {"t.gz": b"edited"})
    assert m1.declared == m2.declared == "1.0"
    assert m1.effective != m2.effective
    assert m1.effective.startswith("1.0+")
    assert m1.component("taxonomy").fingerprint != m2.component("taxonomy").fingerprint
    assert m1.component("aliases").fingerprint == m2.component("aliases").fingerprint


def test_manifest_params_are_fingerprinted() -> None:
    spec2 = {**SPEC, "components": {**SPEC["components"]}}
    spec2["components"]["skills_extractor"] = {"name": "m", "version": "2", "params": {"w": 0.6}}
    a = build_manifest(SPEC, b"s", FILES).component("skills_extractor")
    b = build_manifest(spec2, b"s", FILES).component("skills_extractor")
    assert a.fingerprint != b.fingerprint
    assert a.label.startswith("m.v2@")


@pytest.mark.parametrize(
    ("spec", "files", "message"),
    [
        ({**SPEC, "enrichment_version": ""}, FILES, "enrichment_version"),
        ({"enrichment_version": "1", "components": {}}, FILES, "components missing"),
        (SPEC, {"a.yaml": b"a", "al.yaml": b"al"}, "do not exist"),
    ],
)
def test_manifest_rejects_bad_spec(spec: dict, files: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_manifest(spec, b"s", files)


def test_real_config_loads_and_a_copy_with_edited_aliases_differs(tmp_path: Path) -> None:
    base = load_config(ROOT).manifest
    shutil.copytree(ROOT / "config", tmp_path / "config")
    aliases = tmp_path / "config" / "skill_aliases.yaml"
    assert load_config(tmp_path).manifest.effective == base.effective
    aliases.write_text(aliases.read_text() + "  - {alias: kubes, skill: Kubernetes}\n")
    edited = load_config(tmp_path).manifest
    assert edited.declared == base.declared
    assert edited.effective != base.effective
    assert edited.component("aliases").fingerprint != base.component("aliases").fingerprint


def test_model_directory_is_fingerprinted_file_by_file(tmp_path: Path) -> None:
    base = load_config(ROOT).manifest
    shutil.copytree(ROOT / "config", tmp_path / "config")
    assert load_config(tmp_path).manifest.effective == base.effective
    gate = tmp_path / "config" / "models" / "transformer_spans" / "gate.json"
    gate.write_text(gate.read_text().replace('"threshold"', '"threshold" ', 1))
    edited = load_config(tmp_path).manifest
    assert edited.component("transformer").fingerprint != base.component("transformer").fingerprint
    assert edited.effective != base.effective


PROFILED = {
    "enrichment_version": "ignored",
    "profile": "quality",
    "profiles": {
        "quality": {"enrichment_version": "2.0", "span_strategy": "transformer"},
        "fast": {"enrichment_version": "2.0-fast", "span_strategy": "span_model"},
    },
    "components": {
        **SPEC["components"],
        "skills_extractor": {
            "name": "m",
            "version": "2",
            "params": {"strategies": ["taxonomy", "span", "alias"]},
        },
        "transformer": {"name": "onnx", "version": "1", "files": ["tr"]},
        "span_model": {"name": "spacy", "version": "1", "files": ["sm"]},
    },
}


def test_a_profile_picks_its_version_and_span_strategy_and_drops_the_other() -> None:
    quality = resolve_profile(PROFILED)
    assert quality["enrichment_version"] == "2.0"
    assert quality["components"]["skills_extractor"]["params"]["strategies"] == ["taxonomy", "transformer", "alias"]  # fmt: skip
    assert "span_model" not in quality["components"] and "profiles" not in quality
    fast = resolve_profile({**PROFILED, "profile": "fast"})
    assert fast["enrichment_version"] == "2.0-fast"
    assert fast["components"]["skills_extractor"]["params"]["strategies"] == ["taxonomy", "span_model", "alias"]  # fmt: skip
    assert "transformer" not in fast["components"]
    # the input is not modified, and the two profiles are two versions
    assert PROFILED["components"]["skills_extractor"]["params"]["strategies"][1] == "span"  # type: ignore[index]
    files = FILES | {"tr": b"onnx", "sm": b"spacy"}
    mq = build_manifest(quality, b"spec", {k: v for k, v in files.items() if k != "sm"})
    mf = build_manifest(fast, b"spec", {k: v for k, v in files.items() if k != "tr"})
    assert mq.effective.startswith("2.0+") and mf.effective.startswith("2.0-fast+")
    assert (
        mq.component("skills_extractor").fingerprint != mf.component("skills_extractor").fingerprint
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"profile": "turbo"}, "profile 'turbo' is not one of"),
        (
            {"profiles": {"quality": {"enrichment_version": "1", "span_strategy": "nope"}}},
            "no component 'nope'",
        ),
    ],
)
def test_a_bad_profile_is_a_config_error(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_profile({**PROFILED, **change})


def test_a_spec_without_profiles_is_unchanged() -> None:
    assert resolve_profile(SPEC) == SPEC


@pytest.mark.parametrize(("profile", "span"), [("quality", "transformer"), ("fast", "span_model")])
def test_both_shipped_profiles_build_and_their_span_strategy_finds_skills(
    profile: str, span: str
) -> None:
    from adapters.artifacts.config_files import build_extractor
    from domain.models import Section

    cfg = load_config(ROOT, profile=profile)
    assert cfg.manifest.declared.endswith("-fast") == (profile == "fast")
    extractor = build_extractor(cfg)
    text = "Requirements:\n- 3+ years of Python and SQL\n- Strong communication skills"
    (out,) = extractor.extract_many([(text, (Section("requirements", 0, len(text)),))])
    assert any(span in s.source_strategies for s in out.skills)
    assert {"Python", "SQL"} <= {text[m.start : m.end] for s in out.skills for m in s.mentions}


def test_the_clustering_block_is_outside_the_enrichment_fingerprint(tmp_path: Path) -> None:
    from adapters.artifacts.config_files import load_clustering, without_clustering

    base = load_config(ROOT).manifest.effective
    shutil.copytree(ROOT / "config", tmp_path / "config")
    versions = tmp_path / "config" / "model_versions.yaml"
    text = versions.read_text()
    assert "\nclustering:\n" in text
    versions.write_text(
        text.replace('cluster_version: "', 'cluster_version: "9')
        .replace("\n  k: 24\n", "\n  k: auto\n")
        .replace("  # Job clustering", "  # an edited comment\n  # Job clustering")
    )
    assert load_config(tmp_path).manifest.effective == base  # no re-enrichment
    params = load_clustering(tmp_path)
    assert params.cluster_version.startswith("9") and params.k is None
    # everything outside the block still counts
    versions.write_text(versions.read_text().replace("min_confidence: 0.4", "min_confidence: 0.5"))
    assert load_config(tmp_path).manifest.effective != base
    # the block ends at the next top-level key, whatever follows it
    spec = b"a: 1\nclustering:\n  k: 3\n  # note\nb: 2\n"
    assert without_clustering(spec) == b"a: 1\nb: 2\n"
    versions.write_text(text.split("\nclustering:")[0] + "\n")
    with pytest.raises(ConfigError, match="no 'clustering' block"):
        load_clustering(tmp_path)


def test_cluster_model_files_round_trip_and_fail_clearly(tmp_path: Path) -> None:
    from adapters.artifacts.cluster_models import FileClusterModels
    from domain.clustering.model import ClusterParams, PostingFeatures, fit_model
    from tests.clustering_data import family_postings

    feats = [
        PostingFeatures(pid, title, tuple((f"esco:{s}", s, 0.8) for s in skills))
        for pid, title, skills, _ in family_postings(120)
    ]
    model = fit_model(feats, ClusterParams("c1", k=4, svd_components=8))
    repo = FileClusterModels(tmp_path / "m")
    mid = repo.save(model)
    assert repo.save(model) == mid and len(list((tmp_path / "m").iterdir())) == 1
    assert repo.load(mid).assign(feats) == model.assign(feats)
    with pytest.raises(ConfigError, match="does not exist"):
        repo.load("cm-000000000000")
    repo.path(mid).write_bytes(repo.path(mid).read_bytes()[:100])
    with pytest.raises(ConfigError, match="unreadable"):
        repo.load(mid)
