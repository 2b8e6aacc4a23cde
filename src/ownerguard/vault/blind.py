"""Blind indexes: keyed HMAC-SHA256 over normalised values, for exact search without decrypting.

Each company has its own random index secret (wrapped by the master key like a data key, so a
master rotation does not change any digest). Per kind and scope a separate HMAC key is derived
with HKDF, so a phone digest never equals an ID digest, and the last-four-digits index of one
community cannot be joined with another's. Keys are separate from every encryption key.

Only a holder of the index secret can test a guess; the low-entropy kinds (last four digits)
are scoped to a community for that reason. Digests are truncated to 16 bytes: collisions at
2^-64 per pair are irrelevant for lookup, and the index stays small.
"""

from __future__ import annotations

import hmac
import unicodedata
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Kinds a user can search by. The importer also keeps "phone_name" and "name_room" (how a
# person without an ID is recognised again) and "plate" (on the vehicle row).
KINDS = ("phone", "phone_last4", "id_number", "name")
_DIGEST_BYTES = 16


def normalise(kind: str, value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    if kind in ("phone", "phone_last4"):
        return "".join(ch for ch in value if ch.isdigit())
    if kind == "id_number":
        return value.replace(" ", "").upper()
    if kind == "name":
        return "".join(value.split()).replace("•", "·").replace("・", "·")
    raise ValueError(f"unknown blind index kind {kind!r}")


class BlindIndexer:
    def __init__(self, secret: bytes):
        self._secret = secret
        self._keys: dict[tuple[str, str], hmac.HMAC] = {}

    def _base(self, kind: str, scope: str) -> hmac.HMAC:
        base = self._keys.get((kind, scope))
        if base is None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=f"ownerguard/v1/blind-index|{kind}|{scope}".encode()
                       ).derive(self._secret)
            base = self._keys[(kind, scope)] = hmac.new(key, digestmod=sha256)
        return base

    def digest(self, kind: str, value: str, scope: str = "") -> bytes:
        """Digest of an already-normalised value (importers normalise once, upstream)."""
        h = self._base(kind, scope).copy()
        h.update(value.encode())
        return h.digest()[:_DIGEST_BYTES]

    def query(self, kind: str, raw: str, scope: str = "") -> bytes:
        """Digest of a search term typed by a user."""
        return self.digest(kind, normalise(kind, raw), scope)
