"""Gold-set formats -> gold documents {"doc_id", "text", "spans": [{start, end, label, ...}]}.

Three formats are read:
  skillspan-bio  SkillSpan (Zhang et al. 2022) JSON lines: {"idx", "source", "tokens",
                 "tags_skill", "tags_knowledge"}, one sentence per line, BIO tags per layer;
  green-bio      Green et al. 2022 CoNLL: "token TAG" per line, blank line between sentences,
                 tags B-/I-Skill|Qualification|Experience|Occupation|Domain;
  jsonl          the documented JSONL, one document per line:
                   {"doc_id"?: str, "text": str,
                    "skills" | "spans": [{"start": int, "end": int, "label": str,
                                           "category"?: str, "skill_id"?: str}]}
                 offsets are characters into text, end exclusive; skill_id (a taxonomy id such
                 as esco:... or onet:...) enables concept-level scores. A first line
                 {"guideline": "..."} (how the file was annotated) is skipped.
Tokens of the BIO formats are joined by single spaces, so offsets are exact.
"""

from __future__ import annotations

import json
from pathlib import Path


def _bio_spans(
    tags: list[str], offsets: list[tuple[int, int]], label: str
) -> list[dict[str, object]]:
    spans, start, end = [], None, None
    for tag, (a, b) in zip([*tags, "O"], [*offsets, (0, 0)], strict=True):
        if tag == "I" and start is not None:
            end = b
            continue
        if start is not None:
            spans.append({"start": start, "end": end, "label": label})
            start = None
        if tag in ("B", "I"):  # an I without B starts a span too
            start, end = a, b
    return spans


def skillspan_bio_docs(path: Path, split: str) -> list[dict[str, object]]:
    """SkillSpan JSON lines ({idx, source, tokens, tags_skill, tags_knowledge}) -> one gold
    document per posting: sentences joined by newlines, as in the sample postings."""
    docs: dict[tuple[str, int], dict[str, object]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            key = (row["source"], int(row["idx"]))
            doc = docs.setdefault(
                key,
                {"doc_id": f"skillspan-{split}-{key[0]}-{key[1]:03d}", "text": "", "spans": []},
            )
            base = len(str(doc["text"])) + (1 if doc["text"] else 0)
            offsets, pos = [], base
            for tok in row["tokens"]:
                offsets.append((pos, pos + len(tok)))
                pos += len(tok) + 1
            doc["text"] = (str(doc["text"]) + "\n" if doc["text"] else "") + " ".join(row["tokens"])
            spans = doc["spans"]
            assert isinstance(spans, list)
            spans += _bio_spans(row["tags_skill"], offsets, "SKILL")
            spans += _bio_spans(row["tags_knowledge"], offsets, "KNOWLEDGE")
    return list(docs.values())


def green_bio_docs(path: Path) -> list[dict[str, object]]:
    """Green et al. 2022 test set (CoNLL "token TAG" lines) -> one gold document per sentence."""
    docs: list[dict[str, object]] = []
    tokens: list[str] = []
    tags: list[str] = []

    def close() -> None:
        if not tokens:
            return
        offsets, pos = [], 0
        for tok in tokens:
            offsets.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        spans: list[dict[str, object]] = []
        for label in sorted({t[2:] for t in tags if t != "O"}):
            layer = [t[0] if t != "O" and t[2:] == label else "O" for t in tags]
            spans += _bio_spans(layer, offsets, label)
        spans.sort(key=lambda x: (x["start"], x["end"]))  # type: ignore[arg-type, return-value]
        docs.append(
            {"doc_id": f"green2022-{len(docs) + 1:03d}", "text": " ".join(tokens), "spans": spans}
        )
        tokens.clear()
        tags.clear()

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                close()
                continue
            tokens.append(parts[0])
            tags.append(parts[1] if len(parts) > 1 else "O")
    close()
    return docs
