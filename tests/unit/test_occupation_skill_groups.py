"""Coder v7 (s27title3): the posting's skills weigh on the SOC major group (skill_groups.py), built
from ESCO's occupation-skill relations; an inner bracketed acronym no longer cuts the title."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from adapters.artifacts.config_files import build_occupation_coder, load_config
from adapters.artifacts.occupations import load_coder, with_skill_groups
from domain.occupations.coder import OccupationCoder
from domain.occupations.skill_groups import build_skill_groups, occupation_classes, skill_text
from domain.occupations.titles import normalize_title

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "occupations"
VECTORS = ROOT / "config" / "models" / "concept_vectors"

SALES = [
    "span:skill:negotiate contracts with customers",
    "span:skill:close deals",
    "span:skill:meet sales quota",
    "span:skill:prospect new accounts",
]
SOFTWARE = [
    "span:skill:design distributed systems",
    "span:skill:write code in python and java",
    "span:knowledge:software development",
    "span:skill:debug software",
]


def _names() -> dict[str, str]:
    with gzip.open(ROOT / "config" / "taxonomy" / "skills.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {r["skill_id"]: r["name"] for r in map(json.loads, fh)}


@pytest.fixture(scope="module")
def coders() -> tuple[OccupationCoder, OccupationCoder]:
    plain = load_coder(ARTIFACT, VECTORS)
    return plain, with_skill_groups(plain, _names(), 2.0)


def test_skill_text_reads_span_words_and_taxonomy_names_only() -> None:
    names = {"esco:1": "negotiate contracts"}
    ids = ["esco:1", "span:skill:close deals", "onet:unknown", "span:knowledge:a:b"]
    assert skill_text(ids, names) == "negotiate contracts close deals a:b"


CODES = ("41-3011", "15-1252", "15-1253")  # classes 0, 1, 2; groups 15 (row 0), 41 (row 1)


def _toy() -> tuple[sp.csr_matrix, list[str], dict[str, str]]:
    # occupations 0, 1 sell; 2 programs; 3 has no label (-1) and must not count
    m = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], float))
    ids = ["esco:a", "esco:b", "esco:c", "esco:d"]
    names = {
        "esco:a": "negotiate sales contracts",
        "esco:b": "close sales deals customers",
        "esco:c": "write python software code",
        "esco:d": "debug software systems",
    }
    return m, ids, names


def test_group_terms_favour_the_group_whose_occupations_need_those_skills() -> None:
    m, ids, names = _toy()
    model = build_skill_groups(m, ids, [0, 0, 1, -1], CODES, names, weight=1.0, temperature=10.0)
    terms = model.group_terms(
        [["span:skill:negotiate sales deals with customers"], ["esco:c", "esco:d"], ["esco:c"]]
    )
    assert terms[0, 1] > terms[0, 0] and terms[1, 0] > terms[1, 1]  # sales: 41; code: 15
    assert np.allclose(np.exp(terms).sum(axis=1), 1.0)  # weight 1: log-probabilities
    _, by_class = model.terms([["esco:c", "esco:d"]])
    assert by_class[0, 1] > 0 and by_class[0, 0] == 0.0  # the programming class, not sales
    assert by_class[0, 2] == 0.0  # 15-1253: no ESCO occupation maps to it, no profile
    # occupation 3 (no label) would have made 'debug' and 'systems' words of group 1 twice over
    lone = build_skill_groups(m, ids, [0, 0, 1, 1], CODES, names, weight=1.0, temperature=10.0)
    assert not np.allclose(lone.profiles.toarray(), model.profiles.toarray())


def test_too_few_known_words_add_nothing_and_weight_zero_is_off() -> None:
    m, ids, names = _toy()
    model = build_skill_groups(m, ids, [0, 0, 1, -1], CODES, names)
    assert np.all(model.group_terms([["span:skill:sales"], [], ["onet:x", "esco:zzz"]]) == 0.0)
    off = build_skill_groups(m, ids, [0, 0, 1, -1], CODES, names, weight=0.0)
    assert np.all(off.group_terms([SALES]) == 0.0)


def test_lengths_that_disagree_raise() -> None:
    m, ids, names = _toy()
    with pytest.raises(ValueError):
        build_skill_groups(m, ids, [0, 1], CODES, names)
    with pytest.raises(ValueError):
        build_skill_groups(m, ids[:2], [0, 0, 1, -1], CODES, names)


def test_occupation_classes_take_the_first_label_and_mark_unlabelled() -> None:
    label_occupation = np.array([0, 0, 1])
    label_class = np.array([2, 0, 1])  # occupation 0's first label is coded class 2
    assert occupation_classes(label_occupation, label_class, 3) == [2, 1, -1]


def test_the_skills_move_an_ambiguous_title_between_major_groups(
    coders: tuple[OccupationCoder, OccupationCoder],
) -> None:
    plain, skilled = coders
    title = "Product Specialist"
    alone = plain.code(title).soc_code
    assert alone is not None
    assert skilled.code(title).soc_code == alone  # no skills: the v6 answer
    assert skilled.code(title, SALES).soc_code[:2] == "41"  # type: ignore[index]
    assert skilled.code(title, SOFTWARE).soc_code[:2] == "15"  # type: ignore[index]
    assert plain.code(title, SALES).soc_code == alone  # without the model skills change nothing


def test_titles_without_skills_are_coded_as_before(
    coders: tuple[OccupationCoder, OccupationCoder],
) -> None:
    plain, skilled = coders
    titles = ["Registered Nurse", "Senior Backend Engineer (m/f/d) - Python", "Account Manager"]
    a = plain.code_many([(t, ()) for t in titles])
    b = skilled.code_many([(t, ()) for t in titles])
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]


def test_the_setting_in_model_versions_builds_the_skill_groups() -> None:
    cfg = load_config(ROOT, profile="quality")
    weight = float(cfg.params("occupation_coder").get("skill_group_weight", 0.0))
    coder = build_occupation_coder(cfg)
    assert coder is not None
    assert (coder.skill_groups is not None) == (weight > 0)
    if coder.skill_groups is not None:
        assert coder.skill_groups.weight == weight


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (
            "Anti-Money Laundering (AML) Operations Manager, Payments",
            "anti money laundering operations manager",
        ),
        (
            "High Performance Computing (HPC) Specialist, Cloud",
            "high performance computing specialist",
        ),
        ("Chief Financial Officer (CFO)", "chief financial officer"),
        ("Project Manager (EMEA), Customer Experience", "project manager"),
        ("Sales Lead (English, German)", "sales"),
    ],
)
def test_an_inner_bracketed_acronym_no_longer_cuts_the_title(raw: str, text: str) -> None:
    assert normalize_title(raw).text == text


def test_the_o_net_split_keys_keep_the_old_reading() -> None:
    assert normalize_title("Electroencephalogram (EEG) Technologist", head_noun=False).text == (
        "electroencephalogram"
    )


def test_odd_skill_ids_never_raise_and_add_nothing(
    coders: tuple[OccupationCoder, OccupationCoder],
) -> None:
    plain, skilled = coders
    odd = ["", "span:", "span:skill:", "span:skill:🚀🚀", "esco:not-a-skill", "x" * 10_000]
    titles = ["Product Specialist", "", "🚀", "We are a friendly team. Join us."]
    a = plain.code_many([(t, ()) for t in titles])
    b = skilled.code_many([(t, odd) for t in titles])
    assert [x.soc_code for x in a] == [x.soc_code for x in b]
