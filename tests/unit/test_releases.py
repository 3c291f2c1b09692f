import shutil
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from adapters.artifacts.releases import archive, list_releases, point_to, resolve
from domain.errors import ConfigError
from tests.conftest import ROOT
from worker.errors import CliError
from worker.settings import Settings


def copy_config(dst: Path) -> Path:
    shutil.copytree(ROOT / "config", dst / "config")
    return dst


def bump(root: Path, declared: str) -> None:
    f = root / "config" / "model_versions.yaml"
    text = f.read_text()
    old = text.split('enrichment_version: "')[1].split('"')[0]
    f.write_text(text.replace(f'enrichment_version: "{old}"', f'enrichment_version: "{declared}"'))


def test_archive_resolve_and_point(tmp_path: Path) -> None:
    deployed = copy_config(tmp_path / "deployed")
    releases = tmp_path / "data" / "releases"
    v1 = load_config(deployed).manifest.effective
    archive(load_config(deployed), releases)
    bump(deployed, "2099.1.0")
    v2 = load_config(deployed).manifest.effective
    archive(load_config(deployed), releases)
    archive(load_config(deployed), releases)  # idempotent
    assert list_releases(releases) == sorted([v1, v2])
    assert resolve(releases, "2099.1.0").name == v2
    assert load_config(resolve(releases, v1)).manifest.effective == v1  # restorable, same version
    assert (
        resolve(releases, v1) / "config" / "models" / "transformer_spans" / "model.onnx"
    ).is_file()
    with pytest.raises(ConfigError, match="no archived release"):
        resolve(releases, "1999.0")

    settings = Settings(config_root=deployed, data_dir=tmp_path / "data")
    assert settings.active_config_root() == deployed
    point_to(settings.active_release_file, resolve(releases, v1))
    assert load_config(settings.active_config_root()).manifest.effective == v1
    point_to(settings.active_release_file, None)
    assert settings.active_config_root() == deployed


def test_cli_reports_the_rolled_back_version_as_current(tmp_path: Path) -> None:
    from cli.common import current_version as _current_version

    deployed = copy_config(tmp_path / "deployed")
    settings = Settings(config_root=deployed, data_dir=tmp_path / "data")
    v1 = load_config(deployed).manifest.effective
    archive(load_config(deployed), settings.releases_dir)
    bump(deployed, "2099.2.0")
    assert _current_version(settings) != v1
    point_to(settings.active_release_file, resolve(settings.releases_dir, v1))
    assert _current_version(settings) == v1  # what the workers now write


def test_switching_profiles_changes_the_version_and_rollback_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from cli.lifecycle import cmd_profile

    deployed = copy_config(tmp_path / "deployed")
    settings = Settings(config_root=deployed, data_dir=tmp_path / "data")
    quality = load_config(deployed).manifest
    assert quality.declared == "2026.12.7-conf" and quality.component("transformer")
    archive(load_config(deployed), settings.releases_dir)

    assert cmd_profile(argparse.Namespace(name="fast"), settings) == 0
    fast = load_config(deployed).manifest
    assert fast.declared == "2026.12.7-conf-fast" and fast.component("span_model")
    assert "active version is now 2026.12.7-conf-fast+" in capsys.readouterr().out
    # the file keeps its comments: only the profile line changed
    text = (deployed / "config" / "model_versions.yaml").read_text()
    assert "profile: fast\n" in text and "# 2026.11.4: extraction profiles" in text

    with pytest.raises(CliError, match="unknown profile 'turbo'"):
        cmd_profile(argparse.Namespace(name="turbo"), settings)
    point_to(settings.active_release_file, resolve(settings.releases_dir, quality.effective))
    assert load_config(settings.active_config_root()).manifest.effective == quality.effective
    with pytest.raises(CliError, match="a rollback is active"):
        cmd_profile(argparse.Namespace(name="quality"), settings)
    point_to(settings.active_release_file, None)
    assert cmd_profile(argparse.Namespace(name="quality"), settings) == 0
    assert load_config(deployed).manifest.effective == quality.effective  # same bytes again
    assert cmd_profile(argparse.Namespace(name=None), settings) == 0
    listing = capsys.readouterr().out
    assert "* quality" in listing and "  fast" in listing
