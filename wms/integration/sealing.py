"""Webhook secrets kept encrypted: they must be read back to sign, so they cannot be hashed. The key is derived
from the app's SECRET_KEY (HKDF-SHA256) and used with Fernet (AES-128-CBC + HMAC-SHA256)."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"retaguarda-wms webhook secrets v1"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret_key: str) -> str:
    """The secret; ValueError when SECRET_KEY changed since it was sealed."""
    try:
        return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValueError("this webhook secret was sealed with another SECRET_KEY: make a new endpoint") from None
