"""The group classifier's artifact (config/models/group_classifier.npz, written by
scripts/build_group_classifier.py): a zip of .npy arrays, no pickle, per mention kind
`<KIND>.words|chars|idf|coef|intercept|classes|temperature`, optionally (s24grp5) a level-1
head `<KIND>.coef1|intercept1|classes1`. Missing, not a zip, an array absent
or of the wrong shape: ConfigError naming the file, at worker start."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from domain.errors import ConfigError
from domain.skills.group_classifier import GroupClassifier, GroupModel

PARTS = ("words", "chars", "idf", "coef", "intercept", "classes", "temperature")
LEVEL1 = ("coef1", "intercept1", "classes1")


def load_group_classifier(path: Path) -> GroupClassifier:
    """The classifier of every kind the file holds. Raises ConfigError naming `path` when it is
    missing or unreadable (make group-classifier rebuilds it)."""
    if not path.is_file():
        raise ConfigError(f"group classifier missing: {path} (make group-classifier)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        kinds = sorted({k.split(".")[0] for k in arrays})
        if not kinds:
            raise ConfigError("no arrays")
        models = {}
        for kind in kinds:
            a = {part: arrays[f"{kind}.{part}"] for part in PARTS}
            head = [arrays.get(f"{kind}.{part}") for part in LEVEL1]
            models[kind] = GroupModel(
                [str(x) for x in a["words"]],
                [str(x) for x in a["chars"]],
                np.asarray(a["idf"], dtype=np.float32),
                np.asarray(a["coef"], dtype=np.float32),
                np.asarray(a["intercept"], dtype=np.float32),
                [str(x) for x in a["classes"]],
                float(a["temperature"][0]),
                None if head[0] is None else np.asarray(head[0], dtype=np.float32),
                None if head[1] is None else np.asarray(head[1], dtype=np.float32),
                [] if head[2] is None else [str(x) for x in head[2]],
            )
    except ConfigError as exc:
        raise ConfigError(f"group classifier unreadable: {path} ({exc})") from exc
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError,
            zipfile.BadZipFile) as exc:  # fmt: skip
        raise ConfigError(
            f"group classifier unreadable: {path} ({type(exc).__name__}: {exc})"
        ) from exc
    return GroupClassifier(models)
