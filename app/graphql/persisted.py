"""Persisted queries: where a request's document comes from, before anything parses it.

* Apollo's automatic persisted queries (APQ): ``extensions.persistedQuery`` is
  ``{"version": 1, "sha256Hash": "<hex>"}``. With the hash alone, the document is looked up
  (the APQ cache, then the registered documents); unknown, the answer is the error Apollo's
  clients wait for (message ``PersistedQueryNotFound``, code ``PERSISTED_QUERY_NOT_FOUND``)
  and they send the hash with the query; that hash must be the query's SHA-256
  (``VALIDATION_FAILED`` otherwise, before anything runs) and the document is kept for the
  next requests. ``PERSISTED_QUERIES_CACHE_SIZE=0`` turns APQ off: a hash alone is then
  ``PersistedQueryNotSupported`` and clients go back to sending the text.
* Allow-list mode (``PERSISTED_QUERIES_ONLY``): only registered documents run, sent by hash
  or in full; an unknown hash is ``PersistedQueryNotFound``, any other text
  ``PERSISTED_QUERY_REQUIRED``, both without parsing it. Nothing is learnt from requests.

``documents_of`` and ``check_document`` are what ``documents add`` registers with: the
documents of a file, each validated against the schema first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate

from app.core.errors import ErrorCode, GatewayError, ValidationFailed
from app.core.inputs import require_text
from app.core.persisted import DocumentCache, DocumentRegistry, document_hash, is_document_hash
from app.core.shared import SharedStore
from app.graphql.inputs import check_string_literals
from app.settings import Settings


class PersistedQueryNotFound(GatewayError):
    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND
    default_message = "PersistedQueryNotFound"  # the message Apollo's clients look for


class PersistedQueryNotSupported(GatewayError):
    code = ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED
    default_message = "PersistedQueryNotSupported"


class PersistedQueryRequired(GatewayError):
    code = ErrorCode.PERSISTED_QUERY_REQUIRED
    default_message = (
        "only registered documents run on this gateway (PERSISTED_QUERIES_ONLY): send the "
        "hash of a document registered with `complaints-gateway documents add`"
    )


def _refuse(message: str, problem: str) -> ValidationFailed:
    return ValidationFailed(message, details={"extensions.persistedQuery": problem})


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash of ``extensions.persistedQuery``, or None when there is none; a malformed
    one is ``VALIDATION_FAILED``."""
    if not extensions or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping):
        raise _refuse("malformed persisted query", "must be an object")
    if persisted.get("version") != 1:
        raise _refuse("unsupported persisted query version", "`version` must be 1")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not is_document_hash(digest.lower()):
        raise _refuse(
            "malformed persisted query hash", "`sha256Hash` must be 64 hexadecimal digits"
        )
    return digest.lower()


class PersistedQueries:
    """Resolves a request's document from its text and its ``persistedQuery`` extension."""

    def __init__(
        self, settings: Settings, registry: DocumentRegistry, shared: SharedStore | None
    ) -> None:
        self.only = settings.persisted_queries_only
        self.registry = registry
        self.cache = DocumentCache(
            settings.persisted_queries_cache_size, settings.persisted_queries_ttl, shared
        )

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The document to run (None when the request has none: Strawberry's 400), or a
        ``GatewayError`` refusing the request before anything is parsed."""
        digest = requested_hash(extensions)
        if digest is None:
            if (
                self.only
                and query is not None
                and await self.registry.get(document_hash(query)) is None
            ):
                raise PersistedQueryRequired
            return query
        if query is not None:
            if document_hash(query) != digest:
                raise _refuse(
                    "the persisted query hash does not match the query",
                    "`sha256Hash` must be the SHA-256 of `query` (as UTF-8, lowercase hex)",
                )
            if self.only:
                if await self.registry.get(digest) is None:
                    raise PersistedQueryRequired
            else:
                await self.cache.put(digest, query)
            return query
        if self.only:
            document = await self.registry.get(digest)
            if document is None:
                raise PersistedQueryNotFound
            return document
        if not self.cache.enabled:
            raise PersistedQueryNotSupported
        document = await self.cache.get(digest)
        if document is None:
            document = await self.registry.get(digest)
            if document is None:
                raise PersistedQueryNotFound
            await self.cache.put(digest, document)
        return document


# --- Registration (``documents add``) -----------------------------------------------------


class DocumentFileError(Exception):
    """A file ``documents add`` refuses whole, with the reason."""


def documents_of(path: Path) -> list[str]:
    """The documents of a file: a ``.json`` manifest (``{hash: document}`` as Relay and
    GraphQL Code Generator write, or Apollo's ``{"format": "apollo-persisted-query-
    manifest", "operations": [{"id", "body"}, ...]}``), or any other file as one GraphQL
    document (it may hold several operations and fragments, run by ``operationName``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentFileError(f"cannot read it ({exc})") from None
    if path.suffix.lower() != ".json":
        if not text.strip():
            raise DocumentFileError("it holds no document")
        return [text]
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise DocumentFileError(f"not JSON ({exc})") from None
    pairs: list[tuple[object, object]]
    if isinstance(manifest, dict) and manifest.get("format") == "apollo-persisted-query-manifest":
        operations = manifest.get("operations")
        if not isinstance(operations, list):
            raise DocumentFileError("`operations` must be a list")
        pairs = [
            (item.get("id"), item.get("body")) if isinstance(item, dict) else (None, None)
            for item in operations
        ]
    elif isinstance(manifest, dict):
        pairs = list(manifest.items())
    else:
        raise DocumentFileError("a manifest must be a JSON object")
    documents = []
    for key, document in pairs:
        if not isinstance(key, str) or not isinstance(document, str):
            raise DocumentFileError("each entry must be a hash and a document (strings)")
        if key.lower() != document_hash(document):
            raise DocumentFileError(
                f"{key}: not the SHA-256 of its document (generate the manifest with sha256)"
            )
        documents.append(document)
    if not documents:
        raise DocumentFileError("it holds no document")
    return documents


def check_document(schema: GraphQLSchema, document: str, max_tokens: int) -> list[str]:
    """The names of ``document``'s operations, once it is text (as a request's query must
    be), parses within ``max_tokens`` and validates against the schema;
    ``DocumentFileError`` with the problems otherwise."""
    try:
        require_text(document, "document")
        check_string_literals(document, max_tokens)
    except GatewayError as exc:
        problems = "".join(f" ({problem})" for problem in (exc.details or {}).values())
        raise DocumentFileError(f"{exc.message}{problems}") from None
    try:
        tree = parse(document, max_tokens=max_tokens)
    except GraphQLError as exc:
        raise DocumentFileError(exc.message) from None
    errors = validate(schema, tree)
    if errors:
        raise DocumentFileError("; ".join(error.message for error in errors[:5]))
    operations = [d for d in tree.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        raise DocumentFileError("it holds no operation")
    return [op.name.value if op.name else "(anonymous)" for op in operations]
