"""A fast path for lists: whole rows built in one loop, links loaded a list at a time.

graphql-core completes a list item by item and field by field: for a page of 500 legacy rows
of 20 fields that is 10,000 resolver calls, resolve infos and completions, most of which
read an attribute and hand it to a scalar's ``coerce_output_value``. For a list whose
selection is made only of

- plain fields (Strawberry's default resolver: an attribute of the record),
- resolvers without arguments and without ``info`` (``cursor``, ``optOut``),
- links (``app.graphql.core.links``: one loader key read off the record),
- ``__typename``, and objects, lists and interfaces made of the same,

``GatewayExecutionContext`` plans the selection once per request and builds each row's
dict in one loop, calling the very same attribute reads, resolvers and scalar coercions,
and loads a link's keys for the whole list at once (one batch per link and level, whose
futures are awaited in turn rather than gathered one per row). Scope checks are the same
``requires(...)`` permissions, evaluated once per list (they depend on the key, not on the
row); a denied scope, a field
with arguments, any other field extension, per-field middleware or incremental delivery
send the list down graphql-core's own path, as does anything the fast path would have to
report as an error (a null in a non-null field, a value a scalar refuses, a loader that
fails, a record of the wrong type): graphql-core then completes the same list again and
reports it exactly as it always has. The fast path never reports an error itself, so its
output is byte for byte the normal path's (``tests/graphql/test_fast_path.py`` runs both
on every list type).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
    GraphQLUnionType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from app.graphql.core.links import Link, link_of
from app.graphql.permissions import ScopeExtension

DEFINITION = "strawberry-definition"


class Fallback(Exception):
    """This list leaves the fast path: graphql-core completes it instead."""


class Build:
    """One fast completion of one list: the request's context and the link loads that are
    still on their way, each with what to do with its answer."""

    __slots__ = ("context", "info", "pending")

    def __init__(self, context: Any, info: GraphQLResolveInfo[Any]) -> None:
        self.context = context
        self.info = info
        self.pending: list[tuple[list[asyncio.Future[Any]], Callable[[list[Any]], None]]] = []


class Completer:
    """Completes a column of values of one output type (all rows' values of one field)."""

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        raise NotImplementedError


class NonNull(Completer):
    __slots__ = ("inner",)

    def __init__(self, inner: Completer) -> None:
        self.inner = inner

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        if None in values or any(value is Undefined for value in values):
            raise Fallback("null in a non-null position")
        return self.inner.column(build, values)


class Nullable(Completer):
    """Nulls stay null; the other values are completed together."""

    __slots__ = ("inner",)

    def __init__(self, inner: Completer) -> None:
        self.inner = inner

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        present = [
            i for i, value in enumerate(values) if value is not None and value is not Undefined
        ]
        if len(present) == len(values):
            return self.inner.column(build, values)
        completed: list[Any] = [None] * len(values)
        if present:
            done = self.inner.column(build, [values[i] for i in present])
            for i, value in zip(present, done, strict=True):
                completed[i] = value
        return completed


class ListOf(Completer):
    """All items of all the lists of a column are completed as one column."""

    __slots__ = ("inner",)

    def __init__(self, inner: Completer) -> None:
        self.inner = inner

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        flat: list[Any] = []
        sizes: list[int] = []
        for value in values:
            if not isinstance(value, list | tuple):
                raise Fallback("not a list")
            flat.extend(value)
            sizes.append(len(value))
        done = self.inner.column(build, flat)
        lists: list[Any] = []
        start = 0
        for size in sizes:
            lists.append(done[start : start + size])
            start += size
        return lists


class Leaf(Completer):
    """A scalar or enum: its own ``coerce_output_value``; a string for String or ID and a
    bool for Boolean are what those coercions return unchanged, and an enum's names are
    kept once found (its coercion is a lookup by equality, so equal values share a name)."""

    __slots__ = ("coerce", "memo", "same")

    def __init__(self, leaf: GraphQLScalarType | GraphQLEnumType) -> None:
        self.coerce = leaf.coerce_output_value
        self.same: type | None = None
        if leaf is GraphQLString or leaf is GraphQLID:
            self.same = str
        elif leaf is GraphQLBoolean:
            self.same = bool
        self.memo: dict[Any, Any] | None = {} if isinstance(leaf, GraphQLEnumType) else None

    def value(self, value: Any) -> Any:
        if value.__class__ is self.same:
            return value
        memo = self.memo
        if memo is not None:
            known = memo.get(value)
            if known is not None:
                return known
        coerced = self.coerce(value)
        if coerced is None or coerced is Undefined:
            raise Fallback("a scalar refused a value")
        if memo is not None:
            memo[value] = coerced
        return coerced

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        value = self.value
        return [value(v) for v in values]


class Abstract(Completer):
    """An interface or union: each value's runtime type by the type's own ``resolve_type``,
    then each runtime type's rows as one column."""

    __slots__ = ("abstract", "planner", "plans")

    def __init__(
        self,
        abstract: GraphQLInterfaceType | GraphQLUnionType,
        planner: Callable[[GraphQLObjectType], ObjectPlan | None],
    ) -> None:
        self.abstract = abstract
        self.planner = planner
        self.plans: dict[str, ObjectPlan | None] = {}

    def plan(self, build: Build, value: Any) -> ObjectPlan:
        resolve_type = self.abstract.resolve_type
        if resolve_type is None:
            raise Fallback("no resolve_type")
        name = resolve_type(value, build.info, self.abstract)
        if not isinstance(name, str):
            raise Fallback("runtime type not resolved to a name")
        if name not in self.plans:
            runtime = build.info.schema.get_type(name)
            plan = None
            if isinstance(runtime, GraphQLObjectType) and build.info.schema.is_sub_type(
                self.abstract, runtime
            ):
                plan = self.planner(runtime)
            self.plans[name] = plan
        plan = self.plans[name]
        if plan is None:
            raise Fallback(f"{name} has no fast plan")
        return plan

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        groups: dict[int, tuple[ObjectPlan, list[int]]] = {}
        for index, value in enumerate(values):
            plan = self.plan(build, value)
            groups.setdefault(id(plan), (plan, []))[1].append(index)
        completed: list[Any] = [None] * len(values)
        for plan, indices in groups.values():
            rows = plan.column(build, [values[i] for i in indices])
            for i, row in zip(indices, rows, strict=True):
                completed[i] = row
        return completed


class ObjectPlan(Completer):
    """An object type's selection: the response keys in order, the leaves read in the row
    loop, and the nested fields and links completed a column at a time."""

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.object_type = object_type
        self.template: dict[str, Any] = {}
        self.leaves: list[tuple[str, Callable[[Any], Any], Leaf, bool]] = []
        self.nested: list[tuple[str, Callable[[Any], Any], Completer]] = []
        self.links: list[tuple[str, Link[Any, Any, Any], Completer]] = []

    def column(self, build: Build, values: list[Any]) -> list[Any]:
        is_type_of = self.object_type.is_type_of
        if is_type_of is not None:
            info = build.info
            for value in values:
                if is_type_of(value, info) is not True:
                    raise Fallback("a record of another type")
        template = self.template
        rows: list[dict[str, Any]] = []
        append = rows.append
        leaves = self.leaves
        for value in values:
            row = template.copy()
            for key, get, leaf, non_null in leaves:
                item = get(value)
                if item is None:
                    if non_null:
                        raise Fallback("null in a non-null field")
                    continue
                row[key] = item if item.__class__ is leaf.same else leaf.value(item)
            append(row)
        for key, get, completer in self.nested:
            done = completer.column(build, [get(value) for value in values])
            for row, item in zip(rows, done, strict=True):
                row[key] = item
        for key, link, completer in self.links:
            self._load(build, key, link, completer, values, rows)
        return rows

    @staticmethod
    def _load(
        build: Build,
        key: str,
        link: Link[Any, Any, Any],
        completer: Completer,
        values: list[Any],
        rows: list[dict[str, Any]],
    ) -> None:
        keys = [link.key_of(value) for value in values]
        present = [k for k in keys if k is not None]

        def fill(answers: list[Any]) -> None:
            found = iter(answers)
            column = [link.absent if k is None else next(found) for k in keys]
            for row, item in zip(rows, completer.column(build, column), strict=True):
                row[key] = item

        if not present:
            fill([])
            return
        load = build.context.loader(link.loader).load
        build.pending.append(([load(k) for k in present], fill))


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the fast path for lists (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Plans of this request, by list item type and field group (kept alive with it).
        self._plans: dict[tuple[int, int], tuple[FieldDetailsList, Completer | None]] = {}

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        normal = super().complete_list_value
        arguments = (return_type, field_details_list, info, path, result, position_context)
        if not isinstance(result, list | tuple) or not self._fast_enabled():
            return normal(*arguments)
        if not result:
            return []
        completer = self._completer(return_type.of_type, field_details_list)
        if completer is None:
            return normal(*arguments)
        build = Build(self.context_value, info)
        try:
            rows = completer.column(build, list(result))
        except Exception:
            return normal(*arguments)
        if not build.pending:
            return rows
        return self._settle(build, rows, normal, arguments)

    async def _settle(
        self,
        build: Build,
        rows: list[Any],
        normal: Callable[..., Any],
        arguments: tuple[Any, ...],
    ) -> Any:
        """Answers the link loads level by level; on any surprise the normal path completes
        the list again (loaders keep their answers, so it costs no second query)."""
        waiting: list[tuple[list[asyncio.Future[Any]], Callable[[list[Any]], None]]] = []
        try:
            while build.pending:
                waiting, build.pending = build.pending, []
                # One batch answers all the futures of a loader at once: awaiting them in
                # turn costs no callback per future, unlike gathering them.
                for futures, _ in waiting:
                    for future in futures:
                        if not future.done():
                            await future
                for futures, fill in waiting:
                    fill([future.result() for future in futures])
        except Exception:
            for futures, _ in (*waiting, *build.pending):
                for future in futures:  # retrieved: no "exception never retrieved" log
                    if future.done() and not future.cancelled():
                        future.exception()
            completed = normal(*arguments)
            if self.is_awaitable(completed):
                completed = await completed
            return completed
        return rows

    def _fast_enabled(self) -> bool:
        manager = self.middleware_manager
        return manager is None or not manager.middlewares

    def _completer(
        self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> Completer | None:
        key = (id(return_type), id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            completer = self._compile(return_type, field_details_list)
            self._plans[key] = (field_details_list, completer)
            return completer
        return cached[1]

    def _compile(
        self, output: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> Completer | None:
        if isinstance(output, GraphQLNonNull):
            inner = self._compile(output.of_type, field_details_list)
            return None if inner is None else NonNull(inner)
        inner = self._compile_nullable(output, field_details_list)
        return None if inner is None else Nullable(inner)

    def _compile_nullable(
        self, output: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> Completer | None:
        if isinstance(output, GraphQLList):
            inner = self._compile(output.of_type, field_details_list)
            return None if inner is None else ListOf(inner)
        if isinstance(output, GraphQLScalarType | GraphQLEnumType):
            return Leaf(output)
        if isinstance(output, GraphQLObjectType):
            return self._plan(output, field_details_list)
        if isinstance(output, GraphQLInterfaceType | GraphQLUnionType):
            return Abstract(output, lambda runtime: self._plan(runtime, field_details_list))
        return None

    def _plan(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> ObjectPlan | None:
        grouped, deferred, _forbidden = self.collect_subfields(object_type, field_details_list)
        if deferred:
            return None
        plan = ObjectPlan(object_type)
        for response_key, details in grouped.items():
            if not self._plan_field(plan, object_type, response_key, details):
                return None
        return plan

    def _plan_field(
        self,
        plan: ObjectPlan,
        object_type: GraphQLObjectType,
        key: str,
        details: FieldDetailsList,
    ) -> bool:
        """Adds one response key to ``plan``; False when the field needs the normal path."""
        node = details[0].node
        name = node.name.value
        plan.template[key] = None
        if any(detail.defer_usage is not None for detail in details):
            return False
        if name == "__typename":
            plan.template[key] = object_type.name
            return True
        field = object_type.fields.get(name)
        if field is None or field.args or node.arguments:
            return False
        definition = field.extensions.get(DEFINITION)
        if not isinstance(definition, StrawberryField) or not self._granted(definition):
            return False
        getter = self._getter(definition)
        link = None
        if getter is None:
            resolver = definition.base_resolver
            link = link_of(resolver.wrapped_func) if resolver is not None else None
            if link is None:
                return False
        completer = self._compile(field.type, details)
        if completer is None:
            return False
        if link is not None:
            plan.links.append((key, link, completer))
            return True
        assert getter is not None
        leaf_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
            leaf = Leaf(leaf_type)
            plan.leaves.append((key, getter, leaf, isinstance(field.type, GraphQLNonNull)))
        else:
            plan.nested.append((key, getter, completer))
        return True

    def _granted(self, definition: StrawberryField) -> bool:
        """A field's only extensions may be scope checks, and they must pass for this key."""
        for extension in definition.extensions:
            if not isinstance(extension, ScopeExtension):
                return False
            permission = extension.permission
            try:
                missing = self.context_value.principal.missing(permission.scopes)
            except Exception:
                return False
            if permission.denied(missing):
                return False
        return True

    @staticmethod
    def _getter(definition: StrawberryField) -> Callable[[Any], Any] | None:
        """How the field reads a record: its attribute (the default resolver), or a
        resolver that takes only the record; None for anything else."""
        resolver = definition.base_resolver
        if resolver is None:
            if definition.default_resolver is getattr:
                return attrgetter(definition.python_name)
            name, read = definition.python_name, definition.default_resolver
            return lambda value: read(value, name)
        if resolver.arguments or resolver.is_async or resolver.info_parameter is not None:
            return None
        if link_of(resolver.wrapped_func) is not None:
            return None
        record_names = {
            parameter.name
            for parameter in (resolver.parent_parameter, resolver.root_parameter)
            if parameter is not None
        }
        call = resolver.wrapped_func
        if not callable(call):
            return None
        if resolver.self_parameter is not None and not record_names:
            return lambda value: call(value)
        if resolver.self_parameter is None and len(record_names) == 1:
            (record,) = record_names
            return lambda value: call(**{record: value})
        return None
