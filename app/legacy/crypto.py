"""Legacy API passwords at rest: Fernet (AES-128-CBC + HMAC) under a key derived from SECRET_KEY."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken

from app.core.secrets import derive_key


class PasswordBox:
    def __init__(self, root_secret: bytes) -> None:
        key = base64.urlsafe_b64encode(derive_key(root_secret, "legacy-password"))
        self._fernet = Fernet(key)

    def seal(self, password: str) -> str:
        return self._fernet.encrypt(password.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise RuntimeError(
                "a stored legacy password cannot be decrypted: SECRET_KEY changed since it was "
                "linked; link the account again"
            ) from None
