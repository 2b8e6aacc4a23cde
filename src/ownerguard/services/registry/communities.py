"""Companies and communities: find or create, always inside the caller's unit of work."""

from __future__ import annotations

from sqlalchemy import insert, select

from ownerguard import clock
from ownerguard.domain.model import Community, Company, new_id
from ownerguard.errors import Invalid, NotFound
from ownerguard.store.tables import communities, companies
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.datakeys import DataKeys

DEFAULT_COMPANY = "默认物业公司"


class CommunityNotFound(NotFound, LookupError):
    """No community of that name (callers that predate the error kinds catch LookupError)."""


class CommunityAmbiguous(Invalid, LookupError):
    """Several companies have a community of that name: the company must be named."""


def get_or_create_company(uow: UnitOfWork, keys: DataKeys, name: str) -> Company:
    row = uow.conn.execute(select(companies).where(companies.c.name == name)).first()
    if row is not None:
        return Company(row.id, row.name)
    company = Company(new_id(), name)
    uow.conn.execute(insert(companies).values(id=company.id, name=name,
                                              created_at=clock.now()))
    keys.create_company_secret(uow.conn, company.id)
    return company


def get_or_create_community(uow: UnitOfWork, company: Company, name: str) -> Community:
    row = uow.conn.execute(select(communities).where(communities.c.company_id == company.id,
                                                     communities.c.name == name)).first()
    if row is not None:
        return Community(row.id, row.company_id, row.name)
    community = Community(new_id(), company.id, name)
    uow.conn.execute(insert(communities).values(id=community.id, company_id=company.id,
                                                name=name, created_at=clock.now()))
    return community


def find_community(uow: UnitOfWork, name: str, company_name: str | None = None) -> Community:
    q = select(communities).where(communities.c.name == name)
    if company_name:
        q = q.join(companies, companies.c.id == communities.c.company_id) \
            .where(companies.c.name == company_name)
    found = uow.conn.execute(q).all()
    if not found:
        raise CommunityNotFound("community_not_found")
    if len(found) > 1:
        raise CommunityAmbiguous("community_ambiguous")
    r = found[0]
    return Community(r.id, r.company_id, r.name)


def list_communities(uow: UnitOfWork) -> list[tuple[Company, Community]]:
    q = select(companies.c.id.label("cid"), companies.c.name.label("cname"),
               communities.c.id, communities.c.name) \
        .join(communities, communities.c.company_id == companies.c.id) \
        .order_by(companies.c.name, communities.c.name)
    return [(Company(r.cid, r.cname), Community(r.id, r.cid, r.name))
            for r in uow.conn.execute(q)]
