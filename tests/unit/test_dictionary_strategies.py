import pytest

from domain.errors import ConfigError
from domain.models import Section
from domain.skills.ensemble import EnsembleParams, SkillExtractor, dictionary_extractor
from domain.skills.taxonomy import Alias, Taxonomy, aliases_from_config

OVERVIEW = (Section("overview", 0, 10_000),)


@pytest.fixture
def matcher(tiny_taxonomy: Taxonomy, tiny_aliases: tuple[Alias, ...]) -> SkillExtractor:
    return dictionary_extractor(
        tiny_taxonomy, tiny_aliases, params=EnsembleParams(max_text_chars=200)
    )


def extract(m: SkillExtractor, text: str, sections: tuple[Section, ...] = OVERVIEW):
    return m.extract_many([(text, sections)])[0]


def test_offsets_point_at_the_mention(matcher: SkillExtractor) -> None:
    text = "We use Python and k8s daily."
    skills = extract(matcher, text).skills
    assert [s.skill_id for s in skills] == ["esco:py", "onet:k8s"]
    for s in skills:
        for m in s.mentions:
            assert text[m.start : m.end] == m.text


def test_longest_span_wins(matcher: SkillExtractor) -> None:
    skills = extract(matcher, "Strong machine learning background").skills
    assert [s.skill_id for s in skills] == ["esco:ml"]  # not also "learning"


def test_case_sensitive_alias(matcher: SkillExtractor) -> None:
    assert [s.skill_id for s in extract(matcher, "Experience in ML.").skills] == ["esco:ml"]
    assert extract(matcher, "the ml of it").skills == ()


def test_stop_word_labels_never_match(matcher: SkillExtractor) -> None:
    # "it" is an alias of teamwork in the tiny taxonomy; stop words are not usable labels
    assert extract(matcher, "it is what it is").skills == ()


def test_strategies_merge_into_confidence(tiny_taxonomy: Taxonomy) -> None:
    m = dictionary_extractor(tiny_taxonomy, (Alias("python", "esco:py"),))
    (skill,) = extract(m, "python").skills
    assert skill.source_strategies == ("alias", "taxonomy")
    assert skill.confidence == pytest.approx(1 - 0.4 * 0.2)
    (only_tax,) = extract(m, "Kubernetes").skills
    assert only_tax.confidence == pytest.approx(0.6)


def test_mentions_carry_their_section(matcher: SkillExtractor) -> None:
    text = "Python here.\nKubernetes there."
    secs = (Section("overview", 0, 13), Section("requirements", 13, len(text)))
    skills = {s.skill_id: s for s in extract(matcher, text, secs).skills}
    assert skills["esco:py"].sections == ("overview",)
    assert skills["onet:k8s"].sections == ("requirements",)


def test_long_text_is_truncated_and_flagged(matcher: SkillExtractor) -> None:
    text = "Python " + "filler " * 100 + "Kubernetes"
    out = extract(matcher, text)
    assert out.truncated
    assert [s.skill_id for s in out.skills] == ["esco:py"]
    assert not extract(matcher, "Python").truncated


@pytest.mark.parametrize(
    "text", ["", "<div><b>Python</b></div>", "Müssen Sie Deutsch sprechen", "\x00\x01 python"]
)
def test_odd_input_does_not_crash(matcher: SkillExtractor, text: str) -> None:
    out = extract(matcher, text)
    assert all(text[m.start : m.end] == m.text for s in out.skills for m in s.mentions)


def test_aliases_from_config_resolve_names_and_ids(tiny_taxonomy: Taxonomy) -> None:
    cfg = {
        "aliases": [
            {"alias": "k8s", "skill": "Kubernetes"},
            {"alias": "py", "skill": "esco:py", "case_sensitive": True},
        ]
    }
    assert aliases_from_config(cfg, tiny_taxonomy) == (
        Alias("k8s", "onet:k8s"),
        Alias("py", "esco:py", True),
    )


@pytest.mark.parametrize(
    "cfg",
    [{"aliases": [{"alias": "x", "skill": "No Such Skill"}]}, {"aliases": [{"alias": "x"}]}, {}],
)
def test_aliases_from_config_rejects_bad_entries(tiny_taxonomy: Taxonomy, cfg: dict) -> None:
    with pytest.raises(ConfigError):
        aliases_from_config(cfg, tiny_taxonomy)


@pytest.fixture
def ambiguous_matcher() -> SkillExtractor:
    from domain.skills.taxonomy import AmbiguityRules, Skill

    tax = Taxonomy(
        [
            Skill("esco:r", "R", "knowledge"),
            Skill("esco:py", "Python (computer programming)", "knowledge", ("python",)),
            Skill("esco:access", "Microsoft Access", "knowledge", ("access",)),
            Skill("esco:learn", "learning", "knowledge"),
        ]
    )
    rules = AmbiguityRules(
        (Alias("R", "esco:r", True), Alias("Access", "esco:access", True)),
        frozenset({"programming", "microsoft"}),
        window=4,
    )
    return dictionary_extractor(tax, (), rules)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Python, R and SQL", ["esco:py", "esco:r"]),  # next to another technical skill
        ("statistical programming in R", ["esco:r"]),  # cue word
        ("We offer R and D budgets", []),  # no context
        ("Access to training for everyone", []),  # the word, not the product
        ("free access to our gym", []),  # lower case never matches
        ("Microsoft Access databases", ["esco:access"]),  # the full name
    ],
)
def test_ambiguous_forms_need_case_and_context(
    ambiguous_matcher: SkillExtractor, text: str, expected: list[str]
) -> None:
    assert [s.skill_id for s in extract(ambiguous_matcher, text).skills] == expected
