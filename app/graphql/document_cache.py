"""Parsed and validated documents, kept by the hash of their text (a bounded LRU).

A client sends the same few documents again and again with other variables: their parse,
their validation (the schema's rules and the token, depth and alias limits) and the part
of their cost that no variable and no clock can change are worked out once per distinct
document and process. ``DocumentCacheExtension`` runs first among the schema's extensions:

* before parsing, a known document is handed to Strawberry, which then does not parse it;
* before validation, a known document's verdict (its list of errors, often empty) is set,
  which Strawberry takes as validation already done; an unknown one is validated as usual
  and its verdict kept;
* ``CostLimiter`` keeps the estimate of an operation when the walk read neither a
  variable nor the current time (see ``CostModel.estimate``), and the compiled measurement
  of its actual cost when that read no variable (``CostModel.plan``).

A document that does not parse is not kept (it is parsed again, and fails the same way).
Kept errors are the very ``GraphQLError`` objects the first validation made, so a cached
document is refused with exactly the same errors as an uncached one. Variables are still
coerced per request, by execution.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graphql import ASTValidationRule, DocumentNode, GraphQLError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from app.core.persisted import document_hash
from app.graphql.context import GraphQLContext
from app.graphql.cost import ActualPlan


@dataclass(slots=True)
class CachedDocument:
    document: DocumentNode
    # None until validated; then the validation's errors (empty: valid).
    errors: list[GraphQLError] | None = None
    # Estimates that depend on nothing but the document, by operation name.
    costs: dict[str | None, int] = field(default_factory=dict)
    # Compiled measurements of the actual cost that read no variable, by operation name.
    plans: dict[str | None, ActualPlan] = field(default_factory=dict)


class DocumentCache:
    """At most ``maxsize`` documents, least recently used out first; 0 keeps nothing."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, CachedDocument] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> CachedDocument | None:
        if self.maxsize <= 0:
            return None
        key = document_hash(query)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def peek(self, query: str, document: DocumentNode) -> CachedDocument | None:
        """The entry of ``query`` if it holds this very document (no LRU bookkeeping)."""
        if self.maxsize <= 0:
            return None
        entry = self._entries.get(document_hash(query))
        return entry if entry is not None and entry.document is document else None

    def put(self, query: str, document: DocumentNode) -> CachedDocument:
        entry = CachedDocument(document)
        if self.maxsize <= 0:
            return entry
        key = document_hash(query)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def extension(
        self,
        *,
        max_tokens: int | None = None,
        max_depth: int | None = None,
        max_aliases: int | None = None,
    ) -> Callable[[], SchemaExtension]:
        """A factory for the schema's extension list (one instance per request), with the
        document limits: at most ``max_tokens`` tokens (Strawberry's ``MaxTokensLimiter``),
        ``max_depth`` levels (``QueryDepthLimiter``) and ``max_aliases`` aliases
        (``MaxAliasesLimiter``). Their validation rules are built here, once: the
        limiters themselves build a new rule class each time one is made."""
        rules: list[type[ASTValidationRule]] = []
        if max_depth is not None:
            rules += QueryDepthLimiter(max_depth=max_depth).validation_rules
        if max_aliases is not None:
            rules += MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules
        limits = _Limits(max_tokens, tuple(rules))
        return lambda: DocumentCacheExtension(self, limits)


@dataclass(frozen=True, slots=True)
class _Limits:
    max_tokens: int | None
    rules: tuple[type[ASTValidationRule], ...]


class DocumentCacheExtension(SchemaExtension):
    def __init__(self, cache: DocumentCache, limits: _Limits | None = None) -> None:
        super().__init__()
        self.cache = cache
        self.limits = limits or _Limits(None, ())
        self.entry: CachedDocument | None = None

    def on_operation(self) -> Iterator[None]:
        """The limits, for a document that is parsed and validated."""
        execution = self.execution_context
        if self.limits.max_tokens is not None:
            execution.parse_options["max_tokens"] = self.limits.max_tokens
        if self.limits.rules:
            execution.validation_rules = (*execution.validation_rules, *self.limits.rules)
        yield

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        query = execution.query
        if not query or execution.graphql_document is not None:
            yield
            return
        self.entry = self.cache.get(query)
        if self.entry is not None:
            execution.graphql_document = self.entry.document
            self._share(self.entry)
            yield
            return
        yield
        if execution.graphql_document is not None and not execution.pre_execution_errors:
            self.entry = self.cache.put(query, execution.graphql_document)
            self._share(self.entry)

    def _share(self, entry: CachedDocument) -> None:
        """The request's entry, for ``CostLimiter`` (which would hash the text again)."""
        context = self.execution_context.context
        if isinstance(context, GraphQLContext):
            context.cached_document = entry

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        entry = self.entry
        if entry is None or entry.document is not execution.graphql_document:
            yield
            return
        if entry.errors is not None and execution.pre_execution_errors is None:
            execution.pre_execution_errors = list(entry.errors)
            yield
            return
        yield
        if execution.pre_execution_errors is not None:
            entry.errors = list(execution.pre_execution_errors)
