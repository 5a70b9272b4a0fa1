"""What every API accepts as input, checked in one place.

Request bodies (GraphQL's and ``/v1``'s alike) are JSON in UTF-8 that nests at most
``MAX_JSON_DEPTH`` levels; every string in them, keys included, is text: no NUL character
(PostgreSQL cannot store one, SQLite would) and no unpaired UTF-16 surrogate (an escape such
as ``"\\ud800"`` that encodes no character, which nothing can write as UTF-8).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from app.core.errors import ValidationFailed

MAX_JSON_DEPTH = 32
# In JSON text, a NUL or a surrogate can only come from a \u escape (raw control characters are
# not JSON, and UTF-8 cannot encode surrogates): text without one needs no walk for them.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class MalformedInput(ValueError):
    """The bytes are not JSON the gateway reads; the message says why (``must be JSON``)."""


def text_problem(value: str) -> str | None:
    """What makes ``value`` not text, in the platform's words, or None when it is text."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain unpaired surrogates (invalid Unicode)"
    return None


def require_text(value: str, field: str) -> str:
    """``value`` when it is text; VALIDATION_FAILED on ``field`` otherwise."""
    problem = text_problem(value)
    if problem is not None:
        raise ValidationFailed("invalid text", details={field: problem})
    return value


def decode_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> object:
    """The JSON value of ``data``.

    Raises ``MalformedInput`` for bytes that are not UTF-8 or not JSON and for nesting deeper
    than ``max_depth`` (found before parsing), and ``ValidationFailed`` naming the path
    (``variables.note``) of the first string that is not text.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput("must be UTF-8") from None
    # json.loads accepts a byte order mark on bytes, and so does the gateway.
    data = data.removeprefix("\ufeff")
    too_deep = MalformedInput(f"must not nest deeper than {max_depth} levels")
    if _nesting_exceeds(data, max_depth):
        raise too_deep
    try:
        value: object = json.loads(data)
    except RecursionError:
        raise too_deep from None
    except ValueError:  # not JSON, or an integer too long to convert
        raise MalformedInput("must be JSON") from None
    if _SUSPECT_ESCAPE.search(data) is not None:
        check_text(value)
    return value


def check_text(value: object) -> None:
    """Every string of a decoded JSON value, keys included, is text (``ValidationFailed``
    naming the first one that is not); iterative, so any nesting is safe."""
    pending: list[tuple[object, tuple[str, ...]]] = [(value, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, str):
            _require_text_at(node, path)
            continue
        if not isinstance(node, dict | list):
            continue
        for key, item in _items(node):
            if isinstance(key, str):
                problem = text_problem(key)
                if problem is not None:
                    raise ValidationFailed(
                        "invalid text", details={_field(path): f"keys {problem}"}
                    )
            if isinstance(item, str):
                _require_text_at(item, (*path, str(key)))
            elif isinstance(item, dict | list):
                pending.append((item, (*path, str(key))))


def _nesting_exceeds(text: str, max_depth: int) -> bool:
    """Whether the JSON ``text`` nests arrays and objects deeper than ``max_depth``."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _items(node: dict[object, object] | list[object]) -> Iterator[tuple[object, object]]:
    return iter(node.items()) if isinstance(node, dict) else enumerate(node)


def _require_text_at(value: str, path: tuple[str, ...]) -> None:
    problem = text_problem(value)
    if problem is not None:
        raise ValidationFailed("invalid text", details={_field(path): problem})


def _field(path: tuple[str, ...]) -> str:
    return ".".join(path) or "body"
