"""Postings as job boards send them, through the real pipeline: every case of
tests/cases/real_postings.jsonl (replayed bug reports, issue #23), names with symbols, one
mention per named skill, named technologies on their own, decorated and non-English headers."""

import json
from pathlib import Path

import pytest
import spacy
import yaml

from domain.models import JobEnrichment
from domain.pipeline import Pipeline
from domain.sections.header_rules import HeaderRules
from domain.skills.ensemble import dictionary_extractor, with_symbol_modifiers
from domain.skills.names import inside_symbol_name, split_symbol_lists, symbol_words
from domain.skills.strategies import Candidate
from domain.skills.taxonomy import Skill, Taxonomy
from domain.text.normalize import comparable, normalize
from tests.conftest import ROOT, posting

CASES = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "cases" / "real_postings.jsonl").open(encoding="utf-8")
]


def enrich(pipeline: Pipeline, text: str) -> JobEnrichment:
    (e,) = pipeline.enrich([posting("p", text)]).enrichments
    return e


def found(pipeline: Pipeline, text: str) -> list[tuple[str, str, str]]:
    """(input slice, concept name, skill id) of every mention, in input order."""
    e = enrich(pipeline, text)
    rows = [
        (m.start, text[m.start : m.end], s.name, s.skill_id) for s in e.skills for m in s.mentions
    ]
    return [r[1:] for r in sorted(rows)]


def linked(hit: tuple[str, str, str], concept: str) -> bool:
    return hit[1] == concept or hit[2].startswith(concept)


@pytest.mark.parametrize("case", CASES, ids=[c["posting_id"] for c in CASES])
def test_real_posting_case_finds_every_expected_skill_at_input_offsets(
    real_pipeline: Pipeline, case: dict
) -> None:
    text = case["text"]
    e = enrich(real_pipeline, text)
    hits = [(text[m.start : m.end], s.name, s.skill_id) for s in e.skills for m in s.mentions]
    for s in e.skills:
        for m in s.mentions:  # offsets index the input exactly as given
            assert comparable(normalize(text[m.start : m.end]).text) == comparable(m.text)
    for surface, concept in case["expect"]:
        assert any(surface in h[0] and linked(h, concept) for h in hits), (surface, concept, hits)
    for surface, concept in case["forbid"]:
        assert not any(h[0] == surface and linked(h, concept) for h in hits), (surface, hits)
    for sec in e.sections:  # sections too, contiguous over the whole input
        assert 0 <= sec.start <= sec.end <= len(text)
    assert e.sections[0].start == 0 and e.sections[-1].end == len(text)


def test_a_one_letter_name_is_never_found_inside_a_symbol_name(real_pipeline: Pipeline) -> None:
    text = "Requirements:\n- C#, F# and J# developers\n- .NET and ASP.NET\n- Objective-C\n"
    hits = found(real_pipeline, text)
    surfaces = [h[0] for h in hits]
    assert "C" not in surfaces and "F" not in surfaces and "J" not in surfaces
    assert {"C#", ".NET", "ASP.NET", "Objective-C"} <= set(surfaces)  # F#, J#: no concept
    assert any(h[0] == "C#" and h[1] == "C#" for h in hits)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Python, SQL and Docker", ["Python (computer programming)", "SQL", "Docker"]),
        ("AWS (EC2, S3)", ["Amazon Web Services AWS software", "Amazon Elastic Compute Cloud EC2",
                           "Amazon Simple Storage Service S3"]),
        ("Node.js/TypeScript", ["Node.js", "TypeScript"]),
        ("PostgreSQL/MySQL", ["PostgreSQL", "MySQL"]),
        ("Java/Python/Go", ["Java (computer programming)", "Python (computer programming)", "Go"]),
        ("C#/.NET", ["C#", "Microsoft .NET Framework"]),
        ("C++/Java", ["C++", "Java (computer programming)"]),
        ("Python/C#", ["Python (computer programming)", "C#"]),
    ],
)  # fmt: skip
def test_a_coordination_of_names_gives_one_mention_per_skill(
    real_pipeline: Pipeline, line: str, names: list[str]
) -> None:
    hits = found(real_pipeline, f"Requirements:\n- {line}\n")
    for name in names:
        assert any(h[1] == name and h[0] in line and len(h[0]) < len(line) for h in hits), hits


@pytest.mark.parametrize("name", ["Ruby on Rails", "SQL Server", "CI/CD", "PL/SQL"])
def test_a_name_the_taxonomy_holds_whole_stays_whole(real_pipeline: Pipeline, name: str) -> None:
    hits = found(real_pipeline, f"Requirements:\n- {name} and Kubernetes\n")
    assert any(h[0] == name for h in hits), hits


@pytest.mark.parametrize(
    "text",
    [
        "Requirements:\n- Kubernetes\n",
        "Anforderungen:\n- Java und SQL\n",
        "Profil recherché :\n- Python\n",
        "Stack: Terraform ● Docker ● Git\n",
    ],
)
def test_a_named_technology_stands_on_its_own(real_pipeline: Pipeline, text: str) -> None:
    hits = found(real_pipeline, text)
    assert hits and all(h[0] in text for h in hits)
    named = {"Kubernetes", "Java", "SQL", "Python", "Terraform", "Docker", "Git"}
    assert named & {h[0] for h in hits} == {w for w in named if w in text}


@pytest.mark.parametrize(
    "text",
    [
        "Requirements:\n- Experience with A/B testing and TCP/IP\n",
        "Requirements:\n- Experience with A/B testing, SEO and Python.\n",
    ],
)
def test_a_b_testing_is_reported_whole_not_as_testing(real_pipeline: Pipeline, text: str) -> None:
    surfaces = [h[0] for h in found(real_pipeline, text)]
    assert "A/B testing" in surfaces and "testing" not in surfaces, surfaces


def test_a_slash_between_names_with_symbols_is_cut_and_one_a_name_holds_is_not() -> None:
    nlp = spacy.blank("en")
    for w in ("C#", ".NET", "C++", "TCP/IP", "CI/CD"):
        nlp.tokenizer.add_special_case(w, [{"ORTH": w}])
    split_symbol_lists(nlp.tokenizer)
    split_symbol_lists(nlp.tokenizer)  # twice: the pattern is added once
    words = [t.text for t in nlp("C#/.NET, C++/Java, Java/C#, TCP/IP, CI/CD and 1/2")]
    assert words == [
        "C#", "/", ".NET", ",", "C++", "/", "Java", ",", "Java", "/", "C#", ",",
        "TCP/IP", ",", "CI/CD", "and", "1/2",
    ]  # fmt: skip


def test_a_symbol_modifier_joins_the_span_after_it_unless_it_is_a_name_itself() -> None:
    nlp = spacy.blank("en")
    for w in ("A/B", "CI/CD", "UI/UX"):
        nlp.tokenizer.add_special_case(w, [{"ORTH": w}])
    doc = nlp("Run A/B testing and CI/CD pipelines, and/or UI/UX\ndesign")
    cands = [
        Candidate(2, 3, "transformer", kind="KNOWLEDGE"),  # testing
        Candidate(4, 5, "alias", "onet:ci"),  # CI/CD, a name
        Candidate(5, 6, "transformer", kind="KNOWLEDGE"),  # pipelines
        Candidate(10, 11, "context", kind="KNOWLEDGE"),  # design, on the next line
    ]
    out = with_symbol_modifiers(doc, cands)
    assert [doc[c.start : c.end].text for c in out] == [
        "A/B testing",
        "CI/CD",
        "pipelines",
        "design",
    ]
    assert out[0].strategy == "transformer" and out[0].kind == "KNOWLEDGE"


def test_a_common_word_is_not_a_named_technology(real_pipeline: Pipeline) -> None:
    hits = found(real_pipeline, "Requirements:\n- Teamwork\n- Learning\n")
    assert not any(h[1] == "learning" for h in hits)


def test_markup_only_emoji_only_and_script_postings_give_zero_mentions(
    real_pipeline: Pipeline,
) -> None:
    assert found(real_pipeline, "<div><ul><li></li></ul><br/></div>") == []
    assert found(real_pipeline, "\U0001f680\u2728 \U0001f525\U0001f389") == []
    assert found(real_pipeline, "<p>Hi</p><script>Python Java Kubernetes Docker</script>") == []


HEADERS = HeaderRules.from_config(
    yaml.safe_load((ROOT / "config" / "section_patterns.yaml").read_text(encoding="utf-8"))
)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("\u2705 Requirements:", "requirements"),
        ("**Requirements**", "requirements"),
        ("REQUIREMENTS", "requirements"),
        ("\u2022 Your profile", "requirements"),
        ("\U0001f680 What we offer", "benefits"),
        ("1) Your tasks", "responsibilities"),
        ("Profil recherché :", "requirements"),
        ("Vos missions", "responsibilities"),
        ("Anforderungen:", "requirements"),
        ("Ihre Aufgaben", "responsibilities"),
        ("Wir bieten", "benefits"),
        ("Requisitos", "requirements"),
        ("Responsabilidades", "responsibilities"),
        ("Functie-eisen", None),  # a hyphenated compound we do not list
        ("Functieeisen", "requirements"),
        ("Wat bieden wij?", "benefits"),
        ("About <ORGANIZATION>", "company"),
        ("Python and SQL.", None),
    ],
)
def test_decorated_and_non_english_headers_open_their_section(line: str, kind: str | None) -> None:
    assert HEADERS.header_kind(line) == kind


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("<h3>Requirements</h3><ul><li>Python</li></ul>", "requirements"),
        ("## Requirements\n* Python\n", "requirements"),
        ("<p><strong>Anforderungen</strong></p><p>Python</p>", "requirements"),
    ],
)
def test_html_and_markdown_headings_open_their_section(raw: str, kind: str) -> None:
    norm = normalize(raw)
    secs = norm.sections_to_input(HEADERS.classify(norm.text))
    at = raw.index("Python")
    assert [s.kind for s in secs if s.start <= at < s.end] == [kind]


def test_symbol_words_come_from_labels_and_keep_names_whole() -> None:
    nlp = spacy.blank("en")
    words = symbol_words(
        ["C#", "A/B testing", "CI/CD", "etc.", "and/", "Objective-C"], nlp.tokenizer
    )
    assert {"C#", "c#", "A/B", "a/b", "CI/CD", "ci/cd", "Objective-C"} <= set(words)
    assert "etc." not in words and "and/" not in words
    before = spacy.blank("en")("Use C# now")
    assert [t.text for t in before] == ["Use", "C", "#", "now"]
    assert inside_symbol_name(before, 1, 2)  # "C" glued to "#"
    assert not inside_symbol_name(before, 0, 1)
    taxonomy = Taxonomy([Skill("esco:cs", "C#", "knowledge"),
                         Skill("onet:ci", "CI/CD", "technology/tool",
                               ("ci/cd",))])  # fmt: skip
    ex = dictionary_extractor(taxonomy, ())
    assert [t.text for t in ex.nlp("C# and CI/CD, c#")] == ["C#", "and", "CI/CD", ",", "c#"]
    (out,) = ex.extract_many([("C# and CI/CD", ())])
    assert [(s.skill_id, s.mentions[0].text) for s in out.skills] == [
        ("esco:cs", "C#"), ("onet:ci", "CI/CD"),
    ]  # fmt: skip


YEARS = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "cases" / "experience_years.jsonl").open(
        encoding="utf-8"
    )
]


def test_years_of_experience_on_the_hand_labelled_set(real_pipeline: Pipeline) -> None:
    """Every labelled mention found and carrying exactly its years (None: none asked)."""
    right, wrong = 0, []
    for case in YEARS:
        text = case["text"]
        e = enrich(real_pipeline, text)
        got = {
            text[m.start : m.end]: (m.years_min, m.years_max) for s in e.skills for m in s.mentions
        }
        for surface, lo, hi in case["expect"]:
            want = (None if lo is None else float(lo), None if hi is None else float(hi))
            if got.get(surface, "missing") == want:
                right += 1
            else:
                wrong.append((case["posting_id"], surface, want, got.get(surface, "missing")))
    assert not wrong, f"{right} right, wrong: {wrong}"


def test_years_of_experience_reach_enrich_extract_output() -> None:
    from domain.models import ExtractedSkill, Mention

    m = Mention(0, 4, "Java", "requirements", "named", years_min=5.0, years_max=None)
    s = ExtractedSkill("esco:java", "Java", "knowledge", 0.9, ("named",), (m,))
    d = s.to_dict()
    assert d["mentions"][0]["years_min"] == 5.0 and d["mentions"][0]["years_max"] is None
    assert ExtractedSkill.from_dict(d) == s
    old = {k: v for k, v in d["mentions"][0].items() if not k.startswith("years")}
    assert ExtractedSkill.from_dict({**d, "mentions": [old]}).mentions[0].years_min is None
