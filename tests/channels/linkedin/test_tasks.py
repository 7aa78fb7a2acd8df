from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from reachout import bootstrap
from reachout.channels import registry
from reachout.channels.linkedin import service
from reachout.channels.linkedin.tasks import TaskQueueDriver
from reachout.channels.protocol import Action, ActionType, OutcomeKind, Recipient
from reachout.clock import FakeClock

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)
ANNA = Recipient(lead_id=7, name="Anna Berg", profile_url="https://www.linkedin.com/in/anna-berg")


def _action(
    key: str = "e1:intro:0", kind: ActionType = ActionType.INMAIL, body: str = "Hello Anna", **meta: Any
) -> Action:
    return Action(
        key=key, type=kind, sender="alice", recipient=ANNA, subject="Quick idea", body=body, meta=meta
    )


class StandInEngine:
    """Records what the task queue tells the engine (the real one is tested in its own domain)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def mark_sent(self, session: Session, send_id: int, at: datetime, provider_id: str | None = None) -> None:
        self.calls.append(("sent", send_id, at, provider_id))

    def mark_not_sent(self, session: Session, send_id: int, at: datetime, reason: str) -> None:
        self.calls.append(("not_sent", send_id, at, reason))

    def handle_lead_event(self, session: Session, **kwargs: Any) -> None:
        self.calls.append(("event", kwargs["send_id"], kwargs["at"], kwargs["kind"]))


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> StandInEngine:
    stand_in = StandInEngine()
    monkeypatch.setattr(service, "_engine", lambda: stand_in)
    return stand_in


def _driver(sessions: sessionmaker[Session], **kwargs: Any) -> TaskQueueDriver:
    def unit_of_work() -> Any:
        from reachout.db import unit_of_work as uow

        return uow(sessions)

    return TaskQueueDriver(unit_of_work, clock=FakeClock(T0), **kwargs)


def test_send_queues_a_task_once_per_key(sessions: sessionmaker[Session]) -> None:
    driver = _driver(sessions, sender_id=3, account_type="premium")
    first = driver.send(_action(send_id=11))
    again = driver.send(_action(send_id=11))
    assert first.kind is OutcomeKind.QUEUED
    assert first.provider_id is not None and first.provider_id.startswith("task:")
    assert again.provider_id == first.provider_id
    with sessions() as session:
        tasks = service.list_tasks(session, status="all")
        assert len(tasks) == 1
        task = tasks[0]
        assert (task.send_id, task.sender_id, task.lead_id) == (11, 3, 7)
        assert task.profile_url == ANNA.profile_url
        assert (task.length, task.limit, task.status) == (10, 1900, "open")
        assert task.created_at == T0


def test_bound_session_joins_the_callers_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        driver = TaskQueueDriver(None, clock=FakeClock(T0), session=session)
        driver.send(_action())
        session.rollback()
        assert service.list_tasks(session, status="all") == []


@pytest.mark.parametrize(
    ("kind", "account", "limit"),
    [
        (ActionType.CONNECTION_REQUEST, "premium", 300),
        (ActionType.CONNECTION_REQUEST, "free", 200),
        (ActionType.MESSAGE, "free", 8000),
        (ActionType.INMAIL, "premium", 1900),
    ],
)
def test_limit_depends_on_type_and_account(
    sessions: sessionmaker[Session], kind: ActionType, account: str, limit: int
) -> None:
    _driver(sessions, account_type=account).send(_action(kind=kind))
    with sessions() as session:
        assert service.list_tasks(session)[0].limit == limit


def test_length_counts_utf16_units_and_crlf_as_one() -> None:
    assert service.text_length("a\r\nb") == 3
    assert service.text_length("😀") == 2


def test_email_and_missing_profile_are_not_queued(sessions: sessionmaker[Session]) -> None:
    driver = _driver(sessions)
    assert driver.send(_action(kind=ActionType.EMAIL)).kind is OutcomeKind.REJECTED
    bare = Action(key="k", type=ActionType.INMAIL, sender="alice", recipient=Recipient(lead_id=1), body="x")
    assert driver.send(bare).kind is OutcomeKind.INVALID_RECIPIENT
    assert driver.poll(None) == []


def test_factory_through_the_registry_uses_the_apps_database(home: Any) -> None:
    app = bootstrap.build()
    sender = SimpleNamespace(id=5, name="alice", account_type="free")
    driver = registry.load_driver("linkedin-tasks", app, sender)
    outcome = driver.send(_action(kind=ActionType.CONNECTION_REQUEST))
    assert outcome.kind is OutcomeKind.QUEUED
    with app.session() as session:
        task = service.list_tasks(session)[0]
        assert (task.sender_id, task.limit) == (5, 200)


def _queue(home: Any, *keys: str) -> list[int]:
    app = bootstrap.build()
    driver = registry.load_driver(
        "linkedin-tasks", app, SimpleNamespace(id=1, name="alice", account_type="premium")
    )
    ids = []
    for n, key in enumerate(keys):
        outcome = driver.send(_action(key=key, send_id=100 + n))
        assert outcome.provider_id is not None
        ids.append(int(outcome.provider_id.split(":")[1]))
    return ids


def test_cli_list_show_done_flow(cli: Any, home: Any, engine_calls: StandInEngine) -> None:
    first, second = _queue(home, "a", "b")
    listed = json.loads(cli("tasks", "list", "--json").stdout)
    assert [t["id"] for t in listed] == [first, second]
    shown = json.loads(cli("tasks", "show", first, "--json").stdout)
    assert shown["body"] == "Hello Anna" and shown["sender"] == "alice" and shown["limit"] == 1900
    human = cli("tasks", "show", first)
    assert "Hello Anna" in human.stdout and ANNA.profile_url in human.stdout
    done = cli("tasks", "done", first, "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "done"
    assert engine_calls.calls[0][0:2] == ("sent", 100)
    assert engine_calls.calls[0][3] == f"task:{first}"
    remaining = json.loads(cli("tasks", "list", "--json").stdout)
    assert [t["id"] for t in remaining] == [second]
    assert [t["id"] for t in json.loads(cli("tasks", "list", "--status", "done", "--json").stdout)] == [first]
    again = cli("tasks", "done", first)
    assert again.exit_code == 4 and "already done" in again.stderr
    assert len(engine_calls.calls) == 1


def test_cli_fail_routes_the_reason_and_skip_records_not_sent(
    cli: Any, home: Any, engine_calls: StandInEngine
) -> None:
    first, second, third = _queue(home, "a", "b", "c")
    failed = cli("tasks", "fail", first, "--reason", "InMail is off", "--inmail-disabled", "--json")
    assert failed.exit_code == 0, failed.stderr
    assert json.loads(failed.stdout)["status"] == "failed"
    cli("tasks", "fail", second, "--reason", "weird error")
    cli("tasks", "skip", third, "--reason", "already talking by phone")
    reasons = [(c[1], c[3]) for c in engine_calls.calls]
    assert reasons == [
        (100, "inmail_not_accepted"),
        (100, "inmail_disabled"),
        (101, "rejected: weird error"),
        (102, "skipped: already talking by phone"),
    ]
    assert cli("tasks", "list", "--json").stdout.strip() == "[]"


def test_cli_unknown_task_and_bad_status(cli: Any, home: Any) -> None:
    missing = cli("tasks", "show", 999)
    assert missing.exit_code == 3 and "no LinkedIn task #999" in missing.stderr
    assert cli("tasks", "list", "--status", "pending").exit_code == 2


@pytest.mark.parametrize("command", ["skip", "fail"])
def test_a_blank_reason_is_refused_and_the_task_stays_open(
    cli: Any, home: Any, engine_calls: StandInEngine, command: str
) -> None:
    (task_id,) = _queue(home, "a")
    result = cli("tasks", command, task_id, "--reason", "  ")
    assert result.exit_code == 2 and "--reason is empty" in result.stderr
    assert [t["id"] for t in json.loads(cli("tasks", "list", "--json").stdout)] == [task_id]
    assert engine_calls.calls == []
