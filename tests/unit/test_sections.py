import itertools

import pytest
import yaml

from domain.errors import ConfigError
from domain.sections.header_rules import HeaderRules, section_at
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def rules() -> HeaderRules:
    cfg = yaml.safe_load((ROOT / "config" / "section_patterns.yaml").read_text())
    return HeaderRules.from_config(cfg)


TEXT = (
    "Senior Data Engineer\n"
    "We build data platforms.\n"
    "Your responsibilities:\n"
    "Build pipelines in Python.\n"
    "Requirements\n"
    "3+ years of SQL.\n"
    "Good communication skills\n"
    "Nice to have\n"
    "Kubernetes.\n"
    "What we offer\n"
    "Remote work."
)


def test_classify_splits_on_headers(rules: HeaderRules) -> None:
    secs = rules.classify(TEXT)
    assert [s.kind for s in secs] == [
        "overview",
        "responsibilities",
        "requirements",
        "preferred",
        "benefits",
    ]
    # a body line that merely mentions "skills" is not a header
    req = secs[2]
    assert "Good communication skills" in TEXT[req.start : req.end]


def test_classify_covers_text_contiguously(rules: HeaderRules) -> None:
    secs = rules.classify(TEXT)
    assert secs[0].start == 0 and secs[-1].end == len(TEXT)
    for a, b in itertools.pairwise(secs):
        assert a.end == b.start


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Job description:", "responsibilities"),
        ("What you'll do", "responsibilities"),
        ("Who we are looking for", "requirements"),
        ("Skills & Requirements", "requirements"),
        ("* Basic Qualifications:", "requirements"),
        ("Job benefits:", "benefits"),
        ("About <ORGANIZATION>", "company"),
        ("Date posted: 2021-07-14", "other"),
        ("We are looking for a strong engineer with five years of experience.", None),
        ("Python", None),
    ],
)
def test_header_kind(rules: HeaderRules, line: str, kind: str | None) -> None:
    assert rules.header_kind(line) == kind


def test_headerless_text_is_one_overview(rules: HeaderRules) -> None:
    secs = rules.classify("Just a paragraph about Python.")
    assert [(s.kind, s.start, s.end) for s in secs] == [("overview", 0, 30)]
    assert section_at(secs, 5) == "overview"


def test_bad_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        HeaderRules.from_config({"kinds": {"x": ["("]}, "metadata_keys": []})
