"""Lead model, migration 0001 and the small service used by other domains."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.errors import ValidationError
from reachout.leads import repository, service
from reachout.leads.models import Lead

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_add_lead_normalises_url_email_and_names(session: Session) -> None:
    lead = service.add_lead(
        session,
        at=AT,
        first_name="Jane 🚀",
        last_name="Doe, PhD",
        profile_url="http://uk.linkedin.com/in/Jane-Doe/?trk=x",
        email=" Jane.Doe@Example-Acme.TEST ",
        location="Paris, Île-de-France, France",
    )
    assert lead.id is not None
    assert (lead.first_name, lead.last_name) == ("Jane", "Doe")
    assert lead.profile_url == "https://www.linkedin.com/in/jane-doe"
    assert lead.email == "jane.doe@example-acme.test"
    assert (lead.country, lead.timezone) == ("FR", "Europe/Paris")
    assert lead.created_at == AT


def test_add_lead_needs_a_name_or_url(session: Session) -> None:
    with pytest.raises(ValidationError):
        service.add_lead(session, at=AT, email="a@b.test")


def test_add_lead_rejects_a_bad_email(session: Session) -> None:
    with pytest.raises(ValidationError):
        service.add_lead(session, at=AT, first_name="A", email="not-an-email")


def test_context_has_non_empty_columns_full_name_and_custom_fields(session: Session) -> None:
    lead = service.add_lead(
        session, at=AT, full_name="Ana van der Berg", company="Acme", custom_fields={"pain": "churn", "x": ""}
    )
    ctx = lead.context()
    assert ctx["first_name"] == "Ana"
    assert ctx["last_name"] == "van der Berg"
    assert ctx["full_name"] == "Ana van der Berg"
    assert ctx["company"] == "Acme"
    assert ctx["pain"] == "churn"
    assert "x" not in ctx and "email" not in ctx and "headline" not in ctx


def test_profile_url_is_unique(session: Session) -> None:
    service.add_lead(session, at=AT, first_name="A", profile_url="linkedin.com/in/abc")
    session.add(
        Lead(first_name="B", profile_url="https://www.linkedin.com/in/abc", created_at=AT, updated_at=AT)
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_ids_in_list_and_get(session: Session) -> None:
    a = service.add_lead(session, at=AT, first_name="A")
    b = service.add_lead(session, at=AT, first_name="B")
    service.add_lead(session, at=AT, first_name="C")
    assert service.add_to_list(session, "q1", [b.id, a.id]) == 2
    assert service.add_to_list(session, "q1", [a.id]) == 0
    assert repository.ids_in_list(session, "q1") == sorted([a.id, b.id])
    assert repository.ids_in_list(session, "missing") == []
    got = repository.get(session, a.id)
    assert got is not None and got.first_name == "A"
    assert repository.get(session, 999_999) is None


def test_tags_accumulate_and_remove(session: Session) -> None:
    a = service.add_lead(session, at=AT, first_name="A")
    assert service.tag_leads(session, [a.id], ["vip", "fr"]) == 2
    assert service.tag_leads(session, [a.id], ["vip"]) == 0
    assert service.lead_view(session, a)["tags"] == ["fr", "vip"]
    assert service.tag_leads(session, [a.id], ["vip"], remove=True) == 1
    assert service.lead_view(session, a)["tags"] == ["fr"]
