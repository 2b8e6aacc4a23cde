"""Tables. Personal values exist here only as ciphertext (``*_ct``) and keyed digests.

Every table that holds data about residents carries ``company_id`` and, where it has one,
``community_id``: tenancy filters use them, and a Citus deployment distributes by them.
Room structure (楼栋/单元/房屋/面积) is kept in clear: a room is a place, not a person. Which
person lives where is in ``residencies`` as pseudonymous ids.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = 36  # UUID text

companies = Table(
    "companies", metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

communities = Table(
    "communities", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "name", name="uq_communities_company_name"),
)

buildings = Table(
    "buildings", metadata,
    Column("id", String(ID), primary_key=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("community_id", "name", name="uq_buildings_community_name"),
)

units = Table(
    "units", metadata,
    Column("id", String(ID), primary_key=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    Column("building_id", String(ID), ForeignKey("buildings.id"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("building_id", "name", name="uq_units_building_name"),
)

rooms = Table(
    "rooms", metadata,
    Column("id", String(ID), primary_key=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    Column("building_id", String(ID), ForeignKey("buildings.id"), nullable=False),
    Column("unit_id", String(ID), ForeignKey("units.id"), nullable=True),
    # (楼号, 单元, 房屋) joined by U+001F: the import's room key, unique within a community.
    Column("room_key", String(300), nullable=False),
    Column("number", String(50), nullable=False),
    Column("floor", Integer),
    Column("total_floors", Integer),
    Column("elevator", Boolean),
    Column("room_type", String(50)),
    Column("layout", String(50)),
    Column("building_area", Numeric(10, 2)),
    Column("indoor_area", Numeric(10, 2)),
    Column("rent", Numeric(12, 2)),
    Column("status", String(50)),
    UniqueConstraint("community_id", "room_key", name="uq_rooms_community_key"),
)

persons = Table(
    "persons", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    # Version of the person's data key the ciphertexts below were sealed with.
    Column("key_version", Integer, nullable=False),
    Column("name_ct", LargeBinary),
    Column("gender_ct", LargeBinary),
    Column("phone_ct", LargeBinary),          # JSON list of numbers, first = primary
    Column("id_type_ct", LargeBinary),
    Column("id_number_ct", LargeBinary),
    Column("birth_date_ct", LargeBinary),
    Column("contact_name_ct", LargeBinary),
    Column("contact_phone_ct", LargeBinary),
    # Kept in clear because the policy needs them without decrypting (L6: minors' data is
    # sensitive); neither identifies anyone.
    Column("is_minor", Boolean, nullable=False, default=False),
    Column("id_legacy15", Boolean, nullable=False, default=False),
    Column("state", String(20), nullable=False, default="active"),  # active | shredded
    Column("created_at", DateTime(timezone=True), nullable=False),
)

person_keys = Table(
    "person_keys", metadata,
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           primary_key=True),
    Column("company_id", String(ID), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("master_version", Integer, nullable=False, index=True),
    Column("wrapped", LargeBinary, nullable=False),
)

company_keys = Table(
    "company_keys", metadata,
    Column("company_id", String(ID), ForeignKey("companies.id"), primary_key=True),
    Column("master_version", Integer, nullable=False, index=True),
    Column("wrapped", LargeBinary, nullable=False),
)

blind_index = Table(
    "blind_index", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", String(ID), nullable=False),
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("digest", LargeBinary(16), nullable=False),
    # The digest alone is the lookup key: HMAC keys differ per company and kind, so equal
    # digests across companies or kinds do not occur; queries still filter on both.
    Index("ix_blind_index_digest", "digest"),
)

residencies = Table(
    "residencies", metadata,
    Column("id", String(ID), primary_key=True),
    # person lookups use the unique index below (person_id is its first column)
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False),
    Column("room_id", String(ID), ForeignKey("rooms.id"), nullable=False, index=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False,
           index=True),
    Column("role", String(20), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    UniqueConstraint("person_id", "room_id", "role", name="uq_residencies_person_room_role"),
)

vehicles = Table(
    "vehicles", metadata,
    Column("id", String(ID), primary_key=True),
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("room_id", String(ID), ForeignKey("rooms.id")),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    # Sealed with the owner person's data key, so shredding the person shreds the plate too.
    Column("key_version", Integer, nullable=False),
    Column("plate_ct", LargeBinary, nullable=False),
    Column("brand_ct", LargeBinary),
    Column("colour_ct", LargeBinary),
    # Plate digest lets a re-import recognise a vehicle without decrypting.
    Column("plate_digest", LargeBinary(16), nullable=False),
    Column("parking_space", String(50)),
    UniqueConstraint("person_id", "plate_digest", name="uq_vehicles_person_plate"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain", String(80), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("ts", String(40), nullable=False),      # ISO-8601 UTC, exactly as hashed
    Column("company_id", String(ID), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(ID), nullable=False),  # person id or "" — never a value
    Column("fields", String(400), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("work_item", String(80), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("client", String(80), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "seq", name="uq_audit_log_chain_seq"),
    Index("ix_audit_log_subject", "subject"),
)

audit_heads = Table(
    "audit_heads", metadata,
    Column("chain", String(80), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

imports = Table(
    "imports", metadata,
    Column("id", String(ID), primary_key=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("summary", Text, nullable=False),       # JSON counts; no personal values
)

# -- staff access -------------------------------------------------------------------------------

staff = Table(
    "staff", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("role", String(40), nullable=False),
    Column("kind", String(20), nullable=False, default="person"),   # person | service
    Column("password_hash", String(200)),          # argon2id; none for service accounts
    Column("totp_ct", LargeBinary),                # TOTP secret sealed with the company key
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

staff_scopes = Table(
    "staff_scopes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(ID), ForeignKey("staff.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False),
    # NULL = every building of the community
    Column("building_id", String(ID), ForeignKey("buildings.id")),
)

staff_sessions = Table(
    "staff_sessions", metadata,
    # SHA-256 of the bearer/cookie token: a database reader cannot sign in with it.
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", String(ID), ForeignKey("staff.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(10), nullable=False),     # web | api | key
    Column("csrf_hash", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("client", String(80), nullable=False, default=""),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False),
    Column("client", String(80), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_attempts_client_at", "client", "at"),
    Index("ix_login_attempts_username_at", "username", "at"),
)

trainings = Table(
    "trainings", metadata,
    Column("id", String(ID), primary_key=True),
    Column("staff_id", String(ID), ForeignKey("staff.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("score", Numeric(5, 2)),
    Column("method", String(20), nullable=False),   # quiz | offline
    Column("recorded_by", String(120), nullable=False),
)

ndas = Table(
    "ndas", metadata,
    Column("id", String(ID), primary_key=True),
    Column("staff_id", String(ID), ForeignKey("staff.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("version", String(20), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("method", String(20), nullable=False),   # online | paper
    Column("recorded_by", String(120), nullable=False),
)

work_items = Table(
    "work_items", metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),   # WO-20261128-0001
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("community_id", String(ID), ForeignKey("communities.id"), nullable=False,
           index=True),
    Column("room_id", String(ID), ForeignKey("rooms.id"), nullable=False),
    Column("kind", String(20), nullable=False),     # work_order | visit | renovation
    Column("category", String(40), nullable=False),  # 水电维修, 访客, 装修申请 … (no free text)
    Column("status", String(20), nullable=False),   # open | assigned | done | closed
    Column("assignee", String(80)),                  # staff username
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "alerts", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),     # quota, off_hours, out_of_scope, …
    Column("severity", String(10), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("subject", String(ID), nullable=False, default=""),
    Column("detail", String(400), nullable=False, default=""),   # codes and counts only
    Column("note_ct", LargeBinary),                 # a written reason (break glass), sealed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False, default="open"),  # open | reviewed
    Column("reviewed_by", String(120)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("resolution", String(40)),
)

exports = Table(
    "exports", metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),   # EX-20261128-7F3A
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("requester", String(120), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("fields", String(400), nullable=False),
    Column("selection", Text, nullable=False),       # JSON: community/building ids
    Column("status", String(20), nullable=False),   # requested | approved | rejected | done
    Column("approver", String(120)),
    Column("decided_at", DateTime(timezone=True)),
    Column("secret_ct", LargeBinary),                # per-export fingerprint secret, sealed
    Column("file_sha256", String(64)),
    Column("row_count", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

contact_bindings = Table(
    "contact_bindings", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("work_item_id", String(ID), ForeignKey("work_items.id"), nullable=False, index=True),
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False),
    Column("provider", String(20), nullable=False),
    Column("provider_binding_id", String(120), nullable=False),   # the provider's own id
    Column("binding_ref", String(80), nullable=False),
    Column("alias_number", String(20), nullable=False),   # a virtual number, not personal
    Column("bound_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True)),
)

Index("ix_audit_log_actor_ts", audit_log.c.actor, audit_log.c.ts)
# Two app processes must never both hand out the same live alias number.
Index("uq_contact_bindings_live_alias", contact_bindings.c.alias_number, unique=True,
      sqlite_where=contact_bindings.c.released_at.is_(None),
      postgresql_where=contact_bindings.c.released_at.is_(None))

# -- free text ----------------------------------------------------------------------------------

notes = Table(
    "notes", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("community_id", String(ID), ForeignKey("communities.id")),
    Column("work_item_id", String(ID), ForeignKey("work_items.id"), index=True),
    Column("kind", String(30), nullable=False),      # work_order_comment | announcement | …
    Column("author", String(120), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The whole text sealed with the company key: free text is where phones and names hide.
    Column("text_ct", LargeBinary, nullable=False),
    # What the detector found: types and character offsets, never the values.
    Column("findings", Text, nullable=False),
)

# -- owners ---------------------------------------------------------------------------------------

system_keys = Table(
    "system_keys", metadata,
    # Deployment-wide secrets (e.g. the pepper of owners' phone hashes), wrapped by the master key.
    Column("name", String(40), primary_key=True),
    Column("master_version", Integer, nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
)

owner_otps = Table(
    "owner_otps", metadata,
    Column("id", String(ID), primary_key=True),
    Column("phone_hash", String(64), nullable=False),   # keyed hash, never the number
    Column("code_hash", String(64), nullable=False),
    Column("client", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("tries", Integer, nullable=False, default=0),
    Column("used", Boolean, nullable=False, default=False),
    Index("ix_owner_otps_phone_created", "phone_hash", "created_at"),
    Index("ix_owner_otps_client_created", "client", "created_at"),
)

owner_sessions = Table(
    "owner_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("phone_hash", String(64), nullable=False, index=True),
    # The persons this phone belonged to at sign-in (pseudonymous ids, JSON): a session never
    # reaches anyone else's data, whatever the request asks for.
    Column("persons", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("client", String(80), nullable=False),
)

consents = Table(
    "consents", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", String(20), nullable=False),      # purpose | recipient | sensitive | face
    Column("target", String(80), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("notice_version", String(20), nullable=False),
    Column("actor", String(120), nullable=False),    # the person, or their guardian
    Column("at", DateTime(timezone=True), nullable=False),
    Column("receipt", String(64), nullable=False),   # SHA-256 of the record, given to the owner
    Index("ix_consents_person_kind_target", "person_id", "kind", "target", "at"),
)

inquiries = Table(
    "inquiries", metadata,
    # A written inquiry (书面质疑) from an owner: the letter itself is a sealed note.
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),    # IQ-20261128-7F3A
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(30), nullable=False),     # leak | suspicious_access | harassment | other
    Column("note_id", String(ID), ForeignKey("notes.id"), nullable=False),
    Column("audit_ref", String(120), nullable=False, default=""),   # "chain#seq" flagged
    # open → answered → accepted | escalated → (committee) → resolved | dossier
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("due_estimated", Boolean, nullable=False, default=False),
    # Where the owner lives: the owners' committee of that community sees the inquiry.
    Column("community_id", String(ID), ForeignKey("communities.id"), index=True),
    Column("answered_at", DateTime(timezone=True)),
    Column("escalated_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("overdue_at", DateTime(timezone=True)),
)

inquiry_events = Table(
    "inquiry_events", metadata,
    # The timeline of an inquiry: answers, acceptance, escalation, committee replies, reminders.
    # Words are sealed notes; the committee reads them masked like any free text.
    Column("id", String(ID), primary_key=True),
    Column("inquiry_id", String(ID), ForeignKey("inquiries.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("role", String(40), nullable=False),
    # filed | answer | accept | escalate | committee_reply | resolve | reminder | overdue | dossier
    Column("kind", String(30), nullable=False),
    Column("note_id", String(ID), ForeignKey("notes.id")),
)

rights_requests = Table(
    "rights_requests", metadata,
    # An owner's request under L11–L16. The subject is a pseudonymous id; what they asked for
    # in words, and proposed corrections, are sealed.
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),    # RQ-20261128-7F3A
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("community_id", String(ID), ForeignKey("communities.id")),
    # Empty until known: an heir's request names the deceased in words until the DPO verifies.
    Column("person_id", String(ID), ForeignKey("persons.id", ondelete="SET NULL"), index=True),
    Column("requester", String(120), nullable=False),     # owner:<phone hash prefix>
    Column("on_behalf", String(20), nullable=False),      # self | guardian | heir
    # access | copy | portability | correction | deletion | restriction | explanation
    Column("kind", String(20), nullable=False),
    Column("note_id", String(ID), ForeignKey("notes.id")),
    Column("payload_ct", LargeBinary),                    # sealed JSON (corrections, heir claim)
    Column("status", String(20), nullable=False),         # open | done | refused
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("due_estimated", Boolean, nullable=False, default=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(120)),
    Column("outcome", String(40)),                        # a code from domain.rights
    Column("reason_note_id", String(ID), ForeignKey("notes.id")),
    Column("reminded_at", DateTime(timezone=True)),
    Column("overdue_at", DateTime(timezone=True)),
)

# -- third parties: partners, agreements, impact assessments, shares, incidents ----------------

partners = Table(
    "partners", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),          # a company, not a person
    # courier | decoration | insurer | agency | iot_vendor | saas_processor | government | other
    Column("kind", String(30), nullable=False),
    Column("relationship", String(20), nullable=False),  # entrusted (L19) | provision (L5)
    # Its contact person and phone are personal data too: sealed with the company key.
    Column("contact_ct", LargeBinary),
    Column("status", String(20), nullable=False),        # active | suspended
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    UniqueConstraint("company_id", "name", name="uq_partners_company_name"),
)

agreements = Table(
    "agreements", metadata,
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("partner_id", String(ID), ForeignKey("partners.id"), nullable=False, index=True),
    Column("purposes", String(400), nullable=False),     # comma-separated purpose codes
    Column("fields", String(400), nullable=False),       # comma-separated catalogue fields
    Column("retention_days", Integer, nullable=False),
    Column("deletion_duty", String(400), nullable=False),  # return/deletion at the end (L19)
    Column("sub_entrusting", Boolean, nullable=False, default=False),
    Column("signed_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("expiry_alerted_at", DateTime(timezone=True)),
)

impact_assessments = Table(
    "impact_assessments", metadata,
    # PIPIA (L20): before the first share with a partner; kept ≥ 3 years.
    Column("id", String(ID), primary_key=True),
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False),
    Column("partner_id", String(ID), ForeignKey("partners.id"), nullable=False, index=True),
    Column("purpose", String(40), nullable=False),
    Column("fields", String(400), nullable=False),
    Column("note_id", String(ID), ForeignKey("notes.id")),   # necessity, risks, safeguards
    Column("conclusion", String(20), nullable=False),        # acceptable | not_acceptable
    Column("assessed_by", String(120), nullable=False),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
    Column("keep_until", Date, nullable=False),
)

shares = Table(
    "shares", metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),   # SH-20261128-7F3A
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("community_id", String(ID), ForeignKey("communities.id")),
    Column("partner_id", String(ID), ForeignKey("partners.id"), nullable=False, index=True),
    Column("agreement_id", String(ID), ForeignKey("agreements.id"), nullable=False),
    Column("assessment_id", String(ID), ForeignKey("impact_assessments.id")),
    Column("purpose", String(40), nullable=False),
    Column("fields", String(400), nullable=False),
    Column("clear_fields", String(400), nullable=False),   # the rest are delivered masked
    # requested | approved | rejected | revoked | expired
    Column("status", String(20), nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(120)),
    Column("decided_at", DateTime(timezone=True)),
    Column("decision_note_id", String(ID), ForeignKey("notes.id")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("persons_count", Integer, nullable=False, default=0),
    Column("canaries_count", Integer, nullable=False, default=0),
    Column("seed_ct", LargeBinary),              # the package's fingerprint secret, sealed
    Column("api_key_hash", String(64), unique=True),
    Column("downloads", Integer, nullable=False, default=0),
    Column("delivered_at", DateTime(timezone=True)),     # first download or API fetch
    Column("revoked_at", DateTime(timezone=True)),
    Column("deletion_confirmed_at", DateTime(timezone=True)),
    Column("deletion_note_id", String(ID), ForeignKey("notes.id")),
)

share_members = Table(
    "share_members", metadata,
    # The provision record per person (L10: kept ≥ 3 years): who got which person, at which
    # row, under which alias. No foreign key to persons: the record outlives a purge.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("share_id", String(ID), ForeignKey("shares.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", String(ID), nullable=False, index=True),
    Column("row_no", Integer, nullable=False),
    Column("alias", String(20), unique=True),      # a company virtual number, not the owner's
    Column("variant", Integer, nullable=False, default=0),
    Column("unbound_at", DateTime(timezone=True)),
    Index("ix_share_members_share_row", "share_id", "row_no"),
)

share_canaries = Table(
    "share_canaries", metadata,
    # Synthetic households planted in one package only; never in persons, so no owner view,
    # staff list or statistic can ever count them.
    Column("id", String(ID), primary_key=True),
    Column("share_id", String(ID), ForeignKey("shares.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("row_no", Integer, nullable=False),
    Column("alias", String(20), unique=True),
    Column("name_digest", String(64), nullable=False, index=True),
    Column("values_ct", LargeBinary, nullable=False),
)

incidents = Table(
    "incidents", metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),   # IN-20261128-7F3A
    Column("company_id", String(ID), ForeignKey("companies.id"), nullable=False, index=True),
    Column("source", String(20), nullable=False),     # attribution | anomaly | report
    Column("source_ref", String(120), nullable=False, default=""),
    Column("share_id", String(ID), ForeignKey("shares.id")),
    Column("status", String(20), nullable=False),     # open | notified | closed
    Column("opened_by", String(120), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("affected_persons", Integer, nullable=False, default=0),
    Column("affected_fields", String(400), nullable=False, default=""),
    Column("note_id", String(ID), ForeignKey("notes.id")),   # cause, harm, measures (sealed)
    Column("owners_notified_at", DateTime(timezone=True)),
    Column("regulator_report_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("summary_note_id", String(ID), ForeignKey("notes.id")),
)

incident_persons = Table(
    "incident_persons", metadata,
    Column("incident_id", String(ID), ForeignKey("incidents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("person_id", String(ID), primary_key=True),
    Column("fields", String(400), nullable=False),
    Column("notified_at", DateTime(timezone=True)),
)

incident_actions = Table(
    "incident_actions", metadata,
    Column("id", String(ID), primary_key=True),
    Column("incident_id", String(ID), ForeignKey("incidents.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("kind", String(30), nullable=False),   # remediation | done | notice | note
    Column("note_id", String(ID), ForeignKey("notes.id")),
    Column("done_at", DateTime(timezone=True)),
)
