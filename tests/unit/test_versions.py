import shutil
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from domain.errors import ConfigError
from domain.versions import build_manifest, fingerprint

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
    gate = tmp_path / "config" / "models" / "skill_spans" / "gate.json"
    gate.write_text(gate.read_text().replace('"threshold"', '"threshold" ', 1))
    edited = load_config(tmp_path).manifest
    assert edited.component("span_model").fingerprint != base.component("span_model").fingerprint
    assert edited.effective != base.effective
