"""Field encryption, key wrapping and blind indexes (invariants 1 and 4)."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from ownerguard.vault.blind import BlindIndexer
from ownerguard.vault.crypto import DecryptionFailed, open_sealed, seal
from ownerguard.vault.keys import (
    KeyFile,
    KeyFileInsecure,
    KeyUnavailable,
    LocalMasterKey,
    UnwrapFailed,
    generate_env_key,
    load_master_key,
    parse_env_keys,
)

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

KEY = AESGCM(os.urandom(32))


@given(st.text())
def test_round_trip_any_text(value):
    sealed = seal(KEY, "persons", "name_ct", "row-1", 1, value)
    assert open_sealed(KEY, "persons", "name_ct", "row-1", 1, sealed) == value


def test_ciphertext_does_not_contain_plaintext():
    sealed = seal(KEY, "persons", "phone_ct", "row-1", 1, "13812345678")
    assert b"13812345678" not in sealed and b"5678" not in sealed


@pytest.mark.parametrize("table, column, row, version", [
    ("persons", "name_ct", "row-2", 1),        # copied to another row
    ("persons", "phone_ct", "row-1", 1),       # copied to another field
    ("vehicles", "name_ct", "row-1", 1),       # copied to another table
    ("persons", "name_ct", "row-1", 2),        # kept across a data-key version
])
def test_moved_ciphertext_fails(table, column, row, version):
    sealed = seal(KEY, "persons", "name_ct", "row-1", 1, "张建国")
    with pytest.raises(DecryptionFailed) as info:
        open_sealed(KEY, table, column, row, version, sealed)
    assert "张建国" not in str(info.value)


def test_tampered_ciphertext_fails():
    sealed = bytearray(seal(KEY, "persons", "name_ct", "row-1", 1, "张建国"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        open_sealed(KEY, "persons", "name_ct", "row-1", 1, bytes(sealed))


def test_wrong_key_fails():
    sealed = seal(KEY, "persons", "name_ct", "row-1", 1, "张建国")
    with pytest.raises(DecryptionFailed):
        open_sealed(AESGCM(os.urandom(32)), "persons", "name_ct", "row-1", 1, sealed)


# -- master keys ---------------------------------------------------------------------------
def test_key_file_created_0600_and_world_readable_refused(tmp_path):
    kf = KeyFile(tmp_path / "master.key")
    kf.create()
    assert stat.S_IMODE(kf.path.stat().st_mode) == 0o600
    kf.load()
    os.chmod(kf.path, 0o644)
    with pytest.raises(KeyFileInsecure) as info:
        kf.load()
    assert info.value.code == "key_file_insecure"
    assert "chmod 600" in info.value.message("en") and "chmod 600" in info.value.message("zh")


def test_key_file_never_overwritten(tmp_path):
    kf = KeyFile(tmp_path / "master.key")
    kf.create()
    with pytest.raises(KeyUnavailable):
        kf.create()


def test_wrap_bound_to_context_and_versions(tmp_path):
    kf = KeyFile(tmp_path / "master.key")
    kf.create()
    mk = kf.load()
    v1, blob = mk.wrap(b"k" * 32, b"person-key|a|1")
    with pytest.raises(UnwrapFailed):
        mk.unwrap(v1, blob, b"person-key|b|1")
    assert mk.rotate() == 2
    assert mk.unwrap(v1, blob, b"person-key|a|1") == b"k" * 32
    v2, blob2 = mk.wrap(b"k" * 32, b"ctx")
    assert v2 == 2
    # A process that loaded the file before the rotation picks up the new version.
    stale = KeyFile(tmp_path / "master.key")
    assert stale.load().unwrap(v2, blob2, b"ctx") == b"k" * 32


def test_env_key_source(tmp_path):
    value = generate_env_key()
    mk = load_master_key(tmp_path, {"OWNERGUARD_MASTER_KEY": value})
    version, blob = mk.wrap(b"s", b"c")
    assert parse_env_keys(value).unwrap(version, blob, b"c") == b"s"
    with pytest.raises(KeyUnavailable):
        mk.rotate()


class FakeKms(LocalMasterKey):
    """Stands in for an external KMS: only wrap/unwrap cross the interface."""


def fake_kms_factory(home):
    return FakeKms({1: b"\x07" * 32}, 1)


def test_kms_provider_interface(tmp_path):
    mk = load_master_key(tmp_path, {"OWNERGUARD_KMS_PROVIDER": f"{__name__}:fake_kms_factory"})
    assert isinstance(mk, FakeKms)
    assert mk.unwrap(*mk.wrap(b"secret", b"ctx"), b"ctx") == b"secret"


# -- blind indexes -------------------------------------------------------------------------
def test_blind_index_keyed_and_separated():
    a, b = BlindIndexer(os.urandom(32)), BlindIndexer(os.urandom(32))
    assert a.digest("phone", "13812345678") == a.query("phone", " 13812345678 ")
    assert a.digest("phone", "13812345678") != b.digest("phone", "13812345678")
    assert a.digest("phone", "13812345678") != a.digest("id_number", "13812345678")
    assert a.digest("phone_last4", "5678", "c1") != a.digest("phone_last4", "5678", "c2")
    assert b"13812345678" not in a.digest("phone", "13812345678")
