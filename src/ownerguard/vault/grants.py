"""Who may see what, for which purpose: the grant table read by ``vault.policy.Policy``.

Rows are (role, purpose); a field left out is hidden. The catalogue (``domain.fields``) caps every
grant to the fields the purpose needs (L2), so writing REVEAL here for a field a purpose does not
need still yields "hidden". Roles in this table:

- ``operator``: the person running the CLI on the server (档案管理). Sees masked data; may
  reveal single fields in clear when they state a purpose.
- ``importer``: the import job. Writes only; it reads nothing.
- ``dpo``: the data-protection officer (个人信息保护负责人), answering owners' requests and
  lawful-authority requests (L11, L17).
- ``sysadmin``: runs the system and must never read personal data: no rows at all.

The staff roles (客服, 管家, 保安, 维修, 财务, 项目经理, 业委会委员) join this table with staff
access.
"""

from __future__ import annotations

from ..domain.fields import CATALOGUE
from ..domain.purposes import PURPOSES
from .policy import Level

M, R = Level.MASKED, Level.REVEAL
_EVERY_FIELD = tuple(CATALOGUE)


def _all(level: Level) -> dict[str, Level]:
    return {name: level for name in _EVERY_FIELD}


GRANTS: dict[tuple[str, str], dict[str, Level]] = {
    ("operator", "record_keeping"): _all(R),
    **{("operator", p): _all(M) for p in PURPOSES
       if p not in ("record_keeping", "rights_request", "legal_request")},
    ("dpo", "rights_request"): _all(R),
    ("dpo", "legal_request"): _all(R),
    ("dpo", "record_keeping"): _all(M),
}

# Roles that exist but hold no grant: they are known (so the reason is "role not permitted",
# not "unknown role") and can never read personal data.
WRITE_ONLY_ROLES = ("importer", "sysadmin")
