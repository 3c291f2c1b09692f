"""Coder v8 (issue #27): the ESCO pick agrees with the SOC pick at ISCO's 3 digits, a header
first line is not a title, and titles in other languages are left to the skills."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from domain.occupations.coder import OccupationCoder
from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO, SOC_MAJOR_TO_ISCO3
from domain.occupations.foreign import other_language, unknown_words
from domain.occupations.titles import normalize_title, posting_title
from domain.sections.header_rules import HeaderRules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "title",
    [
        "Java Developer",
        "iOS Developer",
        ".NET Developer",
        "C++ Developer",
        "Senior Java Developer (m/f/d)",
    ],
)
def test_tech_developers_get_a_software_esco_occupation_not_property_developer(
    coder: OccupationCoder, title: str
) -> None:
    # v7: SOC 15-1252 right, ESCO "property developer" (ISCO 1323): the 2-digit map admits 13
    code = coder.code(title)
    assert code.soc_code == "15-1252"
    assert code.esco_label != "property developer"
    assert code.isco_group is not None and code.isco_group[:3] in SOC_MAJOR_TO_ISCO3["15"]


@pytest.mark.parametrize(
    "title",
    ["Registered Nurse", "Accountant", "Truck Driver", "Line Cook", "Electrician", "Web Developer",
     "Marketing Manager", "Real Estate Developer", "Cashier", "Data Scientist", "Welder"],
)  # fmt: skip
def test_the_esco_pick_sits_in_an_isco_minor_group_of_the_soc_major(
    coder: OccupationCoder, title: str
) -> None:
    code = coder.code(title)
    assert code.soc_code and code.isco_group
    assert code.isco_group[:3] in SOC_MAJOR_TO_ISCO3[code.soc_code[:2]]


def test_the_fine_crosswalk_names_every_soc_major_and_only_isco_minor_groups_esco_uses(
    coder: OccupationCoder,
) -> None:
    assert set(SOC_MAJOR_TO_ISCO3) == set(SOC_MAJOR_TO_ISCO)
    used = {g[:3] for g in coder.esco.isco}
    for major, groups in SOC_MAJOR_TO_ISCO3.items():
        assert groups and groups <= used, major


@pytest.mark.parametrize(
    ("text", "headers"),
    [
        ("Responsibilities:\n- Write Java services", ()),
        ("About the job\nWe build payment systems in Java.", {"About the job"}),
        ("\n  Your tasks:  \nDesign APIs", ()),
    ],
)
def test_a_header_first_line_is_not_a_title(text: str, headers: set[str]) -> None:
    assert posting_title(None, text, headers) == (None, "header")


def test_a_title_field_or_a_title_line_is_still_read() -> None:
    assert posting_title("Nurse", "Responsibilities:\n") == ("Nurse", "title")
    assert posting_title(None, "Java Developer\nResponsibilities:", {"Responsibilities:"}) == (
        "Java Developer",
        "first_line",
    )


def test_the_pipeline_does_not_code_a_header_it_found_as_the_title(
    coder: OccupationCoder, tiny_taxonomy, tiny_aliases
) -> None:
    from domain.pipeline import Pipeline
    from domain.skills.ensemble import dictionary_extractor
    from domain.versions import build_manifest
    from tests.conftest import NOW, posting
    from tests.unit.test_versions import FILES, SPEC

    rules = HeaderRules.from_config(
        yaml.safe_load((ROOT / "config" / "section_patterns.yaml").read_text(encoding="utf-8"))
    )

    class German:  # the posting's language as the fleet's detector reports it
        def detect(self, text: str) -> str:
            return "de" if "Wir" in text else "en"

    p = Pipeline(build_manifest(SPEC, b"spec", FILES), rules,
                 dictionary_extractor(tiny_taxonomy, tiny_aliases), lambda: NOW,
                 language=German(), occupations=coder)  # fmt: skip
    out = p.enrich([
        posting("a", "About the job\nWe build payment systems in Python."),
        posting("b", "Java Developer\nAbout the job\nPython."),
        posting("c", "Krankenpfleger\nWir suchen Verstärkung."),
        posting("d", "Krankenpfleger\nWe need help."),
    ])  # fmt: skip
    occ = {e.posting_id: e.occupation for e in out.enrichments}
    assert occ["c"]["reason"] == "title_words_unknown_too_few_skills"
    assert occ["d"]["method"] == "title"  # an English posting: its title is read as before
    assert occ["a"]["title_from"] == "header" and occ["a"]["method"] != "title"
    assert occ["a"]["reason"] == "no_title_too_few_skills"
    assert occ["b"]["title_from"] == "first_line" and occ["b"]["soc_code"] == "15-1252"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Krankenpfleger (m/w/d)", "krankenpfleger"),
        ("Software Engineer (m/w/div)", "software engineer"),
        ("Data Scientist (m/f/diverse)", "data scientist"),
        ("Accountant (mwd)", "accountant"),
        ("Chargé(e) de clientèle (H/F)", "chargé de clientèle"),
        ("Enfermero/a", "enfermero"),
        ("Engineer (m-w-d)", "engineer"),
    ],
)
def test_gender_markers_of_other_languages_are_dropped(raw: str, text: str) -> None:
    assert normalize_title(raw).text == text


@pytest.mark.parametrize(
    ("title", "language"),
    [("Krankenpfleger (m/w/d)", None), ("Softwareentwickler (m/w/d)", None),
     ("Ingénieur logiciel (H/F)", None), ("Krankenpfleger", "de"), ("Vendedor", "es"),
     ("Kellner", "de"), ("Enfermera", "es"), ("Ingénieur logiciel", "fr")],
)  # fmt: skip
def test_a_title_in_another_language_gets_no_confident_code_from_its_letters(
    coder: OccupationCoder, title: str, language: str | None
) -> None:
    # v7: "Krankenpfleger (m/w/d)" -> 51-9199 Production Workers at 0.81
    (code,) = coder.code_many([(title, ())], [language])
    assert code.soc_code is None and code.method == "none"
    assert code.reason == "title_words_unknown_too_few_skills"


@pytest.mark.parametrize(
    ("title", "language"),
    [("Software Engineer (m/w/d)", "de"), ("Projektleiter Software (m/w/d)", "de"),
     ("Bioinformatician", "en"), ("Anglesmith", None), ("Auctioneer", None),
     ("Ballerina", None), ("Desarrollador Java", "es"),
     ("Marketingmanager (m/w/d)", "de"), ("Systemadministrator (m/w/d)", "de")],
)  # fmt: skip
def test_english_titles_and_titles_of_english_postings_are_read(
    coder: OccupationCoder, title: str, language: str | None
) -> None:
    # an English title in a German posting; O*NET's own rare titles; no language, no marker
    # (v9: "Krankenpfleger" alone, no language, goes to the skills: test_occupation_v9.py)
    (code,) = coder.code_many([(title, ())], [language])
    assert code.method == "title"


def test_a_title_in_another_language_is_coded_from_its_skills_at_lower_confidence(
    coder: OccupationCoder,
) -> None:
    nurse = coder.esco.uris.index(coder.esco.uris[coder.esco.labels.index("specialist nurse")])
    row = coder.esco.occupation_skills[nurse]
    cols = set(row.indices.tolist())
    skills = [s for s, i in coder.esco.skill_index.items() if i in cols][:20]
    code = coder.code("Krankenpfleger (m/w/d)", skills)
    assert code.method == "skills" and code.reason == "title_words_unknown"
    assert code.isco_group is not None and code.isco_group[:2] == "22"
    assert code.confidence <= 0.5


def test_unknown_words_counts_words_of_three_letters_or_more() -> None:
    vocab = {"nurse", "java", "developer"}
    assert unknown_words("krankenpfleger", vocab)
    assert unknown_words("chargé de clientèle", vocab)  # "de" not counted
    assert not unknown_words("desarrollador java", vocab)  # one of two known
    assert not unknown_words("c++ 42", vocab)  # no counted word: coded as before
    assert not unknown_words("java developer", vocab)
    assert not unknown_words("javadeveloper", vocab)  # a compound with an English head
    assert unknown_words("developerkraft", vocab)


def test_another_language_needs_the_posting_language_or_a_foreign_gender_marker() -> None:
    vocab = {"nurse"}
    assert other_language("krankenpfleger", "Krankenpfleger", "de", vocab)
    assert other_language("krankenpfleger", "Krankenpfleger (m/w/d)", None, vocab)
    assert other_language("infirmier", "Infirmier (H/F)", "en", vocab)
    # v8's reading; v9 also reads a lone word with a German ending as another language
    assert not other_language("krankenpfleger", "Krankenpfleger (m/f/d)", None, vocab, False)
    assert other_language("krankenpfleger", "Krankenpfleger (m/f/d)", None, vocab)
    assert not other_language("krankenpfleger", "Krankenpfleger", "en", vocab)
    assert not other_language("nurse", "Nurse (m/w/d)", "de", vocab)


def test_a_skills_coded_posting_gets_a_soc_code_that_agrees_with_its_esco_occupation() -> None:
    import numpy as np

    from domain.occupations.esco_pick import agreeing_top

    codes = ["15-1252", "11-9021", "29-1141", "15-1211"]
    p = np.array([0.5, 0.3, 0.15, 0.05])
    top = np.array([0, 1, 2])
    assert agreeing_top(p, top, codes, "1323").tolist()[0] == 1  # ISCO 132: a SOC 11 code
    assert agreeing_top(p, top, codes, "2512").tolist() == [0, 1, 2]  # already agrees
    assert agreeing_top(p, top, codes, "9999").tolist() == [0, 1, 2]  # no major admits it


def test_the_v8_readings_follow_model_versions_params_and_are_off_without_them() -> None:
    import copy
    from dataclasses import replace

    from adapters.artifacts.config_files import build_occupation_coder, load_config

    cfg = load_config(ROOT)
    on = build_occupation_coder(cfg)
    spec = copy.deepcopy(cfg.spec)
    del spec["components"]["occupation_coder"]["params"]["v8_readings"]
    off = build_occupation_coder(replace(cfg, spec=spec))
    assert on is not None and off is not None
    assert on.isco3_agreement and on.other_languages_use_skills and on.esco_vector_weight == 1.0
    assert not off.isco3_agreement and not off.other_languages_use_skills
    assert off.esco_vector_weight == 0.0
    assert on.code("Java Developer").esco_label != "property developer"
    assert off.code("Java Developer").esco_label == "property developer"  # v7's reading


def test_a_title_line_that_opens_the_overview_stays_the_title(
    coder: OccupationCoder, tiny_taxonomy, tiny_aliases
) -> None:
    # the block classifier reads "SENIOR JAVA DEVELOPER" (caps, bold, markdown) as the header
    # of the overview: that is the title, not a header of a named section
    from domain.models import Section
    from domain.pipeline import Pipeline
    from domain.skills.ensemble import dictionary_extractor
    from domain.versions import build_manifest
    from tests.conftest import NOW, posting
    from tests.unit.test_versions import FILES, SPEC

    class TitleAsHeader:
        def classify(self, text: str) -> tuple[Section, ...]:
            first = text.split("\n", 1)[0]
            return (Section("overview", 0, len(text), header=first),)

    p = Pipeline(build_manifest(SPEC, b"spec", FILES), TitleAsHeader(),
                 dictionary_extractor(tiny_taxonomy, tiny_aliases), lambda: NOW, occupations=coder)  # fmt: skip
    (e,) = p.enrich([posting("a", "SENIOR JAVA DEVELOPER\nWe need Java.")]).enrichments
    assert e.occupation is not None
    assert e.occupation["title_from"] == "first_line" and e.occupation["soc_code"] == "15-1252"
