"""A deployment's own purposes and grants from settings.toml (staff access: "more purposes
configurable"), still under L1 (a basis is required) and L2 (the purpose lists its fields)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.domain import fields as catalogue
from ownerguard.domain import purposes
from ownerguard.services.runtime import open_runtime
from ownerguard.vault.policy import Outcome, WorkItemRef
from support.helpers import ctx, person_row, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

SETTINGS = '''
[purposes.pest_control]
label_zh = "灭虫消杀"
label_en = "pest control"
basis = "contract"
work_item = "work_order"
fields = ["name", "phone", "rooms"]

[grants]
"technician pest_control" = "name:M phone:R rooms:R id_number:R"
'''


@pytest.fixture
def restore_catalogue():
    saved_p, saved_c = dict(purposes.PURPOSES), dict(catalogue.CATALOGUE)
    yield
    purposes.PURPOSES.clear()
    purposes.PURPOSES.update(saved_p)
    catalogue.CATALOGUE.clear()
    catalogue.CATALOGUE.update(saved_c)


def test_configured_purpose_and_grant(home, restore_catalogue):
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    rt = open_runtime(home)
    try:
        comp, _, _ = store_rows(rt, [person_row()])
        assert purposes.PURPOSES["pest_control"].label_zh == "灭虫消杀"
        matrix = {(r["role"], r["purpose"]): r for r in rt.policy.matrix()}
        row = matrix[("technician", "pest_control")]
        # The grant asked for the ID number too; the purpose does not need it (L2).
        assert (row["phone"], row["id_number"]) == ("reveal", "hidden")
        with rt.uow() as uow:
            pid = uow.conn.exec_driver_sql("SELECT id FROM persons").scalar_one()
            room = uow.conn.exec_driver_sql("SELECT room_id FROM residencies").scalar_one()
            item = WorkItemRef("WO-1", "work_order", room, "test:alice", live=True)
            view = rt.gate.read(uow, ctx(comp.id, role="technician", purpose="pest_control",
                                         work_item=item), [pid], ["phone", "id_number"],
                                reveal=["phone", "id_number"])[0]
        assert view.fields["phone"].outcome is Outcome.CLEAR
        assert view.fields["id_number"].reason == "field_not_needed"
        shown = json.loads(CliRunner().invoke(app, ["policy", "show", "--json"]).stdout)
        assert "pest_control" in shown["purposes"]
    finally:
        rt.close()


@pytest.mark.parametrize("doc, code, message", [
    ({"label_zh": "x", "fields": ["name"]}, "purpose_needs_basis", "basis"),
    ({"basis": "contract", "fields": ["favourite_colour"]}, "purpose_unknown_fields",
     "unknown fields: favourite_colour"),
])
def test_bad_purpose_settings_say_what_to_fix(doc, code, message, restore_catalogue):
    with pytest.raises(ValueError) as info:
        purposes.register_purpose(*purposes.purpose_from_settings("odd", doc))
    assert info.value.code == code and message in info.value.message("en")


def test_builtin_purpose_cannot_be_redefined(restore_catalogue):
    with pytest.raises(ValueError, match="purpose_exists"):
        purposes.register_purpose(purposes.Purpose(
            "billing", "收费", "billing", purposes.LegalBasis.CONSENT), ("name",))
