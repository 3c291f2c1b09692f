"""Concept normalization (issue #24): ranked candidates, reranking, hierarchy fallback, bad input,
the hierarchy artifact's errors, the roll-up lines."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.concept_linker import load_hierarchy
from domain.errors import ConfigError
from domain.models import ConceptCandidate, ExtractedSkill, Mention
from domain.ports import GroupCount
from domain.skills.linking import (
    GROUP,
    NONE,
    NORMALIZED,
    VECTOR,
    ConceptLinker,
    LinkerParams,
    VectorIndex,
    concept_fields,
    extra_words,
    label_rows,
    short_forms,
    unit_rows,
)
from domain.skills.rollup import group_lines
from domain.skills.taxonomy import Skill, SkillGroup, SkillHierarchy, Taxonomy

TAX = Taxonomy(
    [
        Skill("onet:sound", "Sound development software", "technology/tool"),
        Skill("onet:video", "Video development software", "technology/tool"),
        Skill("esco:algo", "algorithms", "knowledge", ("formulas",)),
        Skill("esco:maths", "mathematics", "knowledge", ("formula calculation",)),
        Skill("esco:lead", "lead others", "skill/competence"),
        Skill("esco:motivate", "motivate others", "skill/competence"),
        Skill("esco:commit", "show commitment", "transversal"),
        Skill("onet:rust", "Rust programming language", "technology/tool"),
        Skill("onet:ec2", "Amazon Elastic Compute Cloud EC2", "technology/tool"),
    ]
)
VOCAB = ["sound", "video", "develop", "software", "formula", "algorithm", "math", "calcul",
         "lead", "motiv", "commit", "other", "show", "rust"]  # fmt: skip
HIERARCHY = SkillHierarchy(
    [
        SkillGroup("S4", "management skills", 1),
        SkillGroup("S4.8", "leading and motivating", 2),
        SkillGroup("S4.8.1", "motivating others", 3),
        SkillGroup("S4.8.2", "leading others", 3),
        SkillGroup("T3", "self-management", 1, "esco:t3"),
        SkillGroup("onet-category:Multimedia software", "Multimedia software", 3),
    ],
    {
        "esco:lead": ["S4.8.2", "S4.8", "S4"],
        "esco:motivate": ["S4.8.1", "S4.8", "S4"],
        "esco:commit": ["T3"],
        "onet:sound": ["onet-category:Multimedia software"],
        "onet:video": ["onet-category:Multimedia software"],
    },
)


def toy_encoder(texts):
    """Bag of word stems: the very bag-of-words error the reranker must undo."""
    out = np.zeros((len(texts), len(VOCAB)), dtype=np.float32)
    for i, t in enumerate(texts):
        for j, stem in enumerate(VOCAB):
            out[i, j] = t.lower().count(stem)
    return unit_rows(out)


def linker(**params) -> ConceptLinker:
    rows = label_rows(TAX)
    index = VectorIndex(
        toy_encoder, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    )
    base = {"threshold": 0.8, "k": 3, "pool": 6}
    return ConceptLinker(TAX, (), frozenset(), index, LinkerParams(**{**base, **params}),
                         hierarchy=HIERARCHY)  # fmt: skip


def test_every_link_carries_ranked_kind_consistent_candidates() -> None:
    (link,) = linker(threshold=0.99).link_many([("software development", "KNOWLEDGE")])
    ids = [c.skill_id for c in link.candidates]
    assert 1 <= len(ids) <= 3 and len(set(ids)) == len(ids)
    assert set(ids) <= {"onet:sound", "onet:video", "esco:algo", "esco:maths", "onet:rust",
                        "onet:ec2"}  # fmt: skip
    scores = [c.score for c in link.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(c.source == VECTOR and c.label == TAX.get(c.skill_id).name for c in link.candidates)


def test_a_symbolic_link_leads_its_candidates() -> None:
    (link,) = linker().link_many([("Rust", "KNOWLEDGE")])
    assert (link.skill_id, link.method, link.level) == ("onet:rust", NORMALIZED, "concept")
    assert link.candidates[0] == ConceptCandidate(
        "onet:rust", "Rust programming language", 0.95, NORMALIZED
    )
    assert [c.skill_id for c in link.candidates].count("onet:rust") == 1


def test_software_development_is_not_sound_development_software() -> None:
    """The bag-of-words error of issue #24: {software, development} sits next to {sound,
    development, software}; the label's extra word 'sound' must cost it the link."""
    bag = linker(extra_penalty=0.0).link_many([("software development", "KNOWLEDGE")])[0]
    assert bag.skill_id in ("onet:sound", "onet:video")  # what the vectors alone do
    (link,) = linker(extra_penalty=0.1).link_many([("software development", "KNOWLEDGE")])
    assert link.skill_id is None
    assert {"onet:sound", "onet:video"} <= {c.skill_id for c in link.candidates}


def test_formulas_never_names_algorithms_by_a_weak_one_word_label() -> None:
    loose = linker(weak_vector_links=True).link_many([("formulas", "KNOWLEDGE")])[0]
    assert loose.skill_id == "esco:algo"  # as up to 2026.11.8
    (link,) = linker(weak_vector_links=False).link_many([("formulas", "KNOWLEDGE")])
    assert link.skill_id != "esco:algo"
    assert "esco:algo" in {c.skill_id for c in link.candidates}  # still a candidate


@pytest.mark.parametrize(
    ("mention", "label", "share"),
    [
        ("software development", "Sound development software", 1.0),  # 'sound' of 'sound'
        ("web development", "web design", 0.5),
        ("formulas", "algorithms", 1.0),
        ("developing software", "develop software", 0.0),
        ("automation", "automation technology", 0.0),  # a generic head word is not extra
        ("project management", "perform project management", 0.0),
        ("", "", 0.0),
    ],
)
def test_extra_words_share(mention: str, label: str, share: float) -> None:
    assert extra_words(mention, label) == pytest.approx(share)


def test_no_concept_at_the_threshold_falls_back_to_the_group_the_candidates_share() -> None:
    lk = linker(threshold=0.99, group_top=3, group_min=0.3, group_share=0.6)
    (link,) = lk.link_many([("leading and motivating others", "SKILL")])
    assert (link.skill_id, link.method) == (None, GROUP)
    # lead others (S4.8.2) and motivate others (S4.8.1) disagree at level 3, agree at 2
    assert link.group == HIERARCHY.groups["S4.8"] and link.level == "group:2"
    assert 0.5 <= link.score <= 1.0
    off = linker(threshold=0.99, group_top=0).link_many(
        [("leading and motivating others", "SKILL")]
    )
    assert (off[0].level, off[0].method) == ("none", NONE)


def test_group_levels_set_which_level_the_vote_tries_first() -> None:
    lk = linker(threshold=0.99, group_top=3, group_min=0.3, group_share=0.3, group_levels="1,2,3")
    (link,) = lk.link_many([("leading and motivating others", "SKILL")])
    assert (link.group, link.level) == (HIERARCHY.groups["S4"], "group:1")


def test_no_group_from_candidates_below_group_min() -> None:
    lk = linker(threshold=0.99, group_top=3, group_min=0.99, group_share=0.3)
    (link,) = lk.link_many([("leading and motivating others", "SKILL")])
    assert (link.group, link.level, link.method) == (None, "none", NONE)
    assert link.candidates  # the candidates stay for a consumer to re-threshold


@pytest.mark.parametrize(
    "text",
    ["", " ", "x", "a" * 300, "lead " * 60, "软件开发", "разработка программного обеспечения",
     "تطوير البرمجيات", "\u200b\u200b", "🚀"],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["SKILL", "KNOWLEDGE", None])
def test_bad_mentions_get_a_defined_link_never_an_error(text: str, kind: str | None) -> None:
    lk = linker(group_top=3, group_min=0.3, group_share=0.3)
    (link,) = lk.link_many([(text, kind)], [text])
    assert link.level in ("concept", "none") or link.level.startswith("group:")
    assert len(link.candidates) <= 3 and 0.0 <= link.score <= 1.0
    if len(text.strip()) < 2 or len(text) > 120:  # too short, or a sentence: never a vector link
        assert link.method != VECTOR


def test_short_forms_for_vendor_acronyms_and_languages() -> None:
    assert ("amazon ec2", False) in short_forms("Amazon Elastic Compute Cloud EC2")
    assert ("amazon s3", False) in short_forms("Amazon Simple Storage Service S3")
    assert ("Rust", True) in short_forms("Rust programming language")
    lk = linker()
    assert lk.link_many([("Amazon EC2", "KNOWLEDGE")])[0].skill_id == "onet:ec2"
    symbolic = ConceptLinker(TAX, (), frozenset(), None, LinkerParams())
    assert symbolic.link_many([("Rust", "KNOWLEDGE")])[0].skill_id == "onet:rust"
    assert symbolic.link_many([("rust", "KNOWLEDGE")])[0].skill_id is None  # corrosion


def test_params_are_checked() -> None:
    assert LinkerParams.from_config({"k": 5, "pool": 30, "weak_vector_links": False}).k == 5
    for bad in ({"k": 0}, {"k": 9, "pool": 5}, {"context_weight": 1.0}, {"nope": 1},
                {"weak_vector_links": "no"}, {"group_levels": "3,2"}, {"group_levels": "a"}):  # fmt: skip
        with pytest.raises(ConfigError):
            LinkerParams.from_config(bad)


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return path


def test_hierarchy_file_loads_and_unknown_concepts_have_no_group(tmp_path: Path) -> None:
    h = load_hierarchy(_write(tmp_path / "g.jsonl.gz", [
        {"group": "S4", "name": "management", "level": 1, "ref": "esco:s4"},
        {"group": "S4.8", "name": "leading", "level": 2},
        {"skill_id": "esco:lead", "groups": ["S4.8", "S4"]},
    ]))  # fmt: skip
    assert [g.code for g in h.of("esco:lead")] == ["S4.8", "S4"]
    assert h.nearest("esco:removed") is None and h.of("esco:removed") == ()
    assert h.by_ref["esco:s4"].name == "management"


# mtime=0 and named ids: the same bytes and test ids in every process (pytest-xdist compares them)
@pytest.mark.parametrize(
    "content",
    [
        None,  # missing
        b"",  # empty file: not gzip
        b"not gzip at all",
        gzip.compress(b'{"group": "S4"\n', mtime=0),  # broken JSON
        gzip.compress(b'{"what": 1}\n', mtime=0),  # neither a group nor a skill
        gzip.compress(b'{"skill_id": "esco:x", "groups": ["S9"]}\n', mtime=0),  # unknown group
        gzip.compress(b"\n", mtime=0),  # no group at all
        gzip.compress(b'{"group": "S4", "name": "m", "level": 1}\n', mtime=0)[:-8],  # truncated
    ],
    ids=[
        "missing",
        "empty",
        "not-gzip",
        "broken-json",
        "no-group-or-skill",
        "unknown-group",
        "no-group",
        "truncated",
    ],
)
def test_missing_or_corrupt_hierarchy_names_the_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "skill_groups.jsonl.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"skill_groups\.jsonl\.gz"):
        load_hierarchy(path)


def test_the_committed_hierarchy_places_every_esco_skill_it_can() -> None:
    root = Path(__file__).resolve().parents[2]
    h = load_hierarchy(root / "config" / "taxonomy" / "skill_groups.jsonl.gz")
    assert {g.level for g in h.groups.values()} == {1, 2, 3}
    python = "esco:ccd0a1d9-afda-43d9-b901-96344886e14d"  # Python (computer programming)
    assert [g.level for g in h.of(python)] == sorted((g.level for g in h.of(python)), reverse=True)


def test_extract_fields_and_summary_lines() -> None:
    s = ExtractedSkill("span:skill:motivated", "motivated", "skill/competence", 0.7, ("transformer",),
                       (Mention(0, 9, "motivated", "requirements", "transformer"),),
                       link_score=0.6, link_method=GROUP,
                       candidates=(ConceptCandidate("esco:commit", "show commitment", 0.67, VECTOR),),
                       link_level="group:1", group_id="T3", group_name="self-management")  # fmt: skip
    assert concept_fields(s) == {
        "link_level": "group:1", "group_id": "T3", "group_name": "self-management",
        "candidates": [{"skill_id": "esco:commit", "name": "show commitment", "score": 0.67,
                        "source": "vector"}],
    }  # fmt: skip
    assert ExtractedSkill.from_dict(s.to_dict()) == s
    lines = group_lines([GroupCount("S5.1", "programming computer systems", 12, 30)])
    assert len(lines) == 2 and "S5.1" in lines[1] and "12" in lines[1] and "30" in lines[1]
    assert "none" in group_lines([])[0]
    long = "onet-category:Development environment software"  # printed whole, not cut at 34
    assert long in group_lines([GroupCount(long, "Development environment software", 3, 4)])[1]


# The wrong links among the 100 most frequent on the samples, judged by hand (issue #24;
# config/eval/sample_top_links_judged.jsonl): (mention, the concept it must not link to).
JUDGED_WRONG = [
    ("software development", "onet:sound-development-software"),
    ("formulas", "esco:54924a2c-daca-40d3-9716-4b38ceb04f38"),  # algorithms
    ("engineering", "esco:b8ac179c-4a29-4467-9177-031daf1321d6"),  # packaging engineering
    ("scripting", "esco:b105ec9b-0857-41d6-8d07-a83e58b73d90"),  # ICT system programming
    ("design", "esco:c624c6a3-b0ba-4a31-a296-0d433fe47e41"),  # think creatively
    ("oracle", "esco:ab1e97ed-2319-4293-a8b7-072d2648822f"),  # database management systems
    ("security", "esco:749ce4c2-4dfd-461a-a8f3-0f6914814d3e"),  # securities
    ("artificial intelligence", "onet:artificial-intelligence-software"),
    ("biochemistry", "esco:3f24c61e-8dbd-4a42-baa5-38d8399a2e37"),  # clinical biochemistry
    ("design patterns", "esco:86ed2a45-eae9-4ab7-b0e6-d7508d33df4f"),  # dies
    ("jms", "esco:6709e92c-7546-46a4-aa57-5e951bd4cb0f"),  # building automation
    ("vue", "onet:e-on-vue"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "wrong"), JUDGED_WRONG)
def test_judged_wrong_sample_links_stay_fixed(real_pipeline, text: str, wrong: str) -> None:
    lk = real_pipeline.extractor.linker
    assert lk is not None and lk.hierarchy is not None
    for form in (text, text.title(), text.upper()):
        for kind in ("SKILL", "KNOWLEDGE"):
            (link,) = lk.link_many([(form, kind)], [f"Experience with {form} is a plus."])
            assert link.skill_id != wrong, (form, kind, link)


@pytest.mark.slow
def test_the_product_links_named_products_and_places_traits(real_pipeline) -> None:
    lk = real_pipeline.extractor.linker
    found = lk.link_many([("Amazon EC2", "KNOWLEDGE"), ("Amazon S3", "KNOWLEDGE"),
                          ("Rust", "KNOWLEDGE"), ("motivated", "SKILL")])  # fmt: skip
    assert [f.skill_id for f in found[:3]] == [
        "onet:amazon-elastic-compute-cloud-ec2",
        "onet:amazon-simple-storage-service-s3",
        "onet:rust-programming-language",
    ]
    assert found[3].skill_id is None and found[3].level.startswith("group:")  # a trait: a group


def test_worker_start_fails_naming_a_missing_hierarchy_before_loading_vectors(
    tmp_path: Path,
) -> None:
    from adapters.artifacts.concept_linker import build_linker
    from adapters.artifacts.config_files import linker_hierarchy_path, load_config

    root = Path(__file__).resolve().parents[2]
    cfg = load_config(root)
    assert linker_hierarchy_path(cfg) == root / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    missing = tmp_path / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    with pytest.raises(ConfigError, match=r"skill hierarchy missing: .*skill_groups"):
        build_linker(tmp_path / "no-vectors", TAX, (), frozenset(), LinkerParams(), missing)


def test_a_taxonomy_update_removing_a_concept_is_a_new_version_so_drift_picks_rows_up(
    tmp_path: Path,
) -> None:
    """Rows keep reading (the stores never look concepts up: the contract suite reads a row
    whose concept is gone); the update itself changes the effective version, so every posting
    enriched before is drift and gets re-enriched."""
    import shutil

    from adapters.artifacts.config_files import load_config

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "config", tmp_path / "config")
    before = load_config(tmp_path).manifest.effective
    groups = tmp_path / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    rows = gzip.decompress(groups.read_bytes()).decode().splitlines()
    kept = [r for r in rows if "esco:ccd0a1d9-afda-43d9-b901-96344886e14d" not in r]
    assert len(kept) == len(rows) - 1
    groups.write_bytes(gzip.compress(("\n".join(kept) + "\n").encode(), mtime=0))
    assert load_config(tmp_path).manifest.effective != before


@pytest.mark.parametrize("m", [1, 5, 20])
def test_top_columns_finds_the_same_best_as_a_full_sort(m: int) -> None:
    from domain.skills.linking import TOP_WIDTH, top_columns

    rng = np.random.default_rng(0)
    sims = rng.standard_normal((7, TOP_WIDTH * 100)).astype(np.float32)
    got = np.sort(top_columns(sims, m), axis=1)
    want = np.sort(np.argsort(-sims, axis=1, kind="stable")[:, :m], axis=1)
    assert (got == want).all()
