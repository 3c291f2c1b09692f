import json

import pytest

from domain.models import Posting, Rejection
from domain.validation import ValidationPolicy, content_hash, validate
from tests.conftest import NOW

SECRET = "Senior wizard wanted, must know Kubernetes"


def run(payload: bytes, **kw: object) -> Posting | Rejection:
    return validate(payload, source="test", ref="line 7", now=NOW, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"posting_id": "a", "text": "x"', "invalid_json"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b'["a"]', "not_an_object"),
        (b'{"text": "' + SECRET.encode() + b'"}', "missing_field"),
        (b'{"posting_id": "a"}', "missing_field"),
        (b'{"posting_id": 5, "text": "x"}', "wrong_type"),
        (b'{"posting_id": "a", "text": "x", "title": 3}', "wrong_type"),
        (b'{"posting_id": "a", "text": "   \\n "}', "empty_text"),
        (b'{"posting_id": " ", "text": "x"}', "bad_id"),
        (b'{"posting_id": "a", "text": "x", "posted_at": "yesterday"}', "bad_date"),
    ],
)
def test_validate_rejects_with_reason_and_ref(payload: bytes, reason: str) -> None:
    r = run(payload)
    assert isinstance(r, Rejection)
    assert r.reason == reason
    assert r.stage == "validate"
    assert r.detail.startswith("line 7: ")
    assert SECRET not in r.detail  # never leak posting text


def test_validate_rejects_oversized_payload() -> None:
    payload = json.dumps({"posting_id": "a", "text": "x" * 5000}).encode()
    r = run(payload, policy=ValidationPolicy(max_bytes=1024))
    assert isinstance(r, Rejection) and r.reason == "too_large"


def test_validate_accepts_and_hashes_content() -> None:
    p = run(b'{"posting_id": " p1 ", "text": "Python\\u0007 and SQL\\r\\n", "title": "Dev"}')
    assert isinstance(p, Posting)
    assert p.posting_id == "p1"
    # control chars become spaces (same length); CR stays: offsets index the text as received
    assert p.text == "Python  and SQL\r\n"
    # the hash is over the normalized text, so a CRLF re-encoding is not new content
    assert p.content_hash == content_hash("Dev", None, "Python  and SQL\n")
    assert len(p.content_hash) == 16


def test_validate_same_input_same_rejection_id() -> None:
    a, b = run(b"not json"), run(b"not json")
    assert isinstance(a, Rejection) and isinstance(b, Rejection)
    assert a.rejection_id == b.rejection_id
    c = run(b"not json either")
    assert isinstance(c, Rejection) and c.rejection_id != a.rejection_id


def test_content_hash_changes_with_text_and_title() -> None:
    base = content_hash("t", None, "text")
    assert content_hash("t", None, "text2") != base
    assert content_hash("t2", None, "text") != base
    assert content_hash("t", None, "text") == base


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[" * 2000 + b"]" * 2000, "too_deep"),
        (
            b'{"posting_id": "a", "text": "x", "extra": ' + b"[" * 100 + b"]" * 100 + b"}",
            "too_deep",
        ),
        (b"[" * 100_000, "too_deep"),  # unbalanced too: rejected before the parser sees it
        (
            json.dumps({"posting_id": "a", "text": "x", "title": "t" * 1001}).encode(),
            "field_too_large",
        ),
    ],
)
def test_poison_json_is_rejected_before_parsing(payload: bytes, reason: str) -> None:
    r = validate(payload, source="t", ref="line 1", now=NOW)
    assert isinstance(r, Rejection) and r.reason == reason


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = "[[[[ {{{{ " * 50
    r = validate(
        json.dumps({"posting_id": "a", "text": text}).encode(), source="t", ref="l", now=NOW
    )
    assert not isinstance(r, Rejection)


def test_reader_keeps_only_a_prefix_of_a_huge_line(tmp_path) -> None:
    from adapters.local.jsonl_source import JsonlSource

    f = tmp_path / "in.jsonl"
    big = b'{"posting_id": "big", "text": "' + b"x" * 5_000_000 + b'"}'
    f.write_bytes(
        b'{"posting_id": "a", "text": "x"}\n' + big + b"\n" + b'{"posting_id": "b", "text": "y"}\n'
    )
    msgs = list(JsonlSource(f, max_line_bytes=10_000).messages())
    assert [m.ref for m in msgs] == ["line 1", "line 2", "line 3"]
    assert len(msgs[1].payload) == 10_001 and msgs[1].size == len(big) + 1
    r = validate(msgs[1].payload, source="t", ref="line 2", now=NOW, size=msgs[1].size,
                 policy=ValidationPolicy(max_bytes=10_000))  # fmt: skip
    assert isinstance(r, Rejection) and r.reason == "too_large" and str(len(big) + 1) in r.detail


def test_control_character_class_is_exactly_unicode_cc() -> None:
    import sys
    import unicodedata

    from domain.validation import _CONTROL

    cc = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"}
    matched = {chr(c) for c in range(0x100) if _CONTROL.fullmatch(chr(c))}
    assert matched == cc - {"\n", "\t"}


def test_a_byte_order_mark_before_the_json_is_not_an_error() -> None:
    """A Windows / Excel export starts its first line with a UTF-8 BOM: the posting is the same
    posting as without it (same content hash), not an invalid_json rejection."""
    line = json.dumps({"posting_id": "bom-1", "text": "Python and SQL"}).encode()
    plain = validate(line, source="t", ref="line 1", now=NOW)
    with_bom = validate(b"\xef\xbb\xbf" + line, source="t", ref="line 1", now=NOW)
    assert isinstance(with_bom, Posting) and isinstance(plain, Posting)
    assert with_bom == plain


@pytest.mark.parametrize("declared", ["application/pdf", "image/png", "rtf"])
def test_a_content_type_normalization_cannot_read_is_rejected_with_its_reason(declared) -> None:
    line = json.dumps({"posting_id": "c1", "text": "Python", "content_type": declared}).encode()
    r = validate(line, source="t", ref="line 1", now=NOW)
    assert isinstance(r, Rejection) and r.reason == "bad_content_type", r
    assert declared in r.detail and "text/html" in r.detail


@pytest.mark.parametrize("declared", ["text/html", "text/plain; charset=utf-8", "Markdown", ""])
def test_the_content_types_normalization_reads_are_accepted(declared) -> None:
    line = json.dumps({"posting_id": "c1", "text": "Python", "content_type": declared}).encode()
    assert isinstance(validate(line, source="t", ref="line 1", now=NOW), Posting)


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b'{"posting_id": "x", "text": "unterminated', "Unterminated string starting at column 29"),
        (b'{"posting_id": "x" "text": "y"}', "Expecting ',' delimiter at column 20"),
        (b'{"posting_id": "x",\n "text": }', "Expecting value at line 2 column 10"),
    ],
)
def test_an_invalid_json_line_says_where_it_broke_in_one_phrase(
    payload: bytes, detail: str
) -> None:
    r = run(payload)
    assert isinstance(r, Rejection) and r.reason == "invalid_json"
    assert r.detail == f"line 7: {detail}"
