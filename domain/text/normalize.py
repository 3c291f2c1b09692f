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
from html.parser import HTMLParser

from domain.models import Section

TEXT, HTML, MARKDOWN = "text/plain", "text/html", "text/markdown"
ESCAPED_HTML = "text/html+escaped"  # HTML whose tags arrived entity-escaped (`&lt;li&gt;`)
CONTENT_TYPES = (TEXT, HTML, MARKDOWN, ESCAPED_HTML)

INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
NO_BREAK_SPACES = frozenset("\u00a0\u202f\u2007\u2009\u200a\u3000")
_CONTROL = frozenset(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                      *range(0x7F, 0xA0)))  # fmt: skip
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_SPECIAL = re.compile(
    "[\r\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u2007\u2009\u200a\u3000"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|" + _ENTITY
)
_SPECIAL_NO_ENTITIES = re.compile(
    "[\r\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u2007\u2009\u200a\u3000"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
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
_MD_INLINE = re.compile(
    r"\*\*(?P<b>[^*\n]+)\*\*|__(?P<u>[^_\n]+)__|`(?P<c>[^`\n]+)`|\[(?P<l>[^\]\n]+)\]\([^)\n]*\)"
)
_MD_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+")
_MD_BULLET = re.compile(r"(\s*)[*+][ \t]+")
_WS = re.compile(r"\s+")

_SKIP_CONTENT = frozenset({"script", "style", "template", "head", "title", "noscript"})
_BLOCK = frozenset(
    {"p", "br", "div", "ul", "ol", "li", "table", "tbody", "thead", "tr", "section", "article",
     "header", "footer", "blockquote", "pre", "hr", "dl", "dt", "dd", "main", "nav", "aside",
     "form", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html"}
)  # fmt: skip
_HEADING = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _Out:
    """The analysed text being built, each character with the input range it stands for."""

    __slots__ = ("chars", "ends", "starts")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def emit(self, s: str, a: int, b: int) -> None:
        for ch in s:
            self.chars.append(ch)
            self.starts.append(a)
            self.ends.append(b)

    def copy(self, s: str, a: int) -> None:
        """`s` is the input at [a, a + len(s)), kept character for character."""
        self.chars.extend(s)
        self.starts.extend(range(a, a + len(s)))
        self.ends.extend(range(a + 1, a + len(s) + 1))

    def last(self) -> str:
        return self.chars[-1] if self.chars else "\n"

    def newline(self, a: int, b: int) -> None:
        while self.chars and self.chars[-1] == " ":
            self.pop()
        if self.last() != "\n":
            self.emit("\n", a, b)

    def pop(self) -> None:
        self.chars.pop()
        self.starts.pop()
        self.ends.pop()

    def text(self) -> str:
        return "".join(self.chars)


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


def _chars(text: str, *, entities: bool) -> tuple[str, list[int] | None, list[int] | None]:
    """Character-level normalization; (text, None, None) when nothing changes. The maps here
    are (start, end) per analysed character into `text`."""
    special = (_SPECIAL if entities else _SPECIAL_NO_ENTITIES).search(text)
    if special is None and unicodedata.is_normalized("NFC", text):
        return text, None, None
    out = _chars_map(text, entities=entities)
    return out.text(), out.starts, out.ends


def _chars_map(text: str, *, entities: bool) -> _Out:
    out = _Out()
    rx = _SPECIAL if entities else _SPECIAL_NO_ENTITIES
    nfc = unicodedata.is_normalized("NFC", text)
    pos = 0
    for m in rx.finditer(text):
        a, b = m.span()
        _plain(out, text, pos, a, nfc)
        tok = m.group()
        if tok == "\r":
            if text.startswith("\n", b):
                out.emit("\n", a, b + 1)
                b += 1
            else:
                out.emit("\n", a, b)
        elif tok in INVISIBLE:
            pass
        elif tok in NO_BREAK_SPACES or tok in _CONTROL:
            out.emit(" ", a, b)
        else:  # a character reference
            out.emit(unicodedata.normalize("NFC", html.unescape(tok)), a, b)
        pos = b
    _plain(out, text, pos, len(text), nfc)
    return out


def _plain(out: _Out, text: str, a: int, b: int, nfc: bool) -> None:
    """Copy text[a:b], composing each base character with its combining marks (NFC)."""
    if a >= b:
        return
    if nfc:
        out.copy(text[a:b], a)
        return
    i = a
    while i < b:
        j = i + 1
        while j < b and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        composed = unicodedata.normalize("NFC", cluster)
        if composed == cluster and j == i + 1:
            out.copy(cluster, i)
        else:
            out.emit(composed, i, j)
        i = j


def _compose(first: _Out, second: _Out) -> _Out:
    """`second` maps into `first`'s text; the result maps into `first`'s input."""
    out = _Out()
    out.chars = second.chars
    out.starts = [first.starts[i] if i < len(first.starts) else _end(first) for i in second.starts]
    out.ends = [first.ends[j - 1] if j > 0 else 0 for j in second.ends]
    return out


def _end(out: _Out) -> int:
    return out.ends[-1] if out.ends else 0


class _Walker(HTMLParser):
    """Records each token the parser sees with the source offset where it starts."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        idx = raw.find("\n")
        while idx >= 0:
            self.line_starts.append(idx + 1)
            idx = raw.find("\n", idx + 1)
        self.events: list[tuple[str, str, int]] = []

    def _at(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.events.append(("start", tag, self._at()))

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        self.events.append(("start", tag, self._at()))
        if tag not in _SKIP_CONTENT:
            self.events.append(("end", tag, self._at()))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag, self._at()))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data, self._at()))

    def handle_entityref(self, name: str) -> None:
        self.events.append(("ref", name, self._at()))

    def handle_charref(self, name: str) -> None:
        self.events.append(("ref", name, self._at()))

    def handle_comment(self, data: str) -> None:
        self.events.append(("skip", "", self._at()))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("skip", "", self._at()))

    def handle_pi(self, data: str) -> None:
        self.events.append(("skip", "", self._at()))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("skip", "", self._at()))


def _html(raw: str) -> _Out:
    walker = _Walker(raw)
    walker.feed(raw)
    walker.close()
    out = _Out()
    skipping = 0
    events = walker.events
    for k, (kind, value, a) in enumerate(events):
        b = events[k + 1][2] if k + 1 < len(events) else len(raw)
        b = max(a, b)
        if kind == "start":
            if value in _SKIP_CONTENT:
                skipping += 1
            elif value in _BLOCK:
                out.newline(a, b)
                if value == "li":
                    out.emit("- ", a, b)
        elif kind == "end":
            if value in _SKIP_CONTENT:
                skipping = max(0, skipping - 1)
            elif value in _HEADING:
                while out.chars and out.chars[-1] == " ":
                    out.pop()
                if out.last() not in "\n:":
                    out.emit(":", a, a)
                out.newline(a, b)
            elif value in _BLOCK:
                out.newline(a, b)
        elif skipping:
            continue
        elif kind == "data":
            _html_data(out, raw, a, b)
        elif kind == "ref":
            ch = html.unescape(raw[a:b])
            if ch.isspace() and ch not in NO_BREAK_SPACES:
                if out.last() not in " \n":
                    out.emit(" ", a, b)
            else:
                out.emit(ch, a, b)
    while out.chars and out.chars[-1] in " \n":
        out.pop()
    return out


def _html_data(out: _Out, raw: str, a: int, b: int) -> None:
    """A text run: every whitespace run one space (none at a line start)."""
    pos = a
    for m in _WS.finditer(raw, a, b):
        s, e = m.span()
        if s > pos:
            out.copy(raw[pos:s], pos)
        if out.last() not in " \n":
            out.emit(" ", s, e)
        pos = e
    if pos < b:
        out.copy(raw[pos:b], pos)


def _markdown(raw: str) -> _Out:
    out = _Out()
    pos = 0
    for line in raw.split("\n"):
        end = pos + len(line)
        heading = _MD_HEADING.match(line)
        bullet = None if heading else _MD_BULLET.match(line)
        i = pos
        if heading:
            i = pos + heading.end()
        elif bullet and not line.lstrip().startswith("**"):
            out.copy(bullet.group(1), pos)
            out.emit("- ", pos + bullet.end(1), pos + bullet.end())
            i = pos + bullet.end()
        for m in _MD_INLINE.finditer(raw, i, end):
            s, e = m.span()
            out.copy(raw[i:s], i)
            g = next(n for n in ("b", "u", "c", "l") if m.group(n) is not None)
            out.copy(m.group(g), m.start(g))
            i = e
        out.copy(raw[i:end], i)
        if heading and raw[pos:end].strip() and raw[pos:end].rstrip()[-1:] != ":":
            while out.chars and out.chars[-1] in " \t":
                out.pop()
            out.emit(":", end, end)
        if end < len(raw):
            out.copy("\n", end)
        pos = end + 1
    return out
