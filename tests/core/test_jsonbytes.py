"""Responses written by orjson hold the same JSON values as ``json.dumps`` wrote: key order,
unicode and floats included; what orjson refuses falls back to ``json``."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from app.core.jsonbytes import dumps
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org

TEXTS = [
    "plain",
    "Grüße, ça va? naïve café",
    "日本語のテキスト",
    "emoji 📵🚫 and a flag 🇫🇷",
    'quotes " and \\ backslash / slash',
    "controls \x00 \x01 \x1f \t \n \r",
    "separators \u2028 \u2029 and \u007f",
    "lone surrogate-free astral 𝄞",
]
FLOATS = [0.0, -0.0, 0.1, 1 / 3, 2.5, 1e-7, 1e16, 1.7976931348623157e308, 5e-324, -123.456]


@pytest.mark.parametrize(
    "value",
    [
        {"z": 1, "a": 2, "m": {"y": None, "b": [True, False]}},
        TEXTS,
        {text: text for text in TEXTS},
        FLOATS,
        [0, -1, 2**63 - 1, -(2**63)],
        {"success": True, "data": [{"id": "x", "note": None}], "meta": {}, "error": None},
    ],
)
def test_the_same_json_values_in_the_same_order(value: Any) -> None:
    written = dumps(value)
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(written) == json.loads(expected) == value
    parsed = json.loads(written, object_pairs_hook=list)
    assert parsed == json.loads(expected, object_pairs_hook=list)  # key order kept
    assert written.decode("utf-8")  # UTF-8, non-ASCII text unescaped


def test_floats_round_trip_exactly() -> None:
    for number in FLOATS:
        back = json.loads(dumps(number))
        assert back == number
        assert math.copysign(1, back) == math.copysign(1, number)


def test_what_orjson_refuses_is_written_by_json() -> None:
    assert json.loads(dumps({"big": 2**80})) == {"big": 2**80}
    assert json.loads(dumps({1: "one", None: "none"})) == {"1": "one", "null": "none"}
    with pytest.raises(TypeError):
        dumps({"object": object()})


async def test_rest_and_graphql_bodies_keep_unicode(client: GatewayClient, org: Org) -> None:
    text = 'Grüße 日本 📵 \u2028 "quoted"'
    [complaint_id] = await org.add_complaints(1, excerpt=text)
    headers = {"Authorization": f"Bearer {await org.key()}"}
    rest = await client.http.get(f"/v1/complaints/{complaint_id}", headers=headers)
    assert rest.status_code == 200
    assert rest.headers["content-type"] == "application/json"
    assert json.loads(rest.content)["data"]["excerpt"] == text
    assert list(json.loads(rest.content)) == ["success", "data", "meta", "error"]
    query = "{ complaints(first: 1) { edges { node { excerpt } } } }"
    answer = await client.http.post("/graphql", json={"query": query}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = json.loads(answer.content)
    assert body["data"]["complaints"]["edges"][0]["node"]["excerpt"] == text
    assert list(body) == ["data", "extensions"]
    assert "Grüße 日本 📵".encode() in answer.content  # UTF-8, not \\u escapes
