"""One normalization step per posting: the analysed text and ONE offset map back to the input.

Postings arrive as plain text, HTML (also entity-escaped, `&lt;li&gt;`) or Markdown, with Windows
line ends, decomposed accents, invisible characters and no-break spaces. The models read one
analysed text; every offset we report indexes the input exactly as received. `normalize` builds
both once:

    norm = normalize(raw)                  # content type detected, or pass "text/html", ...
    norm.text                              # what the section classifier and the extractor read
    norm.to_input(start, end)              # analysed [start, end) -> input [start, end)

The documented normalization (what `norm.text` differs from the input by):
- `\\r\\n` and a lone `\\r` -> `\\n`; control characters -> a space;
- ZWSP, ZWNJ, ZWJ, word joiner, BOM and soft hyphen are dropped; no-break spaces -> a space;
- NFC (a base character and its combining marks are composed together);
- HTML / XML character references are unescaped (`&amp;`, `&#160;`, `&#x2019;`);
- HTML: tags are dropped, `<script>`/`<style>`/`<template>` content is never read, block tags
  (`<p>`, `<br>`, `<div>`, `<li>`, `<h1>`..`<h6>`, table rows) break lines, `<li>` starts a
  `- ` bullet line, a heading line ends in `:` (a header by shape), whitespace runs become one
  space;
- Markdown: `#` heading marks are dropped (the line ends in `:`), `**x**`, `__x__`, `` `x` ``
  and `[x](url)` keep `x`, a `* ` / `+ ` bullet becomes `- `.
Characters the analysed text adds (a bullet, a `:`, a line break) map onto the markup they
replace, so a span never maps outside the input. `comparable(norm.text[a:b])` equals
`comparable(normalized slice of the input)` - see `comparable`.

HTML is tokenized by the standard library's `html.parser.HTMLParser` (the tokenizer behind
BeautifulSoup's "html.parser" builder): it is the one well-kept HTML parser here that reports
where in the source each text run, tag and character reference starts, which the offset map
needs; lxml reports source lines only, selectolax and html5lib nothing. It is iterative (10,000
nested `<div>` cost nothing), never raises on malformed markup, and `<` not followed by a tag
name stays text (`if a < b and c > d`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from domain.models import Section
from domain.text.char_map import _WS, _chars, _chars_map, _compose
from domain.text.char_map import INVISIBLE as INVISIBLE  # re-exported (split12 move)
from domain.text.char_map import NO_BREAK_SPACES as NO_BREAK_SPACES
from domain.text.markup import _html, _markdown

TEXT, HTML, MARKDOWN = "text/plain", "text/html", "text/markdown"
ESCAPED_HTML = "text/html+escaped"  # HTML whose tags arrived entity-escaped (`&lt;li&gt;`)
CONTENT_TYPES = (TEXT, HTML, MARKDOWN, ESCAPED_HTML)

_TAGS = (
    r"p|br|li|ul|ol|div|h[1-6]|strong|b|em|i|u|span|table|tbody|thead|tr|td|th|a|html|body|"
    r"head|section|article|header|footer|blockquote|pre|hr|dl|dt|dd|font|script|style|main"
)
# Detection only (the parser does the parsing): a known tag name right after `<` or `</`.
_LOOKS_HTML = re.compile(rf"</?(?:{_TAGS})(?:\s[^<>]{{0,400}})?/?>", re.IGNORECASE)
_LOOKS_ESCAPED = re.compile(rf"&lt;/?(?:{_TAGS})(?:\s.{{0,400}}?)?/?&gt;", re.IGNORECASE)
_LOOKS_MARKDOWN = re.compile(
    r"^ {0,3}#{1,6} \S|^\s*[*+] \S|\*\*[^*\n]+\*\*|__[^_\n]+__|`[^`\n]+`|\[[^\]\n]+\]\([^)\n]*\)",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Normalized:
    """The analysed text of one input and where each of its characters came from.

    `starts[i]`/`ends[i]`: the input range [start, end) analysed character i stands for; both
    are non-decreasing. None when the analysed text IS the input (nothing to normalize)."""

    source: str
    text: str
    content_type: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def identity(self) -> bool:
        return self.starts is None

    def to_input(self, start: int, end: int) -> tuple[int, int]:
        """Analysed [start, end) (characters) -> the input range it came from, [start, end)."""
        if self.starts is None or self.ends is None:
            return start, end
        n = len(self.text)
        if end <= start:
            p = self.starts[start] if start < n else len(self.source)
            return p, p
        return self.starts[min(start, n - 1)], self.ends[min(end, n) - 1]

    def to_analysed(self, offset: int) -> int:
        """Input offset -> the first analysed character at or after it (len(text) past the end)."""
        if self.starts is None:
            return offset
        return bisect_left(self.starts, offset)

    def boundary_to_input(self, pos: int) -> int:
        """An analysed boundary (a section start/end) -> input boundary; sections stay contiguous."""
        if self.starts is None:
            return pos
        if pos <= 0:
            return 0
        return self.starts[pos] if pos < len(self.text) else len(self.source)

    def sections_to_input(self, sections: tuple[Section, ...]) -> tuple[Section, ...]:
        if self.starts is None:
            return sections
        return tuple(
            Section(
                s.kind, self.boundary_to_input(s.start), self.boundary_to_input(s.end), s.header
            )
            for s in sections
        )

    def sections_to_analysed(self, sections: tuple[Section, ...]) -> tuple[Section, ...]:
        if self.starts is None:
            return sections
        return tuple(
            Section(
                s.kind,
                self.to_analysed(s.start) if s.start > 0 else 0,
                self.to_analysed(s.end),
                s.header,
            )
            for s in sections
        )


def detect(raw: str) -> str:
    """The content type of a posting whose sender did not declare one.

    HTML: a known tag (`<p>`, `</li>`, `<br/>`, ...); entity-escaped HTML: the same as
    `&lt;li&gt;`; Markdown: `# heading`, `* item`, `**bold**`, `` `code` ``, `[link](url)`;
    anything else is plain text (`if a < b and c > d` too)."""
    head = raw[:200_000]
    if _LOOKS_HTML.search(head):
        return HTML
    if _LOOKS_ESCAPED.search(head):
        return ESCAPED_HTML
    if _LOOKS_MARKDOWN.search(head):
        return MARKDOWN
    return TEXT


def normalize(raw: str, content_type: str | None = None) -> Normalized:
    """The analysed text of `raw` and its offset map (see the module doc). Never raises on any
    string; `content_type` one of CONTENT_TYPES (or a MIME type starting with one), else detected."""
    ctype = _content_type(content_type) or detect(raw)
    if ctype == TEXT:
        text, starts, ends = _chars(raw, entities=True)
        if starts is None:
            return Normalized(raw, raw, ctype)
        return Normalized(raw, text, ctype, tuple(starts), tuple(ends or ()))
    if ctype == ESCAPED_HTML:
        unesc = _chars_map(raw, entities=True)
        inner = _html(unesc.text())
        stage = _compose(unesc, inner)
    elif ctype == HTML:
        stage = _html(raw)
    else:
        stage = _markdown(raw)
    text1 = stage.text()
    text, s2, e2 = _chars(text1, entities=ctype == MARKDOWN)
    if s2 is None or e2 is None:
        return Normalized(raw, text1, ctype, tuple(stage.starts), tuple(stage.ends))
    return Normalized(
        raw,
        text,
        ctype,
        tuple(stage.starts[i] for i in s2),
        tuple(stage.ends[j - 1] for j in e2),
    )


def comparable(s: str) -> str:
    """`s` up to the documented normalization, for comparing a reported mention's text with
    the input slice it indexes: entities unescaped, NFC, invisible characters dropped, every
    whitespace run (no-break spaces, line ends) one space, trimmed."""
    s = unicodedata.normalize("NFC", html.unescape(s))
    s = "".join(ch for ch in s if ch not in INVISIBLE)
    return _WS.sub(" ", "".join(" " if ch in NO_BREAK_SPACES else ch for ch in s)).strip()


def known_content_type(declared: str) -> bool:
    """Whether a declared content type is one normalization reads: text/plain, text/html,
    text/markdown (a MIME type starting with one, parameters allowed) or html / markdown / md /
    text."""
    return _content_type(declared) is not None


def _content_type(declared: str | None) -> str | None:
    if not declared:
        return None
    d = declared.strip().lower()
    for ct in (ESCAPED_HTML, HTML, MARKDOWN, TEXT):
        if d.startswith(ct):
            return ct
    return {"html": HTML, "markdown": MARKDOWN, "md": MARKDOWN, "text": TEXT}.get(d)
