"""The group classifier (issue #24, 2026.11.18): trained on taxonomy labels, loaded from its
artifact with clear errors, voting in the group fallback; and the rules that leave mentions
naming no skill without a place (domain/skills/nonskills.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.group_classifier import load_group_classifier
from domain.errors import ConfigError
from domain.skills.group_classifier import GroupClassifier
from domain.skills.groups import GroupParams, GroupPlacer, placeable
from domain.skills.nonskills import non_skill
from scripts.build_group_classifier import arrays_of, fit, save
from tests.unit.test_concept_groups import HIERARCHY, TAX, cand

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "models" / "group_classifier.npz"

# (skill_id, labels, level-2 class, level-1 class), as scripts/build_group_classifier.py makes them
ITEMS = {
    "SKILL": [
        ("esco:code", ["write computer code", "code software", "write unit tests"], "S5.1", "S5"),
        ("esco:debug", ["debug software code", "fix software bugs"], "S5.1", "S5"),
        ("esco:lead", ["lead a team", "lead people", "manage staff"], "S4.8", "S4"),
        ("esco:teams", ["work in teams", "team player", "teamwork"], "T4.3", "T4"),
        ("esco:init", ["show initiative", "motivated", "proactive attitude"], "T3.2", "T3"),
    ],
    "KNOWLEDGE": [
        ("esco:java", ["Java (computer programming)", "java", "java software"], "isced-f/061",
         "isced-f/06"),
        ("onet:kafka", ["Apache Kafka", "kafka streaming"], "isced-f/061", "isced-f/06"),
    ],
}  # fmt: skip


def toy() -> GroupClassifier:
    # a third class keeps each SKILL model multi-class; min_df 2 needs repeated n-grams
    return GroupClassifier({kind: fit(items) for kind, items in ITEMS.items() if kind == "SKILL"})


def test_the_classifier_learns_groups_from_labels() -> None:
    clf = toy()
    probs = clf.probs(["write code and unit tests", "a proactive and motivated attitude"], "SKILL")
    assert probs is not None and probs.shape == (2, 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    classes = clf.models["SKILL"].classes
    assert [classes[i] for i in probs.argmax(axis=1)] == ["S5.1", "T3.2"]
    assert clf.probs(["java"], "KNOWLEDGE") is None  # no model for that kind: no vote


def test_hand_labelled_spans_outweigh_the_taxonomy_and_may_name_a_level_1_group() -> None:
    """(2026.11.29) A hand-labelled span weighs `weight` taxonomy labels; its class may be a
    level-1 group ("T3"). Too light a weight leaves the taxonomy's answer."""
    items = ITEMS["SKILL"]
    hand = [("p1", "motivated to lead people", "T3.2"), ("p2", "self-starter", "T3"),
            ("p3", "a self-starter", "T3")]  # fmt: skip
    queries = ["motivated to lead people", "a self-starter"]

    def top(model: object) -> list[str]:
        probs = model.probs(queries)  # type: ignore[attr-defined]
        return [model.classes[int(i)] for i in probs.argmax(axis=1)]  # type: ignore[attr-defined]

    assert top(fit(items)) == ["S4.8", "T4.3"]
    heavy = fit(items, hand=hand, weight=20.0)
    assert "T3" in heavy.classes and top(heavy) == ["T3.2", "T3"]
    assert top(fit(items, hand=hand, weight=0.01)) != ["T3.2", "T3"]


def test_the_hand_labelled_train_spans_come_from_train_and_name_known_groups() -> None:
    """config/eval/skillspan_train_groups.jsonl: SkillSpan TRAIN postings only, distinct
    (text, kind), each group a kind-consistent code of the hierarchy or null (names no skill)."""
    import json

    from adapters.artifacts.concept_linker import load_hierarchy
    from scripts.build_group_classifier import HAND, hand_examples

    lines = [json.loads(x) for x in HAND.read_text(encoding="utf-8").splitlines() if x.strip()]
    header, rows = lines[0], lines[1:]
    assert "TRAIN" in header["guideline"] and header["seed"] == 24
    assert len(rows) == 550
    assert {(r["text"].lower(), r["kind"]) for r in rows}.__len__() == 550
    groups = load_hierarchy(ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz").groups
    for r in rows:
        assert r["posting_id"].startswith("skillspan-train-"), r
        if r["group"] is not None:
            assert r["group"] in groups, r
            prefixes = ("S", "T") if r["kind"] == "SKILL" else ("isced-f/", "L", "onet")
            assert r["group"].startswith(prefixes), r
    got = hand_examples()
    assert sum(len(v) for v in got.values()) == sum(r["group"] is not None for r in rows)


def test_its_vote_places_a_mention_the_other_votes_cannot() -> None:
    params = GroupParams(shares="3:0.7,2:0.5,1:0.2", clf_weight=1.0)
    with_clf = GroupPlacer(HIERARCHY, params, taxonomy=TAX, classifier=toy())
    without = GroupPlacer(HIERARCHY, GroupParams(shares="3:0.7,2:0.5,1:0.2"), taxonomy=TAX,
                          classifier=toy())  # fmt: skip
    text = "write unit tests"
    [votes] = with_clf.classifier_votes([text], ["SKILL"])
    assert votes is not None
    pos = with_clf.space.pos
    # a level-1 group gets the sum of the level-2 classes under it
    assert votes[pos["S5"]] == pytest.approx(votes[pos["S5.1"]])
    got = with_clf.place("SKILL", [], text=text, clf=votes)
    assert got is not None and got[0].code == "S5.1"
    assert without.classifier_votes([text], ["SKILL"]) == [None]  # clf_weight 0: not used
    assert without.place("SKILL", [], text=text) is None


def test_a_classifier_naming_an_unknown_group_is_a_config_error() -> None:
    clf = toy()
    clf.models["SKILL"].classes[0] = "S9.9"
    with pytest.raises(ConfigError, match=r"unknown group 'S9\.9'"):
        GroupPlacer(HIERARCHY, GroupParams(clf_weight=1.0), taxonomy=TAX, classifier=clf)


def test_the_artifact_round_trips_byte_identically(tmp_path: Path) -> None:
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    save(arrays_of(toy().models), a)
    save(arrays_of(toy().models), b)
    assert a.read_bytes() == b.read_bytes()
    back = load_group_classifier(a)
    text = ["fix software bugs"]
    np.testing.assert_allclose(back.probs(text, "SKILL"), toy().probs(text, "SKILL"), atol=1e-3)


def _corrupt(kind: str, path: Path, good: Path) -> None:
    if kind == "garbage":
        path.write_bytes(b"not a zip at all")
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:200])
    elif kind in ("no coef", "wrong shape"):
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                if name == "SKILL.coef.npy":
                    if kind == "no coef":
                        continue
                    import io

                    buf = io.BytesIO()
                    np.save(buf, np.zeros((2, 3), dtype=np.float16))
                    data = buf.getvalue()
                dst.writestr(name, data)
    elif kind == "empty zip":
        zipfile.ZipFile(path, "w").close()


@pytest.mark.parametrize("kind", ["garbage", "truncated", "no coef", "wrong shape", "empty zip"])
def test_a_corrupt_artifact_is_a_config_error_naming_the_file(tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good.npz"
    save(arrays_of(toy().models), good)
    bad = tmp_path / "group_classifier.npz"
    _corrupt(kind, bad, good)
    with pytest.raises(ConfigError, match=r"group classifier unreadable: .*group_classifier\.npz"):
        load_group_classifier(bad)


def test_worker_start_fails_naming_a_missing_classifier(tmp_path: Path) -> None:
    from adapters.artifacts.concept_linker import build_linker
    from adapters.artifacts.config_files import linker_classifier_path, load_config
    from domain.skills.linking import LinkerParams

    cfg = load_config(ROOT)
    assert linker_classifier_path(cfg) == ARTIFACT
    hierarchy = ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    missing = tmp_path / "config" / "models" / "group_classifier.npz"
    with pytest.raises(ConfigError, match=r"group classifier missing: .*group_classifier\.npz"):
        build_linker(tmp_path / "no-vectors", TAX, (), frozenset(), LinkerParams(), hierarchy,
                     missing)  # fmt: skip


def test_the_shipped_artifact_loads_and_names_only_known_groups() -> None:
    from adapters.artifacts.concept_linker import load_hierarchy

    clf = load_group_classifier(ARTIFACT)
    hierarchy = load_hierarchy(ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz")
    assert set(clf.models) == {"SKILL", "KNOWLEDGE"}
    for model in clf.models.values():
        assert set(model.classes) <= set(hierarchy.groups)
        assert {hierarchy.groups[c].level for c in model.classes} <= {1, 2}
    k = clf.models["KNOWLEDGE"]
    probs = clf.probs(["Kubernetes", "statistics", "accounting"], "KNOWLEDGE")
    assert probs is not None
    assert [k.classes[i] for i in probs.argmax(axis=1)] == [
        "isced-f/061", "isced-f/054", "isced-f/041"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not", "function word"),
        ("Also", "function word"),
        ("etc.", "function word"),
        ("allowing", "bare verb"),
        ("ensure", "bare verb"),
        ("getting", "bare verb"),
        ("Finance department", "organization"),
        ("Acme Ltd", "organization"),
        ("Novo Nordisk A/S", "organization"),
        ("technical skills", "generic"),
        ("skilled", "generic"),
        ("hands-on", "generic"),
        ("strong technical understanding", "generic"),
        ("Danish Class B Drivers License", "qualification"),
        ("Government Security Clearance", "qualification"),
        ("M.S", "qualification"),
        ("Cand.merc HRM", "qualification"),
        ("working in a start-up environment", "workplace"),
    ],
)
def test_mentions_naming_no_skill_get_no_group(text: str, reason: str) -> None:
    assert non_skill(text) == reason
    assert not placeable(text)
    p = GroupPlacer(HIERARCHY, GroupParams(shares="3:0.7,2:0.5,1:0.2"), taxonomy=TAX)
    assert p.place("SKILL", [cand("esco:code", 0.9)], text=text) is None


@pytest.mark.parametrize(
    "text",
    ["programming", "testing", "marketing", "team player", "customer support",
     "work in cross-functional teams", "department management", "Python", "drive change",
     "communication skills", "technical writing", "hands-on experience with Java",
     "MS Office", "Java certificate", "thrive in an international environment"],
)  # fmt: skip
def test_skills_that_look_alike_keep_their_place(text: str) -> None:
    assert non_skill(text) is None and placeable(text)


def test_no_place_when_the_classifier_is_sure_of_another_branch() -> None:
    """Say nothing rather than something wrong: the candidates vote S5 (programming), the
    classifier is sure of T3 (a trait): with clf_sure set the mention gets no group."""
    text = "a proactive and motivated attitude"
    ranked = [cand("esco:code", 0.9), cand("esco:debug", 0.9)]
    kw = {"shares": "3:0.7,2:0.5,1:0.2", "clf_weight": 0.5}
    plain = GroupPlacer(HIERARCHY, GroupParams(**kw), taxonomy=TAX, classifier=toy())
    strict = GroupPlacer(HIERARCHY, GroupParams(**kw, clf_sure=0.5, clf_floor=0.1), taxonomy=TAX,
                         classifier=toy())  # fmt: skip
    [votes] = strict.classifier_votes([text], ["SKILL"])
    assert votes is not None and votes[strict.space.pos["T3"]] >= 0.5
    got = plain.place("SKILL", ranked, text=text, clf=votes)
    assert got is not None and got[0].code.startswith("S5")
    assert strict.place("SKILL", ranked, text=text, clf=votes) is None
    # the classifier agreeing with the vote: the place stays
    [agree] = strict.classifier_votes(["write code and fix software bugs"], ["SKILL"])
    kept = strict.place("SKILL", ranked, text="write code", clf=agree)
    assert kept is not None and kept[0].code.startswith("S5")
