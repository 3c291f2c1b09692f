"""The occupation coder's artifact: config/occupations/coder.npz (+ meta.json with its build scores),
title_centroids.npz (each SOC class's mean title vector under config/models/concept_vectors,
the model2vec encoder it was built with, whose model.safetensors SHA-256 it records) and
major_groups.npz (v3: the major-group classifier of the group-first top-1). v7: the skills' major-group
profiles are built at load from the coder's ESCO relations and the taxonomy's skill names. v9:
calibration.json, the confidence maps and floor (domain/occupations/calibration.py), fitted by
scripts/fit_occupation_calibration.py."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from domain.errors import ConfigError
from domain.occupations.calibration import Calibration
from domain.occupations.coder import (
    EscoModel,
    OccupationCoder,
    SocModel,
    TitleCentroids,
    esco_vectorizer,
    fitted,
    title_vectorizers,
)
from domain.occupations.fusion import MajorGroupPrior, major_groups
from domain.occupations.skill_groups import WEIGHT as SKILL_GROUP_WEIGHT
from domain.occupations.skill_groups import build_skill_groups, occupation_classes

WEIGHTS = "coder.npz"
META = "meta.json"
CENTROIDS = "title_centroids.npz"
MAJORS = "major_groups.npz"
CALIBRATION = "calibration.json"


def save_calibration(calibration: Calibration, report: Mapping[str, Any], out: Path) -> None:
    """calibration.json: the maps and floor, and `report` (how they were chosen) under "fit";
    byte-identical for the same inputs (sorted keys)."""
    data = {**calibration.to_dict(), "fit": dict(report)}
    (out / CALIBRATION).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")


def load_calibration(path: Path) -> Calibration:
    """The maps and floor of `path`/calibration.json; ConfigError naming the file when it is
    missing, not JSON, or its maps are not well formed (Calibration.from_dict)."""
    f = path / CALIBRATION
    try:
        return Calibration.from_dict(json.loads(f.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"occupation coder {f}: cannot read ({exc}) (re-fit: "
            "scripts/fit_occupation_calibration.py)"
        ) from exc


def vectors_digest(vectors: Path) -> str:
    """SHA-256 of the encoder's weights file (the centroids are only valid with that encoder)."""
    try:
        return hashlib.sha256((vectors / "model.safetensors").read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(
            f"occupation title vectors: cannot read {vectors / 'model.safetensors'}"
        ) from exc


def save_centroids(centroids: np.ndarray, weight: float, vectors: Path, out: Path) -> None:
    """Byte-identical for the same centroids (numpy writes zip entries with a fixed date)."""
    np.savez_compressed(
        out / CENTROIDS,
        centroids=centroids.astype(np.float16),
        weight=np.array([weight], dtype=np.float32),
        vectors_sha256=np.array([vectors_digest(vectors)], dtype=np.str_),
    )


def load_centroids(path: Path, vectors: Path, n_classes: int) -> TitleCentroids:
    """Fails naming the file when it is missing, damaged, of another class count, or built with
    other encoder weights than those in `vectors`."""
    from adapters.artifacts.concept_linker import load_encoder

    f = path / CENTROIDS
    try:
        with np.load(f, allow_pickle=False) as z:
            cent = z["centroids"].astype(np.float32)
            weight = float(z["weight"][0])
            digest = str(z["vectors_sha256"][0])
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, EOFError) as exc:
        raise ConfigError(f"occupation coder {f}: cannot read ({exc})") from exc
    if cent.ndim != 2 or cent.shape[0] != n_classes:
        raise ConfigError(f"occupation coder {f}: {cent.shape} centroids for {n_classes} classes")
    if digest != vectors_digest(vectors):
        raise ConfigError(
            f"occupation coder {f}: built with other title vectors than {vectors} "
            "(rebuild: make occupations)"
        )
    encode = load_encoder(vectors)
    if encode(["nurse"]).shape[1] != cent.shape[1]:
        raise ConfigError(f"occupation coder {f}: centroid width differs from {vectors}")
    return TitleCentroids(encode, cent, weight)


def save_majors(majors: MajorGroupPrior, groups: Sequence[str], out: Path) -> None:
    """Byte-identical for the same classifier (numpy writes zip entries with a fixed date)."""
    coef = majors.coef.tocsr()
    np.savez_compressed(
        out / MAJORS,
        groups=_strings(groups),
        coef_data=coef.data.astype(np.float16),
        coef_indices=coef.indices.astype(np.int32),
        coef_indptr=coef.indptr.astype(np.int64),
        n_features=np.array([coef.shape[1]], dtype=np.int64),
        intercept=majors.intercept.astype(np.float32),
        temperature=np.array([majors.temperature], dtype=np.float32),
        weight=np.array([majors.weight], dtype=np.float32),
    )


def load_majors(path: Path, soc: SocModel) -> MajorGroupPrior:
    """Fails naming the file when it is missing, damaged, or of other features or groups than
    the SOC classifier in coder.npz."""
    f = path / MAJORS
    try:
        with np.load(f, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        groups, member = major_groups(soc.codes)
        n_features = int(a["n_features"][0])
        coef = sp.csr_matrix(
            (a["coef_data"].astype(np.float32), a["coef_indices"], a["coef_indptr"]),
            shape=(len(a["groups"]), n_features),
        )
        prior = MajorGroupPrior(
            coef, a["intercept"], float(a["temperature"][0]), member, float(a["weight"][0])
        )
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, EOFError) as exc:
        raise ConfigError(f"occupation coder {f}: cannot read ({exc})") from exc
    if tuple(str(g) for g in a["groups"]) != groups or n_features != soc.coef.shape[1]:
        raise ConfigError(f"occupation coder {f}: other groups or features than coder.npz")
    if len(prior.intercept) != len(groups):
        raise ConfigError(f"occupation coder {f}: intercepts differ from the groups in length")
    return prior


def _strings(values: Any) -> np.ndarray:
    return np.array([str(v) for v in values], dtype=np.str_)


def save_coder(coder: OccupationCoder, meta: dict[str, Any], out: Path) -> None:
    """Byte-identical for the same coder (numpy writes zip entries with a fixed date)."""
    out.mkdir(parents=True, exist_ok=True)
    soc, esco = coder.soc, coder.esco
    word_vocab = sorted(soc.word.vocabulary_, key=soc.word.vocabulary_.__getitem__)
    char_vocab = sorted(soc.char.vocabulary_, key=soc.char.vocabulary_.__getitem__)
    esco_vocab = sorted(esco.vectorizer.vocabulary_, key=esco.vectorizer.vocabulary_.__getitem__)
    coef = soc.coef.tocsr()
    skills = sorted(esco.skill_index, key=esco.skill_index.__getitem__)
    np.savez_compressed(
        out / WEIGHTS,
        soc_codes=_strings(soc.codes),
        soc_titles=_strings(soc.titles),
        soc_onet=_strings(soc.onet),
        word_vocab=_strings(word_vocab),
        word_idf=soc.word.idf_.astype(np.float32),
        char_vocab=_strings(char_vocab),
        char_idf=soc.char.idf_.astype(np.float32),
        coef_data=coef.data.astype(np.float16),
        coef_indices=coef.indices.astype(np.int32),
        coef_indptr=coef.indptr.astype(np.int64),
        intercept=soc.intercept.astype(np.float32),
        temperature=np.array([soc.temperature], dtype=np.float32),
        esco_uris=_strings(esco.uris),
        esco_labels=_strings(esco.labels),
        esco_isco=_strings(esco.isco),
        esco_label_text=_strings(esco.label_text),
        esco_label_occupation=esco.label_occupation.astype(np.int32),
        esco_vocab=_strings(esco_vocab),
        esco_idf=esco.vectorizer.idf_.astype(np.float32),
        skill_ids=_strings(skills),
        occ_skill_data=esco.occupation_skills.data.astype(np.float32),
        occ_skill_indices=esco.occupation_skills.indices.astype(np.int32),
        occ_skill_indptr=esco.occupation_skills.indptr.astype(np.int64),
    )
    (out / META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_coder(
    path: Path,
    vectors: Path | None = None,
    group_first: bool = True,
    skill_names: Mapping[str, str] | None = None,
    skill_group_weight: float = 0.0,
    calibrated: bool = False,
) -> OccupationCoder:
    """Fails with the file named when it is missing or damaged (never a silent fallback). With
    `vectors` (the model2vec encoder folder) the title centroids are loaded and fused too, and,
    unless `group_first` is False (a v2 folder, for benches), the major-group classifier. With
    `skill_names` (taxonomy skill id -> name), the major-group classifier and a
    `skill_group_weight` > 0, the posting's skills weigh on the major group (v7,
    domain/occupations/skill_groups.py), profiles built here from the ESCO relations. With
    `calibrated` (the worker's coder, v9), calibration.json's maps and floor turn the raw
    confidence into P(right at 6 digits) (ConfigError naming that file when it is missing or bad)."""
    weights = path / WEIGHTS
    try:
        with np.load(weights, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise ConfigError(f"occupation coder {weights}: cannot read ({exc})") from exc
    try:
        word, char = title_vectorizers()
        n_features = len(a["word_vocab"]) + len(a["char_vocab"])
        codes = tuple(str(c) for c in a["soc_codes"])
        coef = sp.csr_matrix(
            (a["coef_data"].astype(np.float32), a["coef_indices"], a["coef_indptr"]),
            shape=(len(codes), n_features),
        )
        soc = SocModel(
            codes=codes,
            titles=tuple(str(t) for t in a["soc_titles"]),
            onet=tuple(str(t) for t in a["soc_onet"]),
            word=fitted(word, [str(t) for t in a["word_vocab"]], a["word_idf"].astype(np.float64)),
            char=fitted(char, [str(t) for t in a["char_vocab"]], a["char_idf"].astype(np.float64)),
            coef=coef,
            intercept=a["intercept"],
            temperature=float(a["temperature"][0]),
        )
        vec = fitted(
            esco_vectorizer(), [str(t) for t in a["esco_vocab"]], a["esco_idf"].astype(np.float64)
        )
        label_text = [str(t) for t in a["esco_label_text"]]
        skill_ids = [str(s) for s in a["skill_ids"]]
        uris = tuple(str(u) for u in a["esco_uris"])
        occ_skills = sp.csr_matrix(
            (a["occ_skill_data"], a["occ_skill_indices"], a["occ_skill_indptr"]),
            shape=(len(uris), len(skill_ids)),
        )
        esco = EscoModel(
            uris=uris,
            labels=tuple(str(t) for t in a["esco_labels"]),
            isco=tuple(str(t) for t in a["esco_isco"]),
            label_text=tuple(label_text),
            label_occupation=a["esco_label_occupation"],
            label_vectors=vec.transform(label_text).tocsr(),
            vectorizer=vec,
            skill_index={s: i for i, s in enumerate(skill_ids)},
            occupation_skills=occ_skills,
        )
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise ConfigError(f"occupation coder {weights}: inconsistent arrays ({exc})") from exc
    if len(soc.titles) != len(codes) or len(soc.intercept) != len(codes):
        raise ConfigError(f"occupation coder {weights}: class arrays differ in length")
    if len(esco.label_occupation) != len(label_text) or (
        len(label_text) and int(esco.label_occupation.max()) >= len(uris)
    ):
        raise ConfigError(f"occupation coder {weights}: ESCO label index out of range")
    titles = None if vectors is None else load_centroids(path, vectors, len(codes))
    majors = None if vectors is None or not group_first else load_majors(path, soc)
    calibration = load_calibration(path) if calibrated else None
    coder = OccupationCoder(soc, esco, titles, majors, calibration=calibration)
    _ = coder.esco_soc  # the learned ESCO -> SOC crosswalk, at worker start, not on a first batch
    _ = None if majors is None else majors.coef_t
    if majors is not None and skill_names is not None and skill_group_weight > 0:
        coder = with_skill_groups(coder, skill_names, skill_group_weight)
    return coder


def with_skill_groups(
    coder: OccupationCoder, names: Mapping[str, str], weight: float = SKILL_GROUP_WEIGHT
) -> OccupationCoder:
    """`coder` with its `skill_groups` built from its own ESCO occupation-skill relations, the
    major groups its learned crosswalk gives each ESCO occupation and the taxonomy's `names`."""
    esco = coder.esco
    skill_ids = [""] * len(esco.skill_index)
    for sid, col in esco.skill_index.items():
        skill_ids[col] = sid
    classes = occupation_classes(esco.label_occupation, coder.esco_soc, len(esco.uris))
    model = build_skill_groups(
        esco.occupation_skills, skill_ids, classes, coder.soc.codes, names, weight
    )
    out = replace(coder, skill_groups=model)
    _ = out.esco_soc  # computed again on the copy, at worker start
    return out
