"""The committed SDL is generated from the code, readable, and documents every scope."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    ListValueNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    parse,
    validate,
)

from app.graphql.schema import build_schema, export_sdl

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def test_committed_schema_is_up_to_date() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_sdl(), (
        "schema.graphql is stale: run `make schema` (complaints-gateway schema export)"
    )


def test_every_type_field_and_argument_has_a_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILTIN_SCALARS:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType):
            continue
        assert isinstance(
            graphql_type, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType
        )
        for field_name, field in graphql_type.fields.items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
    assert missing == []


def _scopes_by_field(sdl: str) -> dict[str, list[str]]:
    scopes: dict[str, list[str]] = {}
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            for field in definition.fields or ():
                for directive in field.directives or ():
                    if directive.name.value == "requiresScopes":
                        [argument] = directive.arguments or ()
                        value = argument.value
                        assert isinstance(value, ListValueNode)
                        scopes[f"{definition.name.value}.{field.name.value}"] = [
                            item.value for item in value.values if isinstance(item, StringValueNode)
                        ]
    return scopes


def test_guarded_fields_carry_their_scopes_in_the_sdl() -> None:
    sdl = export_sdl()
    assert "directive @requiresScopes(scopes: [String!]!) on FIELD_DEFINITION" in sdl
    assert _scopes_by_field(sdl) == {
        "Query.complaint": ["complaints:read"],
        "Query.complaints": ["complaints:read"],
        "Query.complaintCounts": ["complaints:read"],
        "Query.listComplaintReport": ["lists:read"],
        "Complaint.phoneNumber": ["numbers:read"],
        "Complaint.campaign": ["campaigns:read"],
        "Complaint.outboundMessage": ["messages:read"],
        "Complaint.inboundMessage": ["messages:read"],
        "Complaint.history": ["complaints:read"],
        "PhoneNumber.campaign": ["campaigns:read"],
        "Campaign.legacyComplaintReport": ["lists:read"],
        "Complaint.relatedLegacyComplaints": ["lists:read"],
        "ListComplaint.relatedNativeComplaints": ["complaints:read"],
        "Mutation.updateComplaintStatus": ["complaints:write"],
    }


def _readme_documents() -> list[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```graphql\n(.*?)```", readme, flags=re.DOTALL)


def test_every_graphql_example_of_the_readme_is_valid() -> None:
    """The README's examples are documents a reader will paste: they must validate."""
    documents = _readme_documents()
    assert len(documents) >= 3
    schema = build_schema()._schema
    for document in documents:
        errors = validate(schema, parse(document))
        assert not errors, (document, errors)
