"""The gateway's root secret and the purpose-bound keys derived from it.

One secret (``SECRET_KEY``, or a random one kept in ``DATA_DIR/secret.key``) is stretched
into separate keys per purpose, so that a cursor signature can never double as, say, an
encryption key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from app.settings import Settings


def load_root_secret(settings: Settings) -> bytes:
    """The configured secret, or the one generated (once, mode 0600) under the data dir."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner-only when new
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip().encode()


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    try:
        os.link(tmp, path)  # first writer wins when several workers start together
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def derive_key(root: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (HMAC-SHA256 as a KDF over a high-entropy root)."""
    return hmac.new(root, b"complaints-gateway:" + purpose.encode(), hashlib.sha256).digest()
