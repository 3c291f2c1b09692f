"""Occupation coder: accuracy on held-out O*NET titles and hand-labelled posting titles, and its cost.

    .venv/bin/python bench/occupations.py [--speed] [--json FILE] [--old-code DIR] [--cache DIR]

held-out strings (v3, the sound measure) the 20% of normalized O*NET 29.2 alternate and short
           title strings held out together with all their codes (domain/occupations/split.py);
           one item per string, a hit when the coder names any 6-digit code O*NET lists for it
per-pair   the v1/v2 measure: 20% of (code, alternate title) pairs by a hash of both
           (domain/occupations/evaluate.py), gold = the pair's own code. A coder built on the
           string split (v3) was built on most of these pairs: not a held-out figure for it
hand       config/eval/occupation_titles.jsonl: posting titles labelled by hand (guideline in its
           first line), when present
--nmi      agreement of occupations with clusters (NMI): on the 198 sample postings (occupation
           from the first line + skills vs the fleet's clustering, k from config), and on the
           1,250 Google postings (../shared/data, local only) against their 23 categories
--speed    the coder's time per posting in batches of 32 against the quality profile's extraction
           time per posting on the same sample postings (one thread, interleaved rounds); v9:
           also the coder with calibration.json's maps and floor ("calibrated_")
posting sets (bench/occupation_heldout.py): the fresh held-out Google titles (never chosen on;
           left out with --no-heldout, like the second fresh set of s27title3,
           occupation_titles_fresh2.jsonl), the 150 Google dev titles (chosen on for v5)
           and the 150 sample lines (chosen on for v4), each without skills and with the skills
           the quality profile extracts from the posting (as the chain hands them to the coder);
           v8: s27lab's third fresh set (occupation_titles_fresh3.jsonl) when present, and
           s27lab4's fourth (occupation_titles_fresh4.jsonl; --no-fresh4 leaves only it out);
           on a set whose rows carry `isco_code` (dev, fresh3, fresh4) the ESCO pick's ISCO-08 top-1 at 4/3/2/1
           digits and its ESCO occupation; on every set the ESCO pick's agreement with the SOC
           code ("consistency": picks outside the SOC major's ISCO groups)
dev        the O*NET dev strings (the shipped coder was fitted on them: a no-regression check only)
--old-code DIR  a checkout of the coder's code from another commit (`git archive C domain
           adapters scripts | tar -x -C DIR`), scored on the same sets in a child process with
           DIR first on sys.path and the same artifacts: old code vs new in one run
--old-skill-group-weight W  the old code's skill-group weight (default: model_versions.yaml's;
           v7's run passed 0 for v6's code)
--old-coder DIR  the old code's artifacts when they differ (v6: main's config/occupations via
           `git archive C config/occupations`)
--baseline DIR  another coder folder, scored and (with --speed) timed in the same rounds, on v2's
           code path (coefficients transposed on every call, as shipped in 2026.11.11). The
           held-out strings are NOT held out for a coder built on the per-pair split (v2): its
           figure there is reported under a name that says so
Scores are top-1 / top-3 at SOC 6-digit (XX-XXXX) and 2-digit (major group), the ranking cut at 3
6-digit codes before comparing.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import csv
import json
import resource
import sys
import time
from dataclasses import fields as dataclass_fields
from dataclasses import replace as dc_replace
from pathlib import Path

import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("OCC_BENCH_CODE"):  # --old-code's child: that commit's domain/ and adapters/
    sys.path.insert(0, os.environ["OCC_BENCH_CODE"])

from adapters.artifacts.occupations import load_coder  # noqa: E402
from domain.occupations.coder import OccupationCoder, SocModel  # noqa: E402
from domain.occupations.evaluate import is_held_out, soc6, topk_accuracy  # noqa: E402
from domain.occupations.split import GoldTitle, split_titles, topk_set_accuracy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "taxonomy" / "onet_29.2"
HAND = ROOT / "config" / "eval" / "occupation_titles.jsonl"


def held_out(short_titles: bool) -> list[tuple[str, str]]:
    out = []
    with open(DATA / "alternate_titles.txt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            code = row["O*NET-SOC Code"]
            names = [row["Alternate Title"]]
            if short_titles and row["Short Title"] not in ("n/a", ""):
                names.append(row["Short Title"])
            out += [(code, t) for t in names if is_held_out(code, t)]
    return out


class _TransposedPerCall(SocModel):
    """v2's code path for --baseline: `x @ coef.T` converts the coefficients on every call."""

    @property  # type: ignore[override]
    def coef_t(self) -> sp.csr_matrix:
        return self.coef.T


def held_out_strings(part: str = "held_out") -> list[GoldTitle]:
    from scripts.build_occupations import read_onet

    occ_rows, _, alts = read_onet(DATA)
    return list(getattr(split_titles(occ_rows, alts), part))


def posting_sets(
    coder: OccupationCoder, cache: Path | None, heldout: bool = True, fresh4: bool = True
) -> dict[str, object]:
    """O*NET held-out and dev strings, and the posting-title sets without and with skills (the
    fresh held-out titles only when `heldout`, fresh4 only when `fresh4` too: they are scored
    once, at the end)."""
    from bench.occupation_heldout import (
        HAND,
        extracted_skills,
        hand_items,
        heldout_items,
        isco_gold,
        score_items,
        title_sets,
    )

    out: dict[str, object] = {
        "held_out_strings": score_strings(coder, held_out_strings()),
        "dev_strings_fitted_on": score_strings(coder, held_out_strings("dev")),
    }
    for name, path in title_sets(heldout, fresh4):
        items = hand_items() if path == HAND else heldout_items(path)
        isco = isco_gold(path)
        skills = extracted_skills(items, cache)
        out[name] = score_items(coder, items, None, isco)
        out[f"{name}_with_skills"] = score_items(coder, items, skills, isco)
    return out


def old_code_sets(
    code: Path,
    coder_dir: Path,
    cache: Path | None,
    heldout: bool = True,
    old_weight: float | None = None,
    fresh4: bool = True,
) -> dict[str, object]:
    """posting_sets of another commit's code (same artifacts), in a child process."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "old.json"
        cmd = [
            sys.executable,
            __file__,
            "--sets-only",
            "--coder",
            str(coder_dir),
            "--json",
            str(out),
        ]
        if old_weight is not None:  # v7's run: v6's code had no skill groups (0)
            cmd += ["--skill-group-weight", str(old_weight)]
        if cache is not None:
            cmd += ["--cache", str(cache)]
        cmd += [] if heldout else ["--no-heldout"]
        cmd += [] if fresh4 else ["--no-fresh4"]
        env = {**os.environ, "OCC_BENCH_CODE": str(code.resolve())}
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        data: dict[str, object] = json.loads(out.read_text())
        return data


def score_strings(coder: OccupationCoder, gold: list[GoldTitle]) -> dict[str, float | int]:
    codes = coder.code_many([(g.raw, ()) for g in gold])
    ranked = [[a.soc_code for a in c.alternatives] for c in codes]
    out: dict[str, float | int] = {
        "n": len(gold),
        "no_code": sum(c.soc_code is None for c in codes),
    }
    for d in (6, 2):
        for k in (1, 3):
            out[f"{d}d_top{k}"] = round(topk_set_accuracy([g.codes for g in gold], ranked, k, d), 4)
    return out


def score(coder: OccupationCoder, pairs: list[tuple[str, str]]) -> dict[str, float | int]:
    codes = coder.code_many([(t, ()) for _, t in pairs])
    gold = [soc6(c) for c, _ in pairs]
    ranked = [[a.soc_code for a in c.alternatives] for c in codes]
    out: dict[str, float | int] = {
        "n": len(pairs),
        "no_code": sum(c.soc_code is None for c in codes),
    }
    for d in (6, 2):
        for k in (1, 3):
            out[f"{d}d_top{k}"] = round(topk_accuracy(gold, ranked, k, d), 4)
    return out


def _load_new_coder(path: Path, weight: float | None) -> OccupationCoder:
    """The coder as the worker loads it (v7: with the skills' major-group profiles when the
    weight, given or from model_versions.yaml, is > 0); the plain call for --old-code's child."""
    vectors = ROOT / "config/models/concept_vectors"
    if weight is None:
        from adapters.artifacts.config_files import load_config

        params = load_config(ROOT, profile="quality").params("occupation_coder")
        weight = float(params.get("skill_group_weight", 0.0))
    if weight <= 0:
        return load_coder(path, vectors)
    import gzip

    with gzip.open(ROOT / "config/taxonomy/skills.jsonl.gz", "rt", encoding="utf-8") as fh:
        names = {r["skill_id"]: r["name"] for r in map(json.loads, fh)}
    return load_coder(path, vectors, skill_names=names, skill_group_weight=weight)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--nmi", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--sets-only", action="store_true", help="only posting_sets (--old-code's child)"
    )
    ap.add_argument(
        "--no-heldout",
        action="store_true",
        help="leave the fresh held-out titles out (while choosing: they are scored once)",
    )
    ap.add_argument(
        "--no-fresh4", action="store_true", help="leave s27lab4's fresh4 titles out (for v9)"
    )
    ap.add_argument("--old-code", type=Path, help="another commit's domain/adapters/scripts tree")
    ap.add_argument(
        "--cache", type=Path, help="folder for the extracted skills of the posting sets"
    )
    ap.add_argument("--coder", type=Path, default=ROOT / "config" / "occupations")
    ap.add_argument(
        "--old-coder", type=Path, help="--old-code's coder folder (default: the same as --coder)"
    )
    ap.add_argument(
        "--skill-group-weight",
        type=float,
        help="v7: the skills' weight on the major group (default: model_versions.yaml's "
        "occupation_coder.params.skill_group_weight, as the worker loads it; 0: off)",
    )
    ap.add_argument(
        "--old-skill-group-weight",
        type=float,
        help="--old-code's skill-group weight (default: model_versions.yaml's, as its worker "
        "loads it; v7's run passed 0 for v6's code)",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another coder folder (e.g. v2's files from git) scored and timed in the same run",
    )
    args = ap.parse_args()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    coder = _load_new_coder(args.coder, args.skill_group_weight)
    load_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict[str, object] = {"load_s": round(load_s, 2), "rss_added_mib": round(rss1 - rss0)}
    if args.sets_only or args.old_code:
        out["sets"] = posting_sets(coder, args.cache, not args.no_heldout, not args.no_fresh4)
    if args.old_code:
        out["old_code_sets"] = old_code_sets(
            args.old_code,
            args.old_coder or args.coder,
            args.cache,
            not args.no_heldout,
            args.old_skill_group_weight,
            not args.no_fresh4,
        )
    if args.sets_only:
        if args.json:
            args.json.write_text(json.dumps(out, indent=2) + "\n")
        return 0
    strings = held_out_strings()
    out["held_out_strings"] = score_strings(coder, strings)
    if coder.majors is not None:  # the same coder ranking by probability alone (v2's decision)
        flat = dc_replace(coder, majors=None)
        out["held_out_strings_without_group_first"] = score_strings(flat, strings)
    out["per_pair_split_strict_v2_measure"] = score(coder, held_out(short_titles=False))
    coders = {"coder": coder}
    if getattr(coder, "skill_groups", None) is not None:  # v7 timed next to v6's reading
        coders["without_skill_groups"] = dc_replace(coder, skill_groups=None)
    if hasattr(coder, "esco_vector_weight"):  # v8 timed next to v7's reading, same rounds
        coders["v7_reading"] = dc_replace(
            coder, isco3_agreement=False, other_languages_use_skills=False, esco_vector_weight=0.0
        )
    if hasattr(coder, "head_weight"):  # v9 timed next to v8's reading, same rounds
        coders["v8_reading"] = dc_replace(
            coder, head_weight=0.0, isco_by_soc_group=False, lone_foreign_words=False
        )

    if getattr(coder, "calibration", "absent") is None:  # v9 timed next to the raw coder
        from adapters.artifacts.occupations import load_calibration

        coders["calibrated"] = dc_replace(coder, calibration=load_calibration(args.coder))
    if args.baseline:
        base = load_coder(args.baseline, ROOT / "config/models/concept_vectors", group_first=False)
        fields = {f.name: getattr(base.soc, f.name) for f in dataclass_fields(SocModel)}
        base = dc_replace(base, soc=_TransposedPerCall(**fields))
        coders["baseline"] = base
        out["baseline"] = {
            "held_out_strings_not_held_out_for_it": score_strings(base, strings),
            "per_pair_split_strict_v2_measure": score(base, held_out(short_titles=False)),
        }
    if HAND.exists():
        rows = [json.loads(x) for x in HAND.open(encoding="utf-8") if x.strip()]
        rows = [r for r in rows if "title" in r]
        coded = [r for r in rows if r["soc_code"]]
        out["hand_labelled_titles"] = score(coder, [(r["soc_code"], r["title"]) for r in coded])
        if coder.majors is not None:
            pairs = [(r["soc_code"], r["title"]) for r in coded]
            out["hand_labelled_without_group_first"] = score(dc_replace(coder, majors=None), pairs)
        if args.baseline:
            pairs = [(r["soc_code"], r["title"]) for r in coded]
            out["baseline"]["hand_labelled_titles"] = score(coders["baseline"], pairs)  # type: ignore[index]
        none = coder.code_many([(r["title"], ()) for r in rows if not r["soc_code"]])
        out["hand_lines_naming_no_occupation"] = {
            "n": len(none),
            "coded_at_confidence_0.5_or_more": sum(c.confidence >= 0.5 for c in none),
        }
        from bench.occupation_cost import speed

        out["speed"] = speed(coders, args.repeat)
    if args.nmi:
        from bench.occupation_cost import nmi

        out["nmi"] = nmi(coder)
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
