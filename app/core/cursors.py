"""Opaque, signed pagination cursors.

A cursor is base64url JSON (for the native store the platform's own
``{"created_at": ..., "id": ...}``) plus ``sig``: an HMAC over the payload and what it is
bound to (the organization and the list it pages). A cursor that was edited, truncated, or
minted for another organization fails the same way as garbage, so it reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from app.core.errors import ValidationFailed

_SIG_BYTES = 16
MAX_CURSOR_LENGTH = 512


def malformed_cursor(field: str) -> ValidationFailed:
    """The one answer to every bad cursor, whatever is wrong with it, so none reveals more."""
    return ValidationFailed("invalid cursor", details={field: "malformed cursor"})


class CursorCodec:
    """Encodes and verifies cursors with one derived key."""

    def __init__(self, key: bytes) -> None:
        self._mac = hmac.new(key, digestmod=hashlib.sha256)  # keyed once, copied per use

    def _sign(self, body: str, binding: str) -> str:
        mac = self._mac.copy()
        mac.update(f"{binding}\n{body}".encode())
        return base64.urlsafe_b64encode(mac.digest()[:_SIG_BYTES]).rstrip(b"=").decode()

    @staticmethod
    def _canonical(payload: dict[str, Any]) -> str:
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))

    def encode(self, payload: dict[str, Any], binding: str) -> str:
        """The opaque cursor for ``payload``, valid only where ``binding`` matches."""
        body = self._canonical(payload)
        signed = f'{body[:-1]},"sig":"{self._sign(body, binding)}"}}' if payload else body
        return base64.urlsafe_b64encode(signed.encode()).rstrip(b"=").decode()

    def decode(self, cursor: str, binding: str, *, field: str) -> dict[str, Any]:
        """The payload of a cursor made here for ``binding``; anything else is refused."""
        invalid = malformed_cursor(field)
        if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise invalid from None
        if not isinstance(data, dict) or not isinstance(data.get("sig"), str):
            raise invalid
        sig = data.pop("sig")
        if not hmac.compare_digest(sig, self._sign(self._canonical(data), binding)):
            raise invalid
        return data
