"""Coder v9 (s27v9, docs/occupations.md "Coder v9"): a "Manager" head noun keeps the managers'
group against the skills, the ESCO pick sits in the ISCO-08 groups of the SOC minor / broad
group, and a lone title word that shows another language is left to the skills. Each defect
test runs the shipped coder and was seen to fail with v8's reading (the `v8` copy below)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import pytest

from domain.occupations.business import head_noun, head_terms
from domain.occupations.coder import OccupationCoder
from domain.occupations.foreign import lone_foreign_word
from domain.occupations.isco_groups import SOC_GROUP_TO_ISCO, GroupMasks, admitted_isco
from tests.conftest import ROOT

ESCO_ZIP = ROOT.parent / "shared/data/taxonomy/esco_v1.1.1/esco_v1.1.1_classification_en_csv.zip"


def v8(coder: OccupationCoder) -> OccupationCoder:
    """The same coder with v8's reading (what `params.v9_readings: false` gives)."""
    return replace(coder, head_weight=0.0, isco_by_soc_group=False, lone_foreign_words=False)


@pytest.mark.parametrize(
    ("title", "isco", "v8_isco"),
    [("Software QA Engineer", "2519", "2120"), ("Java Developer", "2512", "2511"),
     ("C++ Developer", "2512", "2511")],
)  # fmt: skip
def test_the_esco_pick_sits_in_the_isco_groups_of_the_soc_group(
    coder: OccupationCoder, title: str, isco: str, v8_isco: str
) -> None:
    # v8: SOC 15 admitted ISCO 212, so a software QA engineer got ESCO "gambling quality
    # assurance engineer" (2120); software developers got systems analysts' 2511
    new, old = coder.code(title), v8(coder).code(title)
    assert new.soc_code == old.soc_code  # the SOC code is not what changed
    assert old.isco_group == v8_isco
    assert new.isco_group == isco


def test_near_ties_inside_the_soc_group_go_to_the_learned_crosswalks_class(
    coder: OccupationCoder,
) -> None:
    # "accountant" is an alt label of ESCO accountant and of financial controller (both 2411)
    assert coder.code("Accountant").esco_label == "accountant"


def test_admitted_isco_takes_the_longest_soc_prefix() -> None:
    assert admitted_isco("15-1252") == frozenset({"2512"})  # detailed
    assert admitted_isco("15-1244") == SOC_GROUP_TO_ISCO["15-124"]  # broad
    assert admitted_isco("15-2051") == SOC_GROUP_TO_ISCO["15-2"]  # minor
    assert admitted_isco("43-4051") is None  # not in the table: v8's major-group table


def test_the_soc_group_table_names_soc_groups_and_isco_groups_that_exist(
    coder: OccupationCoder,
) -> None:
    with zipfile.ZipFile(ESCO_ZIP) as z:
        rows = csv.DictReader(io.TextIOWrapper(z.open("ISCOGroups_en.csv"), "utf-8"))
        isco = {r["code"] for r in rows}
    used = {g[:n] for g in coder.esco.isco for n in (3, 4)}  # groups some ESCO occupation is in
    for prefix, groups in SOC_GROUP_TO_ISCO.items():
        assert any(c.startswith(prefix) for c in coder.soc.codes), prefix
        assert len(prefix) in (4, 6, 7), prefix
        for g in groups:
            assert g in isco and g in used, (prefix, g)


def test_group_masks_match_unit_and_minor_groups() -> None:
    masks = GroupMasks(["2512", "2511", "3512", "1330"])
    assert masks.mask(frozenset({"2512", "351"})).tolist() == [True, False, True, False]
    assert masks.mask(frozenset({"2512", "351"})) is masks.mask(frozenset({"351", "2512"}))


@pytest.mark.parametrize("title", ["Vendedor", "Krankenschwester", "Verkäufer", "Lehrer"])
def test_a_lone_foreign_word_without_language_is_left_to_the_skills(
    coder: OccupationCoder, title: str
) -> None:
    # v8 read "Vendedor" as English n-grams: 29-2091 Orthotists and Prosthetists
    (old,) = v8(coder).code_many([(title, ())], [None])
    assert old.method == "title"
    (new,) = coder.code_many([(title, ())], [None])
    assert new.method == "none" and new.reason == "title_words_unknown_too_few_skills"


def test_a_lone_foreign_word_with_skills_is_coded_from_them(coder: OccupationCoder) -> None:
    nurse = coder.esco.labels.index("specialist nurse")
    cols = set(coder.esco.occupation_skills[nurse].indices.tolist())
    skills = [s for s, i in coder.esco.skill_index.items() if i in cols][:20]
    (code,) = coder.code_many([("Krankenschwester", skills)], [None])
    assert code.method == "skills" and code.reason == "title_words_unknown"
    assert code.isco_group is not None and code.isco_group[:2] == "22"


@pytest.mark.parametrize(
    ("title", "language"),
    [("Anglesmith", None), ("Ballerina", None), ("Baggageman", None), ("Auctioneer", None),
     ("Vendedor", "en"), ("Developer", None)],
)  # fmt: skip
def test_rare_english_words_and_english_postings_keep_the_title(
    coder: OccupationCoder, title: str, language: str | None
) -> None:
    (code,) = coder.code_many([(title, ())], [language])
    assert code.method == "title"


def test_lone_foreign_word_needs_one_unknown_word_that_shows_its_language() -> None:
    vocab = frozenset({"sales", "manager", "nurse"})
    assert lone_foreign_word("vendedor", vocab)
    assert lone_foreign_word("infirmière", vocab)  # a letter outside ASCII
    assert not lone_foreign_word("anglesmith", vocab)  # unknown, but nothing foreign in it
    assert not lone_foreign_word("vendedor java", vocab)  # two words: v8's rule decides
    assert not lone_foreign_word("era", vocab)  # the ending alone is not a word with it
    assert not lone_foreign_word("nurse", vocab)  # known


def test_a_manager_head_keeps_the_managers_group_against_the_skills() -> None:
    from adapters.artifacts.config_files import build_occupation_coder, load_config

    coder = build_occupation_coder(load_config(ROOT))  # with the skills' group profiles
    assert coder is not None and coder.skill_groups is not None
    accountant = coder.esco.labels.index("accountant")
    cols = set(coder.esco.occupation_skills[accountant].indices.tolist())
    skills = [s for s, i in coder.esco.skill_index.items() if i in cols][:20]
    # v8: an accountant's skills moved "Accounting Manager" (O*NET: 11-3031) to 13-2011
    assert v8(coder).code("Accounting Manager", skills).soc_code == "13-2011"
    assert coder.code("Accounting Manager", skills).soc_code == "11-3031"
    # without skills the title is read as in v8 (the term weighs only where the skills do)
    assert (
        coder.code("Accounting Manager").soc_code == v8(coder).code("Accounting Manager").soc_code
    )


def test_head_terms_weigh_only_on_the_named_group_and_rows_with_skills() -> None:
    import numpy as np

    groups = ("11", "13", "15")
    texts = ["tax manager", "tax examiner", ""]
    out = head_terms(texts, groups, 10.0)
    assert out is not None and out.tolist() == [[10.0, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert head_terms(texts, groups, 10.0, has_skills=np.array([False, True, True])) is None
    assert head_terms(texts, groups, 0.0) is None
    assert head_noun("inventory accounting manager") == "manager" and head_noun("") == ""


def test_the_v9_readings_follow_model_versions_params() -> None:
    import copy

    from adapters.artifacts.config_files import build_occupation_coder, load_config

    cfg = load_config(ROOT)
    spec = copy.deepcopy(cfg.spec)
    del spec["components"]["occupation_coder"]["params"]["v9_readings"]
    off = build_occupation_coder(replace(cfg, spec=spec))
    on = build_occupation_coder(cfg)
    assert on is not None and off is not None
    assert on.head_weight == 10.0 and on.isco_by_soc_group and on.lone_foreign_words
    assert off.head_weight == 0.0 and not off.isco_by_soc_group and not off.lone_foreign_words
    assert off.isco3_agreement  # v8's readings stay on
    assert on.code("Java Developer").isco_group == "2512"
    assert off.code("Java Developer").isco_group == "2511"
