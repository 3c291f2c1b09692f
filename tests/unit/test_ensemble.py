"""The skill ensemble: context patterns, the gated span strategy, merging, confidence, statistics."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.language import Language

from domain.errors import ConfigError
from domain.models import Section
from domain.skills.ensemble import EnsembleParams, SkillExtractor
from domain.skills.span_model import LineGate, SpanModelStrategy, kept_lines, lines_of
from domain.skills.strategies import (
    AliasStrategy,
    ContextParams,
    ContextPatternStrategy,
    TaxonomyStrategy,
)
from domain.skills.taxonomy import Alias, AmbiguityRules, ExactLinker, Skill, Taxonomy

OVERVIEW = (Section("overview", 0, 100_000),)
TAX = Taxonomy(
    [
        Skill("esco:py", "Python (computer programming)", "knowledge", ("python",)),
        Skill("onet:k8s", "Kubernetes", "technology/tool"),
        Skill("esco:r", "R", "knowledge"),
        Skill("esco:team", "work in teams", "transversal"),
        Skill("esco:pack", "packaging engineering", "knowledge", ("engineering",)),
        # ESCO lists "project management" as an alternative label of project commissioning too
        Skill("esco:commission", "project commissioning", "knowledge", ("project management",)),
        Skill("esco:pm", "project management", "knowledge"),
    ]
)
ALIASES = (Alias("k8s", "onet:k8s"),)
AMBIGUITY = AmbiguityRules((Alias("R", "esco:r", True),), frozenset({"statistics"}), window=3)


def ruler_model() -> Language:
    """A real spaCy pipeline whose 'model' is an entity ruler: deterministic spans to test with."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "KNOWLEDGE", "pattern": [{"LOWER": "python"}]},
            {"label": "KNOWLEDGE", "pattern": [{"LOWER": "engineering"}]},
            {"label": "KNOWLEDGE", "pattern": [{"LOWER": "data"}, {"LOWER": "pipelines"}]},
            {"label": "SKILL", "pattern": [{"LOWER": "work"}, {"LOWER": "in"}, {"LOWER": "teams"}]},
            {
                "label": "SKILL",
                "pattern": [{"LOWER": "build"}, {"LOWER": "python"}, {"LOWER": "tools"}],
            },
        ]
    )
    return nlp


def extractor(
    strategies: tuple[str, ...] = ("taxonomy", "alias", "context", "span_model"),
    gate: LineGate | None = None,
    **params: object,
) -> SkillExtractor:
    nlp = ruler_model()
    built = {
        "taxonomy": TaxonomyStrategy(nlp.vocab, nlp.tokenizer, TAX, AMBIGUITY.lowered),
        "alias": AliasStrategy(nlp.vocab, nlp.tokenizer, ALIASES, AMBIGUITY),
        "context": ContextPatternStrategy(nlp.vocab, nlp.tokenizer, ContextParams()),
        "span_model": SpanModelStrategy(nlp, gate, ExactLinker(TAX, ALIASES, AMBIGUITY.lowered)),
    }
    return SkillExtractor(
        nlp,
        TAX,
        [built[s] for s in strategies],
        AMBIGUITY,
        EnsembleParams(**params),  # type: ignore[arg-type]
    )


def mentions(ex: SkillExtractor, text: str) -> list[tuple[str, str, str, str]]:
    (out,) = ex.extract_many([(text, OVERVIEW)])
    rows = [
        (m.text, s.skill_id, s.category, "+".join(s.source_strategies))
        for s in out.skills
        for m in s.mentions
    ]
    for s in out.skills:
        for m in s.mentions:
            assert text[m.start : m.end] == m.text
    return sorted(rows)


def test_context_patterns_take_the_phrase_after_the_cue() -> None:
    ex = extractor(("context",))
    got = mentions(ex, "Experience with the Spark platform, and ability to mentor junior staff.")
    assert got == [
        ("Spark platform", "span:knowledge:spark platform", "knowledge", "context"),
        ("mentor junior staff", "span:skill:mentor junior staff", "skill/competence", "context"),
    ]
    assert mentions(ex, "You need experience with") == []  # cue at the end: nothing after it


def test_context_span_stops_at_clause_boundaries_and_max_tokens() -> None:
    nlp = spacy.blank("en")
    ctx = ContextPatternStrategy(nlp.vocab, nlp.tokenizer, ContextParams(max_tokens=3))
    doc = nlp("knowledge of alpha beta gamma delta\nknowledge of SQL or NoSQL")
    spans = [doc[c.start : c.end].text for c in ctx.find(doc, OVERVIEW)]
    assert spans == ["alpha beta gamma", "SQL"]


def test_overlapping_spans_merge_into_one_mention_with_every_strategy() -> None:
    ex = extractor()
    got = mentions(ex, "Strong Python skills.")
    assert got == [("Python", "esco:py", "knowledge", "alias+span_model+taxonomy")] or got == [
        ("Python", "esco:py", "knowledge", "span_model+taxonomy")
    ]


def test_model_boundaries_win_and_kind_contradicting_links_are_refused() -> None:
    ex = extractor()
    got = mentions(ex, "You build python tools and data pipelines.")
    # the model's SKILL span contains the taxonomy's knowledge "python": one mention, not linked
    # to Python (a SKILL is not a programming language), typed by the model
    assert ("build python tools", "span:skill:build python tools", "skill/competence",
            "span_model+taxonomy") in got  # fmt: skip
    assert ("data pipelines", "span:knowledge:data pipelines", "knowledge", "span_model") in got
    assert len(got) == 2


def test_model_span_links_to_the_taxonomy_by_exact_name() -> None:
    got = mentions(extractor(("span_model",)), "Must work in teams.")
    assert got == [("work in teams", "esco:team", "transversal", "span_model")]


def test_a_preferred_name_wins_over_another_concepts_alternative_label() -> None:
    # what a span model's span is linked by
    linker = ExactLinker(TAX, ALIASES, AMBIGUITY.lowered)
    assert linker("Project Management") == "esco:pm"
    assert linker("project commissioning") == "esco:commission"
    # the taxonomy strategy finds both concepts on the same span; the ensemble names the one
    # whose preferred name it is
    got = mentions(
        extractor(("taxonomy",), min_confidence=0.1),
        "Knowledge of project management and of project commissioning.",
    )
    assert [(t, sid) for t, sid, _, _ in got] == [
        ("project commissioning", "esco:commission"),
        ("project management", "esco:pm"),
    ]


def test_confidence_is_a_weighted_noisy_or_and_min_confidence_filters() -> None:
    weights = {"taxonomy": 0.2, "alias": 0.5, "context": 0.4, "span_model": 0.6}
    ex = extractor(weights=weights)
    (out,) = ex.extract_many([("Python and Kubernetes", OVERVIEW)])
    conf = {s.skill_id: s.confidence for s in out.skills}
    assert conf["esco:py"] == pytest.approx(1 - 0.8 * 0.4)  # taxonomy + model
    assert conf["onet:k8s"] == pytest.approx(0.2)  # taxonomy only
    strict = extractor(weights=weights, min_confidence=0.3)
    (out,) = strict.extract_many([("Python and Kubernetes", OVERVIEW)])
    assert [s.skill_id for s in out.skills] == ["esco:py"]


def test_alias_resolution_statistics() -> None:
    ex = extractor(("taxonomy", "alias"))
    (out,) = ex.extract_many([("R and D budgets. Statistics in R, k8s clusters", OVERVIEW)])
    stats = out.stats["alias_resolution"]
    assert stats == {
        "alias_matches": 2,  # k8s + the R next to "statistics"
        "ambiguous_kept": 1,
        "ambiguous_dropped": 1,
        "forms": {"R:dropped": 1, "R:kept": 1},
    }
    assert out.stats["candidates"] == {"alias": 2}
    assert [s.skill_id for s in out.skills] == ["esco:r", "onet:k8s"]


def test_lines_of_skips_blank_lines() -> None:
    nlp = spacy.blank("en")
    doc = nlp("first line\n\n  \nsecond line here\nlast")
    assert [doc[a:b].text for a, b in lines_of(doc)] == ["first line", "second line here", "last"]
    assert lines_of(nlp("")) == []


def test_gate_sends_only_kept_lines_to_the_model_and_maps_offsets_back() -> None:
    n = 2**10
    vec = LineGate.vectorizer(n)
    coef = np.zeros(n, dtype=np.float32)
    coef[vec.transform(["requirements"]).indices] = 10.0  # lines mentioning it score high
    gate = LineGate(coef, intercept=-2.0, threshold=0.5, n_features=n)
    ex = extractor(("span_model",), gate=gate)
    text = "We use Python daily.\nRequirements: Python and data pipelines.\nPython again."
    got = mentions(ex, text)
    assert [g[0] for g in got] == ["Python", "data pipelines"]
    (out,) = ex.extract_many([(text, OVERVIEW)])
    (py,) = [s for s in out.skills if s.skill_id == "esco:py"]
    assert [m.start for m in py.mentions] == [text.index("Python", 21)]


@pytest.mark.parametrize(
    ("text", "truncated"),
    [
        ("", False),
        ("<ul><li>Python</li><li>work in teams</li></ul>", False),
        ("Wir suchen Erfahrung mit Datenbanken und Teamarbeit.", False),
        ("\x00\x01\x1b[31m python \u200b\ufeff", False),
        ("Python " * 200_000, True),  # 1.4 MB: only the head is read, and the row says so
    ],
)
def test_bad_input_has_a_defined_outcome(text: str, truncated: bool) -> None:
    ex = extractor(max_text_chars=100_000)
    (out,) = ex.extract_many([(text, OVERVIEW)])
    assert out.truncated is truncated
    for s in out.skills:
        assert 0.0 <= s.confidence <= 1.0
        for m in s.mentions:
            assert m.end <= 100_000 and text[m.start : m.end] == m.text


def test_a_weak_one_word_label_finds_but_never_names_a_skill() -> None:
    # ESCO lists "engineering" as an alternative label of *packaging engineering*
    got = mentions(extractor(), "A strong engineering background.")
    assert got == [
        ("engineering", "span:knowledge:engineering", "knowledge", "span_model+taxonomy")
    ]
    assert ExactLinker(TAX)("engineering") is None
    assert ExactLinker(TAX)("python") == "esco:py"  # the name without its qualifier is strong


def test_section_relevance_scales_confidence_and_skipped_sections_are_not_read() -> None:
    text = (
        "Requirements\nPython and data pipelines\nBenefits\nPython lunches\nAbout us\nwork in teams"
    )
    secs = (
        Section("requirements", 0, 38),
        Section("benefits", 38, 62),
        Section("company", 62, len(text)),
    )
    plain = extractor(("span_model",), weights={"span_model": 0.7})
    (before,) = plain.extract_many([(text, secs)])
    assert {m.section for s in before.skills for m in s.mentions} == {
        "requirements", "benefits", "company",
    }  # fmt: skip
    weighted = extractor(
        ("span_model",),
        weights={"span_model": 0.7},
        min_confidence=0.4,
        section_relevance={"company": 0.5},
        skip_sections=frozenset({"benefits"}),
    )
    (after,) = weighted.extract_many([(text, secs)])
    found = {(m.text, m.section): s for s in after.skills for m in s.mentions}
    assert set(found) == {("Python", "requirements"), ("data pipelines", "requirements")}
    py = found[("Python", "requirements")]
    assert (py.section, py.section_relevance, py.confidence) == ("requirements", 1.0, 0.7)
    # company at 0.5: 0.7 * 0.5 = 0.35 < min_confidence; kept when the floor is lower
    low = extractor(("span_model",), weights={"span_model": 0.7}, min_confidence=0.3,
                    section_relevance={"company": 0.5})  # fmt: skip
    (kept,) = low.extract_many([(text, secs)])
    team = next(s for s in kept.skills if s.mentions[0].text == "work in teams")
    assert (team.section, team.section_relevance, team.confidence) == ("company", 0.5, 0.35)


def test_span_models_skip_lines_in_skipped_ranges() -> None:
    nlp = spacy.blank("en")
    text = "Python here\nskip me\n\nand this\nkeep me"
    doc = nlp(text)
    all_lines = lines_of(doc)
    start = text.index("skip me")
    kept = kept_lines([doc], [text], None, [[(start, text.index("keep me"))]])[0]
    texts = [doc[a:b].text for a, b in kept]
    assert texts == ["Python here", "keep me"] and len(all_lines) == 4
    assert kept_lines([doc], [text], None, [[]])[0] == all_lines


def test_section_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="unknown section labels"):
        EnsembleParams.from_config({"skip_sections": ["perks"]})
    with pytest.raises(ConfigError, match="section_relevance"):
        EnsembleParams.from_config({"section_relevance": {"company": 2}})
    p = EnsembleParams.from_config(
        {"section_relevance": {"company": 0.5}, "skip_sections": ["legal"]}
    )
    assert (p.relevance("company"), p.relevance("legal"), p.relevance("requirements")) == (
        0.5,
        0.0,
        1.0,
    )


def test_the_analysed_part_of_a_long_text_ends_between_words() -> None:
    from domain.skills.ensemble import analysed_part

    text = "We use Python and SQL daily"
    assert analysed_part(text, 100) == text  # short: whole
    assert analysed_part(text, 20) == "We use Python and"  # "SQL" would be cut to "SQ"
    assert analysed_part(text, 21) == "We use Python and SQL"  # the cap falls on a space
    assert analysed_part("x" * 50, 20) == "x" * 20  # no space in reach: a hard cut
    assert analysed_part("a\tbcdefgh", 5) == "a"  # any whitespace
