"""The group classifier's level-1 vote re-weighted (issue #24, s24grp5; domain/skills/group_level1.py):
divided by each group's base rate, mixed with a dedicated level-1 head, no level-1 place when
the vote is flat; the head stored in and loaded from the artifact; all off by default."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.group_classifier import load_group_classifier
from domain.errors import ConfigError
from domain.skills.group_classifier import GroupClassifier, GroupModel
from domain.skills.group_level1 import flat_level1
from domain.skills.groups import GroupParams, GroupPlacer
from domain.skills.linking import LinkerParams
from scripts.build_group_classifier import arrays_of, attach, fit, level1_of, save
from tests.unit.test_concept_groups import SINK, SINK_TAX
from tests.unit.test_group_classifier import ITEMS

TEXT = "kotlin"


def model(head: tuple[float, float] | None = None) -> GroupClassifier:
    """One word and one char feature, zero weights: the probabilities are the softmax of the intercepts.
    Level 2: S1.1, S1.2, S5.1 in the ratio 1 : 1 : 1.5, so S1's marginal is 4/7 and S5's 3/7;
    `head`: the level-1 head's (S1, S5) probabilities."""
    one = np.ones(2, dtype=np.float32)
    kw = {}
    if head is not None:
        kw = {"coef1": np.zeros((2, 2), dtype=np.float32), "classes1": ["S1", "S5"],
              "intercept1": np.log(np.array(head, dtype=np.float32))}  # fmt: skip
    m = GroupModel([TEXT], ["kot"], one, np.zeros((3, 2), dtype=np.float32),
                   np.log(np.array([1.0, 1.0, 1.5], dtype=np.float32)), ["S1.1", "S1.2", "S5.1"],
                   1.0, **kw)  # fmt: skip
    return GroupClassifier({"SKILL": m})


def placer(head: tuple[float, float] | None = None, **kw: float) -> GroupPlacer:
    params = GroupParams(shares="3:0.9,2:0.9,1:0.1", clf_weight=1.0, **kw)  # type: ignore[arg-type]
    return GroupPlacer(SINK, params, taxonomy=SINK_TAX, classifier=model(head))


def vote(p: GroupPlacer) -> dict[str, float]:
    [v] = p.classifier_votes([TEXT], ["SKILL"])
    assert v is not None
    return {c: float(v[i]) for c, i in p.space.pos.items()}


def test_the_plain_sum_lets_a_group_of_many_classes_win() -> None:
    p = placer()
    v = vote(p)
    assert v["S1"] == pytest.approx(4 / 7, abs=1e-6) and v["S5"] == pytest.approx(3 / 7, abs=1e-6)
    got = p.place("SKILL", [], text=TEXT, clf=p.classifier_votes([TEXT], ["SKILL"])[0])
    assert got is not None and got[0].code == "S1"


def test_the_prior_divides_each_level1_vote_by_its_base_rate() -> None:
    # base rates: S1 holds 2 of 3 classes, S5 1 of 3: (4/7) / (2/3) = 6/7 against
    # (3/7) / (1/3) = 9/7, rescaled to the same total: 0.4 / 0.6
    p = placer(clf_prior=1.0)
    v, before = vote(p), vote(placer())
    assert v["S1"] == pytest.approx(0.4, abs=1e-6) and v["S5"] == pytest.approx(0.6, abs=1e-6)
    for code in ("S1.1", "S1.2", "S5.1"):  # the level-2 votes do not move
        assert v[code] == before[code]
    got = p.place("SKILL", [], text=TEXT, clf=p.classifier_votes([TEXT], ["SKILL"])[0])
    assert got is not None and got[0].code == "S5" and got[1] == pytest.approx(0.6, abs=1e-4)
    half = vote(placer(clf_prior=0.5))  # a partial correction: between the two
    assert 0.4 < half["S1"] < 4 / 7


@pytest.mark.parametrize(("mix", "s1"), [(0.0, 4 / 7), (0.5, (4 / 7 + 0.2) / 2), (1.0, 0.2)])
def test_the_level1_head_mixes_into_the_level1_vote(mix: float, s1: float) -> None:
    v = vote(placer(head=(0.2, 0.8), clf_level1=mix))
    assert v["S1"] == pytest.approx(s1, abs=1e-6)
    assert v["S1"] + v["S5"] == pytest.approx(1.0, abs=1e-6)
    assert v["S1.1"] == pytest.approx(2 / 7, abs=1e-6)
    # without a head in the artifact the setting changes nothing
    assert vote(placer(clf_level1=mix)) == vote(placer())


def test_no_level1_place_when_the_vote_is_flat() -> None:
    # S1 4/7 leads S5 3/7 by 1/7 of the vote
    clf = placer().classifier_votes([TEXT], ["SKILL"])[0]
    for margin, want in ((0.1, "S1"), (0.2, None)):
        got = placer(level1_margin=margin).place("SKILL", [], text=TEXT, clf=clf)
        assert (got[0].code if got else None) == want
    here = np.array([0.5, 0.3, 0.2])
    assert flat_level1(here, 1.0, 0.25) and not flat_level1(here, 1.0, 0.2)
    assert not flat_level1(here, 1.0, 0.0) and not flat_level1(here[:1], 1.0, 0.5)


def test_the_settings_are_wired_from_the_linker_params_and_off_by_default() -> None:
    p = LinkerParams(group_clf_prior=1.0, group_clf_level1=0.5, group_level1_margin=0.1).groups
    assert (p.clf_prior, p.clf_level1, p.level1_margin) == (1.0, 0.5, 0.1)
    off = LinkerParams().groups
    assert (off.clf_prior, off.clf_level1, off.level1_margin) == (0.0, 0.0, 0.0)


def test_the_built_head_names_level1_groups_and_round_trips(tmp_path: Path) -> None:
    items, hand = ITEMS["SKILL"], [("p1", "self-starter", "T3"), ("p2", "a self-starter", "T3")]
    two = fit(items, hand=hand)
    items1, hand1 = level1_of(items, hand)
    attach(two, fit(items1, hand=hand1))
    assert two.classes1 == ["S4", "S5", "T3", "T4"]
    p2, p1 = two.probs_pair(["write code", "a self-starter"])
    np.testing.assert_array_equal(p2, two.probs(["write code", "a self-starter"]))
    assert p1 is not None and [two.classes1[i] for i in p1.argmax(axis=1)] == ["S5", "T3"]
    path = tmp_path / "clf.npz"
    save(arrays_of({"SKILL": two}), path)
    back = load_group_classifier(path).models["SKILL"]
    assert back.classes1 == two.classes1
    got = back.probs_pair(["write code"])[1]
    assert got is not None and math.isclose(float(got[0].sum()), 1.0, abs_tol=1e-5)


def test_a_head_of_the_wrong_shape_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    two = fit(ITEMS["SKILL"])
    arrays = arrays_of({"SKILL": two})
    arrays["SKILL.coef1"] = np.zeros((2, 3), dtype=np.float16)
    arrays["SKILL.intercept1"] = np.zeros(2, dtype=np.float32)
    arrays["SKILL.classes1"] = np.array(["S4", "S5"])
    path = tmp_path / "bad.npz"
    save(arrays, path)
    with pytest.raises(ConfigError, match=r"bad\.npz.*level-1 head"):
        load_group_classifier(path)
