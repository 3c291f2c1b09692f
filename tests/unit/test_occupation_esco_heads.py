"""Coder v6: ESCO labels as SOC training titles (esco_titles.py: the ISCO-allowed class, no
O*NET string re-labelled, each text once) and the head-word prior (head_prior.py + fusion.py)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from domain.occupations.esco_titles import esco_classes, esco_pairs, isco_allowed
from domain.occupations.fusion import MajorGroupPrior, major_groups
from domain.occupations.head_prior import HeadWordPrior, head_counts, head_keys

CODES = ("11-1021", "15-1252", "29-1141", "43-1011")


def test_an_esco_occupation_takes_the_best_class_its_isco_group_allows() -> None:
    # ISCO 2512 (software developers, sub-major 25) allows SOC 15 (and 11, 13, ...: not 29, 43)
    allowed = isco_allowed(CODES, ["2512", "2221", "9999"])
    assert allowed[0].tolist() == [False, True, False, False]
    assert allowed[1].tolist() == [False, False, True, False]  # 22 (health professionals) -> 29
    assert allowed[2].all()  # a group the crosswalk never names allows every class
    scores = np.array([[0.0, 1.0, 5.0, 0.0], [9.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 3.0]])
    assert esco_classes(scores, allowed).tolist() == [1, 2, 3]


def test_esco_labels_never_relabel_an_onet_string_and_come_once() -> None:
    texts = ["software developer", "coder", "nurse", "coder", ""]
    owner = [0, 0, 1, 1, 1]
    pairs = esco_pairs(texts, owner, [1, 2], onet_strings={"software developer"})
    assert pairs == [(1, "coder"), (2, "nurse")]


def test_head_keys_are_the_last_two_words_and_the_last() -> None:
    assert head_keys("senior data analyst") == ("data analyst", "analyst")
    assert head_keys("nurse") == ("", "nurse")
    assert head_keys("") == ("", "")


def test_the_head_prior_backs_off_from_two_words_to_the_head() -> None:
    groups = ("11", "13", "43")
    pairs = [("11-1021.00", "operations manager")] * 6 + [("43-1011.00", "office manager")] * 4
    counts = head_counts(pairs, groups)
    assert counts["manager"].tolist() == [6, 0, 4]
    prior = HeadWordPrior(counts, 3, weight=1.0, min_count=5, alpha=0.5)
    lp = prior.log_prior(["operations manager", "office manager", "nurse"])
    assert np.argmax(lp[0]) == 0  # 6 titles >= min_count: the two-word key
    assert np.argmax(lp[1]) == 0  # 4 titles < min_count: the head word's counts
    assert lp[2].tolist() == [0.0, 0.0, 0.0]  # no key: no prior
    assert np.exp(lp[0]).sum() == pytest.approx(1.0)


def test_the_head_prior_moves_the_group_first_top1() -> None:
    codes = ["11-1021", "43-1011"]
    _, member = major_groups(codes)
    coef = sp.csr_matrix(np.zeros((2, 1), dtype=np.float32))
    flat = MajorGroupPrior(coef, np.array([0.0, 0.1]), 1.0, member, 1.0)
    counts = {"manager": np.array([50.0, 1.0], dtype=np.float32)}
    heads = MajorGroupPrior(
        coef, np.array([0.0, 0.1]), 1.0, member, 1.0, heads=HeadWordPrior(counts, 2, 2.0)
    )
    x = sp.csr_matrix(np.zeros((1, 1), dtype=np.float32))
    p = np.array([[0.45, 0.55]])
    assert flat.rank(p, flat.log_probabilities(x, ["office manager"]), k=1).tolist() == [[1]]
    assert heads.rank(p, heads.log_probabilities(x, ["office manager"]), k=1).tolist() == [[0]]
