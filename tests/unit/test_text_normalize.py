"""Postings as they arrive (CRLF, NFD, invisible characters, HTML, Markdown): every offset we
report indexes the input as received, up to the documented normalization."""

import itertools
import re
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.models import Section
from domain.pipeline import Pipeline
from domain.skills.ensemble import dictionary_extractor
from domain.text.normalize import (
    ESCAPED_HTML,
    HTML,
    MARKDOWN,
    TEXT,
    comparable,
    detect,
    normalize,
)
from domain.versions import build_manifest
from tests.conftest import NOW, posting
from tests.unit.test_versions import FILES, SPEC


class OneSection:
    def classify(self, text: str) -> tuple[Section, ...]:
        return (Section("overview", 0, len(text)),)


@pytest.fixture
def pipeline(tiny_taxonomy, tiny_aliases) -> Pipeline:
    return Pipeline(
        manifest=build_manifest(SPEC, b"spec", FILES),
        classifier=OneSection(),
        extractor=dictionary_extractor(tiny_taxonomy, tiny_aliases),
        clock=lambda: NOW,
    )


def mentions(pipeline: Pipeline, text: str) -> list[tuple[int, int, str]]:
    (e,) = pipeline.enrich([posting("p", text)]).enrichments
    return sorted((m.start, m.end, m.text) for s in e.skills for m in s.mentions)


def test_offsets_index_the_input_after_crlf(pipeline: Pipeline) -> None:
    text = "Requirements:\r\n- 3+ years of Python\r\n- Experience with Kubernetes"
    found = mentions(pipeline, text)
    assert [text[a:b] for a, b, _ in found] == ["Python", "Kubernetes"]
    assert [t for _, _, t in found] == ["Python", "Kubernetes"]


def test_offsets_index_the_input_after_decomposed_accents_and_invisible_characters(
    pipeline: Pipeline,
) -> None:
    text = "Cafe\u0301 re\u0301sume\u0301\u00a0\ufeffPython and\u200b k8s, Kuber\u00adnetes"
    found = mentions(pipeline, text)
    assert [text[a:b] for a, b, _ in found] == ["Python", "k8s", "Kuber\u00adnetes"]
    assert [t for _, _, t in found] == ["Python", "k8s", "Kubernetes"]


def test_offsets_index_the_input_of_an_html_posting(pipeline: Pipeline) -> None:
    text = "<h3>Skills</h3><ul><li>Python&#160;and k8s</li><li>Kubernetes</li></ul>"
    found = mentions(pipeline, text)
    assert [text[a:b] for a, b, _ in found] == ["Python", "k8s", "Kubernetes"]


def test_sections_index_the_input_and_stay_contiguous() -> None:
    from domain.sections.header_rules import HeaderRules

    rules = HeaderRules.from_config(
        {"kinds": {"requirements": ["requirements"], "benefits": ["benefits"]},
         "metadata_keys": ["job type"]}
    )  # fmt: skip
    text = "Intro\r\n<b>x</b>\r\nRequirements:\r\n- Python\r\nBenefits:\r\n- Gym"
    norm = normalize(text, TEXT)
    secs = norm.sections_to_input(rules.classify(norm.text))
    assert secs[0].start == 0 and secs[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(secs))
    assert [(s.kind, text[s.start : s.end].split("\r\n")[0]) for s in secs] == [
        ("overview", "Intro"), ("requirements", "Requirements:"), ("benefits", "Benefits:"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "ctype"),
    [
        ("<p>Python</p>", HTML),
        ("Python<br/>SQL", HTML),
        ("&lt;ul&gt;&lt;li&gt;Python&lt;/li&gt;&lt;/ul&gt;", ESCAPED_HTML),
        ("## Requirements\n- Python", MARKDOWN),
        ("* **Python**", MARKDOWN),
        ("Use `Docker` daily", MARKDOWN),
        ("if a < b and c > d", TEXT),
        ("Salary <50k> and 3 < 4", TEXT),
        ("- Python\n- SQL", TEXT),
    ],
)
def test_content_type_is_detected_from_the_text(raw: str, ctype: str) -> None:
    assert detect(raw) == ctype


def test_a_declared_content_type_wins_over_detection() -> None:
    assert normalize("<b>Python</b>", "text/plain; charset=utf-8").text == "<b>Python</b>"
    assert normalize("**Python**", "text/html").text == "**Python**"
    assert normalize("<b>Python</b>", "text/html").text == "Python"


def test_html_lines_bullets_headings_and_script() -> None:
    raw = (
        "<html><head><style>.python{}</style></head><body><h2>Requirements</h2>"
        "<p>You&rsquo;ll use<br>Python</p><script>var skills='Java Kubernetes'</script>"
        "<ul><li>SQL</li><li><strong>Docker</strong></li></ul><!-- Go --></body></html>"
    )
    assert normalize(raw).text == "Requirements:\nYou\u2019ll use\nPython\n- SQL\n- Docker"


def test_escaped_html_is_parsed_after_unescaping() -> None:
    raw = "&lt;h3&gt;Requirements&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;Python&lt;/li&gt;&lt;/ul&gt;"
    norm = normalize(raw)
    assert norm.text == "Requirements:\n- Python"
    i = norm.text.index("Python")
    a, b = norm.to_input(i, i + 6)
    assert raw[a:b] == "Python"


def test_markdown_marks_are_dropped_and_offsets_kept() -> None:
    raw = "## Requirements\n* **Python** and `Docker`\n+ [Kubernetes](https://k8s.io)\n"
    norm = normalize(raw)
    assert norm.text == "Requirements:\n- Python and Docker\n- Kubernetes\n"
    for word in ("Python", "Docker", "Kubernetes"):
        i = norm.text.index(word)
        a, b = norm.to_input(i, i + len(word))
        assert raw[a:b] == word


def test_text_that_only_looks_like_html_stays_text() -> None:
    raw = "if a < b and c > d then use <Python>"
    assert normalize(raw).text == raw


@pytest.mark.parametrize(
    "raw",
    [
        "<div>" * 10_000 + "Python",  # 10,000 nested divs
        "<p>Python <b>SQL <i>unclosed <li>Docker",  # unclosed tags
        "<p>" + "Python and SQL. " * 65_000 + "</p>",  # ~1 MB
        "<" + "\x01<\xff>\ufffd<\x7f" * 50_000 + ">",  # a binary blob with angle brackets
        "<p><script>" + "Python Java Kubernetes " * 1000 + "</script></p>",
        "<br><p></p><div><ul><li></li></ul></div>",  # markup only
        "\U0001f680\u2728\U0001f525 \U0001f389",  # emoji only
    ],
)
def test_bad_markup_gets_a_bounded_time_and_a_clear_outcome(raw: str) -> None:
    t0 = time.process_time()
    norm = normalize(raw)
    assert time.process_time() - t0 < 20  # CPU seconds, generous: it takes ~1 s for 1 MB
    assert "Java" not in norm.text  # script never read
    if norm.text:
        a, b = norm.to_input(0, len(norm.text))
        assert 0 <= a <= b <= len(raw)


def test_markup_only_and_emoji_only_postings_give_zero_mentions(pipeline: Pipeline) -> None:
    assert mentions(pipeline, "<br><p></p><div><ul><li></li></ul></div>") == []
    assert mentions(pipeline, "\U0001f680\u2728\U0001f525 \U0001f389") == []
    assert mentions(pipeline, "<script>Python k8s</script><style>Kubernetes</style>") == []


# -- property: insert the things real postings carry at random, offsets still index the input
WORDS = ["Python", "Kubernetes", "k8s", "machine", "learning", "teamwork", "and", "with", "a",
         "résumé", "Café", "Zoë", "naïve", "the", "of"]  # fmt: skip
NOISE = ["\r\n", "\u200b", "\ufeff", "\u00ad", "\u00a0", "&amp;", "&#160;", "&nbsp;", "<b>",
         "</b>", "<br>", "<p>", "</li><li>", "\u2060"]  # fmt: skip


@st.composite
def noisy_postings(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=25))
    parts: list[str] = []
    for w in words:
        if draw(st.booleans()):
            w = unicodedata.normalize("NFD", w)
        if len(w) > 2 and draw(st.integers(0, 4)) == 0:  # noise inside a word
            k = draw(st.integers(1, len(w) - 1))
            w = w[:k] + draw(st.sampled_from(["\u200b", "\u00ad", "\ufeff", "<b>", "</b>"])) + w[k:]
        parts.append(w)
        parts.append(draw(st.sampled_from([" ", " ", "\n", *NOISE])))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy_postings())
def test_every_analysed_word_maps_onto_the_same_word_in_the_input(raw: str) -> None:
    norm = normalize(raw)
    for m in re.finditer(r"\w+", norm.text):
        a, b = norm.to_input(*m.span())
        assert 0 <= a < b <= len(raw)
        assert comparable(normalize(raw[a:b], norm.content_type).text) == m.group()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(noisy_postings())
def test_every_mention_indexes_the_input_as_received(pipeline: Pipeline, raw: str) -> None:
    if not comparable(normalize(raw).text):
        return
    ctype = normalize(raw).content_type
    for a, b, text in mentions(pipeline, raw):
        assert comparable(normalize(raw[a:b], ctype).text) == comparable(text)


class FixedLanguage:
    """A LanguageDetector that says what it is told (the real one: adapters/artifacts)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def detect(self, text: str) -> str:
        return self.code


def test_a_non_english_posting_reports_names_only_and_stores_its_language(
    pipeline: Pipeline,
) -> None:
    from dataclasses import replace

    text = "Python und k8s, machine learning und teamwork"
    (en,) = replace(pipeline, language=FixedLanguage("en")).enrich([posting("p", text)]).enrichments
    (de,) = replace(pipeline, language=FixedLanguage("de")).enrich([posting("p", text)]).enrichments
    assert en.language == "en" and de.language == "de"
    assert {"esco:py", "onet:k8s", "esco:ml"} <= {s.skill_id for s in en.skills}
    # names only: Python (a programming language), k8s (a curated alias of a tool)
    assert {s.skill_id for s in de.skills} == {"esco:py", "onet:k8s"}
    (mixed,) = (
        replace(pipeline, language=FixedLanguage("mul")).enrich([posting("p", text)]).enrichments
    )
    assert {s.skill_id for s in mixed.skills} == {s.skill_id for s in en.skills}
