"""What the engine reads about leads: their rows, events, stop reasons and suppression, in bulk.

Other domains' tables (leads, suppressions) are read through their models, imported lazily so
the engine keeps working while a domain is absent (a fresh install, another engineer's branch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from reachout.engine.models import LeadEvent
from reachout.engine.repository import chunks, in_values

STOP_KINDS = ("reply", "declined", "unsubscribe")
SMALL_SUPPRESSION_LIST = 1000


@cache
def lead_model() -> Any:
    try:
        from reachout.leads.models import Lead
    except ImportError:  # pragma: no cover - leads domain absent
        return None
    return Lead


def existing_lead_ids(session: Session, ids: Sequence[int]) -> set[int] | None:
    lead = lead_model()
    if lead is None:
        return None
    found: set[int] = set()
    for part in chunks(ids):
        found.update(session.scalars(select(lead.id).where(lead.id.in_(part))))
    return found


class LeadRow:
    """A read-only copy of a ``leads`` row with the template helpers of ``Lead`` (``context``,
    ``full_name``). Loading 1,000 of these through Core is several times cheaper than ORM rows,
    and the worker never writes leads. The bookkeeping timestamps (``imported_at``,
    ``created_at``, ``updated_at``) are not loaded: no template or rule reads them."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    @property
    def full_name(self) -> str:
        lead: Any = lead_model()
        return str(lead.full_name.fget(self))

    def context(self) -> dict[str, Any]:
        lead: Any = lead_model()
        return dict(lead.context(self))


def load_leads(session: Session | Connection, ids: Sequence[int]) -> dict[int, Any]:
    """``LeadRow``s by id (missing ids are left out), through a session or a plain connection."""
    lead = lead_model()
    if lead is None:
        return {}
    out: dict[int, Any] = {}
    columns = [c for c in lead.__table__.c if c.name not in _LEAD_BOOKKEEPING]
    names = [c.name for c in columns]
    # Plain rows: Core, not the ORM's per-row loading.
    conn = session if isinstance(session, Connection) else session.connection()
    for condition in in_values(session, lead.id, ids):
        for row in conn.execute(select(*columns).where(condition)).all():
            values = dict(zip(names, row, strict=True))
            out[values["id"]] = LeadRow(values)
    return out


_LEAD_BOOKKEEPING = frozenset({"imported_at", "created_at", "updated_at"})


def lead_events(session: Session, ids: Sequence[int]) -> dict[int, list[LeadEvent]]:
    out: dict[int, list[LeadEvent]] = defaultdict(list)
    for condition in in_values(session, LeadEvent.lead_id, ids):
        for event in session.scalars(select(LeadEvent).where(condition).order_by(LeadEvent.at, LeadEvent.id)):
            out[event.lead_id].append(event)
    return out


def stopped_leads(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Leads that replied, declined or unsubscribed at some point: never enrolled again."""
    out: dict[int, str] = {}
    for part in chunks(ids):
        for lead_id, kind in session.execute(
            select(LeadEvent.lead_id, LeadEvent.kind).where(
                LeadEvent.lead_id.in_(part), LeadEvent.kind.in_(STOP_KINDS)
            )
        ):
            out[lead_id] = kind
    return out


def suppressed_leads(session: Session, ids: Sequence[int], leads: dict[int, Any] | None = None) -> set[int]:
    """Leads whose email, email domain or profile URL is on the suppression list (bulk check)."""
    try:
        from reachout.suppression import rules as srules
        from reachout.suppression.models import Suppression
    except ImportError:  # pragma: no cover - suppression domain absent: nothing is suppressed
        return set()
    # A suppression list shorter than the batch is read whole (one small query) instead of being
    # probed with thousands of bound values; only the kinds it holds are worth normalising.
    small = session.execute(
        select(Suppression.kind, Suppression.value).limit(SMALL_SUPPRESSION_LIST + 1)
    ).all()
    whole = len(small) <= SMALL_SUPPRESSION_LIST
    kinds = {kind for kind, _ in small} if whole else {"email", "domain", "profile_url"}
    if not kinds:
        return set()
    leads = leads if leads is not None else load_leads(session, ids)
    by_email, by_profile = bool(kinds & {"email", "domain"}), "profile_url" in kinds
    wanted: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lead_id in ids:
        lead = leads.get(lead_id)
        if lead is None:
            continue
        if by_email and lead.email:
            try:
                address = srules.normalise_email(lead.email)
                wanted[("email", address)].add(lead_id)
                for domain in srules.domains_covering(address):
                    wanted[("domain", domain)].add(lead_id)
            except ValueError:
                pass
        if by_profile and lead.profile_url:
            try:
                wanted[("profile_url", srules.normalise_profile_url(lead.profile_url))].add(lead_id)
            except ValueError:
                pass
    hit: set[int] = set()
    if not wanted:
        return hit
    if whole:
        for kind, value in small:
            hit |= wanted.get((kind, value), set())
        return hit
    values = sorted({value for _, value in wanted})
    for condition in in_values(session, Suppression.value, values):
        for kind, value in session.execute(select(Suppression.kind, Suppression.value).where(condition)):
            hit |= wanted.get((kind, value), set())
    return hit
