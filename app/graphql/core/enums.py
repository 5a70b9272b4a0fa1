"""The domain enums as GraphQL enums, each value described by its enum's docstring.

The domain packages know no Strawberry: an enum documents its members in its own
docstring, one ``NAME: text`` line each (a longer text goes on over indented lines), and
``register_enum`` gives each GraphQL value that text. A member without one is refused
when the schema module is imported, so no value ships undescribed.
"""

from __future__ import annotations

import inspect
import re
from enum import Enum

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

_ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*): (\S.*)$")


def member_descriptions(cls: type[Enum]) -> dict[str, str]:
    """``{member name: text}`` from the ``NAME: text`` lines of ``cls``'s docstring."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in inspect.cleandoc(cls.__doc__ or "").splitlines():
        entry = _ENTRY.match(line)
        if entry is not None and entry.group(1) in cls.__members__:
            current = entry.group(1)
            found[current] = entry.group(2).strip()
        elif current is not None and line.startswith(" ") and line.strip():
            found[current] += " " + line.strip()
        else:
            current = None
    return found


def register_enum(cls: type[Enum], *, name: str, description: str) -> None:
    """Make ``cls`` the GraphQL enum ``name``, each value described from the docstring."""
    strawberry.enum(cls, name=name, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    assert isinstance(definition, StrawberryEnumDefinition)
    texts = member_descriptions(cls)
    missing = [value.name for value in definition.values if value.name not in texts]
    if missing:
        raise TypeError(f"{cls.__qualname__}'s docstring does not describe {missing}")
    for value in definition.values:
        value.description = texts[value.name]
