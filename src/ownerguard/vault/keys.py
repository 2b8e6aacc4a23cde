"""Master keys: where the key that wraps every data key comes from.

A master key never encrypts personal values itself. It wraps (AES-256-GCM) the per-person data
keys and each company's blind-index secret. Versions let the key be rotated online: new wraps use
the current version, old wraps stay readable until ``keys rotate`` has re-wrapped them.

Sources, first match wins (see ``load_master_key``):
1. ``OWNERGUARD_KMS_PROVIDER=package.module:factory`` — an external KMS. ``factory(home)`` returns
   any object implementing ``MasterKey``; the key material never has to leave the KMS because the
   interface is wrap/unwrap, not "give me the key".
2. ``OWNERGUARD_MASTER_KEY`` — versioned keys in the environment: ``1:<base64>,2:<base64>``.
3. The key file ``$OWNERGUARD_HOME/master.key`` (default), created 0600; a world-readable or
   world-writable file is refused.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ownerguard.errors import Unavailable

KEY_FILE_FORMAT = "ownerguard-master-key/1"
_WRAP_INFO = b"ownerguard/v1/key-wrapping"


class KeyProblem(Unavailable):
    """Base for key problems. Parameters name files and versions, never key material."""


class KeyFileInsecure(KeyProblem):
    pass


class KeyUnavailable(KeyProblem):
    pass


class UnwrapFailed(KeyProblem):
    pass


@runtime_checkable
class MasterKey(Protocol):
    """What OwnerGuard needs from a master key (implement this for an external KMS)."""

    def current_version(self) -> int: ...

    def versions(self) -> tuple[int, ...]: ...

    def wrap(self, secret: bytes, context: bytes) -> tuple[int, bytes]:
        """Encrypt ``secret`` under the current version, bound to ``context``."""

    def unwrap(self, version: int, blob: bytes, context: bytes) -> bytes:
        """Decrypt a wrap made by ``version``; fails if ``context`` differs."""

    def rotate(self) -> int:
        """Create a new current version and return it."""


def _kek(master: bytes) -> AESGCM:
    # Derive the wrapping key instead of using the master directly, so the same master could
    # later derive other independent keys without any cross-use.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_INFO).derive(master)
    return AESGCM(key)


class LocalMasterKey:
    """Versioned master keys held in this process (from the key file or the environment)."""

    def __init__(self, keys: dict[int, bytes], current: int, *, source: KeyFile | None = None):
        if current not in keys:
            raise KeyUnavailable("master_key_version_missing", version=current)
        for version, key in keys.items():
            if len(key) != 32:
                raise KeyUnavailable("master_key_bad_length", version=version)
        self._keks = {v: _kek(k) for v, k in keys.items()}
        self._current = current
        self._source = source

    def current_version(self) -> int:
        return self._current

    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self._keks))

    def wrap(self, secret: bytes, context: bytes) -> tuple[int, bytes]:
        nonce = os.urandom(12)
        return self._current, nonce + self._keks[self._current].encrypt(nonce, secret, context)

    def unwrap(self, version: int, blob: bytes, context: bytes) -> bytes:
        kek = self._keks.get(version)
        if kek is None and self._source is not None:
            # Another process may have rotated the key file since we loaded it.
            self._reload()
            kek = self._keks.get(version)
        if kek is None:
            raise KeyUnavailable("master_key_version_missing", version=version)
        try:
            return kek.decrypt(blob[:12], blob[12:], context)
        except InvalidTag:
            raise UnwrapFailed("unwrap_failed") from None

    def rotate(self) -> int:
        if self._source is None:
            raise KeyUnavailable("master_key_cannot_rotate")
        self._source.add_version()
        self._reload()
        return self._current

    def _reload(self) -> None:
        assert self._source is not None
        fresh = self._source.load()
        self._keks, self._current = fresh._keks, fresh._current


class KeyFile:
    """The JSON key file: ``{"format", "current", "keys": {"1": base64}}``, mode 0600."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write({1: os.urandom(32)}, 1, exclusive=True)

    def check_permissions(self) -> None:
        mode = self.path.stat().st_mode
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            raise KeyFileInsecure("key_file_insecure", path=str(self.path),
                                  mode=f"{stat.S_IMODE(mode):o}")

    def load(self) -> LocalMasterKey:
        if not self.path.exists():
            raise KeyUnavailable("key_file_missing", path=str(self.path))
        self.check_permissions()
        doc = json.loads(self.path.read_text())
        if doc.get("format") != KEY_FILE_FORMAT:
            raise KeyUnavailable("key_file_bad_format", path=str(self.path))
        keys = {int(v): base64.b64decode(k) for v, k in doc["keys"].items()}
        return LocalMasterKey(keys, int(doc["current"]), source=self)

    def add_version(self) -> int:
        doc = json.loads(self.path.read_text())
        keys = {int(v): base64.b64decode(k) for v, k in doc["keys"].items()}
        new = max(keys) + 1
        keys[new] = os.urandom(32)
        self._write(keys, new, exclusive=False)
        return new

    def _write(self, keys: dict[int, bytes], current: int, *, exclusive: bool) -> None:
        doc = {
            "format": KEY_FILE_FORMAT,
            "current": current,
            "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(keys.items())},
        }
        data = json.dumps(doc, indent=1).encode()
        # Write to a 0600 temp file beside it, fsync, then rename: a crash never leaves a
        # half-written key file, and the file is never briefly readable by others.
        tmp = self.path.with_suffix(".tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        if exclusive and self.path.exists():
            raise KeyUnavailable("key_file_exists", path=str(self.path))
        fd = os.open(tmp, flags, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


def parse_env_keys(value: str) -> LocalMasterKey:
    """``1:<base64>,2:<base64>`` → keys; the highest version is current."""
    keys: dict[int, bytes] = {}
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        version, sep, b64 = part.partition(":")
        if not sep or not version.isdigit():
            raise KeyUnavailable("master_key_env_malformed")
        keys[int(version)] = base64.b64decode(b64)
    if not keys:
        raise KeyUnavailable("master_key_env_empty")
    return LocalMasterKey(keys, max(keys))


def load_master_key(home: Path, environ: dict[str, str] | None = None) -> MasterKey:
    env = os.environ if environ is None else environ
    provider = env.get("OWNERGUARD_KMS_PROVIDER")
    if provider:
        module_name, _, attr = provider.partition(":")
        factory = getattr(importlib.import_module(module_name), attr or "master_key")
        key = factory(home)
        if not isinstance(key, MasterKey):
            raise KeyUnavailable("kms_provider_invalid", provider=provider)
        return key
    if env.get("OWNERGUARD_MASTER_KEY"):
        return parse_env_keys(env["OWNERGUARD_MASTER_KEY"])
    return KeyFile(home / "master.key").load()


def generate_env_key() -> str:
    return "1:" + base64.b64encode(os.urandom(32)).decode()
