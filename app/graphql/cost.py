"""The cost model: what a document may cost, computed once before any resolver runs.

Points (Shopify's and GitHub's GraphQL APIs are the model; IBM's ``@cost``/``@listSize``
directives carry the numbers in the SDL):

- a scalar or enum field costs 0; an object costs 1 plus what is selected in it, alone or
  in a list;
- a connection (a field with ``@listSize(slicingArguments: ["first"], sizedFields: [...])``)
  costs 2 plus ``first`` nodes (at most its ``assumedSize``, the most ``first`` may ask),
  its edges being free;
- another list of objects counts ``@listSize(assumedSize)`` objects (1 without it);
- ``@cost(weight)`` adds a field's own work (a count statement, a mutation);
- the legacy site is costed in the pages it may need, ``LEGACY_PAGE_POINTS`` each: a
  report's ``complaintTotal`` one page, a window of ``first`` rows the pages it may
  overlap; a whole-list read (the timeline, the summary, ``relatedLegacyComplaints``)
  ``ASSUMED_LISTS`` lists x ``ASSUMED_PAGES_PER_LIST`` pages for each read: the windows of
  the document merge into their union (overlapping windows count once), and each range of
  the union is one read per TIMELINE_MAX_DAYS it spans. Report
  pages under a list of parents count for at most ``ASSUMED_LISTS`` reports: pages are
  shared by every field that asks for the same list.

On abstract types (``ComplaintRecord``) a selection costs the most any concrete type's
fragments cost. ``@include``/``@skip`` are honoured. The ``actual`` cost is measured
over the response by the same rules with real list lengths (a list or a connection that
did not come back as one costed as estimated), from a plan compiled once per operation
(``CostModel.plan``); its legacy part is the pages the request really asked of the site.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from strawberry.schema_directive import Location

from app.core.errors import ValidationFailed
from app.core.windows import bounded_window
from app.legacy.models import PAGE_SIZE
from app.unified.links import union_of

T = TypeVar("T")

LEGACY_PAGE_POINTS = 10
ASSUMED_LISTS = 4
ASSUMED_PAGES_PER_LIST = 3
MUTATION_POINTS = 10


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="cost",
    description="The field's own cost in points, on top of its type's (see the cost model).",
)
class Cost:
    weight: int


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="listSize",
    description="How many items a list field is costed for: its slicing argument (`first`) "
    "when it has one, else `assumedSize`; `sizedFields` are the fields whose lists that size "
    "applies to (a connection's `edges`).",
)
class ListSize:
    assumed_size: int | None = strawberry.UNSET
    slicing_arguments: list[str] | None = strawberry.UNSET
    sized_fields: list[str] | None = strawberry.UNSET


def connection_size(maximum: int) -> ListSize:
    """A connection's ``@listSize``: ``first`` nodes (at most ``maximum``) in its edges."""
    return ListSize(assumed_size=maximum, slicing_arguments=["first"], sized_fields=["edges"])


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="legacyPages",
    description="The legacy site pages this field may need: `perWindow` for a whole-list "
    "read (each distinct window, for each of the organization's lists), `fixed` pages, or "
    "`slicing` (the pages a window of `first` rows may overlap).",
)
class LegacyPages:
    fixed: int | None = strawberry.UNSET
    slicing: str | None = strawberry.UNSET
    per_window: bool | None = strawberry.UNSET


@dataclasses.dataclass(frozen=True, slots=True)
class FieldCost:
    weight: int = 0
    assumed_size: int | None = None
    slicing: str | None = None
    sized_fields: tuple[str, ...] = ()
    legacy_fixed: int = 0
    legacy_slicing: str | None = None
    legacy_per_window: bool = False


NO_COST = FieldCost()


def _has_variable(value: ValueNode) -> bool:
    """Whether an argument's value reads a variable, anywhere in it."""
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(field.value) for field in value.fields)
    return False


def _given(value: T | None) -> T | None:
    """A directive argument, None when it was left out (UNSET keeps it out of the SDL)."""
    return None if value is strawberry.UNSET else value


def _field_costs(schema: GraphQLSchema) -> dict[tuple[str, str], FieldCost]:
    """Each field's cost directives, read once from the Strawberry definitions."""
    table: dict[tuple[str, str], FieldCost] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = field.extensions.get("strawberry-definition")
            directives = getattr(definition, "directives", ()) or ()
            values: dict[str, Any] = {}
            for directive in directives:
                if isinstance(directive, Cost):
                    values["weight"] = directive.weight
                elif isinstance(directive, ListSize):
                    values["assumed_size"] = _given(directive.assumed_size)
                    values["slicing"] = next(iter(_given(directive.slicing_arguments) or ()), None)
                    values["sized_fields"] = tuple(_given(directive.sized_fields) or ())
                elif isinstance(directive, LegacyPages):
                    values["legacy_fixed"] = _given(directive.fixed) or 0
                    values["legacy_slicing"] = _given(directive.slicing)
                    values["legacy_per_window"] = bool(_given(directive.per_window))
            if values:
                table[(type_.name, name)] = FieldCost(**values)
    return table


@dataclasses.dataclass
class Tally:
    """Points of one walk: objects (the graph's size) and legacy pages (the site's work)."""

    objects: int = 0
    report_pages: int = 0
    windows: list[tuple[datetime, datetime]] = dataclasses.field(default_factory=list)

    def legacy_pages(self, max_days: int) -> int:
        """Report pages, plus the whole-list reads: each range of the union of the windows
        counts as one read per ``max_days`` it spans (a read of a wider union costs more)."""
        span = timedelta(days=max_days)
        reads = sum(
            max(1, math.ceil((end - start) / span)) for start, end in union_of(self.windows)
        )
        return self.report_pages + reads * ASSUMED_LISTS * ASSUMED_PAGES_PER_LIST


class CostModel:
    """Computes a document's cost against one schema."""

    def __init__(self, schema: GraphQLSchema, timeline_max_days: int) -> None:
        self.schema = schema
        self.fields = _field_costs(schema)
        self.max_days = timeline_max_days

    def requested(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any],
        now: datetime,
    ) -> int:
        """The estimate: points the document may cost at most (see the module's rules)."""
        return self.estimate(document, operation_name, variables, now)[0]

    def estimate(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any],
        now: datetime,
    ) -> tuple[int, bool]:
        """``requested``, and whether it is static: the walk read no variable (no costed
        argument and no ``@include``/``@skip`` takes one) and measured no window from
        ``now``, so any request of this document and operation costs the same (the
        document cache keeps such estimates)."""
        walk = _Walk(self, document, variables, now)
        operation = walk.operation(operation_name)
        if operation is None:
            return 0, True
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0, True
        tally = Tally()
        points = walk.selection(operation.selection_set, root, 1, tally)
        if operation.operation.value == "mutation":
            points += MUTATION_POINTS
        static = not walk.used_variables and not walk.used_now
        return points + tally.legacy_pages(self.max_days) * LEGACY_PAGE_POINTS, static

    def actual(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any],
        now: datetime,
        data: Any,
        legacy_requests: int,
    ) -> int:
        """What the response really cost: the same walk over the real lists, plus the pages
        this request really asked of the legacy site."""
        if not isinstance(data, dict):  # nothing came back: only the legacy pages
            return legacy_requests * LEGACY_PAGE_POINTS
        return self.plan(document, operation_name, variables, now).measure(data, legacy_requests)

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any],
        now: datetime,
    ) -> ActualPlan:
        """The measurement of ``actual`` compiled for one operation: fragments expanded,
        ``@include``/``@skip`` and slicing arguments applied, and every part of the walk
        that does not look at the data (a list measured at its assumed size, the edges of
        a connection that came back without them) worked out once. Measuring a response is
        then one pass over its objects and lists. A plan that read no variable is the same
        for every request of the document (``static``: the document cache keeps it)."""
        walk = _Walk(self, document, variables, now)
        operation = walk.operation(operation_name)
        root = self.schema.get_root_type(operation.operation) if operation else None
        if operation is None or root is None:
            return ActualPlan(None, 0, static=not walk.used_variables)
        extra = MUTATION_POINTS if operation.operation.value == "mutation" else 0
        selection = walk.compile_selection(operation.selection_set, root)
        return ActualPlan(selection, extra, static=not walk.used_variables)


# --- The compiled measurement of ``actual`` -----------------------------------------------
#
# Each class below is one step of the measurement (the estimate's walk over the response,
# kept as the reference in tests/graphql/cost_reference.py), with everything that does
# not depend on the data decided at compile time: ``measure`` costs a value that came back
# (None when it is missing), ``unmeasured`` is the step's points without data, what a list
# or a connection that did not come back as one is costed at (as estimated). Measuring
# loops over what came back, and nothing else.


class _Group:
    """The fields one object's selection asks: those whose points cannot change with the
    data (scalars, enums: their weight) summed once, the others measured."""

    __slots__ = ("fields", "fixed", "unmeasured")

    def __init__(self, fields: list[_Field]) -> None:
        plain = [field for field in fields if type(field) is _Field]
        self.fixed = sum(field.weight for field in plain)
        self.fields = [field for field in fields if type(field) is not _Field]
        self.unmeasured = sum(field.unmeasured for field in fields)

    def measure(self, data: Any) -> int:
        """Points of an object's fields; ``data`` that is not an object has them all
        missing (no response holds such a value)."""
        if isinstance(data, dict):
            return self.fixed + sum([field.measure(data.get(field.key)) for field in self.fields])
        return self.fixed + sum([field.measure(None) for field in self.fields])


class _Selection:
    """``_Walk.selection``: a value of a named type (the worst concrete type of an abstract
    one, 0 for a type that is neither)."""

    __slots__ = ("constant", "options", "unmeasured")

    def __init__(self, options: list[list[_Field]]) -> None:
        self.options = [_Group(fields) for fields in options]
        self.unmeasured = max((group.unmeasured for group in self.options), default=0)
        # The points of any value, when no field's points depend on the data (scalars
        # only): a list of such values is costed from its length.
        self.constant: int | None = None
        if not any(group.fields for group in self.options):
            self.constant = max((group.fixed for group in self.options), default=0)

    def measure(self, data: Any) -> int:
        """Points of ``data`` (never None: a missing value is the caller's to cost)."""
        options = self.options
        if len(options) == 1:
            return options[0].measure(data)
        return max((group.measure(data) for group in options), default=0)


class _Field:
    """``_Walk._field`` for a scalar, an enum or a field without a selection: its weight."""

    __slots__ = ("key", "unmeasured", "weight")

    def __init__(self, key: str, weight: int) -> None:
        self.key = key
        self.weight = weight
        self.unmeasured = weight

    def measure(self, value: Any) -> int:
        return self.weight


class _ObjectField(_Field):
    """An object: 1 plus its selection, or only its weight when it came back null."""

    __slots__ = ("inner", "present")

    def __init__(self, key: str, weight: int, inner: _Selection) -> None:
        super().__init__(key, weight)
        self.inner = inner
        self.unmeasured = weight + 1 + inner.unmeasured
        # Its points when it came back, if they cannot depend on what it holds.
        self.present = None if inner.constant is None else weight + 1 + inner.constant

    def measure(self, value: Any) -> int:
        if value is None:
            return self.weight
        if self.present is not None:
            return self.present
        return self.weight + 1 + self.inner.measure(value)


class _ListField(_Field):
    """A list of objects: 1 plus its selection for each item that came back; a value that
    is not a list (null) is costed at the assumed size, as the estimate costs it."""

    __slots__ = ("inner",)

    def __init__(self, key: str, weight: int, inner: _Selection, count: int) -> None:
        super().__init__(key, weight)
        self.inner = inner
        self.unmeasured = weight + count * (1 + inner.unmeasured)

    def measure(self, value: Any) -> int:
        if not isinstance(value, list):
            return self.unmeasured
        constant = self.inner.constant
        if constant is not None:
            return self.weight + (1 + constant) * (len(value) - value.count(None))
        measure = self.inner.measure
        return self.weight + sum([1 + measure(item) for item in value if item is not None])


class _Edge:
    """``_Walk._edge``: one edge; its ``node`` object is free, what is selected in it is
    not."""

    __slots__ = ("constant_nodes", "group", "nodes", "unmeasured")

    def __init__(self, nodes: list[tuple[str, _Selection]], fields: list[_Field]) -> None:
        self.nodes = nodes
        self.group = _Group(fields)
        self.unmeasured = sum(1 + inner.unmeasured for _, inner in nodes) + self.group.unmeasured
        # When no point depends on what a node holds (scalars only) nor on the edge's other
        # fields, an edge costs its fixed points plus each node's constant when present.
        self.constant_nodes: list[tuple[str, int]] | None = None
        if not self.group.fields and all(inner.constant is not None for _, inner in nodes):
            self.constant_nodes = [(key, 1 + (inner.constant or 0)) for key, inner in nodes]

    def measure_all(self, edges: list[Any]) -> int:
        """The points of a list of edges (one loop, no call per edge when it can)."""
        nodes = self.constant_nodes
        if nodes is None:
            measure = self.measure
            return sum([measure(item) for item in edges])
        fixed, unmeasured = self.group.fixed, self.unmeasured
        points = 0
        for item in edges:
            if item is None:
                points += unmeasured
            elif isinstance(item, dict):
                points += fixed
                for key, constant in nodes:
                    if item.get(key) is not None:
                        points += constant
            else:
                points += fixed
        return points

    def measure(self, edge: Any) -> int:
        if edge is None:
            return self.unmeasured
        points = self.group.measure(edge)
        if isinstance(edge, dict):
            for key, inner in self.nodes:
                value = edge.get(key)
                if value is not None:
                    points += 1 + inner.measure(value)
        return points


class _ConnectionField(_Field):
    """``_Walk._connection``: 2, the fields beside the edges, and each edge that came back
    (``first`` unmeasured edges when the edges did not come back as a list)."""

    __slots__ = ("group", "sized")

    def __init__(
        self,
        key: str,
        weight: int,
        fields: list[_Field],
        sized: list[tuple[str, _Edge, int]],
    ) -> None:
        super().__init__(key, weight)
        self.group = _Group(fields)
        self.sized = sized  # (key, edge, edges costed when they did not come back)
        self.unmeasured = (
            weight
            + 2
            + self.group.unmeasured
            + sum(count * edge.unmeasured for _, edge, count in sized)
        )

    def measure(self, value: Any) -> int:
        found = value if isinstance(value, dict) else {}
        points = self.weight + 2 + self.group.measure(found)
        for key, edge, count in self.sized:
            edges = found.get(key)
            if isinstance(edges, list):
                points += edge.measure_all(edges)
            else:
                points += count * edge.unmeasured
        return points


class ActualPlan:
    """The compiled measurement of one operation (``CostModel.plan``)."""

    __slots__ = ("extra", "selection", "static")

    def __init__(self, selection: _Selection | None, extra: int, *, static: bool) -> None:
        self.selection = selection
        self.extra = extra  # a mutation's own points
        self.static = static

    def measure(self, data: Any, legacy_requests: int) -> int:
        """``CostModel.actual`` of a response's ``data``."""
        legacy = legacy_requests * LEGACY_PAGE_POINTS
        if self.selection is None or not isinstance(data, dict):
            return legacy
        return self.selection.measure(data) + self.extra + legacy


class _Walk:
    def __init__(
        self,
        model: CostModel,
        document: DocumentNode,
        variables: Mapping[str, Any],
        now: datetime,
    ) -> None:
        self.model = model
        self.inputs = dict(variables)
        self.variables: VariableValues | None = None
        self.now = now
        self.used_now = False  # a window's end defaulted to ``now``
        # A variable's value was read (a directive's or a costed argument's): the walk's
        # result may differ for other variables.
        self.used_variables = False
        self.max_days = model.max_days
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operations = [
            d for d in document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        self._spread_depth = 0

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        """The operation to cost, with its variables coerced (left out when they do not
        coerce: execution refuses them anyway)."""
        for operation in self.operations:
            if name is None or (operation.name and operation.name.value == name):
                coerced = get_variable_values(
                    self.model.schema, operation.variable_definitions or (), self.inputs
                )
                self.variables = coerced if isinstance(coerced, VariableValues) else None
                return operation
        return None

    def _included(self, node: SelectionNode) -> bool:
        if not node.directives:
            return True
        if not self.used_variables and any(
            _has_variable(argument.value)
            for directive in node.directives
            for argument in directive.arguments or ()
        ):
            self.used_variables = True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _applies(self, condition: str | None, type_: GraphQLObjectType) -> bool:
        if condition is None or condition == type_.name:
            return True
        named = self.model.schema.get_type(condition)
        return (
            named is not None
            and is_abstract_type(named)
            and any(t.name == type_.name for t in self.model.schema.get_possible_types(named))
        )

    def _fields(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType
    ) -> Iterable[FieldNode]:
        """The fields a selection set asks of one concrete type, fragments expanded."""
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                if self._applies(condition, type_):
                    yield from self._fields(selection.selection_set, type_)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or self._spread_depth > 50:
                    continue  # validation refuses both; stay finite regardless
                if self._applies(fragment.type_condition.name.value, type_):
                    self._spread_depth += 1
                    yield from self._fields(fragment.selection_set, type_)
                    self._spread_depth -= 1

    def selection(
        self, selection_set: SelectionSetNode, type_: GraphQLNamedType, size: int, tally: Tally
    ) -> int:
        """Points of one value of ``type_`` (the worst concrete type for an abstract one),
        under ``size`` parents."""
        if isinstance(type_, GraphQLObjectType):
            return self._object(selection_set, type_, size, tally)
        if is_abstract_type(type_):
            return max(
                (
                    self._object(selection_set, t, size, tally)
                    for t in self.model.schema.get_possible_types(type_)
                ),
                default=0,
            )
        return 0

    def _object(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType, size: int, tally: Tally
    ) -> int:
        points = 0
        for node in self._fields(selection_set, type_):
            field = type_.fields.get(node.name.value)
            if field is None:
                continue  # __typename and meta fields are free
            points += self._field(node, type_, field, size, tally)
        return points

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLObjectType,
        field: GraphQLField,
        size: int,
        tally: Tally,
    ) -> int:
        spec = self.model.fields.get((parent.name, node.name.value), NO_COST)
        args = self._arguments(spec, field, node)
        self._legacy(spec, args, size, tally)
        points = spec.weight
        field_type = field.type
        named = get_named_type(field_type)
        if is_leaf_type(named) or node.selection_set is None:
            return points
        inner = field_type.of_type if is_non_null_type(field_type) else field_type
        if spec.slicing is not None:  # a connection: 2 + first x one node
            first = args.get(spec.slicing)
            most = spec.assumed_size  # the slicing argument's maximum: more is refused anyway
            count = first if isinstance(first, int) and first > 0 else most or 1
            count = min(count, most) if most else count
            return points + 2 + self._connection(node, named, spec, count, size, tally)
        if is_list_type(inner):
            count = spec.assumed_size or 1
            item = self.selection(node.selection_set, named, size * count, tally)
            return points + count * (1 + item)
        return points + 1 + self.selection(node.selection_set, named, size, tally)

    def _connection(
        self,
        node: FieldNode,
        named: GraphQLNamedType,
        spec: FieldCost,
        count: int,
        size: int,
        tally: Tally,
    ) -> int:
        """``first`` x one node: the sized fields (``edges``) and their ``node`` are free."""
        if not isinstance(named, GraphQLObjectType) or node.selection_set is None:
            return 0
        points = 0
        for child in self._fields(node.selection_set, named):
            child_field = named.fields.get(child.name.value)
            if child_field is None:
                continue
            if child.name.value not in spec.sized_fields:
                points += self._field(child, named, child_field, size, tally)
                continue
            edge_type = get_named_type(child_field.type)
            if child.selection_set is None or not isinstance(edge_type, GraphQLObjectType):
                continue
            points += count * self._edge(child.selection_set, edge_type, size * count, tally)
        return points

    def _edge(
        self,
        selection_set: SelectionSetNode,
        edge_type: GraphQLObjectType,
        size: int,
        tally: Tally,
    ) -> int:
        """One edge: its ``node`` object is free, what is selected inside it is not."""
        points = 0
        for field_node in self._fields(selection_set, edge_type):
            field = edge_type.fields.get(field_node.name.value)
            if field is None:
                continue
            if field_node.name.value == "node" and field_node.selection_set is not None:
                named = get_named_type(field.type)
                points += 1 + self.selection(field_node.selection_set, named, size, tally)
            else:
                points += self._field(field_node, edge_type, field, size, tally)
        return points

    def _arguments(self, spec: FieldCost, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """The field's arguments, when its cost reads any (coerced once they are needed:
        most fields' cost does not depend on them)."""
        if spec.slicing is None and spec.legacy_slicing is None and not spec.legacy_per_window:
            return {}
        if not self.used_variables and any(
            _has_variable(argument.value) for argument in node.arguments or ()
        ):
            self.used_variables = True
        try:
            return get_argument_values(field, node, self.variables)
        except GraphQLError:
            return {}

    # --- Compiling ``actual`` (see ``CostModel.plan``): the measuring walk above, once
    # per operation, with the data left for ``measure``.

    def compile_selection(
        self, selection_set: SelectionSetNode, type_: GraphQLNamedType
    ) -> _Selection:
        """``selection``: one list of fields per concrete type."""
        if isinstance(type_, GraphQLObjectType):
            return _Selection([self._compile_object(selection_set, type_)])
        if is_abstract_type(type_):
            return _Selection(
                [
                    self._compile_object(selection_set, t)
                    for t in self.model.schema.get_possible_types(type_)
                ]
            )
        return _Selection([])

    def _compile_object(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType
    ) -> list[_Field]:
        fields = []
        for node in self._fields(selection_set, type_):
            field = type_.fields.get(node.name.value)
            if field is not None:  # __typename and meta fields are free
                fields.append(self._compile_field(node, type_, field))
        return fields

    def _compile_field(
        self, node: FieldNode, parent: GraphQLObjectType, field: GraphQLField
    ) -> _Field:
        """``_field``, by the kind of value it measures."""
        key = node.alias.value if node.alias else node.name.value
        spec = self.model.fields.get((parent.name, node.name.value), NO_COST)
        # Only a connection's size is read: legacy pages are the ones really asked.
        args = self._arguments(spec, field, node) if spec.slicing is not None else {}
        field_type = field.type
        named = get_named_type(field_type)
        if is_leaf_type(named) or node.selection_set is None:
            return _Field(key, spec.weight)
        inner = field_type.of_type if is_non_null_type(field_type) else field_type
        if spec.slicing is not None:
            first = args.get(spec.slicing)
            most = spec.assumed_size
            count = first if isinstance(first, int) and first > 0 else most or 1
            count = min(count, most) if most else count
            return self._compile_connection(node, key, named, spec, count)
        if is_list_type(inner):
            count = spec.assumed_size or 1
            selection = self.compile_selection(node.selection_set, named)
            return _ListField(key, spec.weight, selection, count)
        return _ObjectField(key, spec.weight, self.compile_selection(node.selection_set, named))

    def _compile_connection(
        self, node: FieldNode, key: str, named: GraphQLNamedType, spec: FieldCost, count: int
    ) -> _ConnectionField:
        """``_connection``: the sized fields (``edges``) apart from the others."""
        fields: list[_Field] = []
        sized: list[tuple[str, _Edge, int]] = []
        if isinstance(named, GraphQLObjectType) and node.selection_set is not None:
            for child in self._fields(node.selection_set, named):
                child_field = named.fields.get(child.name.value)
                if child_field is None:
                    continue
                if child.name.value not in spec.sized_fields:
                    fields.append(self._compile_field(child, named, child_field))
                    continue
                edge_type = get_named_type(child_field.type)
                if child.selection_set is None or not isinstance(edge_type, GraphQLObjectType):
                    continue
                child_key = child.alias.value if child.alias else child.name.value
                edge = self._compile_edge(child.selection_set, edge_type)
                sized.append((child_key, edge, count))
        return _ConnectionField(key, spec.weight, fields, sized)

    def _compile_edge(self, selection_set: SelectionSetNode, edge_type: GraphQLObjectType) -> _Edge:
        nodes: list[tuple[str, _Selection]] = []
        fields: list[_Field] = []
        for field_node in self._fields(selection_set, edge_type):
            field = edge_type.fields.get(field_node.name.value)
            if field is None:
                continue
            if field_node.name.value == "node" and field_node.selection_set is not None:
                key = field_node.alias.value if field_node.alias else field_node.name.value
                selection = self.compile_selection(
                    field_node.selection_set, get_named_type(field.type)
                )
                nodes.append((key, selection))
            else:
                fields.append(self._compile_field(field_node, edge_type, field))
        return _Edge(nodes, fields)

    def _legacy(self, spec: FieldCost, args: Mapping[str, Any], size: int, tally: Tally) -> None:
        """Adds the legacy pages a field may need."""
        reports = min(size, ASSUMED_LISTS)  # pages are shared per list within a request
        if spec.legacy_fixed:
            tally.report_pages += spec.legacy_fixed * reports
        if spec.legacy_slicing is not None:
            first = args.get(spec.legacy_slicing)
            rows = first if isinstance(first, int) and first > 0 else PAGE_SIZE
            tally.report_pages += (math.ceil(rows / PAGE_SIZE) + 1) * reports
        if spec.legacy_per_window:
            window = self._window(args)
            if window is not None:
                tally.windows.append(window)

    def _window(self, args: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
        """The field's window as the resolver will read it (the resolver's own rule,
        ``bounded_window``); None for a window the resolver refuses: it reads nothing."""
        start, end = args.get("start"), args.get("end")
        self.used_now |= end is None
        try:
            return bounded_window(start, end, now=self.now, max_days=self.max_days)
        except ValidationFailed:
            return None
