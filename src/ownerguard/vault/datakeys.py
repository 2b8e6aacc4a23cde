"""Data keys: one random AES-256 key per person, one blind-index secret per company.

Each is stored wrapped by the master key, bound to whose key it is, so a wrapped key copied to
another person's row does not unwrap. Deleting a person's row in ``person_keys`` is crypto-
shredding: every ciphertext sealed with it, in the database and in any backup taken after the
master key is rotated and the old version retired, becomes noise.
"""

from __future__ import annotations

import os
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ownerguard.store.tables import company_keys, person_keys, system_keys
from ownerguard.vault.blind import BlindIndexer
from ownerguard.vault.keys import MasterKey
from ownerguard.vault.sealing import PersonKey

_KEYS_BY_PERSON = select(person_keys).where(
    person_keys.c.person_id.in_(bindparam("ids", expanding=True)))


def person_key_context(person_id: str, key_version: int) -> bytes:
    return f"person-key|{person_id}|{key_version}".encode()


def company_key_context(company_id: str) -> bytes:
    return f"company-index|{company_id}".encode()


class DataKeys:
    def __init__(self, master: MasterKey):
        self.master = master
        self._indexers: dict[str, BlindIndexer] = {}
        self._sealers: dict[str, AESGCM] = {}
        self._system: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # -- persons -------------------------------------------------------------------------
    def new_person_key(self, person_id: str, company_id: str,
                       key_version: int = 1) -> tuple[PersonKey, dict]:
        """A fresh data key and the ``person_keys`` row that stores it wrapped."""
        key = os.urandom(32)
        master_version, wrapped = self.master.wrap(key, person_key_context(person_id,
                                                                            key_version))
        row = {"person_id": person_id, "company_id": company_id, "key_version": key_version,
               "master_version": master_version, "wrapped": wrapped}
        return PersonKey(person_id, key_version, AESGCM(key)), row

    def unwrap_person_key(self, row) -> PersonKey:
        """A ``person_keys`` row, unwrapped."""
        return PersonKey(row.person_id, row.key_version, AESGCM(self.master.unwrap(
            row.master_version, row.wrapped, person_key_context(row.person_id,
                                                                row.key_version))))

    def person_keys(self, conn: Connection, person_ids: list[str]) -> dict[str, PersonKey]:
        """The current keys of the persons that still have one (shredded ones are absent)."""
        out: dict[str, PersonKey] = {}
        for start in range(0, len(person_ids), 500):
            chunk = list(person_ids[start:start + 500])
            for row in conn.execute(_KEYS_BY_PERSON, {"ids": chunk}):
                out[row.person_id] = self.unwrap_person_key(row)
        return out

    # -- companies -----------------------------------------------------------------------
    def create_company_secret(self, conn: Connection, company_id: str) -> None:
        """Called once, in the transaction that creates the company."""
        version, wrapped = self.master.wrap(os.urandom(32), company_key_context(company_id))
        conn.execute(insert(company_keys).values(
            company_id=company_id, master_version=version, wrapped=wrapped))

    def company_sealer(self, conn: Connection, company_id: str) -> AESGCM:
        """The company's key for its own secrets that belong to no resident: staff TOTP seeds,
        written break-glass reasons, export fingerprint secrets. Derived from the company
        secret with its own HKDF label, so it shares nothing with the blind-index keys."""
        cached = self._sealers.get(company_id)
        if cached is None:
            secret = self._company_secret(conn, company_id)
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"ownerguard/v1/company-seal").derive(secret)
            cached = self._sealers.setdefault(company_id, AESGCM(key))
        return cached

    def _company_secret(self, conn: Connection, company_id: str) -> bytes:
        row = conn.execute(select(company_keys)
                           .where(company_keys.c.company_id == company_id)).first()
        if row is None:
            raise LookupError(f"company {company_id} has no secret")
        return self.master.unwrap(row.master_version, row.wrapped,
                                  company_key_context(company_id))

    def system_secret(self, conn: Connection, name: str) -> bytes:
        """A deployment-wide secret (e.g. the pepper of owners' phone hashes), created on first
        use. Cached only once it is read back from the database, so a creation that rolls back
        is simply made again."""
        cached = self._system.get(name)
        if cached is not None:
            return cached
        context = f"system|{name}".encode()
        row = conn.execute(select(system_keys).where(system_keys.c.name == name)).first()
        if row is None:
            secret = os.urandom(32)
            version, wrapped = self.master.wrap(secret, context)
            try:
                with conn.begin_nested():
                    conn.execute(insert(system_keys).values(name=name, master_version=version,
                                                            wrapped=wrapped))
                return secret
            except IntegrityError:      # another process created it first
                row = conn.execute(select(system_keys).where(system_keys.c.name == name)).one()
        secret = self.master.unwrap(row.master_version, row.wrapped, context)
        return self._system.setdefault(name, secret)

    def indexer(self, conn: Connection, company_id: str) -> BlindIndexer:
        """The company's blind indexer. The secret never changes (a master rotation only
        re-wraps it), so it is cached for the life of the process."""
        cached = self._indexers.get(company_id)
        if cached is not None:
            return cached
        secret = self._company_secret(conn, company_id)
        with self._lock:
            return self._indexers.setdefault(company_id, BlindIndexer(secret))
