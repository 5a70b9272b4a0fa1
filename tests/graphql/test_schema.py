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
        "Query.node": ["complaints:read"],
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


def test_every_enum_value_has_a_description() -> None:
    schema = build_schema()._schema
    missing = [
        f"{name}.{value_name}"
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLEnumType) and not name.startswith("__")
        for value_name, value in graphql_type.values.items()
        if not value.description
    ]
    assert missing == []


def _scope_directives(sdl: str) -> dict[str, tuple[str, list[str]]]:
    """``{Type.field: (directive, scopes)}`` of every guarded field."""
    found: dict[str, tuple[str, list[str]]] = {}
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            for field in definition.fields or ():
                for directive in field.directives or ():
                    if directive.name.value in {"requiresScopes", "requiresAnyScope"}:
                        [argument] = directive.arguments or ()
                        assert isinstance(argument.value, ListValueNode)
                        found[f"{definition.name.value}.{field.name.value}"] = (
                            directive.name.value,
                            [v.value for v in argument.value.values
                             if isinstance(v, StringValueNode)],
                        )  # fmt: skip
    return found


def test_guarded_fields_descriptions_end_with_their_scopes() -> None:
    """The sentence comes from the same ``requires``/``requires_any`` that enforces them."""
    build_schema()  # a second build in the process must not repeat the sentence
    schema = build_schema()._schema
    guarded = _scope_directives(export_sdl())
    assert len(guarded) == 17
    for path, (directive, scopes) in guarded.items():
        type_name, field_name = path.split(".")
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        description = graphql_type.fields[field_name].description or ""
        if len(scopes) == 1:
            sentence = f"Requires scope: {scopes[0]}."
        elif directive == "requiresScopes":
            sentence = f"Requires scopes: {', '.join(scopes)}."
        else:
            sentence = f"Requires one of the scopes: {', '.join(scopes)}."
        assert description.endswith(" " + sentence), (path, description)
        assert description.count(sentence) == 1, (path, description)
    unguarded = schema.type_map["Query"]
    assert isinstance(unguarded, GraphQLObjectType)
    assert "Requires" not in (unguarded.fields["viewer"].description or "")


def test_date_scalars_say_which_specification_they_follow() -> None:
    schema = build_schema()._schema
    for name in ("Date", "DateTime"):
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert scalar.specified_by_url == (
            "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
        )
    sdl = export_sdl()
    assert 'scalar Date @specifiedBy(url: "https://datatracker.ietf.org/doc/html/rfc3339' in sdl
    assert 'scalar DateTime @specifiedBy(url: "https://datatracker.ietf.org/' in sdl


def test_complaint_is_a_node() -> None:
    schema = build_schema()._schema
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    assert list(node.fields) == ["id"]
    complaint = schema.type_map["Complaint"]
    assert isinstance(complaint, GraphQLObjectType)
    assert node in complaint.interfaces
    assert "type Complaint implements ComplaintRecord & Node" in export_sdl()


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
