"""Posting-title sets for bench/occupations.py: the fresh held-out Google titles, the 150 sample
lines, each with the skills the chain would hand the coder, and their scores.

held-out  config/eval/occupation_titles_heldout.jsonl (175 Google titles, labelled before any
          coder was run on them, never chosen on): the titles are read from
          ../shared/data/postings/google_job_skills/job_skills.csv by row (local-use data, not
          stored in the repository) and checked against the stored SHA-256 prefix
dev       config/eval/occupation_titles_dev.jsonl (150 other Google titles, disjoint from the
          held-out ones, labelled before any coder was run on them: chosen on for v5), read the
          same way
fresh2-4  config/eval/occupation_titles_fresh{2,3,4}.jsonl (150 Google titles each, labelled
          before any coder was run on them, each scored once: fresh2 by v7, fresh3 by v8, fresh4
          (s27lab4, SOC + ISCO + ESCO) for v9), read the same way; `title_sets` lists them
hand      config/eval/occupation_titles.jsonl (the 150 sample first lines with a code: chosen on)
skills    the skill ids the quality profile extracts from each posting's text, as
          domain/pipeline.py hands them to `code_many` (the Google text is the Responsibilities
          and Qualifications fields, without the title); cached in a JSON file per enrichment
          version, since extraction takes ~1 minute
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from domain.occupations.coder import OccupationCoder
from domain.occupations.evaluate import topk_accuracy

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "config" / "eval" / "occupation_titles_heldout.jsonl"
DEV = ROOT / "config" / "eval" / "occupation_titles_dev.jsonl"
FRESH2 = ROOT / "config" / "eval" / "occupation_titles_fresh2.jsonl"  # s27title3, never chosen on
FRESH3 = ROOT / "config" / "eval" / "occupation_titles_fresh3.jsonl"  # s27lab (v8), scored once
FRESH4 = ROOT / "config" / "eval" / "occupation_titles_fresh4.jsonl"  # s27lab4, for v9: once
HAND = ROOT / "config" / "eval" / "occupation_titles.jsonl"
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"

# One item: (posting id, title, posting text, gold 6-digit code or None)
Item = tuple[str, str, str, str | None]


def heldout_items(path: Path = HELDOUT) -> list[Item]:
    """The fresh held-out titles (or, with DEV, the dev set's) with their Google posting text;
    raises when the CSV moved."""
    rows = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
    rows = [r for r in rows if "row" in r]
    with GOOGLE.open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    out: list[Item] = []
    for r in rows:
        g = data[r["row"]]
        title = g["Title"].strip()
        if hashlib.sha256(title.encode()).hexdigest()[:16] != r["title_sha256"]:
            raise SystemExit(f"{GOOGLE}: row {r['row']} is not the labelled title")
        text = "\n\n".join(
            f"{h}:\n{g[h]}"
            for h in ("Responsibilities", "Minimum Qualifications", "Preferred Qualifications")
            if g.get(h)
        )
        out.append((r["item"], title, text, r["soc_code"]))
    return out


def title_sets(heldout: bool = True, fresh4: bool = True) -> list[tuple[str, Path]]:
    """(name, label file) of the posting-title sets bench/occupations.py scores, in its order:
    the fresh sets (never chosen on, each scored once) only when `heldout`, fresh3 and fresh4
    only when their file exists and fresh4 only when `fresh4` too; then the Google dev set and
    the sample lines (both chosen on)."""
    fresh = [("fresh_heldout_titles", HELDOUT), ("fresh2_titles", FRESH2)]
    fresh += [("fresh3_titles", FRESH3)] if FRESH3.exists() else []
    fresh += [("fresh4_titles", FRESH4)] if fresh4 and FRESH4.exists() else []
    return (fresh if heldout else []) + [("google_dev_150", DEV), ("hand_150", HAND)]


def hand_items() -> list[Item]:
    """The 198 sample first lines (150 with a code) and their postings' text."""
    texts = {}
    for x in SAMPLES.open(encoding="utf-8"):
        r = json.loads(x)
        texts[r["posting_id"]] = r["text"]
    rows = [json.loads(x) for x in HAND.open(encoding="utf-8") if x.strip()]
    return [
        (r["posting_id"], r["title"], texts[r["posting_id"]], r["soc_code"])
        for r in rows
        if "title" in r
    ]


def extracted_skills(items: Sequence[Item], cache: Path | None) -> dict[str, list[str]]:
    """posting id -> the skill ids the quality profile extracts from its text (cached)."""
    from adapters.artifacts.config_files import build_extractor, load_config
    from domain.models import Section

    cfg = load_config(ROOT, profile="quality")
    path = None if cache is None else cache / f"occupation_skills_{cfg.manifest.effective}.json"
    known: dict[str, list[str]] = {}
    if path is not None and path.is_file():
        known = json.loads(path.read_text())
    todo = [it for it in items if it[0] not in known]
    if todo:
        ex = build_extractor(cfg)
        batch = [(text, (Section("overview", 0, len(text)),)) for _, _, text, _ in todo]
        for i in range(0, len(batch), 32):
            for it, r in zip(todo[i : i + 32], ex.extract_many(batch[i : i + 32]), strict=True):
                known[it[0]] = [s.skill_id for s in r.skills]
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(known, sort_keys=True))
    return {it[0]: known[it[0]] for it in items}


def isco_gold(path: Path) -> dict[str, tuple[str, str | None]]:
    """item -> (ISCO-08 unit group, ESCO uri or None) of a set's rows with an `isco_code` (v8:
    s27lab's labels on the dev set, fresh3 and, by posting_id, the sample lines); empty when the
    set has none."""
    rows = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
    return {
        r.get("item") or r["posting_id"]: (r["isco_code"], r.get("esco_uri"))
        for r in rows
        if r.get("isco_code")
    }


def isco_scores(
    codes: Sequence[object], ids: Sequence[str], gold: dict[str, tuple[str, str | None]]
) -> dict[str, object]:
    """Top-1 of the ESCO pick's ISCO-08 group at 4, 3, 2 and 1 digits on the items with an
    `isco_code` (a posting without an ESCO pick is a miss), and its ESCO occupation on the items
    with an `esco_uri`."""
    pairs = [(gold[i], c) for i, c in zip(ids, codes, strict=True) if i in gold]
    out: dict[str, object] = {"n": len(pairs)}
    for d in (4, 3, 2, 1):
        hits = sum(bool(c.isco_group) and c.isco_group[:d] == g[:d] for (g, _), c in pairs)  # type: ignore[attr-defined]
        out[f"isco{d}_top1"] = round(hits / len(pairs), 4) if pairs else None
    uris = [(u, c) for (_, u), c in pairs if u]
    out["esco_n"] = len(uris)
    out["esco_top1"] = round(sum(c.esco_uri == u for u, c in uris) / len(uris), 4) if uris else None  # type: ignore[attr-defined]
    return out


def consistency(codes: Sequence[object]) -> dict[str, object]:
    """Of the postings with a SOC code and an ESCO pick: how many picks' ISCO sub-major group
    (2 digits) is not one the SOC major group maps to (domain/occupations/crosswalk.py's
    SOC_MAJOR_TO_ISCO, v3-v7's mask), how many picks' ISCO minor group (3 digits) is not one of
    v8's SOC_MAJOR_TO_ISCO3, and, of those coded 15-1252, how many picks sit outside ISCO 25."""
    from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO

    coded = [c for c in codes if c.soc_code and c.isco_group]  # type: ignore[attr-defined]
    try:
        from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO3
    except ImportError:  # the old code's tree: v8's table from this tree's file
        SOC_MAJOR_TO_ISCO3 = _fine_table()
    out: dict[str, object] = {"coded": len(coded)}
    out["isco2_outside_soc_major"] = sum(
        c.isco_group[:2] not in SOC_MAJOR_TO_ISCO[c.soc_code[:2]] for c in coded
    )  # type: ignore[attr-defined]
    out["isco3_outside_soc_major"] = sum(
        c.isco_group[:3] not in SOC_MAJOR_TO_ISCO3[c.soc_code[:2]] for c in coded
    )  # type: ignore[attr-defined]
    dev = [c for c in coded if c.soc_code == "15-1252"]  # type: ignore[attr-defined]
    out["software_developers"] = len(dev)
    out["software_developers_outside_isco25"] = sum(not c.isco_group.startswith("25") for c in dev)  # type: ignore[attr-defined]
    out["software_developers_property_developer"] = sum(
        c.esco_label == "property developer" for c in dev
    )  # type: ignore[attr-defined]
    return out


def _fine_table() -> dict[str, frozenset[str]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_v8_crosswalk", ROOT / "domain/occupations/crosswalk.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return dict(mod.SOC_MAJOR_TO_ISCO3)


def score_items(
    coder: OccupationCoder,
    items: Sequence[Item],
    skills: dict[str, list[str]] | None,
    isco: dict[str, tuple[str, str | None]] | None = None,
) -> dict[str, object]:
    """Top-1 / top-3 at 6 and 2 digits on the items with a code (skills () when None); and of
    the items without one, how many get a code at confidence >= 0.5; codes per method; v8: with
    `isco` gold (isco_gold), the ESCO pick's ISCO top-1 (isco_scores), and on every set the
    ESCO pick's agreement with the SOC code (consistency)."""
    codes = coder.code_many([(t, (skills or {}).get(pid, ())) for pid, t, _, _ in items])
    gold = [g for *_, g in items]
    with_code = [(g, c) for g, c in zip(gold, codes, strict=True) if g]
    ranked = [[a.soc_code for a in c.alternatives] for _, c in with_code]
    out: dict[str, object] = {"n": len(with_code)}
    for d in (6, 2):
        for k in (1, 3):
            acc = topk_accuracy([g for g, _ in with_code], ranked, k, d)
            out[f"{d}d_top{k}"] = round(acc, 4)
    out["by_method"] = {
        m: sum(c.method == m for _, c in with_code) for m in ("title", "skills", "none")
    }
    none = [c for g, c in zip(gold, codes, strict=True) if not g]
    out["no_occupation_lines"] = len(none)
    out["no_occupation_coded_at_0.5"] = sum(c.confidence >= 0.5 for c in none)
    out["consistency"] = consistency(codes)
    if isco:
        out["isco"] = isco_scores(codes, [pid for pid, *_ in items], isco)
    return out
