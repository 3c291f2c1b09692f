"""Release archive: a copy of every config version that ran, and the rollback pointer to one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from adapters.artifacts.config_files import MODEL_VERSIONS, LoadedConfig, load_config
from domain.errors import ConfigError


def archive(cfg: LoadedConfig, releases_dir: Path) -> Path:
    """Copy model_versions.yaml and every file it names under releases/<effective>/ (once)."""
    target = releases_dir / cfg.manifest.effective
    if (target / MODEL_VERSIONS).is_file():
        return target
    releases_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=releases_dir, prefix=".tmp-"))
    rels = [MODEL_VERSIONS] + [
        f for comp in cfg.spec["components"].values() for f in (comp or {}).get("files", [])
    ]
    # Files the runtime reads besides the versioned ones (evaluation sets) come along too.
    rels += [str(p.relative_to(cfg.root)) for p in (cfg.root / "config" / "eval").glob("*")]
    rels.append("config/evaluation.yaml")
    for rel in dict.fromkeys(rels):
        src = cfg.root / rel
        if src.is_file():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tmp / rel)
        elif src.is_dir():  # a model artifact directory
            shutil.copytree(src, tmp / rel)
    if load_config(tmp).manifest.effective != cfg.manifest.effective:
        shutil.rmtree(tmp)
        raise ConfigError("config changed while it was being archived; try again")
    try:
        os.rename(tmp, target)
    except OSError:  # another process archived the same release first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def list_releases(releases_dir: Path) -> list[str]:
    if not releases_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in releases_dir.iterdir()
        if (p / MODEL_VERSIONS).is_file() and p.name[0] != "."
    )


def resolve(releases_dir: Path, version: str) -> Path:
    """An archived release by effective version, or by declared version if that is unique."""
    names = list_releases(releases_dir)
    if version in names:
        return releases_dir / version
    matches = [n for n in names if n.split("+")[0] == version]
    if len(matches) == 1:
        return releases_dir / matches[0]
    if not matches:
        known = ", ".join(names) or "none"
        raise ConfigError(f"no archived release {version!r}; archived: {known}")
    raise ConfigError(f"{version!r} is ambiguous: {', '.join(matches)}; give the full version")


def point_to(pointer: Path, release: Path | None) -> None:
    """Atomically switch the active config (None = back to the deployed config)."""
    if release is None:
        pointer.unlink(missing_ok=True)
        return
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(str(release.resolve()) + "\n")
    os.replace(tmp, pointer)
