"""Who may see what, for which purpose: the grant table read by ``vault.policy.Policy``.

One line per (role, purpose). Fields marked ``R`` are masked by default and may be revealed in
clear — an audited act that also needs a current training record and confidentiality agreement,
and, for repair/visitor/renovation, a live work item assigned to the actor for that person's room;
``M`` fields are only ever shown masked; a field not listed is hidden. The field catalogue caps
every line to what the purpose needs (L2): an ``R`` on a field the purpose does not need still
yields "hidden", and ``ownerguard policy show`` prints the effective matrix.

Why the lines are what they are:
- 客服 front_desk reaches owners for visitors and repairs and takes parcels; parcel lists stay
  masked (L26).
- 管家 steward keeps the household register for their buildings.
- 保安 guard checks visitors and vehicles; the plate is what they need, not the phone.
- 维修 technician needs the phone and room of the work order's household, nothing else.
- 财务 finance bills by room and name; never an ID number (L2's own example).
- 项目经理 manager oversees the community; ID numbers only for the owners' assembly roll.
- dpo answers owners' and authorities' requests (L11–L17); masked otherwise.
- sysadmin runs the system and never reads personal data: no line at all.
- 业委会委员 committee_member sees the assembly roll masked (inquiries come with the owner
  portal).
- operator is the CLI on the server (档案管理); importer only writes.
- partner is a third party receiving an approved share package (L5, L19): at most name, room,
  plate for the services that need them — phones go out only as per-recipient alias numbers,
  never read here; record_keeping for an entrusted processor (SaaS) of the whole register.
- dpo sends breach notices (L21): the phone is read by the system to text the owner, unseen.
- owner is a resident in the portal: their own record in clear (L11); the service passes only
  the person ids bound to their session, so "own" is enforced before the gate is asked.
"""

from __future__ import annotations

from ownerguard.domain.fields import CATALOGUE
from ownerguard.vault.policy import Level

_LEVEL = {"R": Level.REVEAL, "M": Level.MASKED}


def _line(spec: str) -> dict[str, Level]:
    """``"name:M phone:R rooms:R"`` → {field: level}; ``"*:R"`` means every field."""
    out: dict[str, Level] = {}
    for item in spec.split():
        name, level = item.split(":")
        for f in (CATALOGUE if name == "*" else (name,)):
            out[f] = _LEVEL[level]
    return out


_TABLE = """
front_desk   visitor          name:M phone:R rooms:M plate:M
front_desk   repair           name:M phone:R rooms:M contact_name:M contact_phone:R
front_desk   delivery         name:M phone:M rooms:M
front_desk   billing          name:M phone:M rooms:M
front_desk   emergency        name:R phone:R rooms:R contact_name:R contact_phone:R
front_desk   record_keeping   name:M gender:M phone:M rooms:M
steward      record_keeping   name:R gender:M phone:R id_type:M id_number:M birth_date:M contact_name:R contact_phone:R rooms:R plate:M vehicle_brand:M vehicle_colour:M
steward      billing          name:M phone:R rooms:M
steward      repair           name:M phone:R rooms:R contact_name:M contact_phone:R
steward      renovation       name:M phone:R rooms:R
steward      visitor          name:M phone:R rooms:M plate:M
steward      parking          name:M phone:M rooms:M plate:M vehicle_brand:M vehicle_colour:M
steward      emergency        name:R phone:R rooms:R contact_name:R contact_phone:R
steward      owners_assembly  name:R phone:M id_type:M id_number:M rooms:R
guard        visitor          name:M phone:M rooms:M plate:R
guard        parking          name:M rooms:M plate:R vehicle_brand:M vehicle_colour:M
guard        delivery         name:M phone:M rooms:M
guard        emergency        name:R phone:R rooms:R contact_name:R contact_phone:R
technician   repair           name:M phone:R rooms:R contact_name:M contact_phone:R
technician   emergency        name:M phone:R rooms:R contact_name:R contact_phone:R
finance      billing          name:R phone:M rooms:R
finance      record_keeping   name:M rooms:M
manager      record_keeping   name:R gender:M phone:R id_type:M id_number:M birth_date:M contact_name:R contact_phone:R rooms:R plate:M vehicle_brand:M vehicle_colour:M
manager      billing          name:R phone:R rooms:R
manager      repair           name:M phone:R rooms:R contact_name:M contact_phone:R
manager      renovation       name:M phone:R rooms:R
manager      visitor          name:M phone:M rooms:M plate:M
manager      parking          name:M phone:M rooms:M plate:R vehicle_brand:M vehicle_colour:M
manager      emergency        name:R phone:R rooms:R contact_name:R contact_phone:R
manager      owners_assembly  name:R phone:M id_type:R id_number:R rooms:R
dpo          rights_request   *:R
dpo          legal_request    *:R
dpo          record_keeping   *:M
committee_member owners_assembly name:M rooms:M
owner        rights_request   *:R
partner      delivery         name:R rooms:R
partner      repair           name:R rooms:R contact_name:M
partner      renovation       name:R rooms:R
partner      parking          name:R rooms:R plate:R vehicle_brand:R vehicle_colour:R
partner      record_keeping   *:R
dpo          breach_notice    name:M phone:R rooms:M
operator     record_keeping   *:R
operator     billing          *:M
operator     repair           *:M
operator     visitor          *:M
operator     delivery         *:M
operator     renovation       *:M
operator     parking          *:M
operator     emergency        *:M
operator     owners_assembly  *:M
operator     marketing        *:M
"""


def _parse(table: str) -> dict[tuple[str, str], dict[str, Level]]:
    grants: dict[tuple[str, str], dict[str, Level]] = {}
    for line in table.strip().splitlines():
        role, purpose, spec = line.split(None, 2)
        grants[(role, purpose)] = _line(spec)
    return grants


GRANTS = _parse(_TABLE)


def with_extra(lines: dict[str, str]) -> dict[tuple[str, str], dict[str, Level]]:
    """``GRANTS`` plus a deployment's own lines from settings.toml::

        [grants]
        "technician pest_control" = "name:M phone:R rooms:R"
    """
    extra = "\n".join(f"{key} {spec}" for key, spec in lines.items())
    return {**GRANTS, **(_parse(extra) if extra.strip() else {})}

# Roles that exist but hold no grant: known (so the reason is "role not permitted", not
# "unknown role") and never able to read personal data.
WRITE_ONLY_ROLES = ("importer", "sysadmin")


# Free text sealed with the company key — work-order comments, inquiry letters and answers,
# break-glass reasons, alert notes, owners' sealed request payloads. Everyone with a grant on any
# purpose reads it with every personal-data finding of the detector masked; in clear only the
# DPO (reviewing an emergency reveal, answering an owner) and the owner whose own letter or
# request it is (the services pass the subject from the signed-in session only, L11). Roles not
# listed (sysadmin, importer) get nothing.
# (``vault.policy.TEXT_CLEAR_ROLES``)

# Contact without seeing the number (services.staff_access.contact_owner): the system texts the
# person or binds an alias number, and the phone never reaches the actor. Allowed when the role
# may see the phone at all (even masked) for the purpose — same scope, consent and restriction
# rules as a read — and the actor holds a live work item for the person's room: of the purpose's
# own kind, or a work order for purposes that have none.
# (``vault.policy.CONTACT_WORK_ITEM_DEFAULT``)
