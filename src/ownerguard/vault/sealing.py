"""Sealing: every ciphertext OwnerGuard writes is made here, under the right key and version.

Two kinds of key seal values:
- a person's data key (``PersonKey``) seals their fields and vehicles. The key knows its own
  version, and the version a value was sealed under is what the row must record — callers never
  pick a version by hand, so a vehicle added to a person after ``keys rotate-persons`` is sealed
  under version 2 and recorded as version 2;
- the company key (``seal_company``/``open_company``) seals what belongs to no single resident's
  record: free text (work-order comments, inquiry letters, alert notes), owners' sealed request
  payloads, partners' contacts and the system's own secrets (staff TOTP seeds, export
  fingerprints, share seeds). Personal payloads sealed this way are opened only by the gate
  (``Gate.read_text``, ``Gate.read_sealed``), audited like any read.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from ownerguard.vault.crypto import open_sealed, seal

COMPANY_KEY_VERSION = 1     # the company key is derived, never rotated: only re-wrapped


@dataclass(frozen=True)
class PersonKey:
    """A person's current data key and its version."""

    person_id: str
    version: int
    aead: AESGCM

    def seal(self, table: str, column: str, row_id: str, value: str | None) -> bytes | None:
        """Seal ``value`` for ``table.column`` of ``row_id``; the row records ``self.version``."""
        return seal(self.aead, table, column, row_id, self.version, value)

    def open(self, table: str, column: str, row_id: str, sealed_version: int,
             sealed: bytes | None) -> str | None:
        """Open a value sealed under ``sealed_version`` (the version its row records)."""
        return open_sealed(self.aead, table, column, row_id, sealed_version, sealed)


def seal_company(keys, conn: Connection, company_id: str, table: str, column: str,
                 row_id: str, value: str | None) -> bytes | None:
    return seal(keys.company_sealer(conn, company_id), table, column, row_id,
                COMPANY_KEY_VERSION, value)


def open_company(keys, conn: Connection, company_id: str, table: str, column: str,
                 row_id: str, sealed: bytes | None) -> str | None:
    return open_sealed(keys.company_sealer(conn, company_id), table, column, row_id,
                       COMPANY_KEY_VERSION, sealed)
