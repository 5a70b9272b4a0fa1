"""JSON bodies as bytes, written by orjson: the same JSON values as ``json.dumps`` (keys in
the same order, non-ASCII text as UTF-8, floats in their shortest round-trip form), several
times faster. What orjson refuses (an integer wider than 64 bits, an unknown type) is left
to ``json.dumps``, which answers or fails as it always did."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(content: Any) -> bytes:
    """Compact JSON of ``content`` in UTF-8 (NaN and infinities, which JSON cannot hold,
    are written as null)."""
    try:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
