"""Staff passwords: argon2id hashes, verified in constant work whether or not the account exists.

The parameters come from ``[security]`` in settings (``argon2_time_cost``,
``argon2_memory_kib``, ``argon2_parallelism``); by default they are argon2-cffi's current
recommendation (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4). Hashes made under other
parameters still verify and are re-hashed at the next successful sign-in. Nothing is hashed at
import time: the hash an unknown username is compared against is made on first use.
"""

from __future__ import annotations

from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ownerguard.errors import Invalid


class SecuritySettingError(Invalid, ValueError):
    """An argon2 setting in ``[security]`` that is not a positive whole number."""


class Passwords:
    def __init__(self, *, time_cost: int | None = None, memory_kib: int | None = None,
                 parallelism: int | None = None):
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_kib or defaults.memory_cost,
            parallelism=parallelism or defaults.parallelism)
        self._nobody: str | None = None

    @classmethod
    def from_settings(cls, security: Mapping) -> Passwords:
        def positive(key: str) -> int | None:
            value = security.get(key)
            if value is None:
                return None
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SecuritySettingError("security_setting_invalid", key=key)
            return value
        return cls(time_cost=positive("argon2_time_cost"),
                   memory_kib=positive("argon2_memory_kib"),
                   parallelism=positive("argon2_parallelism"))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str | None, password: str) -> bool:
        """True only for the right password; a missing or malformed hash is a wrong password."""
        if not hashed:
            self.verify_nobody(password)
            return False
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nobody(self, password: str) -> bool:
        """The same work as a real check, for a username that matches no account: the answer's
        timing does not tell whether the account exists."""
        if self._nobody is None:
            self._nobody = self._hasher.hash("ownerguard-no-such-account")
        try:
            self._hasher.verify(self._nobody, password)
        except (VerificationError, InvalidHashError):
            pass
        return False

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(hashed)
        except InvalidHashError:
            return True
