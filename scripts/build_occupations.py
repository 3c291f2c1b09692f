"""Build config/occupations/ (the occupation coder) from O*NET 29.2 and ESCO v1.1.1 (`make occupations`).

O*NET occupation titles + 80% of the alternate titles (scores in meta.json are on the 20% dev part of
those, never on the held-out 20%, which bench/occupations.py scores) train a LinearSVC over
title n-grams; ESCO v1.1.1 occupations give the ESCO/ISCO side (labels + occupation-skill relations).
LinearSVC runs with a fixed seed; two full v3 builds wrote byte-identical files (2026-11-30).
v3 (2026.11.16): titles are split by normalized string (domain/occupations/split.py), and
major_groups.npz holds a second LinearSVC over the same features on the 23 SOC major groups, for
the group-first top-1 (domain/occupations/fusion.py).
title_centroids.npz: each SOC class's mean title vector (all kept titles, model2vec vectors of
config/models/concept_vectors), fused with the classifier at FUSION_WEIGHT; `--centroids-only`
rebuilds just that file (deterministic: byte-identical re-runs, checked 2026-11-30).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.artifacts.concept_linker import load_encoder
from adapters.artifacts.occupations import save_centroids, save_coder, save_majors
from domain.occupations.coder import (
    EscoModel,
    OccupationCoder,
    SocModel,
    esco_vectorizer,
    title_vectorizers,
)
from domain.occupations.esco_titles import esco_classes, esco_pairs, isco_allowed
from domain.occupations.evaluate import soc6
from domain.occupations.fusion import MajorGroupPrior, log_softmax, major_groups
from domain.occupations.split import split_titles, title_key, topk_set_accuracy
from domain.occupations.titles import normalize_title

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "taxonomy"
C = 0.5
PRUNE = (
    0.0,
    0.005,
    0.01,
    0.02,
    0.05,
)  # smallest |w| kept; the largest that costs <= 0.002 dev top-1
TEMPERATURES = tuple(0.5 * i for i in range(1, 41))
# p ~ p_svc * exp(w * cosine to the class's mean title vector): w chosen on dev titles among
# 2.5 .. 20 by bench/occupation_embeddings.py (dev 6-digit top-1 0.4165 -> 0.4316, 2026-11-30).
FUSION_WEIGHT = 7.5
# top-1 chosen major group first: argmax log(group mass) + w * log p(group | title), w chosen on the
# string split's dev titles among 0 .. 3 by bench/occupation_v3_choices.py (2026-11-30).
GROUP_WEIGHT = 2.0
VECTORS = Path("config/models/concept_vectors")
# v6 experiment: ESCO occupation labels (preferred, alternative, hidden) join the SOC classifier's
# titles at this sample weight (O*NET titles weigh 1) with --esco-weight; 0 (the default, the
# shipped files) leaves them out: not measured to a decision in time (docs/occupations.md, v6).
ESCO_WEIGHT = 0.0


def read_onet(root: Path) -> tuple[list[tuple[str, str]], dict[str, str], list[tuple[str, str]]]:
    """(occupation titles [(code, title)], {code: title}, alternate titles [(code, title)])."""
    occ: dict[str, str] = {}
    with open(root / "occupation_data.txt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            occ[row["O*NET-SOC Code"]] = row["Title"]
    alts: list[tuple[str, str]] = []
    with open(root / "alternate_titles.txt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            alts.append((row["O*NET-SOC Code"], row["Alternate Title"]))
            if row["Short Title"] not in ("n/a", ""):
                alts.append((row["O*NET-SOC Code"], row["Short Title"]))
    return sorted(occ.items()), occ, alts


def soc_classes(occ: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """6-digit codes, their titles (the .00 occupation's, else the first) and O*NET codes."""
    by6: dict[str, tuple[str, str]] = {}
    for code in sorted(occ):
        six = soc6(code)
        if six not in by6 or code.endswith(".00"):
            by6[six] = (code, occ[code])
    codes = sorted(by6)
    return codes, [by6[c][1] for c in codes], [by6[c][0] for c in codes]


def read_esco(
    root: Path,
) -> tuple[list[str], list[str], list[str], list[str], list[int], list[tuple[int, str, str]]]:
    with zipfile.ZipFile(root / "esco_v1.1.1_classification_en_csv.zip") as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("occupations_en.csv"), "utf-8")))
    with zipfile.ZipFile(root / "esco_v1.1.1_relations_csv.zip") as z:
        rels = list(
            csv.DictReader(io.TextIOWrapper(z.open("occupationSkillRelations.csv"), "utf-8"))
        )
    rows = sorted((r for r in rows if r["status"] == "released"), key=lambda r: r["conceptUri"])
    uris = [r["conceptUri"] for r in rows]
    labels = [r["preferredLabel"] for r in rows]
    isco = [r["iscoGroup"] for r in rows]
    text: list[str] = []
    owner: list[int] = []
    for i, r in enumerate(rows):
        names = [r["preferredLabel"], *r["altLabels"].split("\n")]
        seen: set[str] = set()
        for n in names:
            t = normalize_title(n).text
            if t and t not in seen:
                seen.add(t)
                text.append(t)
                owner.append(i)
    index = {u: i for i, u in enumerate(uris)}
    relations = [
        (index[r["occupationUri"]], r["skillUri"].rsplit("/", 1)[-1], r["relationType"])
        for r in rels
        if r["occupationUri"] in index
    ]
    return uris, labels, isco, text, owner, relations


def occupation_skills(
    n_occ: int, relations: list[tuple[int, str, str]]
) -> tuple[dict[str, int], sp.csr_matrix]:
    """occupations x skills: IDF of the skill over occupations (essential 1.0, optional 0.5)."""
    skills = sorted({s for _, s, _ in relations})
    col = {s: i for i, s in enumerate(skills)}
    df = np.zeros(len(skills))
    pairs: dict[tuple[int, int], float] = {}
    for o, s, kind in relations:
        w = 1.0 if kind == "essential" else 0.5
        key = (o, col[s])
        pairs[key] = max(pairs.get(key, 0.0), w)
    for _, c in pairs:
        df[c] += 1
    idf = np.log((1 + n_occ) / (1 + df)) + 1
    keys = sorted(pairs)
    m = sp.csr_matrix(
        ([pairs[k] * idf[k[1]] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])),
        shape=(n_occ, len(skills)),
        dtype=np.float32,
    )
    return {f"esco:{s}": i for s, i in col.items()}, m


def fit(texts: list[str], labels: list[int], weights: Sequence[float] | None = None):  # type: ignore[no-untyped-def]
    """Vectorizers fitted on `texts` and a LinearSVC on them; `weights` per title (v6: ESCO
    labels weigh ESCO_WEIGHT, O*NET titles 1), None for all 1."""
    word, char = title_vectorizers()
    x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    clf = LinearSVC(C=C, random_state=0).fit(x, labels, sample_weight=w)
    return word, char, clf


def fit_major(
    texts: list[str], labels, codes: list[str], prune: float = 0.0, weights=None
) -> SocModel:  # type: ignore[no-untyped-def]
    """A LinearSVC over the same features, fitted on the SOC major group of each title: a
    SocModel whose classes are the major groups ('XX')."""
    groups, member = major_groups(codes)
    y = np.argmax(member[:, np.asarray(labels)], axis=0)
    word, char, clf = fit(texts, list(y), weights)
    return soc_model(word, char, clf, list(groups), list(groups), list(groups), prune, 1.0)


def soc_model(word, char, clf, codes, titles, onet, prune: float, temperature: float) -> SocModel:  # type: ignore[no-untyped-def]
    coef = np.asarray(clf.coef_, dtype=np.float32)
    coef[np.abs(coef) < prune] = 0.0
    full = np.zeros((len(codes), coef.shape[1]), dtype=np.float32)
    intercept = np.full(len(codes), -10.0, dtype=np.float32)  # a class never seen in building
    full[clf.classes_] = coef
    intercept[clf.classes_] = clf.intercept_
    return SocModel(
        tuple(codes),
        tuple(titles),
        tuple(onet),
        word,
        char,
        sp.csr_matrix(full.astype(np.float16).astype(np.float32)),
        intercept,
        temperature,
    )


def scores(model: SocModel, texts: list[str], gold: list[frozenset[str]]) -> dict[str, float]:
    """Dev figures of the classifier's own ranking: any of a string's O*NET codes is a hit."""
    s = model.scores(texts)
    ranked = [[model.codes[j] for j in row] for row in np.argsort(-s, axis=1, kind="stable")[:, :3]]
    return {
        f"{d}d_top{k}": round(topk_set_accuracy(gold, ranked, k, d), 4)
        for d in (6, 2)
        for k in (1, 3)
    }


def nll(s: np.ndarray, gold: np.ndarray, t: float) -> float:
    """-mean log of the softmax(t * s) mass on each row's gold classes (gold: rows x classes 0/1)."""
    z = log_softmax(s * t)
    m = np.where(gold > 0, z, -np.inf).max(axis=1, keepdims=True)
    return float(-(m[:, 0] + np.log((np.exp(z - m) * gold).sum(axis=1))).mean())


def read_esco_titles(root: Path) -> tuple[list[str], list[str], list[str], list[int]]:
    """ESCO v1.1.1 released occupations (sorted by URI): (ISCO-08 unit groups, normalized preferred
    labels, normalized labels: preferred, alternative and hidden, each label's occupation index).
    Normalized as O*NET split keys are (`split.title_key`)."""
    with zipfile.ZipFile(root / "esco_v1.1.1_classification_en_csv.zip") as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("occupations_en.csv"), "utf-8")))
    rows = sorted((r for r in rows if r["status"] == "released"), key=lambda r: r["conceptUri"])
    text: list[str] = []
    owner: list[int] = []
    for i, r in enumerate(rows):
        for n in [r["preferredLabel"], *r["altLabels"].split("\n"), *r["hiddenLabels"].split("\n")]:
            if t := title_key(n):
                text.append(t)
                owner.append(i)
    preferred = [title_key(r["preferredLabel"]) or r["preferredLabel"] for r in rows]
    return [r["iscoGroup"] for r in rows], preferred, text, owner


def esco_training(
    root: Path, model: SocModel, onet_strings: set[str]
) -> tuple[list[str], list[int]]:
    """v6: ESCO labels as SOC training titles (domain/occupations/esco_titles.py), each ESCO
    occupation's class chosen by `model` (fitted on the train strings) among its ISCO group's."""
    isco, preferred, text, owner = read_esco_titles(root)
    classes = esco_classes(model.scores(preferred), isco_allowed(model.codes, isco))
    pairs = esco_pairs(text, owner, list(classes), onet_strings)
    return [t for _, t in pairs], [c for c, _ in pairs]


def title_centroids(texts: list[str], labels: list[int], n: int, vectors: Path) -> np.ndarray:
    """Unit mean vector of each class's normalized titles, (n, dim) float32; zero rows for a
    class without titles (the fusion then adds nothing for it)."""
    encode = load_encoder(vectors)
    v = np.concatenate([encode(texts[i : i + 4096]) for i in range(0, len(texts), 4096)])
    c = np.zeros((n, v.shape[1]), dtype=np.float64)
    np.add.at(c, np.asarray(labels), v.astype(np.float64))
    c /= np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    return c.astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("config/occupations"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--vectors", type=Path, default=VECTORS)
    ap.add_argument("--centroids-only", action="store_true")
    ap.add_argument("--esco-weight", type=float, default=ESCO_WEIGHT)
    args = ap.parse_args()
    t0 = time.perf_counter()
    occ_rows, occ, alts = read_onet(args.data / "onet_29.2")
    codes, titles, onet = soc_classes(occ)
    cls = {c: i for i, c in enumerate(codes)}
    split = split_titles(occ_rows, alts)  # by normalized string: held-out strings never read
    groups, member = major_groups(codes)

    def xy(pairs: Sequence[tuple[str, str]]) -> tuple[list[str], list[int]]:
        return [t for _, t in pairs], [cls[soc6(c)] for c, _ in pairs]

    def centroids() -> None:
        ax, ay = xy(split.kept())
        cent = title_centroids(ax, ay, len(codes), args.vectors)
        save_centroids(cent, FUSION_WEIGHT, args.vectors, args.out)
        meta_path = args.out / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        meta["title_fusion"] = (
            f"p ~ p_svc * exp({FUSION_WEIGHT} * cosine of the title's {args.vectors} vector to "
            "the class's mean title vector), weight chosen on dev by bench/occupation_embeddings.py"
        )
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"title centroids {cent.shape}, weight {FUSION_WEIGHT}", flush=True)

    if args.centroids_only:
        centroids()
        return 0

    tx, ty = xy(split.train)
    dx = [g.text for g in split.dev]
    dgold = [g.codes for g in split.dev]
    gmat = np.zeros((len(dx), len(codes)), dtype=np.float32)
    for i, g in enumerate(dgold):
        gmat[i, [cls[c] for c in g]] = 1.0
    print(
        f"train pairs {len(tx)}, dev strings {len(dx)}, "
        f"held-out strings {len(split.held_out)} (not read further)",
        flush=True,
    )
    word, char, clf = fit(tx, ty)
    print(f"fit on train: {time.perf_counter() - t0:.0f} s", flush=True)
    base = scores(soc_model(word, char, clf, codes, titles, onet, 0.0, 1.0), dx, dgold)
    prune = 0.0
    for p in PRUNE[1:]:
        sc = scores(soc_model(word, char, clf, codes, titles, onet, p, 1.0), dx, dgold)
        print(f"prune {p}: dev {sc}", flush=True)
        if sc["6d_top1"] >= base["6d_top1"] - 0.002:
            prune = p
    m = soc_model(word, char, clf, codes, titles, onet, prune, 1.0)
    s = m.scores(dx)
    temperature = min(TEMPERATURES, key=lambda t: nll(s, gmat, t))
    dev_scores = scores(m, dx, dgold)
    major = fit_major(tx, ty, codes, prune)
    s2 = major.scores(dx)
    major_temperature = min(TEMPERATURES, key=lambda t: nll(s2, (gmat @ member.T > 0) * 1.0, t))
    print(f"dev {dev_scores}, prune {prune}, temperature {temperature}, "
          f"major-group temperature {major_temperature}", flush=True)  # fmt: skip

    # the shipped coder: refit on every kept string (train + dev), same choices
    ax, ay = xy(split.kept())
    aw = [1.0] * len(ax)
    n_esco = 0
    if args.esco_weight > 0:
        onet_strings = {t for _, t in split.train} | {g.text for g in split.dev + split.held_out}
        ex, ey = esco_training(args.data / "esco_v1.1.1", m, onet_strings)
        n_esco = len(ex)
        ax, ay, aw = ax + ex, ay + ey, aw + [args.esco_weight] * n_esco
        print(f"ESCO labels added: {n_esco} at weight {args.esco_weight}", flush=True)
    word, char, clf = fit(ax, ay, aw)
    soc = soc_model(word, char, clf, codes, titles, onet, prune, temperature)
    major = fit_major(ax, ay, codes, prune, aw)
    if (major.word.vocabulary_, major.char.vocabulary_) != (
        soc.word.vocabulary_,
        soc.char.vocabulary_,
    ):
        raise SystemExit("major-group classifier fitted on other features than the SOC one")
    majors = MajorGroupPrior(major.coef, major.intercept, major_temperature, member, GROUP_WEIGHT)
    uris, labels, isco, text, owner, relations = read_esco(args.data / "esco_v1.1.1")
    vec = esco_vectorizer()
    vectors = vec.fit_transform(text).tocsr()
    skill_index, occ_skills = occupation_skills(len(uris), relations)
    esco = EscoModel(
        tuple(uris),
        tuple(labels),
        tuple(isco),
        tuple(text),
        np.array(owner, dtype=np.int32),
        vectors,
        vec,
        skill_index,
        occ_skills,
    )
    meta = {
        "classifier": f"LinearSVC(C={C}) on TF-IDF word 1-2 + char_wb 2-5 grams (min_df 2)",
        "classes": len(codes),
        "split": "by normalized title string (domain/occupations/split.py)",
        "train_titles": len(ax),
        "esco_titles": (
            f"{n_esco} ESCO labels (not O*NET strings) at sample weight {args.esco_weight}, "
            "class by the train fit among the ISCO group's majors (domain/occupations/esco_titles.py)"
        ),
        "held_out_strings": len(split.held_out),
        "major_groups": (
            f"LinearSVC(C={C}) over the same features on {len(groups)} SOC major groups, "
            f"temperature {major_temperature}; top-1 chosen group first at weight {GROUP_WEIGHT}"
        ),
        "major_coef_nonzero": int(majors.coef.nnz),
        "dev_scores_fit_without_dev": dev_scores,
        "prune_abs_weight_below": prune,
        "temperature": temperature,
        "coef_nonzero": int(soc.coef.nnz),
        "esco_occupations": len(uris),
        "esco_labels": len(text),
        "esco_skill_relations": int(occ_skills.nnz),
        "sources": [
            "O*NET 29.2 occupation_data + alternate_titles",
            "ESCO v1.1.1 occupations_en + occupationSkillRelations",
        ],
    }
    save_coder(OccupationCoder(soc, esco), meta, args.out)
    save_majors(majors, groups, args.out)
    centroids()
    print(json.dumps(meta, indent=2))
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0 if math.isfinite(temperature) else 1


if __name__ == "__main__":
    raise SystemExit(main())
