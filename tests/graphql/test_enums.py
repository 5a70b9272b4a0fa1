"""Enum values are described by their domain enum's docstring (``NAME: text`` lines)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from app.graphql.core.enums import member_descriptions, register_enum


class Documented(StrEnum):
    """Something.

    A thing the docstring says first, not a member: ignored.

    FIRST: The first one.
    SECOND: The second one, whose text
        goes on over an indented line.
    NOT_A_MEMBER: Ignored.
    """

    FIRST = "first"
    SECOND = "second"


class Undocumented(StrEnum):
    """Something.

    FIRST: The first one.
    """

    FIRST = "first"
    SECOND = "second"


def test_member_descriptions_read_the_docstring() -> None:
    assert member_descriptions(Documented) == {
        "FIRST": "The first one.",
        "SECOND": "The second one, whose text goes on over an indented line.",
    }


def test_registering_describes_every_value() -> None:
    register_enum(Documented, name="Documented", description="Something.")
    definition = Documented.__strawberry_definition__  # type: ignore[attr-defined]
    assert {v.name: v.description for v in definition.values} == member_descriptions(Documented)
    assert Documented("first") is Documented.FIRST  # the domain enum is unchanged


def test_an_undescribed_member_is_refused() -> None:
    with pytest.raises(TypeError, match=r"does not describe \['SECOND'\]"):
        register_enum(Undocumented, name="Undocumented", description="Something.")
