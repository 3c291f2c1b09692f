"""Cluster models on disk: one .npz per model_id under a directory every worker can read.

On one machine that is ENRICH_DATA_DIR/cluster_models; a fleet spread over machines needs it on
a shared volume (docker-compose mounts the data volume into every worker).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from domain.clustering.model import ClusterModel
from domain.errors import ConfigError


class FileClusterModels:
    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def path(self, model_id: str) -> Path:
        return self.dir / f"{model_id}.npz"

    def save(self, model: ClusterModel) -> str:
        model_id = model.model_id
        target = self.path(model_id)
        if target.is_file():
            return model_id
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, **model.to_arrays())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # readers see the whole file or none
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return model_id

    def load(self, model_id: str) -> ClusterModel:
        path = self.path(model_id)
        try:
            with np.load(path, allow_pickle=False) as data:
                model = ClusterModel.from_arrays({k: data[k] for k in data.files})
        except FileNotFoundError as exc:
            raise ConfigError(f"cluster model {model_id}: {path} does not exist") from exc
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"cluster model {model_id}: {path} is unreadable: {exc}") from exc
        if model.model_id != model_id:
            raise ConfigError(f"cluster model {model_id}: {path} holds {model.model_id} (corrupt)")
        return model
