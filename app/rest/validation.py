"""Request models of ``/v1`` and the one mapping of their errors to the platform's
``details`` (a message per field, in the platform's words)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from app.core.errors import ValidationFailed
from app.core.inputs import MalformedInput, decode_json
from app.native.models import ComplaintCategory, ComplaintStatus
from app.native.service import KEEP_NOTE, Keep

E = TypeVar("E", bound=Enum)

DEFAULT_LIMIT = 20
_MESSAGES = {"missing": "required", "extra_forbidden": "unknown field"}


def details_of(errors: Iterable[ErrorDetails] | Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``{field: message}`` for pydantic's errors: our own messages as they are, pydantic's
    structural ones (missing, unknown field) in the platform's words."""
    details: dict[str, str] = {}
    for error in errors:
        loc = error.get("loc") or ()
        field = str(loc[-1]) if loc else "request"
        details[field] = _MESSAGES.get(str(error.get("type")), str(error.get("msg")))
    return details


def member_of(enum_cls: type[E], value: object) -> E | None:
    """The enum member spelled ``value`` (None stays None), or the platform's message."""
    if value is None or isinstance(value, enum_cls):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "must be a string")
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_cls)
        raise PydanticCustomError(
            "enum", "must be one of: {allowed}", {"allowed": allowed}
        ) from None


def _member(enum_cls: type[E]) -> BeforeValidator:
    """Validates a field as ``member_of(enum_cls, …)``, with the platform's messages."""
    return BeforeValidator(functools.partial(member_of, enum_cls))


class ComplaintListQuery(BaseModel):
    """Query parameters of ``GET /v1/complaints``; unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    status: Annotated[ComplaintStatus | None, _member(ComplaintStatus)] = None
    category: Annotated[ComplaintCategory | None, _member(ComplaintCategory)] = None

    @field_validator("limit", mode="before")
    @classmethod
    def _limit_is_an_integer(cls, value: object) -> int:
        """Only the type here; the range (1..100) is the service's rule, as in GraphQL."""
        try:
            return int(str(value))
        except ValueError:
            raise PydanticCustomError(
                "int_parsing", "must be an integer between 1 and 100"
            ) from None

    @field_validator("cursor", mode="before")
    @classmethod
    def _empty_cursor_is_none(cls, value: object) -> object:
        return value or None


class StatusChange(BaseModel):
    """Body of ``PATCH /v1/complaints/{id}``: ``status``, and ``resolution_note`` (omitted
    keeps the note, ``""`` or null clears it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Annotated[ComplaintStatus, _member(ComplaintStatus)]
    resolution_note: str | None = None

    @field_validator("resolution_note", mode="before")
    @classmethod
    def _note(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise PydanticCustomError("string_type", "must be a string or null")
        return value

    @property
    def note(self) -> str | Keep | None:
        return self.resolution_note if "resolution_note" in self.model_fields_set else KEEP_NOTE

    @classmethod
    def parse(cls, body: bytes) -> StatusChange:
        """Parsed in the route, after authentication: FastAPI would parse a body before the
        key is checked, and the platform answers 401 and 403 before anything else."""
        try:
            data = decode_json(body or b"null")
        except MalformedInput as exc:
            raise ValidationFailed("validation failed", details={"body": str(exc)}) from None
        if not isinstance(data, dict):
            raise ValidationFailed("validation failed", details={"body": "must be a JSON object"})
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed("validation failed", details=details_of(exc.errors())) from None
