"""Scopes as Strawberry field permissions.

``requires(Scope.X, ...)`` is the one declaration a guarded field makes: the same object
enforces the scopes at run time and documents them, as ``@requiresScopes`` in the SDL and
as the last sentence of the field's description ("Requires scope: lists:read."), which is
what GraphiQL and code generators show.
The check is synchronous (the principal is already in the context), so guarding a field
that is resolved for every item of a page costs a set lookup, not a coroutine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from app.auth.scopes import Scope
from app.core.errors import Forbidden

if TYPE_CHECKING:
    from strawberry.types import Info


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresScopes",
    description="The API key scopes this field needs; without them it resolves to null "
    "with a FORBIDDEN error naming the missing scopes.",
)
class RequiresScopesDirective:
    scopes: list[str]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresAnyScope",
    description="The field needs at least one of these API key scopes; what it returns "
    "depends on which ones the key has.",
)
class RequiresAnyScopeDirective:
    scopes: list[str]


class _ScopePermission(BasePermission):
    """Checks the request's key against ``scopes``; subclasses say how many are needed."""

    directive: type[RequiresScopesDirective] | type[RequiresAnyScopeDirective]
    joiner: str
    # How the description says it: "Requires scope: a." / "Requires scopes: a, b." / ...
    one: str
    many: str

    def __init__(self, *scopes: Scope) -> None:
        self.scopes = scopes
        self._directive = self.directive(scopes=[scope.value for scope in scopes])

    @property
    def schema_directive(self) -> object:
        return self._directive

    @property
    def sentence(self) -> str:
        """The description's last sentence, naming the scopes."""
        names = ", ".join(scope.value for scope in self.scopes)
        return f"{self.one if len(self.scopes) == 1 else self.many}: {names}."

    def denied(self, missing: list[Scope]) -> bool:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        missing = info.context.principal.missing(self.scopes)
        if self.denied(missing):
            names = self.joiner.join(scope.value for scope in missing)
            raise Forbidden(
                f"missing required scope: {names}",
                extensions={"missingScopes": [scope.value for scope in missing]},
            )
        return True


class HasScopes(_ScopePermission):
    """Grants the field when the request's key carries every listed scope."""

    directive = RequiresScopesDirective
    joiner = ", "
    one, many = "Requires scope", "Requires scopes"

    def denied(self, missing: list[Scope]) -> bool:
        return bool(missing)


class HasAnyScope(_ScopePermission):
    """Grants the field when the request's key carries at least one listed scope."""

    directive = RequiresAnyScopeDirective
    joiner = " or "
    one, many = "Requires scope", "Requires one of the scopes"

    def denied(self, missing: list[Scope]) -> bool:
        return len(missing) == len(self.scopes)


class ScopeExtension(PermissionExtension):
    """Strawberry's permission extension, which also ends the field's description with the
    scopes it needs, when the schema is built."""

    def __init__(self, permission: _ScopePermission) -> None:
        super().__init__(permissions=[permission])
        self.permission = permission

    def apply(self, field: StrawberryField) -> None:
        super().apply(field)
        sentence = self.permission.sentence
        description = (field.description or "").rstrip()
        if not description.endswith(sentence):  # the same field object serves every build
            field.description = f"{description} {sentence}".lstrip()


def requires(*scopes: Scope) -> PermissionExtension:
    """The field extension that guards a field with ``scopes`` (all of them)."""
    return ScopeExtension(HasScopes(*scopes))


def requires_any(*scopes: Scope) -> PermissionExtension:
    """The field extension that guards a field with at least one of ``scopes``."""
    return ScopeExtension(HasAnyScope(*scopes))
