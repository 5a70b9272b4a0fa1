"""The cost model's walk as it was before ``app.graphql.cost`` compiled the measurement
of ``actual`` into plans: kept, unchanged, as the reference the compiled plans are
tested against (tests/graphql/test_cost.py)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

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
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
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
from strawberry.types.unset import UNSET

from app.core.errors import ValidationFailed
from app.core.windows import bounded_window
from app.graphql.cost import Cost, LegacyPages, ListSize
from app.legacy.models import PAGE_SIZE
from app.unified.links import union_of

T = TypeVar("T")

LEGACY_PAGE_POINTS = 10
ASSUMED_LISTS = 4
ASSUMED_PAGES_PER_LIST = 3
MUTATION_POINTS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class FieldCost:
    weight: int = 0
    assumed_size: int | None = None
    slicing: str | None = None
    sized_fields: tuple[str, ...] = ()
    legacy_fixed: int = 0
    legacy_slicing: str | None = None
    legacy_per_window: bool = False


def _given(value: T | None) -> T | None:
    """A directive argument, None when it was left out (UNSET keeps it out of the SDL)."""
    return None if value is UNSET else value


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
        """``requested``, and whether it is static: the operation declares no variable and
        no window was measured from ``now``, so any request of this document and operation
        costs the same (the document cache keeps such estimates)."""
        walk = _Walk(self, document, variables, now)
        operation = walk.operation(operation_name)
        if operation is None:
            return 0, True
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0, True
        tally = Tally()
        points = walk.selection(operation.selection_set, root, None, 1, tally)
        if operation.operation.value == "mutation":
            points += MUTATION_POINTS
        static = not operation.variable_definitions and not walk.used_now
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
        walk = _Walk(self, document, variables, now, estimating=False)
        operation = walk.operation(operation_name)
        root = self.schema.get_root_type(operation.operation) if operation else None
        if operation is None or root is None or not isinstance(data, dict):
            return legacy_requests * LEGACY_PAGE_POINTS
        points = walk.selection(operation.selection_set, root, data, 1, Tally())
        if operation.operation.value == "mutation":
            points += MUTATION_POINTS
        return points + legacy_requests * LEGACY_PAGE_POINTS


class _Walk:
    def __init__(
        self,
        model: CostModel,
        document: DocumentNode,
        variables: Mapping[str, Any],
        now: datetime,
        *,
        estimating: bool = True,
    ) -> None:
        self.model = model
        self.estimating = estimating  # False: measuring a response, legacy pages are counted
        self.inputs = dict(variables)
        self.variables: VariableValues | None = None
        self.now = now
        self.used_now = False  # a window's end defaulted to ``now``
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
        self,
        selection_set: SelectionSetNode,
        type_: GraphQLNamedType,
        data: Any,
        size: int,
        tally: Tally,
    ) -> int:
        """Points of one value of ``type_`` (the worst concrete type for an abstract one)."""
        if isinstance(type_, GraphQLObjectType):
            return self._object(selection_set, type_, data, size, tally)
        if is_abstract_type(type_):
            return max(
                (
                    self._object(selection_set, t, data, size, tally)
                    for t in self.model.schema.get_possible_types(type_)
                ),
                default=0,
            )
        return 0

    def _object(
        self,
        selection_set: SelectionSetNode,
        type_: GraphQLObjectType,
        data: Any,
        size: int,
        tally: Tally,
    ) -> int:
        points = 0
        for node in self._fields(selection_set, type_):
            name = node.name.value
            field = type_.fields.get(name)
            if field is None:
                continue  # __typename and meta fields are free
            key = node.alias.value if node.alias else name
            value = data.get(key) if isinstance(data, dict) else None
            points += self._field(node, type_, field, value, data is not None, size, tally)
        return points

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLObjectType,
        field: GraphQLField,
        value: Any,
        measured: bool,
        size: int,
        tally: Tally,
    ) -> int:
        spec = self.model.fields.get((parent.name, node.name.value), FieldCost())
        try:
            args = get_argument_values(field, node, self.variables)
        except GraphQLError:
            args = {}
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
            return (
                points
                + 2
                + self._connection(node, named, spec, value, measured, count, size, tally)
            )
        if is_list_type(inner):
            items = value if measured and isinstance(value, list) else None
            if items is not None:
                return points + sum(
                    1 + self.selection(node.selection_set, named, item, size, tally)
                    for item in items
                    if item is not None
                )
            count = spec.assumed_size or 1
            item = self.selection(node.selection_set, named, None, size * count, tally)
            return points + count * (1 + item)
        if measured and value is None:
            return points
        return points + 1 + self.selection(node.selection_set, named, value, size, tally)

    def _connection(
        self,
        node: FieldNode,
        named: GraphQLNamedType,
        spec: FieldCost,
        value: Any,
        measured: bool,
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
            key = child.alias.value if child.alias else child.name.value
            child_value = value.get(key) if isinstance(value, dict) else None
            if child.name.value not in spec.sized_fields:
                points += self._field(child, named, child_field, child_value, measured, size, tally)
                continue
            edge_type = get_named_type(child_field.type)
            if child.selection_set is None or not isinstance(edge_type, GraphQLObjectType):
                continue
            edges = child_value if measured and isinstance(child_value, list) else None
            if edges is not None:
                points += sum(
                    self._edge(child.selection_set, edge_type, edge, size, tally) for edge in edges
                )
            else:
                points += count * self._edge(
                    child.selection_set, edge_type, None, size * count, tally
                )
        return points

    def _edge(
        self,
        selection_set: SelectionSetNode,
        edge_type: GraphQLObjectType,
        edge: Any,
        size: int,
        tally: Tally,
    ) -> int:
        """One edge: its ``node`` object is free, what is selected inside it is not."""
        points = 0
        for field_node in self._fields(selection_set, edge_type):
            field = edge_type.fields.get(field_node.name.value)
            if field is None:
                continue
            key = field_node.alias.value if field_node.alias else field_node.name.value
            value = edge.get(key) if isinstance(edge, dict) else None
            named = get_named_type(field.type)
            if field_node.name.value == "node" and field_node.selection_set is not None:
                if edge is None or value is not None:
                    points += 1 + self.selection(
                        field_node.selection_set, named, value, size, tally
                    )
            else:
                points += self._field(
                    field_node, edge_type, field, value, edge is not None, size, tally
                )
        return points

    def _legacy(self, spec: FieldCost, args: Mapping[str, Any], size: int, tally: Tally) -> None:
        """Adds the legacy pages a field may need (estimates only)."""
        if not self.estimating:
            return
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
