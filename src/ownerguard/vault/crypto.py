"""Field encryption: AES-256-GCM under the person's data key, bound to where the value lives.

The associated data names the table, column, row id and the data-key version, so a ciphertext
copied to another row, another column or kept across a key rotation fails to decrypt instead of
silently showing one owner's phone as another's.

Layout of a sealed value: ``0x01 | nonce (12) | ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = b"\x01"


class DecryptionFailed(Exception):
    """A value could not be decrypted where it is. The message names the place, never a value."""


def aad(table: str, column: str, row_id: str, key_version: int) -> bytes:
    return f"og1|{table}|{column}|{row_id}|{key_version}".encode()


def seal(key: AESGCM, table: str, column: str, row_id: str, key_version: int,
         plaintext: str | None) -> bytes | None:
    if plaintext is None:
        return None
    nonce = os.urandom(12)
    return _FORMAT + nonce + key.encrypt(
        nonce, plaintext.encode(), aad(table, column, row_id, key_version))


def open_sealed(key: AESGCM, table: str, column: str, row_id: str, key_version: int,
                sealed: bytes | None) -> str | None:
    if sealed is None:
        return None
    if sealed[:1] != _FORMAT:
        raise DecryptionFailed(f"{table}.{column} of row {row_id}: unknown ciphertext format")
    try:
        return key.decrypt(sealed[1:13], sealed[13:],
                           aad(table, column, row_id, key_version)).decode()
    except InvalidTag:
        raise DecryptionFailed(
            f"{table}.{column} of row {row_id} does not decrypt here "
            "(moved from another row or field, tampered, or wrong key)") from None
