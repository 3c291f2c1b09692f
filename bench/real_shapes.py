"""Same posting, any shape: SkillSpan dev rendered as CRLF, HTML, Markdown, NFD and with invisible
characters, gold offsets carried along, scored like `enrich evaluate` (issue #23).

    .venv/bin/python bench/real_shapes.py [--profile quality|fast] [--gold config/eval/skillspan_dev.jsonl]

Each rendering rewrites the posting character by character and records where every original
character went, so a gold span [s, e) becomes [where s starts, where e-1 ends) in the rendering
(checked: the rendered slice equals the gold slice up to the documented normalization). Prints,
per shape: overlap / strict F1 per kind, the change against plain text, and postings/s of the
whole pipeline (sections + extraction, normalization included). Never reads SkillSpan test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import html
import json
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

# REAL_SHAPES_ROOT: score another checkout with this bench (the "before" of issue #23)
ROOT = Path(os.environ.get("REAL_SHAPES_ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from domain.evaluation.run import predicted_spans  # noqa: E402
from domain.evaluation.spans import GoldDoc, Span, score  # noqa: E402

try:
    from domain.text.normalize import comparable, normalize
except ImportError:  # a checkout from before offsets into the input: the gold check is skipped
    comparable = normalize = None  # type: ignore[assignment]

Render = Callable[[str], tuple[str, list[int], list[int]]]


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.starts: list[int] = []
        self.ends: list[int] = []

    def put(self, s: str) -> None:  # markup: belongs to no original character
        self.parts.append(s)
        self.n += len(s)

    def char(self, s: str) -> None:  # the rendering of the next original character
        self.starts.append(self.n)
        self.put(s)
        self.ends.append(self.n)

    def done(self) -> tuple[str, list[int], list[int]]:
        return "".join(self.parts), self.starts, self.ends


def plain(text: str) -> tuple[str, list[int], list[int]]:
    w = _Writer()
    for ch in text:
        w.char(ch)
    return w.done()


def crlf(text: str) -> tuple[str, list[int], list[int]]:
    w = _Writer()
    for ch in text:
        w.char("\r\n" if ch == "\n" else ch)
    return w.done()


def _header(line: str) -> bool:
    return line.rstrip().endswith(":") and len(line.split()) <= 5


def html_p(text: str) -> tuple[str, list[int], list[int]]:
    """Each line a <p> (a header-like line an <h3>), entities escaped, no newlines left."""
    w = _Writer()
    lines = text.split("\n")
    for k, line in enumerate(lines):
        tag = "h3" if _header(line) else "p"
        w.put(f"<{tag}>")
        for ch in line:
            w.char(html.escape(ch))
        w.put(f"</{tag}>")
        if k < len(lines) - 1:
            w.char("")  # the newline itself: <p> breaks the line
    return w.done()


def markdown(text: str) -> tuple[str, list[int], list[int]]:
    """Header-like lines `## `, other lines `* ` bullets."""
    w = _Writer()
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if line.strip():
            w.put("## " if _header(line) else "* ")
        for ch in line:
            w.char(ch)
        if k < len(lines) - 1:
            w.char("\n")
    return w.done()


def invisible(text: str) -> tuple[str, list[int], list[int]]:
    """BOM first; every 3rd space a no-break space, every 5th word followed by a ZWSP, a soft
    hyphen in the middle of every word of 10+ letters."""
    w = _Writer()
    w.put("\ufeff")
    spaces = words = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == " ":
            spaces += 1
            w.char("\u00a0" if spaces % 3 == 0 else " ")
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        word = text[i:j]
        words += 1
        for k, c in enumerate(word):
            w.char(c)
            if len(word) >= 10 and word.isalpha() and k == len(word) // 2 - 1:
                w.put("\u00ad")
        if words % 5 == 0:
            w.put("\u200b")
        if j == i:  # a newline or tab
            w.char(ch)
            j = i + 1
        i = j
    return w.done()


def nfd(text: str) -> tuple[str, list[int], list[int]]:
    w = _Writer()
    for ch in text:
        w.char(unicodedata.normalize("NFD", ch))
    return w.done()


SHAPES: dict[str, Render] = {"plain": plain, "crlf": crlf, "html": html_p, "markdown": markdown,
                             "invisible": invisible, "nfd": nfd}  # fmt: skip


def rendered(docs: list[GoldDoc], render: Render) -> list[GoldDoc]:
    out = []
    for d in docs:
        text, starts, ends = render(d.text)
        spans = []
        for s in d.spans:
            a, b = starts[s.start], ends[s.end - 1]
            if normalize is not None:
                want = comparable(normalize(d.text[s.start : s.end], "text/plain").text)
                assert comparable(normalize(text[a:b]).text) == want, (d.doc_id, want, text[a:b])
            spans.append(Span(a, b, s.label))
        out.append(GoldDoc(d.doc_id, text, tuple(spans)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", help="extraction profile (default: the active one)")
    ap.add_argument("--gold", type=Path, default=ROOT / "config/eval/skillspan_dev.jsonl")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if "test" in args.gold.name.lower() and "skillspan" in args.gold.name.lower():
        sys.exit("never SkillSpan's test split")
    cfg = load_config(ROOT, profile=args.profile)
    pipeline = build_pipeline(cfg)
    rows = [json.loads(x) for x in args.gold.open(encoding="utf-8")]
    docs = [GoldDoc(r["doc_id"], r["text"],
                    tuple(Span(s["start"], s["end"], s["label"]) for s in r["spans"]))
            for r in rows]  # fmt: skip
    labels = tuple(sorted({s.label for d in docs for s in d.spans}))
    predicted_spans(pipeline, docs[:8])  # warm-up
    table: dict[str, dict[str, float]] = {}
    for name in args.shapes.split(","):
        shaped = rendered(docs, SHAPES[name])
        t0 = time.perf_counter()
        pred = predicted_spans(pipeline, shaped)
        rate = len(shaped) / (time.perf_counter() - t0)
        m = score(pred, shaped, labels)
        row = {
            f"{lab} {mode}": m[lab][mode]["f1"] for lab in labels for mode in ("overlap", "strict")
        }
        row["postings/s"] = rate
        table[name] = row
    cols = [f"{lab} {mode}" for lab in labels for mode in ("overlap", "strict")]
    print(f"{args.gold.name}: {len(docs)} postings, version {cfg.manifest.effective}; F1 "
          f"(change vs plain)")  # fmt: skip
    print(f"{'shape':<11}" + "".join(f"{c:>22}" for c in cols) + f"{'postings/s':>12}")
    base = table.get("plain")
    for name, row in table.items():
        cells = "".join(
            f"{row[c]:>13.3f} ({row[c] - base[c]:+.3f})" if base else f"{row[c]:>22.3f}"
            for c in cols
        )
        print(f"{name:<11}{cells}{row['postings/s']:>12.1f}")
    if args.json:
        args.json.write_text(json.dumps({"version": cfg.manifest.effective, "shapes": table},
                                        indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
