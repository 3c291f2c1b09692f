"""A mention never starts or ends with a conjunction or a list mark, and two neighbouring
mentions that together are one name of their skill are one mention (domain/skills/edges.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import spacy

from domain.models import Section
from domain.pipeline import Pipeline
from domain.skills.edges import neighbour_runs, trim_joiners
from domain.skills.ensemble import SkillExtractor
from domain.skills.strategies import SPAN_MODEL, Candidate
from domain.skills.taxonomy import Skill, Taxonomy
from domain.skills.transformer_spans import TransformerSpanStrategy
from domain.text.normalize import comparable, normalize
from tests.conftest import posting

NLP = spacy.blank("en")


def _trimmed(text: str) -> str:
    doc = NLP(text)
    start, end = trim_joiners(doc, 0, len(doc))
    return doc[start:end].text


@pytest.mark.parametrize(
    ("span", "kept"),
    [
        ("Spark and", "Spark"),
        ("and Airflow", "Airflow"),
        ("SQL or", "SQL"),
        ("Docker &", "Docker"),
        ("as well as Docker", "Docker"),
        ("Kubernetes as well as", "Kubernetes"),
        ("Python ,", "Python"),
        ("/ Go", "Go"),
        ("Excel und", "Excel"),
        ("et SAP", "SAP"),
        ("Python y", "Python"),
        ("research and development", "research and development"),
        ("Research & Development", "Research & Development"),
        ("and or", ""),
    ],
)
def test_span_edges_lose_their_joiners_and_keep_inner_ones(span: str, kept: str) -> None:
    assert _trimmed(span) == kept


class SpanTagger:
    """Tags "Spark and" (words 3-4 of the line) as one KNOWLEDGE span, the way the shipped
    tagger reads "Apache Spark and Airflow"."""

    def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
        out = []
        for words in lines:
            tags = ["O"] * len(words)
            for k in range(len(words) - 1):
                if (words[k], words[k + 1]) == ("Spark", "and"):
                    tags[k], tags[k + 1] = "B-KNOWLEDGE", "I-KNOWLEDGE"
            out.append(tags)
        return out


def test_transformer_span_is_trimmed_before_it_is_linked() -> None:
    text = "Experience with Apache Spark and Airflow"
    doc = NLP(text)
    asked: list[str] = []

    def link(s: str) -> str | None:
        asked.append(s)
        return "onet:apache-spark" if s == "Spark" else None

    (cands,) = TransformerSpanStrategy(SpanTagger(), None, link).find_many([doc], [text])
    assert [(doc[c.start : c.end].text, c.skill_id) for c in cands] == [
        ("Spark", "onet:apache-spark")
    ]
    assert asked == ["Spark"]


@pytest.mark.parametrize(
    ("text", "names", "runs"),
    [
        ("Apache Spark", True, [[0, 1]]),
        ("Apache  Spark", True, [[0, 1]]),
        ("Apache\nSpark", True, [[0], [1]]),  # a line break ends a run
        ("Apache, Spark", True, [[0], [1]]),  # a mark between: two mentions
        ("Apache Spark", False, [[0], [1]]),  # the joined text is not a name of the skill
    ],
)
def test_neighbours_with_one_skill_join_only_when_they_are_one_name(
    text: str, names: bool, runs: list[list[int]]
) -> None:
    doc = NLP(text)
    spans = [(0, 1), (len(doc) - 1, len(doc))]
    assert neighbour_runs(doc, spans, lambda a, b: names) == runs


class EachWord:
    """A span model that tags "Apache" and "Spark" each on its own, linked to Apache Spark."""

    name = SPAN_MODEL

    def find(self, doc: spacy.tokens.Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        return [
            Candidate(t.i, t.i + 1, SPAN_MODEL, "onet:spark", "KNOWLEDGE")
            for t in doc
            if t.text in ("Apache", "Spark")
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Experience with Apache Spark.", ["Apache Spark"]),
        ("Experience with Spark Apache.", ["Spark", "Apache"]),  # not a name of the skill
        ("Experience with Apache\nSpark.", ["Apache", "Spark"]),
    ],
)
def test_extractor_joins_a_name_the_model_split_in_two_at_exact_offsets(
    text: str, expected: list[str]
) -> None:
    tax = Taxonomy([Skill("onet:spark", "Apache Spark", "technology/tool", ("spark",))])
    ex = SkillExtractor(NLP, tax, [EachWord()])
    (out,) = ex.extract_many([(text, (Section("overview", 0, len(text)),))])
    (skill,) = out.skills
    assert [m.text for m in skill.mentions] == expected
    assert all(text[m.start : m.end] == m.text for m in skill.mentions)


@pytest.mark.parametrize(
    "text",
    [
        "Requirements:\nExperience with Apache Spark and Airflow.\n",
        "## Requirements\n\n- Experience with Apache Spark and Airflow\n",
        "<h2>Requirements</h2><ul><li>Experience with Apache Spark and Airflow</li></ul>",
    ],
    ids=["plain", "markdown", "html"],
)
def test_apache_spark_and_airflow_is_one_mention_each_at_input_offsets(
    real_pipeline: Pipeline, text: str
) -> None:
    (e,) = real_pipeline.enrich([posting("p", text)]).enrichments
    hits = sorted((m.start, text[m.start : m.end], s.name) for s in e.skills for m in s.mentions)
    spark = [(h[1], h[2]) for h in hits if h[2] == "Apache Spark"]
    assert spark == [("Apache Spark", "Apache Spark")], hits
    for s in e.skills:
        for m in s.mentions:
            assert comparable(normalize(text[m.start : m.end]).text) == comparable(m.text)
            assert not m.text.lower().endswith((" and", " or")), hits
