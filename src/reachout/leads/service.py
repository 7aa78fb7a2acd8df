"""Use cases of the leads domain: add one lead, tag, list membership, filtered queries.

Services flush and never commit; the CLI (or a test) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout.errors import NotFoundError, ValidationError
from reachout.leads import repository, rules
from reachout.leads.geo import guess_location
from reachout.leads.models import DATA_FIELDS, Lead


def normalize_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Apply the import normalisation to keyword fields given by code (tests, the demo)."""
    out = dict(fields)
    if "full_name" in out:
        first, last = rules.split_full_name(out.pop("full_name"))
        out.setdefault("first_name", first)
        out.setdefault("last_name", last)
    for key in ("first_name", "last_name"):
        if isinstance(out.get(key), str):
            out[key] = rules.clean_name(out[key])
    if isinstance(out.get("profile_url"), str):
        raw = out["profile_url"]
        canonical = rules.canonical_profile_url(raw)
        if canonical is None:
            raise ValidationError(
                f"not a LinkedIn profile URL: {raw!r}", hint="use https://www.linkedin.com/in/<slug>"
            )
        out["profile_url"] = canonical
    if isinstance(out.get("salesnav_url"), str) and not out.get("salesnav_id"):
        out["salesnav_id"] = rules.salesnav_lead_id(out["salesnav_url"])
    if isinstance(out.get("email"), str):
        email = rules.normalize_email(out["email"])
        if email is not None and not rules.is_valid_email(email):
            raise ValidationError(f"not a valid email address: {out['email']!r}")
        out["email"] = email
    if out.get("location") and not out.get("country"):
        country, tz = guess_location(out["location"])
        out["country"] = country
        if not out.get("timezone"):
            out["timezone"] = tz
    return out


def add_lead(session: Session, *, at: datetime | None = None, **fields: Any) -> Lead:
    """Create one lead from keyword fields (normalises URL, email, names; fills country/time zone).

    Accepts every ``Lead`` column plus ``full_name``; ``custom_fields`` is a dict. Raises
    ValidationError when the lead has neither a name nor a profile/Sales Navigator URL.
    """
    when = at or datetime.now(UTC)
    unknown = set(fields) - set(DATA_FIELDS) - {"full_name", "custom_fields", "source_file", "imported_at"}
    if unknown:
        raise ValidationError(f"unknown lead fields: {', '.join(sorted(unknown))}")
    values = normalize_fields(fields)
    if not (
        values.get("first_name")
        or values.get("last_name")
        or values.get("profile_url")
        or values.get("salesnav_id")
    ):
        raise ValidationError("a lead needs a name or a LinkedIn/Sales Navigator URL")
    values.setdefault("custom_fields", {})
    lead = Lead(created_at=when, updated_at=when, **values)
    session.add(lead)
    session.flush()
    return lead


def get_lead(session: Session, lead_id: int) -> Lead:
    lead = repository.get(session, lead_id)
    if lead is None:
        raise NotFoundError(f"no lead with id {lead_id}", hint="see `reachout leads list`")
    return lead


def tag_leads(session: Session, lead_ids: Iterable[int], tags: Iterable[str], *, remove: bool = False) -> int:
    """Add (or remove) tags on leads; returns how many tag links changed."""
    clean = [t.strip() for t in tags if t.strip()]
    if not clean:
        raise ValidationError("give at least one non-empty tag")
    changed = 0
    for lead_id in lead_ids:
        get_lead(session, lead_id)
        if remove:
            changed += repository.remove_tags(session, lead_id, clean)
        else:
            changed += len(repository.add_tags(session, lead_id, clean))
    return changed


def add_to_list(session: Session, name: str, lead_ids: Iterable[int]) -> int:
    """Put leads in the list ``name`` (created when missing); returns how many were new members."""
    if not name.strip():
        raise ValidationError("a list needs a name")
    lead_list = repository.ensure_list(session, name.strip())
    return repository.add_to_list(session, lead_list.id, lead_ids)


def lead_view(session: Session, lead: Lead) -> dict[str, Any]:
    """A lead as JSON-ready dict with its lists and tags."""
    data = lead.to_dict()
    data["lists"] = repository.lists_of(session, [lead.id])[lead.id]
    data["tags"] = sorted(repository.tags_of(session, [lead.id])[lead.id])
    return data
