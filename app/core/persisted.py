"""Persisted documents, by the SHA-256 of their text (lowercase hex), framework-free.

Two stores:

* ``DocumentRegistry``: the documents registered ahead of time (``documents add``), in the
  database (``persisted_documents``), so every replica sees the same allow-list and a
  removal takes effect at once everywhere.
* ``DocumentCache``: automatic persisted queries (APQ), documents a client uploaded once
  with their hash. A document is its hash's only possible value, so every tier may keep a
  copy without ever going stale: in-process a bounded LRU (at most ``size`` documents), and,
  with a ``SharedStore`` (``REDIS_URL``), Redis, where every worker and replica finds what
  one of them was sent. Each Redis entry expires ``ttl`` seconds after its last use, and an
  index (a sorted set by expiry) keeps at most ``size`` of them, those nearest their expiry
  leaving first. When Redis fails the cache goes on in-process (``SharedStore.failed``);
  a client whose document was lost is told ``PersistedQueryNotFound`` and sends it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, String, Table, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import UTCDateTime, metadata, utcnow
from app.core.shared import SHARED_ERRORS, SharedStore
from app.core.sql import short_read

MAX_CACHED_BYTES = 64 * 1024
"""Largest document the APQ cache keeps (in UTF-8 bytes): bounds each tier at ``size``
times 64 KiB. A larger one still runs; its client is asked for the text again next time."""

_HASH = re.compile(r"^[0-9a-f]{64}$")

persisted_documents = Table(
    "persisted_documents",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("document", Text, nullable=False),
    # The document's operation names, space-separated (for `documents list`).
    Column("operations", Text, nullable=False),
    # Where it was registered from (a file name), for operators.
    Column("source", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


def document_hash(document: str) -> str:
    """The SHA-256 of ``document``'s UTF-8 text, in lowercase hex (Apollo's APQ hash)."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


def is_document_hash(value: object) -> bool:
    return isinstance(value, str) and _HASH.match(value) is not None


@dataclasses.dataclass(frozen=True)
class RegisteredDocument:
    hash: str
    document: str
    operations: tuple[str, ...]
    source: str
    created_at: datetime


class DocumentRegistry:
    """The allow-list: registered documents by hash, in the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, digest: str) -> str | None:
        async with self._engine.connect() as conn:
            return await conn.scalar(
                short_read(
                    select(persisted_documents.c.document).where(
                        persisted_documents.c.hash == digest
                    )
                )
            )

    async def add(
        self, documents: Iterable[tuple[str, Iterable[str]]], source: str
    ) -> list[tuple[str, bool]]:
        """Register each ``(document, operation names)``, in one transaction; ``(hash, new)``
        for each (a document already registered is left as it was)."""
        now = utcnow()
        added: list[tuple[str, bool]] = []
        async with self._engine.begin() as conn:
            for document, operations in documents:
                digest = document_hash(document)
                exists = await conn.scalar(
                    select(persisted_documents.c.hash).where(persisted_documents.c.hash == digest)
                )
                if exists is None and digest not in {d for d, _new in added}:
                    await conn.execute(
                        persisted_documents.insert().values(
                            hash=digest,
                            document=document,
                            operations=" ".join(operations),
                            source=source[-500:],
                            created_at=now,
                        )
                    )
                    added.append((digest, True))
                else:
                    added.append((digest, False))
        return added

    async def list(self) -> list[RegisteredDocument]:
        t = persisted_documents.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(persisted_documents).order_by(t.created_at, t.hash))
            return [
                RegisteredDocument(
                    row.hash,
                    row.document,
                    tuple(row.operations.split()),
                    row.source,
                    row.created_at,
                )
                for row in rows
            ]

    async def remove(self, digest: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(persisted_documents).where(persisted_documents.c.hash == digest)
            )
        return bool(result.rowcount)


# KEYS: the document, the index (sorted set of hashes by expiry, in microseconds). ARGV:
# the hash, the document, the TTL in ms, the most documents kept. Expired hashes leave the
# index, then those nearest their expiry go until at most ARGV[4] remain.
_PUT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl, bound = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl * 1000, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local excess = redis.call('ZCARD', KEYS[2]) - bound
if excess > 0 then
  local prefix = string.sub(KEYS[1], 1, string.len(KEYS[1]) - string.len(ARGV[1]))
  for _, digest in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
    redis.call('DEL', prefix .. digest)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
"""

# KEYS: the document, the index. ARGV: the hash, the TTL in ms. The document, its expiry
# pushed back by a TTL from now (so is its place in the index), or nil.
_GET = """
local document = redis.call('GET', KEYS[1])
if not document then
  return nil
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], 'XX', now + ttl * 1000, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return document
"""


class DocumentCache:
    """Automatic persisted queries: hash → document, in-process LRU and optionally Redis."""

    def __init__(self, size: int, ttl: float, shared: SharedStore | None = None) -> None:
        self.size = size
        self.ttl_ms = max(1, int(ttl * 1000))
        self.shared = shared
        self._local: OrderedDict[str, str] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def __len__(self) -> int:
        return len(self._local)

    def _keys(self, digest: str, shared: SharedStore) -> list[str]:
        return [shared.key("apq", "d", digest), shared.key("apq", "index")]

    def _remember(self, digest: str, document: str) -> None:
        self._local[digest] = document
        self._local.move_to_end(digest)
        while len(self._local) > self.size:
            self._local.popitem(last=False)

    async def get(self, digest: str) -> str | None:
        if not self.enabled:
            return None
        document = self._local.get(digest)
        if document is not None:
            self._local.move_to_end(digest)
            return document
        shared = self.shared
        if shared is None or shared.client is None or not shared.usable():
            return None
        try:
            found = await shared.client.eval(
                _GET, 2, *self._keys(digest, shared), digest, self.ttl_ms
            )
        except SHARED_ERRORS as exc:
            shared.failed(exc)
            return None
        shared.succeeded()
        if found is None:
            return None
        document = found.decode("utf-8", "surrogatepass") if isinstance(found, bytes) else found
        if document_hash(document) != digest:  # never run what the hash does not name
            return None
        self._remember(digest, document)
        return document

    async def put(self, digest: str, document: str) -> None:
        """Keep ``document`` under ``digest`` (the caller checked that it is its hash)."""
        if not self.enabled or digest in self._local:
            if digest in self._local:
                self._local.move_to_end(digest)
            return
        encoded = document.encode("utf-8", "surrogatepass")
        if len(encoded) > MAX_CACHED_BYTES:
            return
        self._remember(digest, document)
        shared = self.shared
        if shared is None or shared.client is None or not shared.usable():
            return
        try:
            await shared.client.eval(
                _PUT, 2, *self._keys(digest, shared), digest, encoded, self.ttl_ms, self.size
            )
        except SHARED_ERRORS as exc:
            shared.failed(exc)
            return
        shared.succeeded()
