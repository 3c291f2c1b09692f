"""`enrich extract`: JSONL in, one line per posting out, in order, with valid character offsets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from domain.text.normalize import comparable, normalize
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_extract_cli_outputs_one_line_per_posting_in_order() -> None:
    rows = [
        {"posting_id": "a", "text": "Requirements\nPython, k8s and SQL; teamwork."},
        {"posting_id": "empty", "text": ""},
        {"posting_id": "html", "text": "<ul><li><b>Java</b> &amp; Docker</li></ul>"},
        {"posting_id": "ctrl", "text": "Kubernetes\x00\x07 and\x1b Git"},
        {"posting_id": "de", "text": "Wir suchen Erfahrung mit Projektmanagement und Englisch."},
        {"posting_id": "big", "text": "Python " + "filler " * 130_000},  # ~0.9 MB: truncated
        {"posting_id": "huge", "text": "x" * 1_200_000},  # over the size cap: rejected
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in rows).encode() + b"not json\n"
    run = subprocess.run(
        [sys.executable, "-m", "cli.enrich", "extract", "--batch-size", "2"],
        cwd=ROOT, input=stdin, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    err = [line for line in run.stderr.decode().splitlines() if line.startswith("  extracted ")]
    # one final count; a partial count (a run slower than 3 s) says "so far", never reads as a run
    assert err[-1].startswith("  extracted 5 postings, 3 rejected, version ")
    assert all(" so far, " in line for line in err[:-1])
    out = [json.loads(line) for line in run.stdout.decode().splitlines()]
    # a line over the size cap is refused unparsed, so only its line number identifies it
    assert [o.get("posting_id") for o in out] == [r["posting_id"] for r in rows[:-1]] + [None, None]
    by_id = {o["posting_id"]: o for o in out if o.get("posting_id")}
    assert by_id["empty"]["rejected"]["reason"] == "empty_text"
    assert (out[-2]["line"], out[-2]["rejected"]["reason"]) == (7, "too_large")
    assert out[-1]["rejected"]["reason"] == "invalid_json"
    assert by_id["big"]["truncated"] is True and not by_id["a"]["truncated"]
    texts = {r["posting_id"]: r["text"] for r in rows}
    for pid in ("a", "html", "ctrl", "de", "big"):
        for m in by_id[pid]["mentions"]:
            # offsets index the text as received (control characters: spaces of equal length),
            # up to the documented normalization (here: HTML tags and entities)
            got = texts[pid].replace("\x00", " ").replace("\x07", " ").replace("\x1b", " ")
            assert comparable(normalize(got[m["start"] : m["end"]]).text) == comparable(m["text"])
            assert "experience_years" in m
            assert m["kind"] in {"SKILL", "KNOWLEDGE"} and 0 < m["confidence"] <= 1
            assert m["source_strategies"] and m["skill_id"] and m["name"]
    names = {m["name"] for m in by_id["a"]["mentions"]}
    assert {"Python (computer programming)", "Kubernetes"} <= names
    assert by_id["a"]["enrichment_version"] == by_id["html"]["enrichment_version"]
    stats = by_id["a"]["stats"]
    assert stats["alias_resolution"]["alias_matches"] >= 1  # k8s
    assert set(stats["candidates"]) <= {"taxonomy", "alias", "context", "transformer", "named"}
    assert (by_id["a"]["language"], by_id["de"]["language"]) == ("en", "de")
    assert {m["text"] for m in by_id["html"]["mentions"]} >= {"Java", "Docker"}


def test_extract_keeps_each_line_own_output_when_ids_repeat_and_survives_poison() -> None:
    rows = [
        {"posting_id": "dup", "text": "Experience with Python and SQL is required."},
        {"posting_id": "dup", "text": "Kubernetes, Docker and Java for the platform team."},
    ]
    stdin = (
        "".join(json.dumps(r) + "\n" for r in rows).encode()
        + b"[" * 1000 + b"]" * 1000 + b"\n"  # the nesting that raised RecursionError
        + json.dumps({"posting_id": "after", "text": "Git"}).encode() + b"\n"
    )  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "cli.enrich", "extract", "--batch-size", "8"],
        cwd=ROOT, input=stdin, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    out = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [o.get("posting_id") for o in out] == ["dup", "dup", None, "after"]
    for row, o in zip(rows, out[:2], strict=True):
        assert o["mentions"], "each line gets its own skills"
        for m in o["mentions"]:
            assert row["text"][m["start"] : m["end"]] == m["text"]  # offsets into its own text
            assert m["link_method"] in {"exact", "alias", "normalized", "vector", "group", "none"}
            assert 0.0 <= m["link_score"] <= 1.0
            assert (m["link_method"] in ("none", "group")) == m["skill_id"].startswith("span:")
            assert (m["link_level"] == "concept") == (not m["skill_id"].startswith("span:"))
            assert (m["link_method"] == "group") == m["link_level"].startswith("group:")
            assert len(m["candidates"]) <= 5 and all(c["skill_id"] for c in m["candidates"])
            if m["link_level"] == "concept":  # the top-1 leads its candidates
                assert m["candidates"][0]["skill_id"] == m["skill_id"]
    assert out[2]["rejected"]["reason"] == "too_deep" and out[2]["line"] == 3


def test_extract_prints_each_postings_occupation() -> None:
    rows = [
        {"posting_id": "rn", "title": "Sr. RN, Nights, $5k bonus", "text": "Patient care. BLS."},
        {"posting_id": "line", "text": "Senior Java Developer (m/f/d)\nJava, Spring and SQL."},
        {"posting_id": "none", "title": "🚀🚀", "text": "We are a friendly team. Join us."},
        # v8 (2026.12.6): a header first line is not a title; a German title goes to the skills
        {"posting_id": "hdr", "text": "About the job\nWe build payment systems in Java."},
        {
            "posting_id": "de",
            "text": "Krankenpfleger (m/w/d)\nWir suchen Verstärkung für "
            "unsere Station. Sie pflegen Patienten und dokumentieren die Pflege.",
        },
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in rows).encode()
    run = subprocess.run(
        [sys.executable, "-m", "cli.enrich", "extract"],
        cwd=ROOT, input=stdin, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    occ = {
        o["posting_id"]: o["occupation"] for o in map(json.loads, run.stdout.decode().splitlines())
    }
    assert (occ["rn"]["soc_code"], occ["rn"]["seniority"], occ["rn"]["title_from"]) == (
        "29-1141",
        "senior",
        "title",
    )
    assert occ["rn"]["isco_group"] and len(occ["rn"]["alternatives"]) == 3
    assert (occ["line"]["soc_code"], occ["line"]["title_from"]) == ("15-1252", "first_line")
    assert (
        occ["none"]["soc_code"] is None
        and occ["none"]["reason"] == "title_without_words_too_few_skills"
    )
    assert occ["line"]["esco_label"] != "property developer"  # v7's pick (ISCO 1323)
    assert occ["line"]["isco_group"].startswith("25")
    assert occ["hdr"]["title_from"] == "header" and occ["hdr"]["method"] != "title"
    assert occ["de"]["method"] != "title" and occ["de"]["reason"].startswith("title_words_unknown")
    assert "friendly" not in run.stderr.decode()  # no posting text in logs
