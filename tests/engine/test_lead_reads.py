"""Bulk reads of lead data for a batch: the suppression check in both of its paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reachout.engine import lead_reads

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("small_list", [True, False], ids=["read-whole", "probed"])
def test_suppressed_leads_match_email_domain_and_profile(
    session: Session, make_lead: Any, monkeypatch: pytest.MonkeyPatch, small_list: bool
) -> None:
    from reachout.suppression import service as suppression

    if not small_list:  # a list longer than this limit is probed with the batch's values instead
        monkeypatch.setattr(lead_reads, "SMALL_SUPPRESSION_LIST", 1)
    by_email = make_lead(session, 1, email="Ann@Example.org")
    by_domain = make_lead(session, 2, email="bob@blocked.test")
    by_profile = make_lead(session, 3, email="cy@fine.test")
    clear = make_lead(session, 4, email="dee@fine.test")
    no_contact = make_lead(session, 5, email=None, profile_url=None)
    ids = [by_email.id, by_domain.id, by_profile.id, clear.id, no_contact.id, 999_999]
    assert lead_reads.suppressed_leads(session, ids) == set()  # an empty list suppresses nobody

    suppression.add(session, "ann@example.org", at=MONDAY)
    assert lead_reads.suppressed_leads(session, ids) == {by_email.id}  # only emails listed so far
    suppression.add(session, "blocked.test", at=MONDAY)
    suppression.add(session, by_profile.profile_url, at=MONDAY)
    assert lead_reads.suppressed_leads(session, ids) == {by_email.id, by_domain.id, by_profile.id}
