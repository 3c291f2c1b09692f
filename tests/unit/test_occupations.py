"""Occupation coding: title normalization, the committed coder, bad titles, the artifact's errors."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.occupations import load_coder
from domain.errors import ConfigError
from domain.occupations.coder import OccupationCoder, TitleCentroids
from domain.occupations.evaluate import is_dev, is_held_out, topk_accuracy
from domain.occupations.titles import normalize_title, posting_title

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "occupations"
VECTORS = ROOT / "config" / "models" / "concept_vectors"


@pytest.fixture(scope="module")
def coder() -> OccupationCoder:
    return load_coder(ARTIFACT, VECTORS)


@pytest.mark.parametrize(
    ("raw", "text", "seniority"),
    [
        ("Senior Backend Engineer (m/f/d) – Python", "back end engineer", "senior"),
        ("Full-Stack Engineer ( f/m/d )", "full stack engineer", None),
        ("Sr. RN, Nights, $5k bonus", "registered nurse", "senior"),
        ("Softwareentwickler*in (m/w/d)", "softwareentwickler", None),
        ("Data Scientist - London", "data scientist", None),
        ("Registered Nurse in Boston, MA", "registered nurse", None),
        ("Staff Software Engineer II", "software engineer", "senior"),
        ("Full-time | Warehouse Associate", "warehouse associate", None),
        ("Lead Developer @ Acme", "developer", "lead"),
        ("Junior Accountant (all genders) £28,000 per annum", "accountant", "junior"),
        ("Staff Nurse", "staff nurse", None),
        ("Senior QA Engineer ( m/f/d ) <ORGANIZATION>", "quality assurance engineer", "senior"),
    ],
)
def test_titles_are_matched_without_gender_pay_place_or_seniority(
    raw: str, text: str, seniority: str | None
) -> None:
    n = normalize_title(raw)
    assert (n.text, n.seniority) == (text, seniority)


def test_a_sentence_title_is_cut_to_the_role_it_names() -> None:
    n = normalize_title(
        "We are looking for a passionate registered nurse to join our friendly team in Leeds today"
    )
    assert n.sentence and n.text == "registered nurse"  # praise words skipped (v4)


@pytest.mark.parametrize("raw", ["$1" * 60_000, "<" * 100_000, "(m/" * 50_000])
def test_only_a_titles_first_characters_are_read(raw: str) -> None:
    # these took 22 s, 3.6 s and 0.1 s of regex backtracking before the cut
    assert len(normalize_title(raw).text) <= 300
    assert "nurse" not in normalize_title("a" * 400 + " nurse").text


@pytest.mark.parametrize("raw", [None, "", "   ", "12345", "🚀🚀🚀", "$100k", "(m/f/d)"])
def test_titles_without_words_are_empty(raw: str | None) -> None:
    assert normalize_title(raw).empty


def test_posting_title_falls_back_to_a_short_first_line() -> None:
    assert posting_title("Nurse", "whatever") == ("Nurse", "title")
    assert posting_title(None, "\n  Senior Nurse\nWe care.") == ("Senior Nurse", "first_line")
    assert posting_title("  ", "We are a friendly team. Join us.") == (
        "We are a friendly team. Join us.",
        "first_line",
    )  # v4: a sentence is read for its role phrase, or marked weak
    assert posting_title(None, "x" * 500) == (None, None)


@pytest.mark.parametrize(
    ("title", "soc2"),
    [
        ("Sr. RN, Nights, $5k bonus", "29"),
        ("Senior Backend Engineer (m/f/d) – Python", "15"),
        ("Truck Driver CDL-A", "53"),
        ("Accountant", "13"),
    ],
)
def test_messy_titles_get_the_right_major_group(
    coder: OccupationCoder, title: str, soc2: str
) -> None:
    code = coder.code(title)
    assert code.method == "title" and code.soc_code is not None
    assert code.soc_code[:2] == soc2
    assert 0 < code.confidence <= 1 and len(code.alternatives) == 3
    assert code.alternatives[0].soc_code == code.soc_code
    assert (
        code.isco_group and code.esco_uri and code.onet_code and code.onet_code[:7] == code.soc_code
    )


def test_registered_nurse_is_coded_exactly(coder: OccupationCoder) -> None:
    code = coder.code("Sr. RN, Nights, $5k bonus")
    assert (code.soc_code, code.seniority) == ("29-1141", "senior")
    assert code.isco_group is not None and code.isco_group.startswith(
        "222"
    )  # nursing professionals


@pytest.mark.parametrize("title", ["", "12345", "🚀🚀", None])
def test_no_title_and_too_few_skills_gives_no_code_with_a_reason(
    coder: OccupationCoder, title: str | None
) -> None:
    code = coder.code(title, ["esco:nope"])
    assert code.soc_code is None and code.method == "none"
    assert code.reason and code.reason.endswith("too_few_skills")


def test_no_title_codes_from_skills_at_lower_confidence(coder: OccupationCoder) -> None:
    # ESCO skills of nursing: the skills alone decide, and say so
    nursing = [s for s, i in coder.esco.skill_index.items()
               if coder.esco.occupation_skills[coder.esco.uris.index(_nurse_uri(coder)), i] > 0]  # fmt: skip
    code = coder.code(None, nursing[:20])
    titled = coder.code("registered nurse")
    assert code.method == "skills" and code.reason == "no_title"
    assert code.isco_group is not None and code.isco_group[:2] == "22"
    assert code.confidence < titled.confidence


def _nurse_uri(coder: OccupationCoder) -> str:
    return coder.esco.uris[coder.esco.labels.index("specialist nurse")]


@pytest.mark.parametrize(
    "title",
    ["Krankenpfleger (m/w/d)", "Ingénieur logiciel", "看護師", "a" * 5000, "We are hiring! " * 50],
)
def test_foreign_long_and_sentence_titles_never_raise(coder: OccupationCoder, title: str) -> None:
    code = coder.code(title)
    assert code.method in ("title", "none") and 0 <= code.confidence <= 1


def test_foreign_titles_are_less_confident_than_english_ones(coder: OccupationCoder) -> None:
    assert coder.code("看護師").confidence < coder.code("registered nurse").confidence


@pytest.mark.parametrize("damage", ["missing", "empty", "truncated", "not_a_zip"])
def test_a_missing_or_corrupt_artifact_fails_naming_the_file(tmp_path: Path, damage: str) -> None:
    target = tmp_path / "occupations"
    target.mkdir()
    data = (ARTIFACT / "coder.npz").read_bytes()
    if damage == "empty":
        (target / "coder.npz").write_bytes(b"")
    elif damage == "truncated":
        (target / "coder.npz").write_bytes(data[: len(data) // 2])
    elif damage == "not_a_zip":
        (target / "coder.npz").write_text("soc_code,title\n")
    with pytest.raises(ConfigError, match=r"occupations/coder\.npz"):
        load_coder(target)


@pytest.mark.parametrize("damage", ["missing", "truncated", "other_vectors"])
def test_title_centroids_missing_corrupt_or_of_other_vectors_fail_naming_the_file(
    tmp_path: Path, damage: str
) -> None:
    target = tmp_path / "occupations"
    shutil.copytree(ARTIFACT, target)
    vectors = VECTORS
    if damage == "missing":
        (target / "title_centroids.npz").unlink()
    elif damage == "truncated":
        data = (target / "title_centroids.npz").read_bytes()
        (target / "title_centroids.npz").write_bytes(data[: len(data) // 2])
    else:  # the encoder was rebuilt after the centroids: one weight byte differs
        vectors = tmp_path / "vectors"
        shutil.copytree(VECTORS, vectors)
        weights = bytearray((vectors / "model.safetensors").read_bytes())
        weights[-1] ^= 1
        (vectors / "model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(ConfigError, match=r"occupations/title_centroids\.npz"):
        load_coder(target, vectors)


def test_title_vectors_move_probability_to_the_class_whose_titles_they_resemble() -> None:
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.array([[0.0, 1.0] if "nurse" in t else [1.0, 0.0] for t in texts], np.float32)

    p = np.array([[0.6, 0.4], [0.6, 0.4]])
    fused = TitleCentroids(encode, centroids, 2.0).fuse(p, ["staff nurse", "developer"])
    assert np.allclose(fused.sum(axis=1), 1.0)
    assert fused[0, 1] > 0.5 > p[0, 1]  # "nurse" resembles class 1: it now wins
    assert fused[1, 0] > p[1, 0]
    assert np.allclose(TitleCentroids(encode, centroids, 0.0).fuse(p, ["nurse", "x"]), p)


def test_the_shipped_coder_fuses_title_vectors(coder: OccupationCoder) -> None:
    assert coder.titles is not None and coder.titles.weight > 0
    texts = ["registered nurse", "back end engineer"]
    assert not np.allclose(coder.probabilities(texts), coder.soc.probabilities(texts))


def test_held_out_and_dev_splits_are_disjoint_and_about_a_fifth() -> None:
    pairs = [(f"11-{i:04d}.00", f"title {i}") for i in range(5000)]
    held = [p for p in pairs if is_held_out(*p)]
    dev = [p for p in pairs if not is_held_out(*p) and is_dev(*p)]
    assert 0.17 < len(held) / len(pairs) < 0.23
    assert 0.17 < len(dev) / (len(pairs) - len(held)) < 0.23


def test_topk_accuracy_compares_on_the_asked_digits() -> None:
    ranked = [["15-1252", "15-1211", "29-1141"], ["29-1141", "15-1252", "15-1211"]]
    gold = ["15-1211", "15-1299"]
    assert topk_accuracy(gold, ranked, 1, 6) == 0.0
    assert topk_accuracy(gold, ranked, 3, 6) == 0.5
    assert topk_accuracy(gold, ranked, 1, 2) == 0.5
    assert topk_accuracy(gold, ranked, 3, 2) == 1.0


class _Broken:
    def code_many(self, items, languages=()):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")


def _pipeline(tiny_taxonomy, tiny_aliases, coder):  # type: ignore[no-untyped-def]
    from domain.pipeline import Pipeline
    from domain.skills.ensemble import dictionary_extractor
    from domain.versions import build_manifest
    from tests.conftest import NOW
    from tests.unit.test_pipeline import OneSection
    from tests.unit.test_versions import FILES, SPEC

    return Pipeline(build_manifest(SPEC, b"spec", FILES), OneSection(),
                    dictionary_extractor(tiny_taxonomy, tiny_aliases), lambda: NOW, occupations=coder)  # fmt: skip


def test_the_pipeline_codes_each_posting_from_its_title_or_first_line(
    coder: OccupationCoder, tiny_taxonomy, tiny_aliases
) -> None:
    from domain.models import EnrichedBatch
    from tests.conftest import posting

    p = _pipeline(tiny_taxonomy, tiny_aliases, coder)
    out = p.enrich([
        posting("a", "We need Python.", title="Sr. RN, Nights"),
        posting("b", "Senior Java Developer\nPython and k8s"),
        posting("c", "We are a friendly team. Python."),
    ])  # fmt: skip
    occ = {e.posting_id: e.occupation for e in out.enrichments}
    assert occ["a"]["soc_code"] == "29-1141" and occ["a"]["title_from"] == "title"
    assert occ["b"]["soc_code"] == "15-1252" and occ["b"]["title_from"] == "first_line"
    # v4: a sentence-like first line is read; it names no role, so the skills decide (too few)
    assert occ["c"]["soc_code"] is None and occ["c"]["reason"] == "weak_title_too_few_skills"
    assert occ["c"]["title_from"] == "first_line"
    payload = out.to_dict()
    assert EnrichedBatch.from_dict(payload).to_dict() == payload  # travels between links


def test_a_coder_error_keeps_the_skills_and_says_so(tiny_taxonomy, tiny_aliases) -> None:
    from tests.conftest import posting

    out = _pipeline(tiny_taxonomy, tiny_aliases, _Broken()).enrich([posting("a", "Python")])
    (e,) = out.enrichments
    assert e.skills and e.occupation == {"method": "none", "reason": "coder_error:RuntimeError"}


def test_without_a_coder_rows_carry_no_occupation(tiny_taxonomy, tiny_aliases) -> None:
    from tests.conftest import posting

    (e,) = _pipeline(tiny_taxonomy, tiny_aliases, None).enrich([posting("a", "Python")]).enrichments
    assert e.occupation is None
