"""The concept linker's fine-tuned static vectors (config/models/concept_vectors_tuned,
scripts/finetune_concept_vectors.py, enrichment 2026.12.2): same shape and tokenizer as the
distilled table (so a mention costs the same), paraphrases of concepts the fine-tuning never saw
are found, and the fine-tuning leaves out what the learned decision trains on."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from adapters.artifacts.concept_linker import load_encoder
from adapters.artifacts.config_files import load_config, load_taxonomy
from domain.skills.linking import Encoder

ROOT = Path(__file__).resolve().parents[2]
DISTILLED = ROOT / "config" / "models" / "concept_vectors"


@cache
def _shipped() -> Path:
    return load_config(ROOT).path("concept_linker")


@cache
def _names() -> tuple[list[str], list[str]]:
    taxonomy = load_taxonomy(load_config(ROOT).path("taxonomy"))
    skills = sorted(taxonomy, key=lambda s: s.skill_id)
    return [s.skill_id for s in skills], [s.name for s in skills]


@cache
def _encoder(path: Path) -> tuple[Encoder, npt.NDArray[np.float32]]:
    enc = load_encoder(path)
    return enc, enc(_names()[1])


def _rank(path: Path, mention: str, skill_id: str) -> int:
    """How many preferred labels of the taxonomy sit closer to `mention` than `skill_id`'s."""
    enc, names = _encoder(path)
    sims = names @ enc([mention])[0]
    return int((sims > sims[_names()[0].index(skill_id)]).sum())


def test_the_linker_reads_the_tuned_table_of_the_distilled_shape_and_tokenizer() -> None:
    from safetensors.numpy import load_file

    assert _shipped().name == "concept_vectors_tuned"
    tuned = load_file(str(_shipped() / "model.safetensors"))["embeddings"]
    distilled = load_file(str(DISTILLED / "model.safetensors"))["embeddings"]
    assert tuned.shape == distilled.shape and tuned.dtype == distilled.dtype
    assert (_shipped() / "tokenizer.json").read_bytes() == (
        DISTILLED / "tokenizer.json"
    ).read_bytes()
    assert not np.array_equal(tuned, distilled)


# alternative labels of concepts held out of the fine-tuning (sha256 of the id % 5 == 0), no
# word shared with the preferred label: the distilled table ranks the concept 10th or worse
# among the 22,664 preferred labels, the tuned one first
PARAPHRASES = [
    ("pcb assembling", "esco:4ce4dd33-7429-4e65-a055-6e46a34cb19b"),  # assemble printed circuit boards
    ("deal with parcels", "esco:76f22707-8d30-453f-9eb7-3376e2960311"),  # handle mail
    ("promote artwork", "esco:b4cbf8ca-4f21-4151-8f54-8032fbac70bb"),  # advertise an art collection
    ("coordinate art projects", "esco:2c33fda8-389d-4871-948d-46fc1eb0c161"),  # manage artistic project
    ("educate members of the armed forces", "esco:a9b00496-6115-4338-86b2-1bdf2aaff26a"),  # train military troops
]  # fmt: skip


@pytest.mark.parametrize(("mention", "skill_id"), PARAPHRASES)
def test_a_paraphrase_of_a_concept_never_trained_on_finds_it_first(
    mention: str, skill_id: str
) -> None:
    from scripts.finetune_concept_vectors import held_out

    assert held_out(skill_id)
    _, names = _names()
    label = names[_names()[0].index(skill_id)]
    assert not set(re.findall(r"[a-z]+", mention)) & set(re.findall(r"[a-z]+", label.lower()))
    assert _rank(DISTILLED, mention, skill_id) >= 10
    assert _rank(_shipped(), mention, skill_id) == 0


def test_fine_tuning_leaves_out_the_decisions_pseudo_mentions_and_held_out_concepts() -> None:
    from scripts.build_concept_decision import pseudo_mentions
    from scripts.finetune_concept_vectors import (
        decision_draw,
        held_out,
        load_skills,
        taxonomy_pairs,
    )

    skills = sorted(load_skills(ROOT / "config/taxonomy/skills.jsonl.gz"), key=lambda s: s.skill_id)
    drawn = decision_draw(skills)
    taxonomy = load_taxonomy(load_config(ROOT).path("taxonomy"))
    assert drawn == {t.lower() for t, _, _ in pseudo_mentions(taxonomy, 8000)}
    train, held = taxonomy_pairs(skills, drawn)
    assert train and held
    assert not {a.lower() for a, _, _ in train} & drawn
    assert not any(held_out(skills[c].skill_id) for _, _, c in train)
    assert all(held_out(skills[c].skill_id) for _, c in held)


def test_a_missing_tuned_table_stops_the_linker_naming_the_file_and_its_make_target(
    tmp_path: Path,
) -> None:
    from domain.errors import ConfigError

    missing = tmp_path / "concept_vectors_tuned"
    missing.mkdir()
    with pytest.raises(
        ConfigError, match=r"concept_vectors_tuned/config\.json.*concept-vectors-tuned"
    ):
        load_encoder(missing)
