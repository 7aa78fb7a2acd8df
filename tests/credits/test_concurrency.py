"""Concurrent spends cannot overdraw: 8 connections race for 10 credits."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from reachout.credits import service
from reachout.credits.models import CreditEntry
from reachout.senders import service as senders

AT = datetime(2026, 1, 2, tzinfo=UTC)


def test_eight_connections_spend_exactly_the_ten_credits_left(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        sid = senders.add_sender(
            s,
            name="ana",
            plan="premium_business",
            since=date(2026, 1, 1),
            at=datetime(2026, 1, 1, 1, tzinfo=UTC),
        ).id
        for i in range(5):
            assert service.spend(s, sid, f"warm-{i}", AT).ok
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            start.wait()
            for k in range(3):
                with sessions() as s, s.begin():
                    ok = service.spend(s, sid, f"t{n}-{k}", AT).ok
                with lock:
                    results.append(ok)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == 24
    assert results.count(True) == 10
    with sessions() as s:
        spent = s.scalar(
            select(func.count()).where(CreditEntry.sender_id == sid, CreditEntry.kind == "spend")
        )
        assert spent == 15
        balance = s.scalar(select(func.sum(CreditEntry.amount)).where(CreditEntry.sender_id == sid))
        assert balance == 0
        assert service.available(s, sid, AT) == 0
        refusals = s.scalar(select(func.count()).where(CreditEntry.kind == "refusal"))
        assert refusals == 14
