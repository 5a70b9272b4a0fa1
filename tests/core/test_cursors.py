"""Signed cursors: what one made here decodes to, and the one answer to everything else."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from app.core.cursors import MAX_CURSOR_LENGTH, CursorCodec, malformed_cursor
from app.core.errors import ErrorCode, ValidationFailed

KEY = b"test-cursor-key"
BINDING = "legacy-report:org:12:None:None"
PAYLOAD = {"offset": 42, "b": "x"}
# Minted by this codec: a cursor handed to a client before a release must decode after it.
MINTED = "eyJiIjoieCIsIm9mZnNldCI6NDIsInNpZyI6Ik9wendQSk5Mamt6WWRsVkRZU3JNc3cifQ"


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(KEY)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def refused(codec: CursorCodec, cursor: Any, binding: str = BINDING) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        codec.decode(cursor, binding, field="after")
    return caught.value


def test_the_cursor_format_is_stable(codec: CursorCodec) -> None:
    assert codec.encode(PAYLOAD, BINDING) == MINTED
    assert codec.decode(MINTED, BINDING, field="after") == PAYLOAD


def test_every_cursor_is_unpadded_base64_json_with_a_16_byte_signature(
    codec: CursorCodec,
) -> None:
    """Over many cursors: only the padding is ever stripped, and every one decodes."""
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for offset in range(100):
        cursor = codec.encode({"offset": offset}, BINDING)
        assert set(cursor) <= alphabet
        body = json.loads(unb64(cursor))
        assert set(body) == {"offset", "sig"}
        assert len(body["sig"]) == 22
        assert set(body["sig"]) <= alphabet
        assert len(base64.urlsafe_b64decode(body["sig"] + "==")) == 16
        assert codec.decode(cursor, BINDING, field="after") == {"offset": offset}


@pytest.mark.parametrize(
    "payload",
    [
        {"offset": 0},
        {"created_at": "2026-03-01T12:00:00+00:00", "id": "0191-abc"},
        {"z": 1, "a": [1, 2], "m": {"y": None, "x": True}},  # any key order, nesting
        {"p": ""},
        {"p": "a"},
        {"p": "aa"},
        {"p": "aaa"},  # every base64 padding length
        {"p": "\u00e9\u4e2d?>~"},  # non-ASCII and characters that base64 turns into - and _
    ],
)
def test_a_cursor_decodes_to_its_payload(codec: CursorCodec, payload: dict[str, Any]) -> None:
    cursor = codec.encode(payload, BINDING)
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert codec.decode(cursor, BINDING, field="after") == payload


def _tampered(codec: CursorCodec) -> str:
    body = json.loads(unb64(codec.encode({"offset": 42}, BINDING)))
    body["offset"] = 43  # the signature of 42, on 43
    return b64(json.dumps(body).encode())


def _resigned_with_another_key() -> str:
    return CursorCodec(b"another-key").encode({"offset": 42}, BINDING)


def _reordered(codec: CursorCodec) -> str:
    body = json.loads(unb64(codec.encode({"offset": 42, "a": 1}, BINDING)))
    sig = body.pop("sig")
    return b64(json.dumps({"sig": sig, "offset": 42}).encode())  # "a" dropped


BAD_CURSORS: list[tuple[str, Any]] = [
    ("tampered", _tampered),
    ("signed with another key", lambda codec: _resigned_with_another_key()),
    ("a field dropped", _reordered),
    ("truncated by one", lambda codec: codec.encode({"offset": 42}, BINDING)[:-1]),
    ("truncated by half", lambda codec: codec.encode({"offset": 42}, BINDING)[:30]),
    ("one character changed", lambda codec: "A" + codec.encode({"offset": 42}, BINDING)[1:]),
    ("a list", lambda codec: b64(b"[1, 2]")),
    ("a string", lambda codec: b64(b'"sig"')),
    ("a number", lambda codec: b64(b"42")),
    ("null", lambda codec: b64(b"null")),
    ("no signature", lambda codec: b64(b'{"offset": 42}')),
    ("a signature that is not a string", lambda codec: b64(b'{"offset": 42, "sig": 7}')),
    ("a signature that is null", lambda codec: b64(b'{"offset": 42, "sig": null}')),
    ("an empty object", lambda codec: b64(b"{}")),
    ("not JSON", lambda codec: b64(b"offset=42")),
    ("not UTF-8", lambda codec: b64(b"\xff\xfe{}")),
    ("not base64", lambda codec: "!!!!"),
    ("bad base64 length", lambda codec: "e"),
    ("empty", lambda codec: ""),
    ("too long", lambda codec: "e" * (MAX_CURSOR_LENGTH + 1)),
    ("None", lambda codec: None),
    ("a number, not a string", lambda codec: 42),
    ("bytes", lambda codec: codec.encode({"offset": 42}, BINDING).encode()),
]


@pytest.mark.parametrize("make", [m for _, m in BAD_CURSORS], ids=[i for i, _ in BAD_CURSORS])
def test_every_bad_cursor_gets_the_same_answer(codec: CursorCodec, make: Any) -> None:
    error = refused(codec, make(codec))
    assert error.code == ErrorCode.VALIDATION_FAILED
    assert error.message == "invalid cursor"
    assert error.details == {"after": "malformed cursor"}


def test_a_cursor_bound_elsewhere_is_refused_like_garbage(codec: CursorCodec) -> None:
    cursor = codec.encode({"offset": 42}, "legacy-report:org-a:12:None:None")
    for binding in ("legacy-report:org-b:12:None:None", "legacy-report:org-a:13:None:None", ""):
        error = refused(codec, cursor, binding)
        assert (error.message, error.details) == ("invalid cursor", {"after": "malformed cursor"})
    assert codec.decode(cursor, "legacy-report:org-a:12:None:None", field="after") == {"offset": 42}


def test_the_field_is_named_by_the_caller(codec: CursorCodec) -> None:
    with pytest.raises(ValidationFailed) as caught:
        codec.decode("garbage", BINDING, field="before")
    assert caught.value.details == {"before": "malformed cursor"}
    assert malformed_cursor("x").details == {"x": "malformed cursor"}
    assert malformed_cursor("x").message == "invalid cursor"


def _cursor_of_length(codec: CursorCodec, length: int) -> str:
    for size in range(length):
        cursor = codec.encode({"p": "a" * size}, BINDING)
        if len(cursor) == length:
            return cursor
    raise AssertionError(f"no cursor of length {length}")


def test_cursors_up_to_the_maximum_length_are_read(codec: CursorCodec) -> None:
    longest = _cursor_of_length(codec, MAX_CURSOR_LENGTH)
    assert codec.decode(longest, BINDING, field="after")["p"].startswith("a")
    too_long = _cursor_of_length(codec, MAX_CURSOR_LENGTH + 2)  # 513 is no base64 length
    error = refused(codec, too_long)
    assert error.details == {"after": "malformed cursor"}
    assert MAX_CURSOR_LENGTH == 512


def test_decoding_does_not_consume_the_codec(codec: CursorCodec) -> None:
    """The keyed MAC is copied per use: signing many cursors gives the same answers."""
    first = codec.encode({"offset": 1}, BINDING)
    for offset in range(3):
        codec.decode(codec.encode({"offset": offset}, BINDING), BINDING, field="after")
    assert codec.encode({"offset": 1}, BINDING) == first
    assert codec.decode(first, BINDING, field="after") == {"offset": 1}
