"""The markup half of normalization: HTML (standard library HTMLParser, source offsets kept)
and Markdown to analysed text, each as an `_Out` mapping back to the input. Pure."""

import html
import re
from html.parser import HTMLParser

from domain.text.char_map import _WS, NO_BREAK_SPACES, _Out

_MD_INLINE = re.compile(
    r"\*\*(?P<b>[^*\n]+)\*\*|__(?P<u>[^_\n]+)__|`(?P<c>[^`\n]+)`|\[(?P<l>[^\]\n]+)\]\([^)\n]*\)"
)
_MD_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+")
_MD_BULLET = re.compile(r"(\s*)[*+][ \t]+")

_SKIP_CONTENT = frozenset({"script", "style", "template", "head", "title", "noscript"})
_BLOCK = frozenset(
    {"p", "br", "div", "ul", "ol", "li", "table", "tbody", "thead", "tr", "section", "article",
     "header", "footer", "blockquote", "pre", "hr", "dl", "dt", "dd", "main", "nav", "aside",
     "form", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html"}
)  # fmt: skip
_HEADING = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


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
