"""Coder v3's group-first top-1 (domain/occupations/fusion.py) and its artifact's errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from adapters.artifacts.occupations import load_coder
from domain.errors import ConfigError
from domain.occupations.fusion import MajorGroupPrior, major_groups

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "occupations"
VECTORS = ROOT / "config" / "models" / "concept_vectors"
CODES = ("11-1011", "15-1211", "15-1252", "29-1141")


def _prior(weight: float) -> MajorGroupPrior:
    _, member = major_groups(CODES)
    return MajorGroupPrior(sp.csr_matrix((3, 1)), np.zeros(3), 1.0, member, weight)


def test_major_groups_say_which_group_each_code_is_in() -> None:
    groups, member = major_groups(CODES)
    assert groups == ("11", "15", "29")
    assert member.tolist() == [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]]


def test_the_group_with_most_mass_gives_the_top_code_the_rest_follow_by_probability() -> None:
    # 11-1011 is the likeliest code, 15 the likeliest group
    p = np.array([[0.40, 0.30, 0.25, 0.05]])
    neutral = np.log(np.full((1, 3), 1 / 3))
    assert _prior(0.0).rank(p, neutral).tolist() == [[1, 0, 2]]


def test_the_group_classifier_can_move_the_top_code_to_another_group() -> None:
    p = np.array([[0.40, 0.30, 0.25, 0.05]])
    says_29 = np.log(np.array([[0.05, 0.05, 0.90]]))
    assert _prior(2.0).rank(p, says_29).tolist() == [[3, 0, 1]]
    assert _prior(0.1).rank(p, says_29)[0, 0] == 1  # a small weight leaves the mass decide


def test_the_shipped_coder_chooses_group_first() -> None:
    coder = load_coder(ARTIFACT, VECTORS)
    assert coder.majors is not None and coder.majors.weight > 0
    assert coder.code("registered nurse").soc_code == "29-1141"


@pytest.mark.parametrize("damage", ["missing", "truncated", "other_features"])
def test_a_missing_or_corrupt_group_classifier_fails_naming_the_file(
    tmp_path: Path, damage: str
) -> None:
    target = tmp_path / "occupations"
    shutil.copytree(ARTIFACT, target)
    f = target / "major_groups.npz"
    if damage == "missing":
        f.unlink()
    elif damage == "truncated":
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    else:
        with np.load(f) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["n_features"] = arrays["n_features"] + 1
        np.savez_compressed(f, **arrays)
    with pytest.raises(ConfigError, match=r"occupations/major_groups\.npz"):
        load_coder(target, VECTORS)
