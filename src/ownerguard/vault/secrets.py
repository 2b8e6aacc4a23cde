"""Company secrets that are not personal data — staff TOTP seeds, export fingerprint secrets —
sealed with the company key. The gate handles everything about residents (free text included);
these are credentials and keys of the system itself, unsealed only by the services that need
them (sign-in, export tracing)."""

from __future__ import annotations

from sqlalchemy import Connection

from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.sealing import open_company, seal_company


def seal_secret(keys: DataKeys, conn: Connection, company_id: str, table: str, column: str,
                row_id: str, value: str) -> bytes:
    sealed = seal_company(keys, conn, company_id, table, column, row_id, value)
    assert sealed is not None
    return sealed


def open_secret(keys: DataKeys, conn: Connection, company_id: str, table: str, column: str,
                row_id: str, sealed: bytes) -> str:
    value = open_company(keys, conn, company_id, table, column, row_id, sealed)
    assert value is not None
    return value
