"""Company secrets that are not personal data — staff TOTP seeds, export fingerprint secrets —
sealed with the company key. The gate handles everything about residents (free text included);
these are credentials and keys of the system itself, unsealed only by the services that need
them (sign-in, export tracing)."""

from __future__ import annotations

from sqlalchemy import Connection

from ownerguard.vault.crypto import open_sealed, seal
from ownerguard.vault.datakeys import DataKeys


def seal_secret(keys: DataKeys, conn: Connection, company_id: str, table: str, column: str,
                row_id: str, value: str) -> bytes:
    return seal(keys.company_sealer(conn, company_id), table, column, row_id, 1, value)


def open_secret(keys: DataKeys, conn: Connection, company_id: str, table: str, column: str,
                row_id: str, sealed: bytes) -> str:
    return open_sealed(keys.company_sealer(conn, company_id), table, column, row_id, 1, sealed)
