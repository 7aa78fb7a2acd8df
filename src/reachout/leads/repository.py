"""All SQL of the leads domain: lookups by id and identity keys, lists, tags, filtered queries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from reachout.leads.models import Lead, LeadList, LeadListMember, LeadTag


def get(session: Session, lead_id: int) -> Lead | None:
    return session.get(Lead, lead_id)


def ids_in_list(session: Session, name: str) -> list[int]:
    """Lead ids in the list called ``name`` (ascending); empty when the list does not exist."""
    stmt = (
        select(LeadListMember.lead_id)
        .join(LeadList, LeadList.id == LeadListMember.list_id)
        .where(LeadList.name == name)
        .order_by(LeadListMember.lead_id)
    )
    return list(session.scalars(stmt))


def get_list(session: Session, name: str) -> LeadList | None:
    return session.scalars(select(LeadList).where(LeadList.name == name)).first()


def ensure_list(session: Session, name: str) -> LeadList:
    existing = get_list(session, name)
    if existing is not None:
        return existing
    created = LeadList(name=name)
    session.add(created)
    session.flush()
    return created


def list_counts(session: Session) -> list[tuple[str, int]]:
    stmt = (
        select(LeadList.name, func.count(LeadListMember.lead_id))
        .outerjoin(LeadListMember, LeadListMember.list_id == LeadList.id)
        .group_by(LeadList.id, LeadList.name)
        .order_by(LeadList.name)
    )
    return [(name, int(count)) for name, count in session.execute(stmt)]


def list_members(session: Session, list_id: int, lead_ids: Iterable[int]) -> set[int]:
    ids = list(lead_ids)
    if not ids:
        return set()
    stmt = select(LeadListMember.lead_id).where(
        LeadListMember.list_id == list_id, LeadListMember.lead_id.in_(ids)
    )
    return set(session.scalars(stmt))


def tags_of(session: Session, lead_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(lead_ids)
    out: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return out
    for lead_id, tag in session.execute(select(LeadTag.lead_id, LeadTag.tag).where(LeadTag.lead_id.in_(ids))):
        out[lead_id].add(tag)
    return out


def lists_of(session: Session, lead_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(lead_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(LeadListMember.lead_id, LeadList.name)
        .join(LeadList, LeadList.id == LeadListMember.list_id)
        .where(LeadListMember.lead_id.in_(ids))
        .order_by(LeadList.name)
    )
    for lead_id, name in session.execute(stmt):
        out[lead_id].append(name)
    return out


def find_by_keys(
    session: Session,
    *,
    profile_urls: Sequence[str] = (),
    salesnav_ids: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> list[Lead]:
    """Leads holding any of the given identity keys (one query per key kind, chunked)."""
    found: dict[int, Lead] = {}
    for column, values in (
        (Lead.profile_url, profile_urls),
        (Lead.salesnav_id, salesnav_ids),
        (Lead.email, emails),
    ):
        unique = sorted(set(values))
        for start in range(0, len(unique), 900):
            chunk = unique[start : start + 900]
            for lead in session.scalars(select(Lead).where(column.in_(chunk))):
                found[lead.id] = lead
    return list(found.values())


@dataclass(frozen=True)
class LeadFilter:
    list_name: str | None = None
    tags: tuple[str, ...] = ()
    open_profile: bool = False
    premium: bool = False
    search: str | None = None
    limit: int | None = None


def _filtered(flt: LeadFilter) -> Select[Lead]:
    stmt = select(Lead)
    if flt.list_name is not None:
        stmt = stmt.join(LeadListMember, LeadListMember.lead_id == Lead.id).join(
            LeadList, LeadList.id == LeadListMember.list_id
        )
        stmt = stmt.where(LeadList.name == flt.list_name)
    for tag in flt.tags:
        stmt = stmt.where(Lead.id.in_(select(LeadTag.lead_id).where(LeadTag.tag == tag)))
    if flt.open_profile:
        stmt = stmt.where(Lead.open_profile.is_(True))
    if flt.premium:
        stmt = stmt.where(Lead.premium.is_(True))
    if flt.search:
        pattern = f"%{flt.search.casefold()}%"
        columns = (
            Lead.first_name,
            Lead.last_name,
            Lead.headline,
            Lead.title,
            Lead.company,
            Lead.location,
            Lead.industry,
            Lead.email,
            Lead.profile_url,
        )
        stmt = stmt.where(or_(*(func.lower(c).like(pattern) for c in columns)))
    stmt = stmt.order_by(Lead.id)
    if flt.limit is not None:
        stmt = stmt.limit(flt.limit)
    return stmt


def query(session: Session, flt: LeadFilter) -> list[Lead]:
    return list(session.scalars(_filtered(flt)))


def iter_query(session: Session, flt: LeadFilter, *, chunk: int = 1000) -> Iterator[Lead]:
    """Stream matching leads (exports of large stores stay in bounded memory)."""
    yield from session.scalars(_filtered(flt).execution_options(yield_per=chunk))


def add_tags(session: Session, lead_id: int, tags: Iterable[str]) -> list[str]:
    """Add ``tags`` to a lead; returns those that were new."""
    have = tags_of(session, [lead_id])[lead_id]
    new = [t for t in dict.fromkeys(tags) if t not in have]
    for tag in new:
        session.add(LeadTag(lead_id=lead_id, tag=tag))
    session.flush()
    return new


def remove_tags(session: Session, lead_id: int, tags: Iterable[str]) -> int:
    removed = 0
    for tag in set(tags):
        row = session.get(LeadTag, (lead_id, tag))
        if row is not None:
            session.delete(row)
            removed += 1
    session.flush()
    return removed


def add_to_list(session: Session, list_id: int, lead_ids: Iterable[int]) -> int:
    ids = set(lead_ids)
    have = list_members(session, list_id, ids)
    new = sorted(ids - have)
    for lead_id in new:
        session.add(LeadListMember(list_id=list_id, lead_id=lead_id))
    session.flush()
    return len(new)
