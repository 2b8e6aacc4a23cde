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
