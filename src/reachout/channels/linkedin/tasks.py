"""The ``linkedin-tasks`` driver: reachout prepares, a person sends.

``send`` queues a task (idempotent on ``action.key``) and answers QUEUED with
``provider_id="task:<id>"``; the send counts once the user runs ``reachout tasks done``.
``poll`` returns nothing: the user reports replies with ``reachout inbox log``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.channels.linkedin import service
from reachout.channels.protocol import Action, ActionType, Event, Outcome, OutcomeKind
from reachout.clock import Clock, SystemClock

LINKEDIN_TYPES = {
    ActionType.INMAIL,
    ActionType.CONNECTION_REQUEST,
    ActionType.MESSAGE,
    ActionType.PROFILE_VISIT,
    ActionType.MANUAL_TASK,
    ActionType.WITHDRAW_INVITATION,
}


class TaskQueueDriver:
    """Writes tasks through ``unit_of_work`` (its own transaction), or into ``session`` when bound."""

    name = "linkedin-tasks"

    def __init__(
        self,
        unit_of_work: Callable[[], AbstractContextManager[Session]] | None,
        *,
        clock: Clock | None = None,
        sender_id: int | None = None,
        account_type: str | None = None,
        session: Session | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock or SystemClock()
        self._sender_id = sender_id
        self._account_type = account_type
        self.session = session  # bind to join the caller's transaction (the caller commits)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if self.session is not None:
            yield self.session
            return
        if self._unit_of_work is None:
            raise RuntimeError("TaskQueueDriver needs a session or a unit of work")
        with self._unit_of_work() as session:
            yield session

    def send(self, action: Action) -> Outcome:
        if action.type not in LINKEDIN_TYPES:
            return Outcome(OutcomeKind.REJECTED, detail=f"the LinkedIn task queue cannot send {action.type}")
        if action.type in (ActionType.INMAIL, ActionType.MESSAGE, ActionType.CONNECTION_REQUEST) and (
            not action.recipient.profile_url
        ):
            return Outcome(OutcomeKind.INVALID_RECIPIENT, detail="the lead has no LinkedIn profile URL")
        at = action.meta.get("at") if isinstance(action.meta.get("at"), datetime) else None
        try:
            task_id = self._create(action, at or self._clock.now())
        except IntegrityError:
            if self.session is not None:
                raise
            task_id = self._create(action, at or self._clock.now())  # the racing writer's task
        return Outcome(OutcomeKind.QUEUED, provider_id=f"task:{task_id}", detail="waiting for you to send it")

    def _create(self, action: Action, at: datetime) -> int:
        with self._session() as session:
            task = service.create_task(
                session, action, at=at, sender_id=self._sender_id, account_type=self._account_type
            )
            return task.id

    def poll(self, since: datetime | None) -> list[Event]:
        return []


def factory(app: Any, sender: Any) -> TaskQueueDriver:
    """Entry point ``linkedin-tasks``."""
    return TaskQueueDriver(
        app.session,
        clock=getattr(app, "clock", None),
        sender_id=getattr(sender, "id", None),
        account_type=getattr(sender, "account_type", None),
    )
