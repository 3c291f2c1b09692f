"""The character-level half of normalization and the offset map under both halves: `_Out` (the
analysed text, each character with the input range it stands for), line ends, invisible and
control characters, no-break spaces, character references and NFC. Pure."""

import html
import re
import unicodedata

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
_WS = re.compile(r"\s+")


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
