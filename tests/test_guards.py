"""The house's rules are enforced, not just written down: the import contracts in pyproject.toml
(run by ``make test`` through ``lint-imports``) pass on the package as it is, and fail when a
violation is planted in a copy of it — an entrypoint reading a table, a service decrypting
with the AEAD cipher itself, a cycle between two contexts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ownerguard

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.slow


def _lint(package_parent: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    config = tmp_path / "contracts.toml"
    config.write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT), str(config), "--no-cache", "--no-logo"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    parent = tmp_path / "src"
    shutil.copytree(Path(ownerguard.__file__).parent, parent / "ownerguard",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return parent


def _plant(copy: Path, module: str, line: str) -> None:
    path = copy.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_the_package_keeps_every_contract(copy, tmp_path):
    result = _lint(copy, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "broken" not in result.stdout.lower().split("contracts:")[-1].split("kept")[0]


@pytest.mark.parametrize("module, line, contract", [
    ("ownerguard.api.routes.persons", "from ownerguard.store.tables import persons  # noqa",
     "Entrypoints never touch tables"),
    ("ownerguard.services.registry.persons",
     "from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa",
     "Only the vault holds keys"),
    ("ownerguard.services.registry.communities",
     "from ownerguard.services.oversight import audit_query  # noqa",
     "No import cycles between the service contexts"),
    ("ownerguard.vault.gate", "from ownerguard.services import runtime  # noqa", "Layers"),
])
def test_a_planted_violation_breaks_its_contract(copy, tmp_path, module, line, contract):
    _plant(copy, module, line)
    result = _lint(copy, tmp_path)
    assert result.returncode == 1
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken, result.stdout[-3000:]
