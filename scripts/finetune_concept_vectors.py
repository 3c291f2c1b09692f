"""Fine-tune the concept linker's static token table contrastively (issue #24, s24vec): same
shape (29,525 x 128 float16), same tokenizer, same mean pooling, so the worker's loader
(model2vec `StaticModel`) reads it unchanged and a mention costs what it cost.

    PYTHONPATH=$PWD .venv-train/bin/python scripts/finetune_concept_vectors.py \
        [--base config/models/concept_vectors] [--out config/models/concept_vectors_tuned] \
        [--epochs 6] [--lr 0.01] [--batch 512] [--temperature 0.05] [--hard-spans 5] \
        [--descriptions ../shared/data/taxonomy/esco_v1.1.1/skills_en.csv]
        [--hard-negatives 0] [--hard-pool 10] [--hard-weight 1]

(any Python with torch, numpy, tokenizers and safetensors; no model2vec needed; `make
concept-vectors-tuned`, ~12 min on 2 loaded cores; then `make concept-decision`.)

Pairs (anchor -> positive), none from dev gold or the judged samples:
  * every alternative label of an ESCO / O*NET concept -> the concept's preferred label
    (config/taxonomy/skills.jsonl.gz), when the label names that concept only and is not a
    weak one-word label ("engineering" of *packaging engineering*);
  * every ESCO description (`--descriptions`, ESCO v1.1.1's skills_en.csv) -> its concept's
    preferred label ("prepare research grant application" teaches where *apply for research
    funding* is);
  * the hand-linked SkillSpan TRAIN spans of `--spans` (default
    config/eval/skillspan_train_concepts_more.jsonl) -> their concept's preferred label, each
    repeated `--hard-spans` times per epoch.
Left out of training: a fifth of the concepts by id hash (sha256 % 5 == 0, the same fifth
scripts/build_concept_decision.py holds out) whose alternative labels choose the epoch, and the
alternative labels scripts/build_concept_decision.py draws as its pseudo-mentions (so the
learned decision, retrained on these vectors, never sees a cosine the vectors were trained to
raise). The decision's own hand-linked spans (skillspan_train_concepts.jsonl) are left out by
default for the same reason.

Loss: symmetric InfoNCE with in-batch negatives (pairs of the same concept masked) over the
L2-normalized mean of the tokens' rows, plus `--anchor` x the squared distance of the table to
the distilled one. Adam, CPU, seeded, torch deterministic algorithms, 2 threads: the same
inputs give the same file, byte for byte, on the same machine and torch build.
`--hard-negatives K` (s24neg; 0, off, by default and in the shipped table): each epoch, every
anchor's K hard negatives are drawn from the `--hard-pool` training concepts whose preferred
label is nearest it under the table being trained (never its own concept nor one with the same
preferred label), and appended to its InfoNCE row (docs/concept-linking.md, "Hard negatives").
Each epoch prints the held-out concepts' top-1 / Recall@5 (their alternative labels looked up
among every preferred label and the training concepts' alternative labels); the epoch with the
best held-out Recall@5 is written.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import Tokenizer

if TYPE_CHECKING:  # torch is imported where it is used: the pair helpers run without it
    import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.skills.pseudo_mentions import pseudo_mentions  # noqa: E402
from domain.skills.taxonomy import Skill, is_weak_label  # noqa: E402

MAX_TOKENS = 512  # model2vec's max_length in config.json


def held_out(skill_id: str) -> bool:
    """The fifth of concepts scripts/build_concept_decision.py holds out (sha256 of the id)."""
    return int(hashlib.sha256(skill_id.encode()).hexdigest(), 16) % 5 == 0


def load_skills(path: Path) -> list[Skill]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [Skill(r["skill_id"], r["name"], r["category"], tuple(r.get("aliases", ())))
            for r in rows]  # fmt: skip


def decision_draw(skills: list[Skill], n: int = 8000) -> set[str]:
    """The alternative labels (lower-cased) scripts/build_concept_decision.py draws as
    pseudo-mentions (domain/skills/pseudo_mentions.py)."""
    return {t.lower() for t, _, _ in pseudo_mentions(skills, n)}


def taxonomy_pairs(skills: list[Skill], skip: set[str]) -> tuple[list, list]:
    """(alt label, preferred label, concept index) for training concepts; (alt label, concept
    index) queries for the held-out ones."""
    count: Counter[str] = Counter()
    for s in skills:
        for lb in {x.lower() for x in (s.name, *s.aliases)}:
            count[lb] += 1
    train, held = [], []
    for i, s in enumerate(skills):
        for a in dict.fromkeys(s.aliases):
            low = a.lower()
            if low == s.name.lower() or count[low] != 1 or is_weak_label(s, low):
                continue
            if held_out(s.skill_id):
                held.append((a, i))
            elif low not in skip:
                train.append((a, s.name, i))
    return train, held


def span_pairs(paths: list[Path], skills: list[Skill]) -> list[tuple[str, str, int]]:
    at = {s.skill_id: i for i, s in enumerate(skills)}
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            r = json.loads(line)
            sid = r.get("skill_id")
            if sid in at and not held_out(sid):
                out.append((" ".join(r["text"].split()), skills[at[sid]].name, at[sid]))
    return out


def description_pairs(path: Path, skills: list[Skill]) -> list[tuple[str, str, int]]:
    """(ESCO description -> preferred label, concept index) for the training concepts: the
    description's words ("prepare research grant application") learn where the label is."""
    import csv

    at = {s.skill_id: i for i, s in enumerate(skills)}
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            sid = "esco:" + r["conceptUri"].rsplit("/", 1)[-1]
            text = " ".join((r.get("description") or "").split())
            if sid in at and text and not held_out(sid):
                out.append((text, skills[at[sid]].name, at[sid]))
    return out


class Tokens:
    """model2vec StaticModel.tokenize: no special tokens, [UNK] dropped, 512 tokens at most."""

    def __init__(self, path: Path) -> None:
        self.tok = Tokenizer.from_file(str(path))
        self.tok.no_padding()
        self.tok.enable_truncation(MAX_TOKENS)
        self.unk = self.tok.token_to_id("[UNK]")
        self._memo: dict[str, list[int]] = {}

    def ids(self, texts: list[str]) -> list[list[int]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        for t, enc in zip(todo, self.tok.encode_batch(todo, add_special_tokens=False),
                          strict=True):  # fmt: skip
            self._memo[t] = [i for i in enc.ids if i != self.unk]
        return [self._memo[t] for t in texts]


def bag(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Flat ids, offsets and a mask of the texts that have at least one token."""
    import torch

    flat = [i for x in ids for i in x]
    offsets = np.cumsum([0] + [len(x) for x in ids[:-1]])
    return (torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long),
            torch.tensor([bool(x) for x in ids]))  # fmt: skip


def embed(table: torch.Tensor, ids: list[list[int]]) -> torch.Tensor:
    """L2-normalized mean of each text's token rows (model2vec's `encode`, in float32)."""
    import torch

    flat, offsets, _ = bag(ids)
    mean = torch.nn.functional.embedding_bag(flat, table, offsets, mode="mean")
    return torch.nn.functional.normalize(mean, dim=1, eps=1e-12)


def evaluate(table: torch.Tensor, tokens: Tokens, skills, held, index_rows, n_query=3000) -> dict:
    """Held-out concepts: each alternative label looked up among `index_rows` (label, concept
    index), best row per concept: top-1 and Recall@5 (seeded sample of `n_query` labels)."""
    import torch

    rng = random.Random(0)
    queries = rng.sample(held, min(n_query, len(held)))
    with torch.no_grad():
        rows = torch.cat([embed(table, tokens.ids([r[0] for r in index_rows[i : i + 8192]]))
                          for i in range(0, len(index_rows), 8192)])  # fmt: skip
        q = embed(table, tokens.ids([t for t, _ in queries]))
        owner = np.asarray([c for _, c in index_rows])
        top1 = top5 = 0
        for i in range(0, len(queries), 256):
            sims = q[i : i + 256] @ rows.T
            best = torch.topk(sims, 40, dim=1).indices.numpy()
            for (_, gold), cand in zip(queries[i : i + 256], best, strict=True):
                seen = list(dict.fromkeys(owner[cand].tolist()))[:5]
                top1 += bool(seen) and seen[0] == gold
                top5 += gold in seen
    n = len(queries)
    return {"top1": round(top1 / n, 4), "recall5": round(top5 / n, 4), "queries": n}


def pick_hard(ranked: list[int], gold: int, names: list[str], k: int, pool: int,
              rng: random.Random) -> list[int]:  # fmt: skip
    """`k` concept indices drawn by `rng` from the first `pool` of `ranked` (concept indices,
    nearest first) that are not `gold` and whose preferred label (`names`, lower-cased) is not
    gold's: the hard negatives of one anchor (fewer when fewer qualify)."""
    wrong = [c for c in ranked if c != gold and names[c] != names[gold]][:pool]
    return rng.sample(wrong, min(k, len(wrong)))


def mine_hard(table, tokens: Tokens, pairs, skills, held_ids: set[int], k: int, pool: int,
              seed: int) -> list[list[int]]:  # fmt: skip
    """Hard negatives (s24neg): for each pair (anchor, preferred label, concept), `k` concept
    indices drawn (seeded) from the `pool` training concepts whose preferred label is nearest
    the anchor under `table` (`pick_hard`); held-out concepts are never drawn. Returns one list
    of `k` indices per pair."""
    import torch

    names = [s.name.lower() for s in skills]
    cand = [i for i in range(len(skills)) if i not in held_ids]
    rng = random.Random(seed)
    out: list[list[int]] = []
    with torch.no_grad():
        rows = torch.cat([embed(table, tokens.ids([skills[i].name for i in cand[j : j + 8192]]))
                          for j in range(0, len(cand), 8192)])  # fmt: skip
        owner = np.asarray(cand)
        for b in range(0, len(pairs), 2048):
            chunk = pairs[b : b + 2048]
            ids = tokens.ids([c[0] for c in chunk])
            q = embed(table, [x or [0] for x in ids])
            top = torch.topk(q @ rows.T, pool + 8, dim=1).indices.numpy()
            for (_, _, gold), row in zip(chunk, top, strict=True):
                out.append(pick_hard(owner[row].tolist(), gold, names, k, pool, rng))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, default=ROOT / "config" / "models" / "concept_vectors")
    ap.add_argument("--out", type=Path,
                    default=ROOT / "config" / "models" / "concept_vectors_tuned")  # fmt: skip
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--temperature", type=float, default=0.05)
    ap.add_argument("--anchor", type=float, default=0.0, help="L2 pull to the distilled table")
    ap.add_argument("--hard-spans", type=int, default=5, help="repeats of each train span")
    ap.add_argument(
        "--spans",
        action="append",
        type=Path,
        help="hand-linked TRAIN span files (default: skillspan_train_concepts_more)",
    )
    ap.add_argument(
        "--descriptions",
        type=Path,
        default=ROOT.parent / "shared/data/taxonomy/esco_v1.1.1/skills_en.csv",
        help="ESCO skills_en.csv: pair each training concept's description with its label "
        "('' for none)",
    )
    ap.add_argument(
        "--hard-negatives",
        type=int,
        default=0,
        help="hard negatives per anchor added to the InfoNCE denominator (0: off)",
    )
    ap.add_argument(
        "--hard-pool",
        type=int,
        default=10,
        help="the hard negatives are drawn from the anchor's nearest N wrong concepts",
    )
    ap.add_argument(
        "--hard-weight",
        type=float,
        default=1.0,
        help="hard negatives' logits shifted by log(weight) (1: plain InfoNCE)",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--snapshots", type=Path, help="also write every epoch's table here (.npy)")
    args = ap.parse_args()
    import torch
    from safetensors.numpy import load_file, save_file

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    skills = sorted(load_skills(ROOT / "config" / "taxonomy" / "skills.jsonl.gz"),
                    key=lambda s: s.skill_id)  # fmt: skip
    train, held = taxonomy_pairs(skills, decision_draw(skills))
    spans = span_pairs(args.spans or [ROOT / "config/eval/skillspan_train_concepts_more.jsonl"],
                       skills)  # fmt: skip
    described = (
        description_pairs(args.descriptions, skills)
        if str(args.descriptions) not in ("", ".")
        else []
    )
    held_ids = {c for _, c in held}
    index_rows = [(s.name, i) for i, s in enumerate(skills)] + [
        (a, i) for i, s in enumerate(skills) if i not in held_ids
        for a in dict.fromkeys(s.aliases) if a.lower() != s.name.lower()
    ]  # fmt: skip
    print(f"pairs: {len(train)} taxonomy, {len(spans)} train spans x {args.hard_spans}, "
          f"{len(described)} descriptions; "
          f"held-out queries {len(held)} ({len(held_ids)} concepts)", flush=True)  # fmt: skip

    tokens = Tokens(args.base / "tokenizer.json")
    base = torch.from_numpy(load_file(str(args.base / "model.safetensors"))["embeddings"]
                            .astype(np.float32))  # fmt: skip
    table = torch.nn.Parameter(base.clone())
    opt = torch.optim.Adam([table], lr=args.lr)
    scores = [evaluate(table.detach(), tokens, skills, held, index_rows)]
    print(f"epoch 0: held-out {scores[0]}", flush=True)
    best = (scores[0]["recall5"], 0, base.clone())
    pairs = train + spans * args.hard_spans + described
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = list(range(len(pairs)))
        random.Random(epoch).shuffle(order)
        hard = (mine_hard(table.detach(), tokens, pairs, skills, held_ids, args.hard_negatives,
                          args.hard_pool, epoch) if args.hard_negatives else None)  # fmt: skip
        total = 0.0
        for b in range(0, len(order), args.batch):
            chunk = [pairs[i] for i in order[b : b + args.batch]]
            a_ids, p_ids = tokens.ids([c[0] for c in chunk]), tokens.ids([c[1] for c in chunk])
            keep = [i for i in range(len(chunk)) if a_ids[i] and p_ids[i]]
            if len(keep) < 2:
                continue
            concept = torch.tensor([chunk[i][2] for i in keep])
            a = embed(table, [a_ids[i] for i in keep])
            p = embed(table, [p_ids[i] for i in keep])
            logits = a @ p.T / args.temperature
            same = (concept[:, None] == concept[None, :]) & ~torch.eye(len(keep), dtype=torch.bool)
            logits = logits.masked_fill(same, float("-inf"))
            target = torch.arange(len(keep))
            if hard is not None:  # anchor -> [in-batch positives | its own hard negatives]
                negs = [hard[order[b + i]] for i in keep]
                h = embed(table, tokens.ids([skills[c].name for n in negs for c in n]))
                h = h.view(len(keep), args.hard_negatives, -1)
                hl = (a[:, None, :] * h).sum(-1) / args.temperature + np.log(args.hard_weight)
                forward = torch.cat([logits, hl], dim=1)
            else:
                forward = logits
            loss = (torch.nn.functional.cross_entropy(forward, target)
                    + torch.nn.functional.cross_entropy(logits.T, target)) / 2  # fmt: skip
            if args.anchor:
                loss = loss + args.anchor * ((table - base) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(keep)
        sc = evaluate(table.detach(), tokens, skills, held, index_rows)
        scores.append(sc)
        print(f"epoch {epoch}: loss {total / len(pairs):.4f} held-out {sc} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
        if args.snapshots:
            args.snapshots.mkdir(parents=True, exist_ok=True)
            np.save(
                args.snapshots / f"epoch_{epoch}.npy", table.detach().numpy().astype(np.float16)
            )
        if sc["recall5"] > best[0]:
            best = (sc["recall5"], epoch, table.detach().clone())
    _, epoch, chosen = best
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "modules.json", "tokenizer.json"):
        shutil.copyfile(args.base / name, args.out / name)
    save_file({"embeddings": chosen.numpy().astype(np.float16)},
              str(args.out / "model.safetensors"))  # fmt: skip
    meta = {
        "source_model": f"{args.base.relative_to(ROOT) if args.base.is_relative_to(ROOT) else args.base} "
                        "fine-tuned (scripts/finetune_concept_vectors.py)",
        "method": "symmetric InfoNCE, in-batch negatives"
        + (" + mined hard negatives" if args.hard_negatives else "")
        + ", over mean-pooled token rows",
        "epoch": epoch, "epochs": args.epochs, "lr": args.lr, "batch": args.batch,
        "temperature": args.temperature, "anchor": args.anchor, "hard_spans": args.hard_spans,
        **({"hard_negatives": args.hard_negatives, "hard_pool": args.hard_pool,
            "hard_weight": args.hard_weight} if args.hard_negatives else {}),
        "spans": [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
                  for p in (args.spans or [ROOT / "config/eval/skillspan_train_concepts_more.jsonl"])],
        "pairs": {"taxonomy": len(train), "train_spans": len(spans), "descriptions": len(described)},
        "held_out": scores[epoch], "held_out_distilled": scores[0], "seed": 0,
        "torch": torch.__version__,
    }  # fmt: skip
    (args.out / "metadata.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print(f"{args.out}: epoch {epoch}, held-out {scores[epoch]} (distilled {scores[0]})")


if __name__ == "__main__":
    main()
