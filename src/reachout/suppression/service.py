"""Suppression use cases: add, remove, list, import, and the check run before every send.

Services flush and never commit; the CLI edge commits. Entries live in their own table, so
re-importing leads never clears them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.errors import NotFoundError, ValidationError
from reachout.suppression import rules
from reachout.suppression.models import Suppression
from reachout.suppression.rules import InvalidValue, Kind


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    invalid: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"added": self.added, "already": self.already, "invalid": self.invalid}


def _parse(value: str, kind: Kind | str | None) -> tuple[Kind, str]:
    try:
        if kind is None:
            return rules.detect(value)
        k = Kind(kind)
        return k, rules.normalise(k, value)
    except InvalidValue as exc:
        raise ValidationError(
            str(exc), hint="give an email address, a domain (example.com) or a linkedin.com/in/ URL"
        ) from exc
    except ValueError as exc:
        raise ValidationError(
            f"unknown suppression kind {kind!r}", hint="email, domain or profile_url"
        ) from exc


def find(session: Session, value: str, *, kind: Kind | str | None = None) -> Suppression | None:
    k, canonical = _parse(value, kind)
    return session.scalar(
        select(Suppression).where(Suppression.kind == k.value, Suppression.value == canonical)
    )


def add(
    session: Session,
    value: str,
    *,
    at: datetime,
    reason: str = "manual",
    source: str = "cli",
    kind: Kind | str | None = None,
) -> Suppression:
    """Suppress ``value`` (kind auto-detected). Adding an existing entry returns it unchanged."""
    k, canonical = _parse(value, kind)
    existing = session.scalar(
        select(Suppression).where(Suppression.kind == k.value, Suppression.value == canonical)
    )
    if existing is not None:
        return existing
    entry = Suppression(kind=k.value, value=canonical, reason=reason, source=source, created_at=at)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Another transaction added it first: theirs stands.
        found = session.scalar(
            select(Suppression).where(Suppression.kind == k.value, Suppression.value == canonical)
        )
        if found is None:
            raise
        return found
    return entry


def remove(session: Session, value: str, *, kind: Kind | str | None = None) -> Suppression:
    """Lift a suppression; raises NotFoundError when ``value`` is not suppressed."""
    entry = find(session, value, kind=kind)
    if entry is None:
        raise NotFoundError(f"{value!r} is not in the suppression list", hint="see `reachout suppress list`")
    session.delete(entry)
    session.flush()
    return entry


def list_entries(session: Session, *, kind: Kind | str | None = None) -> list[Suppression]:
    stmt = select(Suppression).order_by(Suppression.kind, Suppression.value)
    if kind is not None:
        stmt = stmt.where(Suppression.kind == Kind(kind).value)
    return list(session.scalars(stmt))


def import_values(
    session: Session, values: list[str], *, at: datetime, reason: str, source: str
) -> ImportResult:
    result = ImportResult()
    seen: set[tuple[Kind, str]] = set()
    for value in values:
        try:
            parsed = rules.detect(value)
        except InvalidValue:
            result.invalid.append(value)
            continue
        if parsed in seen:
            result.already += 1
            continue
        seen.add(parsed)
        before = session.scalar(
            select(Suppression.id).where(Suppression.kind == parsed[0].value, Suppression.value == parsed[1])
        )
        if before is not None:
            result.already += 1
            continue
        add(session, parsed[1], kind=parsed[0], at=at, reason=reason, source=source)
        result.added += 1
    return result


def import_file(session: Session, path: Path, *, at: datetime, reason: str = "imported") -> ImportResult:
    """Import a text or CSV file of emails, domains and profile URLs (one or more per line).

    Cells that are none of those (a CSV header, a name) are reported as invalid, never fatal.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return import_values(session, rules.parse_lines(text), at=at, reason=reason, source=f"import:{path.name}")


def is_suppressed(
    session: Session, *, email: str | None = None, profile_url: str | None = None
) -> str | None:
    """Why this recipient must not be contacted, or None when nothing suppresses them.

    An email matches its exact entry or an entry for its domain or any parent domain; a profile
    URL matches its canonical form. Values that cannot be parsed never match.
    """
    clauses = []
    if email:
        try:
            address = rules.normalise_email(email)
        except InvalidValue:
            address = None
        if address:
            clauses.append((Kind.EMAIL, [address]))
            clauses.append((Kind.DOMAIN, rules.domains_covering(address)))
    if profile_url:
        try:
            clauses.append((Kind.PROFILE_URL, [rules.normalise_profile_url(profile_url)]))
        except InvalidValue:
            pass
    for kind, values in clauses:
        if not values:
            continue
        entry = session.scalar(
            select(Suppression)
            .where(Suppression.kind == kind.value, Suppression.value.in_(values))
            .order_by(Suppression.id)
            .limit(1)
        )
        if entry is not None:
            return f"{entry.reason} ({entry.kind} {entry.value})"
    return None
