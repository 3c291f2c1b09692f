"""The hand-linked concept gold and the judged sample links: whole dev postings, real ids, levels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import concept_gold as cg

EVAL = cg.ROOT / "config" / "eval"
GOLD_FILES = (cg.GOLD, cg.MORE)
JUDGED = EVAL / "sample_top_links_judged.jsonl"


@pytest.fixture(scope="module")
def index() -> cg.Index:
    if not (cg.ESCO / "skillsHierarchy_en.csv").exists():
        pytest.skip(f"ESCO data not found at {cg.ESCO}")
    return cg.Index()


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _docs(path: Path) -> list[dict]:
    return [d for d in _rows(path) if "doc_id" in d]


def test_gold_files_open_with_a_guideline_and_hold_1000_spans() -> None:
    for path in GOLD_FILES:
        assert "guideline" in _rows(path)[0], path.name
    assert sum(len(d["spans"]) for p in GOLD_FILES for d in _docs(p)) >= 1000


def test_gold_postings_are_whole_dev_postings_linked_once() -> None:
    dev = {d["doc_id"]: d for d in cg.dev_docs()}
    seen: set[str] = set()
    for path in GOLD_FILES:
        for d in _docs(path):
            assert d["doc_id"].startswith("skillspan-dev-"), d["doc_id"]
            assert d["doc_id"] not in seen, f"{d['doc_id']} linked twice"
            seen.add(d["doc_id"])
            src = dev[d["doc_id"]]
            assert d["text"] == src["text"]
            want = sorted((s["start"], s["end"], s["label"]) for s in src["spans"])
            assert sorted((s["start"], s["end"], s["label"]) for s in d["spans"]) == want


def test_new_gold_rows_say_their_level() -> None:
    for d in _docs(cg.MORE):
        for s in d["spans"]:
            level, sid, gid = s["link_level"], s["skill_id"], s.get("group_id")
            assert level in ("concept", "group", "none"), s
            assert (sid is not None) == (level == "concept"), s
            assert (gid is not None) == (level == "group"), s


def test_every_gold_id_exists(index: cg.Index) -> None:
    assert cg.check(index, list(GOLD_FILES)) == []


def test_check_reports_an_unknown_id(index: cg.Index, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    spans = [
        {"start": 0, "end": 1, "label": "SKILL", "skill_id": "esco:not-a-concept"},
        {
            "start": 0,
            "end": 1,
            "label": "SKILL",
            "skill_id": None,
            "group_id": "esco:no-such-group",
        },
        {"start": 0, "end": 1, "label": "SKILL", "skill_id": "esco:isced-f/0613"},  # a group
    ]
    bad.write_text(json.dumps({"doc_id": "x", "text": "x", "spans": spans}) + "\n")
    assert len(cg.check(index, [bad])) == 3


def test_judged_sample_links_name_real_ids(index: cg.Index) -> None:
    rows = _rows(JUDGED)
    assert "enrichment_version" in rows[0]
    judged = rows[1:]
    assert len(judged) >= 100
    for r in judged:
        assert r["skill_id"] in index.entries, r
        assert r["verdict"] in ("correct", "wrong"), r
        if r["verdict"] == "wrong":
            level, rid = r["right_level"], r.get("right_id")
            assert level in ("concept", "group", "none"), r
            assert (rid is None) == (level == "none"), r
            if rid is not None:
                assert (index.entries[rid].kind == "GROUP") == (level == "group"), r
    by_text = {r["text"]: r for r in judged}
    assert by_text["software development"]["verdict"] == "wrong"


def test_resolve_reads_names_groups_and_null(index: cg.Index) -> None:
    assert index.resolve("-", "SKILL") == (None, "none")
    assert index.resolve("=computer programming", "KNOWLEDGE") == (
        "esco:21d2f96d-35f7-4e3f-9745-c533d2dd6e97",
        "concept",
    )
    assert index.resolve("g:0613", "KNOWLEDGE") == ("esco:isced-f/0613", "group")
    with pytest.raises(ValueError, match="unknown"):
        index.resolve("esco:not-a-concept", "SKILL")


def test_agreement_counts_one_broader_step_and_broader_paths(index: cg.Index) -> None:
    cooperate = "esco:082967d4-b94c-4305-aa13-35a6aa8c5c7c"  # cooperate with colleagues
    working_in_teams = index.code["S1.8.1"]  # its direct broader group
    working_with_others = index.code["S1.8"]  # two steps up
    assert cg.near(index, cooperate, working_in_teams)
    assert cg.near(index, working_in_teams, cooperate)
    assert not cg.near(index, cooperate, working_with_others)
    assert cg.on_one_path(index, cooperate, working_with_others)
    assert not cg.on_one_path(index, cooperate, index.code["0613"])
    assert not cg.near(index, cooperate, None)
    assert cg.near(index, None, None)


def test_new_gold_file_loads_as_a_gold_dataset() -> None:
    from adapters.artifacts.datasets import load_gold

    ds = load_gold(cg.MORE, "skillspan_dev_concepts_more", ("SKILL", "KNOWLEDGE"))
    assert len(ds.docs) == len(_docs(cg.MORE))
    linked = [s for d in ds.docs for s in d.spans if s.skill_id]
    assert linked and all(s.skill_id.startswith(("esco:", "onet:")) for s in linked)


def test_top_links_counts_lowercased_pairs_keeps_ties_and_skips_span_ids(tmp_path: Path) -> None:
    def mention(text: str, sid: str, method: str) -> dict:
        return {"text": text, "skill_id": sid, "name": sid, "link_method": method}

    rows = [
        [mention("Java", "esco:j", "exact"), mention("java", "esco:j", "alias")] * 2,
        [mention("go", "onet:go", "exact"), mention("rust", "onet:rust", "vector")] * 2,
        [mention("c", "onet:c", "exact")],
        [mention("teamwork", "span:skill:teamwork", "none")] * 3,
    ]
    path = tmp_path / "extracted.jsonl"
    path.write_text("".join(json.dumps({"mentions": m}) + "\n" for m in rows))
    top = cg.top_links(path, 2)
    assert [(r["text"], r["skill_id"], r["mentions"]) for r in top] == [
        ("java", "esco:j", 4),
        ("go", "onet:go", 2),
        ("rust", "onet:rust", 2),  # tied with the 2nd, so kept; "c" (1) is cut
    ]
    assert top[0]["methods"] == {"exact": 2, "alias": 2}


def test_stats_sum_levels_over_both_labels(index: cg.Index) -> None:
    out = cg.stats(index, cg.MORE)
    n = sum(len(d["spans"]) for d in _docs(cg.MORE))
    assert out["spans"] == n
    overall = out["ALL"]
    assert isinstance(overall, dict)
    assert sum(int(v.split()[0]) for v in overall.values()) == n


def test_relinked_spans_are_gold_spans_with_resolvable_answers(index: cg.Index) -> None:
    relink = EVAL / "skillspan_dev_concepts_more_relink_seed0.tsv"
    spans = {(d["doc_id"], s["start"], s["end"]): s for d in _docs(cg.MORE) for s in d["spans"]}
    rows = [r.split("\t") for r in relink.read_text().splitlines()]
    assert len(rows) == 100
    for _i, answer, doc_id, start, end in rows:
        span = spans[(doc_id, int(start), int(end))]
        index.resolve(answer, span["label"])  # raises on an unknown id, name or group
