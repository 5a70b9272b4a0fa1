"""The fast path's completers on a small schema of their own: every value the gateway's data
never holds (a null item in a non-null list, a record of the wrong type, a scalar that
refuses a value, nested lists, an interface) answers exactly what graphql-core answers."""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql.execution import GatewayExecutionContext


@dataclasses.dataclass
class Row:
    name: Any
    size: Any
    tags: Any = ()
    kind: Any = "A"


class Kind(StrEnum):
    """A str subclass as a String value."""

    A = "a"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Thing(Named):
    size: int
    tags: list[list[int]]

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, Row) and obj.kind == "A"

    @strawberry.field
    def shout(self) -> str:
        return str(self.name).upper()


@strawberry.type
class Other(Named):
    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, Row) and obj.kind == "B"


ROWS: dict[str, list[Any]] = {}


@strawberry.type
class Query:
    @strawberry.field
    def things(self, case: str) -> list[Thing]:
        return ROWS[case]

    @strawberry.field
    def maybe_things(self, case: str) -> list[Thing | None] | None:
        return ROWS[case]

    @strawberry.field
    def named(self, case: str) -> list[Named]:
        return ROWS[case]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = strawberry.Schema(
        Query, types=[Thing, Other], execution_context_class=GatewayExecutionContext
    )
    normal = strawberry.Schema(
        Query, types=[Thing, Other], execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    return fast, normal


CASES: dict[str, list[Any]] = {
    "plain": [Row("a", 1, [[1, 2], []]), Row("b", 2, [[3]])],
    "null item": [Row("a", 1), None, Row("c", 3)],
    "null field": [Row("a", 1), Row(None, 2)],
    "wrong type": [Row("a", 1), "not a row"],
    "other kind": [Row("a", 1), Row("b", 2, kind="B")],
    "int too big": [Row("a", 1), Row("b", 2**40)],
    "int from float": [Row("a", 1.0), Row("b", 2.5)],
    "nested null": [Row("a", 1, [[1, None]])],
    "not a list": [Row("a", 1, "12")],
    "str subclass": [Row(Kind.A, 1)],
}
QUERIES = [
    "query($c: String!) { things(case: $c) { __typename name size tags shout } }",
    "query($c: String!) { maybeThings(case: $c) { name n2: name size } }",
    "query($c: String!) { named(case: $c) { __typename name ... on Thing { size } } }",
]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("query", QUERIES)
async def test_same_answer_as_graphql_core(case: str, query: str) -> None:
    ROWS[case] = CASES[case]
    fast, normal = schemas()
    fast_result = await fast.execute(query, variable_values={"c": case})
    normal_result = await normal.execute(query, variable_values={"c": case})
    assert json.dumps(fast_result.data) == json.dumps(normal_result.data)
    assert [e.formatted for e in fast_result.errors or []] == [
        e.formatted for e in normal_result.errors or []
    ]


async def test_plain_rows_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = StrawberryGraphQLCoreExecutionContext.complete_list_value

    def counting(self: Any, *args: Any) -> Any:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_list_value", counting)
    ROWS["plain"] = CASES["plain"]
    fast, _normal = schemas()
    result = await fast.execute(QUERIES[0], variable_values={"c": "plain"})
    assert result.data == {
        "things": [
            {"__typename": "Thing", "name": "a", "size": 1, "tags": [[1, 2], []], "shout": "A"},
            {"__typename": "Thing", "name": "b", "size": 2, "tags": [[3]], "shout": "B"},
        ]
    }
    assert calls == []


async def test_per_field_middleware_turns_the_fast_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An extension that sees every field (tracing) must still see every field."""
    seen: list[str] = []

    class EveryField(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    ROWS["plain"] = CASES["plain"]
    schema = strawberry.Schema(
        Query,
        types=[Thing, Other],
        execution_context_class=GatewayExecutionContext,
        extensions=[EveryField],
    )
    result = await schema.execute(QUERIES[0], variable_values={"c": "plain"})
    assert result.errors is None
    assert seen.count("name") == 2
