"""One suite for the EnrichmentStore port, run against every adapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.duckdb.store import DuckDbStore
from domain.models import (
    ConceptCandidate,
    EvaluationResult,
    ExtractedSkill,
    JobEnrichment,
    Mention,
    Rejection,
    Section,
)
from domain.ports import EnrichmentStore
from tests.conftest import posting

pytestmark = pytest.mark.contract


def skill(sid: str, name: str) -> ExtractedSkill:
    return ExtractedSkill(
        sid,
        name,
        "knowledge",
        0.6,
        ("taxonomy",),
        (Mention(0, 3, name[:3], "overview", "taxonomy"),),
    )


def enrichment(p, version: str, at: str, skills=()) -> JobEnrichment:
    return JobEnrichment(
        posting_id=p.posting_id,
        content_hash=p.content_hash,
        enrichment_version=version,
        component_versions={"skills_extractor": f"m.v1@{version}"},
        sections=(Section("overview", 0, len(p.text)),),
        skills=tuple(skills),
        enriched_at=at,
        processing_ms=1.5,
    )


def rejection(rid: str, pid: str | None = None, stage: str = "validate") -> Rejection:
    return Rejection(
        rid, stage, "invalid_json", "line 1: bad", "t", "2026-01-01T00:00:00.000+00:00", pid
    )


T1, T2, T3 = (f"2026-01-0{d}T00:00:00.000+00:00" for d in (1, 2, 3))


def test_write_batch_is_idempotent(store: EnrichmentStore) -> None:
    ps = [posting(f"p{i}", f"text {i}") for i in range(3)]
    es = [enrichment(p, "v1", T1, [skill("s1", "Python")]) for p in ps]
    rs = [rejection("r1")]
    assert store.write_batch(ps, es, rs) == (3, 3, 1)
    assert store.write_batch(ps, es, rs) == (0, 0, 0)
    assert store.write_batch(ps + ps, es + es, rs + rs) == (0, 0, 0)  # duplicates inside a batch
    (c,) = store.counts_by_version()
    assert (c.enrichment_version, c.rows, c.postings) == ("v1", 3, 3)


def test_drift_finds_postings_whose_latest_row_is_not_current(store: EnrichmentStore) -> None:
    a, b, c = posting("a", "x"), posting("b", "y"), posting("c", "z")
    store.write_batch(
        [a, b, c], [enrichment(a, "v1", T1), enrichment(b, "v1", T1), enrichment(c, "v2", T1)], []
    )
    assert store.count_drifted("v2") == 2
    assert [p.posting_id for p in store.drifted_postings("v2", limit=10)] == ["a", "b"]
    assert [p.posting_id for p in store.drifted_postings("v2", limit=1)] == ["a"]
    assert [p.posting_id for p in store.drifted_postings("v2", 10, after_posting_id="a")] == ["b"]
    drifted = store.drifted_postings("v2", limit=10)[0]
    assert (drifted.text, drifted.content_hash) == (a.text, a.content_hash)  # text for re-runs
    store.write_batch([a], [enrichment(a, "v2", T2)], [])
    assert store.count_drifted("v2") == 1
    assert store.count_drifted("v1") == 2


def test_drift_pages_stay_exact_while_postings_leave_and_join_the_drift(
    store: EnrichmentStore,
) -> None:
    ps = [posting(f"d{i:02d}", f"text {i}") for i in range(12)]
    store.write_batch(ps, [enrichment(p, "v1", T1) for p in ps], [])
    ids = lambda got: [p.posting_id for p in got]  # noqa: E731
    assert ids(store.drifted_postings("v2", limit=3)) == ["d00", "d01", "d02"]  # a pass starts
    moved = ps[3:8]  # re-enriched while the pass walks: d03..d07 leave the drift
    store.write_batch(moved, [enrichment(p, "v2", T2) for p in moved], [])
    late = posting("d05a", "late")  # and one joins it, between two of the first ids
    store.write_batch([late], [enrichment(late, "v1", T2)], [])
    assert ids(store.drifted_postings("v2", 3, after_posting_id="d02")) == ["d05a", "d08", "d09"]
    assert ids(store.drifted_postings("v2", 3, after_posting_id="d09")) == ["d10", "d11"]
    assert ids(store.drifted_postings("v2", 3, after_posting_id="d11")) == []


def test_enrichments_by_keys_reads_many_rows_at_once(store: EnrichmentStore) -> None:
    a, b = posting("a", "Python"), posting("b", "SQL")
    ea1, ea2 = enrichment(a, "v1", T1, [skill("s1", "Python")]), enrichment(a, "v2", T2)
    eb = enrichment(b, "v1", T1)
    store.write_batch([a, b], [ea1, ea2, eb], [])
    store.write_batch([a], [ea1], [])  # redelivered: still one row
    got = store.enrichments_by_keys(
        [
            ("a", ea1.row_id),
            ("b", eb.row_id),
            ("a", ea1.row_id),
            ("b", "b:nope:v9"),
            ("b", ea2.row_id),
        ]
    )
    assert sorted(e.row_id for e in got) == sorted([ea1.row_id, eb.row_id])
    (one,) = [e for e in got if e.row_id == ea1.row_id]
    assert one == store.posting_history("a")[0]  # same rows as the history reads
    assert store.enrichments_by_keys([]) == []


def test_history_is_oldest_first_and_round_trips(store: EnrichmentStore) -> None:
    a = posting("a", "Python")
    e1 = enrichment(a, "v1", T1, [skill("s1", "Python")])
    e2 = enrichment(a, "v2", T3)
    store.write_batch([a], [e2, e1], [])
    hist = store.posting_history("a")
    assert [h.enrichment_version for h in hist] == ["v1", "v2"]
    assert hist[0] == e1
    assert store.posting_history("nope") == []


def test_history_round_trips_concept_links(store: EnrichmentStore) -> None:
    from dataclasses import replace

    a = posting("a", "team player, Python")
    linked = replace(skill("esco:teams", "work in teams"), link_score=0.93, link_method="vector")
    unlinked = replace(skill("span:skill:x", "x"), link_score=0.0, link_method="none")
    old = skill("s1", "Python")  # written before linking: no link fields
    store.write_batch(
        [a], [enrichment(a, "v2", T2, [linked, unlinked]), enrichment(a, "v1", T1, [old])], []
    )
    v1, v2 = store.posting_history("a")
    assert [(s.link_score, s.link_method) for s in v2.skills] == [(0.93, "vector"), (0.0, "none")]
    assert [(s.link_score, s.link_method) for s in v1.skills] == [(None, None)]


def _cands(*ids: str) -> tuple[ConceptCandidate, ...]:
    return tuple(ConceptCandidate(sid, f"name {sid}", 0.9 - i / 10, "vector")
                 for i, sid in enumerate(ids))  # fmt: skip


def test_history_round_trips_candidates_and_link_level(store: EnrichmentStore) -> None:
    """Candidates (the first 5 of 6), link_level and group ride a row; a row pointing to a
    concept a later taxonomy removed still reads; a row from before 2026.11.10 reads empty."""
    from dataclasses import replace

    a = posting("a", "software development, motivated, Python")
    concept = replace(
        skill("esco:removed-later", "gone concept"), link_score=0.95, link_method="vector",
        candidates=_cands("esco:removed-later", "c2", "c3", "c4", "c5", "c6"),
        link_level="concept", group_id="S5.1.1", group_name="programming",
    )  # fmt: skip
    group = replace(
        skill("span:skill:motivated", "motivated"), link_score=0.61, link_method="group",
        candidates=_cands("esco:commit"), link_level="group:3", group_id="T3.1",
        group_name="self-management",
    )  # fmt: skip
    old = skill("s1", "Python")
    store.write_batch(
        [a], [enrichment(a, "v2", T2, [concept, group]), enrichment(a, "v1", T1, [old])], []
    )
    v1, v2 = store.posting_history("a")
    assert [c.skill_id for c in v2.skills[0].candidates] == [
        "esco:removed-later",
        "c2",
        "c3",
        "c4",
        "c5",
    ]
    assert v2.skills[0].candidates[1] == ConceptCandidate("c2", "name c2", 0.8, "vector")
    assert [(s.link_level, s.group_id, s.group_name) for s in v2.skills] == [
        ("concept", "S5.1.1", "programming"),
        ("group:3", "T3.1", "self-management"),
    ]
    assert v2.skills[1].candidates == _cands("esco:commit")
    assert (v1.skills[0].candidates, v1.skills[0].link_level, v1.skills[0].group_id) == (
        (),
        None,
        None,
    )


def test_top_groups_rolls_up_concept_and_group_links(store: EnrichmentStore) -> None:
    from dataclasses import replace

    a, b = posting("a", "x"), posting("b", "y")

    def placed(sid: str, gid: str | None, level: str) -> ExtractedSkill:
        return replace(skill(sid, sid), link_level=level, group_id=gid,
                       group_name=None if gid is None else f"group {gid}")  # fmt: skip

    store.write_batch(
        [a, b],
        [
            enrichment(a, "v1", T1, [placed("esco:py", "S5.1", "concept"),
                                     placed("span:skill:x", "S5.1", "group:2"),
                                     placed("span:skill:y", None, "none")]),
            enrichment(b, "v1", T1, [placed("esco:team", "T4", "concept"),
                                     placed("esco:java", "S5.1", "concept")]),
            enrichment(b, "v0", T1, [placed("esco:old", "K1", "concept")]),
        ],
        [],
    )  # fmt: skip
    top = store.top_groups("v1", limit=5)
    assert [(g.group_id, g.name, g.postings, g.skills) for g in top] == [
        ("S5.1", "group S5.1", 2, 3),
        ("T4", "group T4", 1, 1),
    ]
    assert store.top_groups("v1", limit=1)[0].group_id == "S5.1"
    assert store.top_groups("nope") == []


def test_history_round_trips_section_weighting(store: EnrichmentStore) -> None:
    from dataclasses import replace

    a = posting("a", "Requirements\nPython\nBenefits\ngym")
    req = replace(skill("s1", "Python"), section="requirements", section_relevance=1.0)
    company = replace(skill("s2", "Slack"), section="company", section_relevance=0.5)
    old = skill("s1", "Python")  # written before section weighting
    store.write_batch(
        [a], [enrichment(a, "v2", T2, [req, company]), enrichment(a, "v1", T1, [old])], []
    )
    v1, v2 = store.posting_history("a")
    assert [(s.section, s.section_relevance) for s in v2.skills] == [
        ("requirements", 1.0),
        ("company", 0.5),
    ]
    assert [(s.section, s.section_relevance) for s in v1.skills] == [(None, None)]


def test_history_round_trips_the_posting_language_and_input_offsets(
    store: EnrichmentStore,
) -> None:
    """The language column (BigQuery migration 007) and mention offsets into the text as
    received (CRLF kept: issue #23); rows written before language detection read None."""
    from dataclasses import replace

    a = posting("a", "Anforderungen:\r\n- Java")
    java = ExtractedSkill("s1", "Java", "knowledge", 0.6, ("named",),
                          (Mention(18, 22, "Java", "requirements", "named", 5.0, None),))  # fmt: skip
    new = replace(enrichment(a, "v2", T2, [java]), language="de")
    store.write_batch([a], [new, enrichment(a, "v1", T1)], [])
    v1, v2 = store.posting_history("a")
    assert (v1.language, v2.language) == (None, "de")
    (m,) = v2.skills[0].mentions
    assert a.text[m.start : m.end] == "Java" and (m.start, m.end) == (18, 22)


def test_history_round_trips_years_of_experience_per_mention(store: EnrichmentStore) -> None:
    """years_min / years_max of every mention, in mention order (BigQuery migration 009's
    skill_years column); a mention that asks none, and a row without any, read None."""
    a = posting("a", "5+ years of Java, Java again, 3-5 yrs Python")
    java = ExtractedSkill("s1", "Java", "knowledge", 0.6, ("named",), (
        Mention(12, 16, "Java", "requirements", "named", 5.0, None),
        Mention(18, 22, "Java", "requirements", "named"),
    ))  # fmt: skip
    python = ExtractedSkill("s2", "Python", "knowledge", 0.7, ("alias",),
                            (Mention(38, 44, "Python", "requirements", "alias", 3.0, 5.0),))  # fmt: skip
    store.write_batch([a], [enrichment(a, "v2", T2, [java, python]), enrichment(a, "v1", T1, [skill("s1", "Java")])], [])  # fmt: skip
    v1, v2 = store.posting_history("a")
    got = {s.skill_id: [(m.start, m.years_min, m.years_max) for m in s.mentions] for s in v2.skills}
    assert got == {"s1": [(12, 5.0, None), (18, None, None)], "s2": [(38, 3.0, 5.0)]}
    assert [(m.years_min, m.years_max) for m in v1.skills[0].mentions] == [(None, None)]


OCCUPATION = {
    "soc_code": "29-1141",
    "soc_title": "Registered Nurses",
    "onet_code": "29-1141.00",
    "esco_uri": "http://data.europa.eu/esco/occupation/x",
    "esco_label": "specialist nurse",
    "isco_group": "2221",
    "confidence": 0.62,
    "alternatives": [{"soc_code": "29-1141", "soc_title": "Registered Nurses", "confidence": 0.62}],
    "seniority": "senior",
    "method": "title",
    "reason": None,
    "title_from": "title",
}


def test_history_round_trips_the_occupation(store: EnrichmentStore) -> None:
    from dataclasses import replace

    a = posting("a", "Sr. RN, Nights")
    coded = replace(enrichment(a, "v2", T2), occupation=OCCUPATION)
    store.write_batch([a], [coded, enrichment(a, "v1", T1)], [])  # v1: before occupations
    v1, v2 = store.posting_history("a")
    assert v2.occupation == OCCUPATION
    assert v1.occupation is None


def test_section_classifications_carry_the_classifier_version(store: EnrichmentStore) -> None:
    from dataclasses import replace

    text = "Title\nRequirements\nPython\nBenefits\ngym"
    a = posting("a", text)
    secs = (
        Section("overview", 0, 6),
        Section("requirements", 6, 26, "Requirements"),
        Section("benefits", 26, len(text), "Benefits"),
    )
    old = replace(enrichment(a, "v1", T1), component_versions={"section_classifier": "rules.v1@x"})
    new = replace(
        enrichment(a, "v2", T2),
        component_versions={"section_classifier": "hybrid.v2@y"},
        sections=secs,
    )
    store.write_batch([a], [new, old], [])
    rows = store.section_classifications("a")
    assert [(r.enrichment_version, r.classifier_version, r.index) for r in rows] == [
        ("v1", "rules.v1@x", 0),
        ("v2", "hybrid.v2@y", 0),
        ("v2", "hybrid.v2@y", 1),
        ("v2", "hybrid.v2@y", 2),
    ]
    assert tuple(r.section for r in rows[1:]) == secs
    assert rows[0].section == Section("overview", 0, len(text))
    assert {r.content_hash for r in rows} == {a.content_hash}
    assert store.section_classifications("nope") == []


def test_status_counts_enriched_and_failed(store: EnrichmentStore) -> None:
    a, b, c = posting("a", "x"), posting("b", "y"), posting("c", "z")
    store.write_batch([a, b, c], [enrichment(a, "v1", T1)], [rejection("f-b", "b", "extract")])
    assert store.enrichment_status(["a", "b", "c"], "v1") == (1, 1)
    assert store.enrichment_status(["a", "b", "c"], "v2") == (0, 1)
    assert store.count_rejections(["f-b", "missing"]) == 1
    assert store.rejection_counts() == {("extract", "invalid_json"): 1}
    assert [r.rejection_id for r in store.rejections()] == ["f-b"]


def test_current_status_counts_latest_state_not_old_rows_at_the_version(
    store: EnrichmentStore,
) -> None:
    """After a rollback to v1, rows an earlier run wrote at v1 must not count as re-enriched."""
    a, b, c = posting("a", "x"), posting("b", "y"), posting("c", "z")
    store.write_batch([a, b, c], [enrichment(p, "v1", T1) for p in (a, b, c)], [])
    store.write_batch([a, b, c], [enrichment(p, "v2", T2) for p in (a, b, c)], [])
    old_fail = Rejection("extract:c", "extract", "retries_exhausted", "d", "t", T1, "c")
    store.write_batch([], [], [old_fail])
    assert store.current_status(["a", "b", "c"], "v1", T2) == (0, 0)  # old rows, old failure
    store.write_batch([a], [enrichment(a, "v1", T3)], [])  # a re-enriched back to v1
    new_fail = Rejection("extract:b", "extract", "retries_exhausted", "d", "t", T3, "b")
    store.write_batch([], [], [new_fail])
    assert store.current_status(["a", "b", "c"], "v1", T2) == (1, 1)
    assert store.current_status(["b"], "v1", T3) == (0, 1)  # at `failed_since`: counted
    assert store.current_status(["b"], "v1", "2026-01-04T00:00:00+00:00") == (0, 0)
    assert store.current_status(["c"], "v2", T1) == (1, 0)  # at the version: not failed


def test_failed_postings_are_the_raw_postings_to_replay(store: EnrichmentStore) -> None:
    a, b, c, d = (posting(x, f"text of {x}") for x in "abcd")
    failures = [
        Rejection(f"{st}:{p.posting_id}:{p.content_hash}", st, "retries_exhausted", "d", "t", T1,
                  p.posting_id, p.content_hash)
        for st, p in (("persist", a), ("handoff", b), ("extract", c))
    ]  # fmt: skip
    store.write_batch([a, b, c, d], [enrichment(c, "v1", T1)], failures)
    replay = store.failed_postings("v1", ["persist", "handoff"], limit=10)
    assert [(p.posting_id, p.text, p.content_hash) for p in replay] == [
        (a.posting_id, a.text, a.content_hash),
        (b.posting_id, b.text, b.content_hash),
    ]
    assert [p.posting_id for p in store.failed_postings("v1", ["persist"], 10)] == ["a"]
    assert [p.posting_id for p in store.failed_postings("v1", ["persist", "handoff"], 1)] == ["a"]
    assert [p.posting_id for p in store.failed_postings("v1", ["handoff"], 10, "a")] == ["b"]
    # c failed at extract but is enriched at v1 now: nothing to replay; at v2 it is
    assert store.failed_postings("v1", ["extract"], 10) == []
    assert [p.posting_id for p in store.failed_postings("v2", ["extract"], 10)] == ["c"]
    store.write_batch([a], [enrichment(a, "v1", T2)], [])  # replayed
    assert [p.posting_id for p in store.failed_postings("v1", ["persist", "handoff"], 10)] == ["b"]


def test_top_skills_and_skills_per_posting(store: EnrichmentStore) -> None:
    a, b = posting("a", "x"), posting("b", "y")
    store.write_batch(
        [a, b],
        [
            enrichment(a, "v1", T1, [skill("s1", "Python"), skill("s2", "SQL")]),
            enrichment(b, "v1", T1, [skill("s1", "Python")]),
            enrichment(b, "v0", T1, [skill("s3", "COBOL")]),
        ],
        [],
    )
    top = store.top_skills("v1", limit=5)
    assert [(s.skill_id, s.name, s.postings) for s in top] == [
        ("s1", "Python", 2),
        ("s2", "SQL", 1),
    ]
    assert store.skills_per_posting("v1") == pytest.approx(1.5)
    assert store.skills_per_posting("nope") == 0.0
    # rows by skill count, with summed processing_ms (1.5 per row): the metrics histogram
    assert store.skill_count_distribution("v1") == [(1, 1, 1.5), (2, 1, 1.5)]
    assert store.skill_count_distribution("nope") == []


def test_rollback_rerun_of_an_old_version_becomes_latest_without_new_rows(
    store: EnrichmentStore,
) -> None:
    a = posting("a", "x")
    store.write_batch([a], [enrichment(a, "v1", T1)], [])
    store.write_batch([a], [enrichment(a, "v2", T2)], [])  # rollout
    assert store.count_drifted("v1") == 1
    # rollback to v1: the re-run produces v1's row id again, later in time
    assert store.write_batch([a], [enrichment(a, "v1", T3)], []) == (0, 0, 0)
    assert store.count_drifted("v1") == 0
    counts = {c.enrichment_version: (c.rows, c.latest) for c in store.counts_by_version()}
    assert counts == {"v1": (1, 1), "v2": (1, 0)}
    # a late redelivery of the v2 batch does not move the posting back (older timestamp)
    store.write_batch([a], [enrichment(a, "v2", T2)], [])
    assert store.count_drifted("v1") == 0


# Intake stamps one microsecond apart: the stores must keep microseconds to order them.
R1, R2 = "2026-01-01T00:00:00.000001+00:00", "2026-01-01T00:00:00.000002+00:00"
E1, E2, E3, E4 = (f"2026-01-0{d}T00:00:00.000+00:00" for d in (4, 5, 6, 7))


def _at(iso: str | None) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso).astimezone(UTC)


def test_state_is_the_later_received_content_whatever_order_they_were_enriched(
    store: EnrichmentStore,
) -> None:
    old = replace(posting("raceY", "Python and SQL (OLD)"), received_at=R1)
    new = replace(posting("raceY", "Java and Rust (NEW)"), received_at=R2)
    # parallel batches: the newer-received content is persisted first, the older one after
    store.write_batch([new], [enrichment(new, "v1", E1)], [])
    store.write_batch([old], [enrichment(old, "v1", E2)], [])
    assert {c.enrichment_version: c.latest for c in store.counts_by_version()} == {"v1": 1}
    (d,) = store.drifted_postings("v2", limit=10)
    assert (d.content_hash, d.text) == (new.content_hash, new.text)
    assert _at(d.received_at) == _at(R2)  # a re-run keeps the original intake stamp
    # re-enriching the older content later (a replay, a redelivery) does not take the state back
    store.write_batch([old], [enrichment(old, "v2", E3)], [])
    assert store.count_drifted("v2") == 1
    assert store.drifted_postings("v2", limit=10)[0].content_hash == new.content_hash
    # re-enriching the newer content (as drift re-reads it) at a new version moves the state
    store.write_batch([d], [enrichment(d, "v2", E4)], [])
    assert store.count_drifted("v2") == 0
    assert {c.enrichment_version: c.latest for c in store.counts_by_version()} == {
        "v1": 0, "v2": 1,
    }  # fmt: skip


def test_unstamped_rows_written_before_count_as_the_oldest(store: EnrichmentStore) -> None:
    legacy = posting("z", "written before intake stamps")  # received_at None
    stamped = replace(posting("z", "a later content"), received_at=R1)
    store.write_batch([stamped], [enrichment(stamped, "v1", E1)], [])
    store.write_batch([legacy], [enrichment(legacy, "v1", E3)], [])  # later run, no stamp
    assert store.drifted_postings("v2", limit=10)[0].content_hash == stamped.content_hash


def test_drift_filters_by_from_version_and_since(store: EnrichmentStore) -> None:
    a, b, c = posting("a", "x"), posting("b", "y"), posting("c", "z")
    store.write_batch(
        [a, b, c],
        [enrichment(a, "v1", T1), enrichment(b, "v2", T2), enrichment(c, "v2", T3)],
        [],
    )
    assert store.count_drifted("v3") == 3
    assert store.count_drifted("v3", from_version="v2") == 2
    assert store.count_drifted("v3", since=T2) == 2
    assert store.count_drifted("v3", from_version="v2", since=T3) == 1
    got = store.drifted_postings("v3", 10, from_version="v2", since=T3)
    assert [p.posting_id for p in got] == ["c"]


def evaluation(rid: str, dataset: str, at: str, f1: float) -> EvaluationResult:
    metrics = {"micro": {"overlap": {"precision": f1, "recall": f1, "f1": f1}}}
    return EvaluationResult(
        rid, dataset, "h1", "v1", metrics, 58, at, f1 < 0.5, ("x",) if f1 < 0.5 else ()
    )


def test_evaluation_history_newest_first_per_dataset(store: EnrichmentStore) -> None:
    assert store.save_evaluation(evaluation("e1", "skillspan-dev", T1, 0.6))
    assert not store.save_evaluation(evaluation("e1", "skillspan-dev", T1, 0.6))
    store.save_evaluation(evaluation("e2", "skillspan-dev", T3, 0.4))
    store.save_evaluation(evaluation("g1", "green", T2, 0.7))
    hist = store.evaluations("skillspan-dev")
    assert [r.result_id for r in hist] == ["e2", "e1"]
    assert hist[0] == evaluation("e2", "skillspan-dev", T3, 0.4)
    assert hist[0].regressed and hist[0].f1() == 0.4
    assert [r.result_id for r in store.evaluations(limit=2)] == ["e2", "g1"]


def test_duckdb_backfills_state_for_files_written_before_it_existed(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    a, b = posting("a", "x"), posting("b", "y")
    DuckDbStore(path).write_batch([a, b], [enrichment(a, "v1", T1), enrichment(b, "v1", T1)], [])
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM posting_state")  # as an old file would be
    con.close()
    assert DuckDbStore(path).count_drifted("v2") == 2


def test_duckdb_skill_rows_carry_link_and_section_columns(tmp_path: Path) -> None:
    """enrichment_skills is what analysts query in SQL: the per-skill fields must land there."""
    from dataclasses import replace

    store = DuckDbStore(tmp_path / "w.duckdb")
    a = posting("a", "Requirements\nPython")
    s = replace(skill("esco:py", "Python"), link_score=1.0, link_method="exact",
                section="requirements", section_relevance=1.0)  # fmt: skip
    old = skill("s1", "SQL")
    store.write_batch([a], [enrichment(a, "v2", T2, [s]), enrichment(a, "v1", T1, [old])], [])
    rows = store._query(
        "SELECT skill_id, link_score, link_method, section, section_relevance "
        "FROM enrichment_skills ORDER BY skill_id"
    )
    assert rows == [("esco:py", 1.0, "exact", "requirements", 1.0), ("s1", None, None, None, None)]


def test_duckdb_skill_rows_carry_concept_columns(tmp_path: Path) -> None:
    """link_level, group and the first 5 candidates (JSON) land in enrichment_skills."""
    import json
    from dataclasses import replace

    store = DuckDbStore(tmp_path / "w.duckdb")
    a = posting("a", "Python")
    s = replace(skill("esco:py", "Python"), link_level="concept", group_id="S5.1",
                group_name="programming", candidates=_cands("esco:py", "b", "c", "d", "e", "f"))  # fmt: skip
    store.write_batch(
        [a], [enrichment(a, "v2", T2, [s]), enrichment(a, "v1", T1, [skill("s1", "SQL")])], []
    )
    rows = store._query(
        "SELECT skill_id, link_level, group_id, group_name, candidates FROM enrichment_skills "
        "ORDER BY skill_id"
    )
    assert [r[:4] for r in rows] == [
        ("esco:py", "concept", "S5.1", "programming"),
        ("s1", None, None, None),
    ]
    assert [c["skill_id"] for c in json.loads(rows[0][4])] == ["esco:py", "b", "c", "d", "e"]
    assert rows[1][4] is None
