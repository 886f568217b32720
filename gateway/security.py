"""API keys: generation, the stored digest, and constant-time verification.

Keys are ``sk-empiriolabs-`` plus 32 random bytes (URL-safe base64). Only an HMAC-SHA256 digest of the
whole key is stored, keyed by a pepper (configuration, or a random one kept in the store), so a leaked
database does not reveal usable keys. Keys carry 256 bits of entropy, so a fast keyed hash is the right
tool (a slow password hash buys nothing here and would cost every request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["KEY_PREFIX", "MAX_KEY_LENGTH", "digest", "new_key", "same_digest"]

KEY_PREFIX = "sk-empiriolabs-"
MAX_KEY_LENGTH = 256


def new_key() -> str:
    """A fresh API key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str, pepper: bytes) -> str:
    """The hex digest stored for ``key``."""
    return hmac.new(pepper, key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def same_digest(a: str, b: str) -> bool:
    """Compare two digests in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
