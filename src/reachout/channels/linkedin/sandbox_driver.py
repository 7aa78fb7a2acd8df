"""The ``linkedin-sandbox`` driver: speaks the sandbox's HTTP API with httpx.

HTTP refusals become typed outcomes: 429 -> LIMIT_REACHED, 402 -> OUT_OF_CREDITS,
403 INMAIL_NOT_ACCEPTED / NOT_CONNECTED, 422 NOTE_TOO_LONG (other 422 -> REJECTED),
404 -> INVALID_RECIPIENT, 5xx / timeouts / connection errors -> TRANSIENT_ERROR.
The base URL comes from ``sender.limits["sandbox_url"]``, else ``Settings.sandbox_url``
(``REACHOUT_SANDBOX_URL``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from reachout.channels.protocol import Action, ActionType, Event, EventKind, Outcome, OutcomeKind, Recipient
from reachout.clock import ensure_utc
from reachout.errors import ValidationError

_PATHS = {
    ActionType.INMAIL: "/inmail",
    ActionType.CONNECTION_REQUEST: "/invitations",
    ActionType.MESSAGE: "/messages",
    ActionType.PROFILE_VISIT: "/profile-visits",
    ActionType.WITHDRAW_INVITATION: "/invitations/withdraw",
}
_CODES = {
    "INMAIL_NOT_ACCEPTED": OutcomeKind.INMAIL_NOT_ACCEPTED,
    "NOT_CONNECTED": OutcomeKind.NOT_CONNECTED,
    "NOTE_TOO_LONG": OutcomeKind.NOTE_TOO_LONG,
    "OUT_OF_CREDITS": OutcomeKind.OUT_OF_CREDITS,
    "CUSTOM_INVITE_LIMIT_REACHED": OutcomeKind.LIMIT_REACHED,
    "MEMBER_NOT_FOUND": OutcomeKind.INVALID_RECIPIENT,
}
_EVENTS = {
    "reply": EventKind.REPLY,
    "accepted": EventKind.ACCEPTED,
    "declined": EventKind.DECLINED,
    "out_of_office": EventKind.OUT_OF_OFFICE,
}


def outcome_for(status: int, data: dict[str, Any], retry_after: str | None = None) -> Outcome:
    """The typed outcome of one sandbox answer (pure; the driver's tests exercise every branch)."""
    code = str(data.get("code") or "")
    detail = f"{code}: {data.get('message', '')}".strip(": ")
    if status in (200, 201):
        flags = [f for f in ("open_profile", "credit_spent") if data.get(f)]
        return Outcome(OutcomeKind.SENT, provider_id=str(data["id"]), detail=",".join(flags))
    if status == 429:
        seconds = int(retry_after) if retry_after and retry_after.isdigit() else None
        return Outcome(OutcomeKind.LIMIT_REACHED, detail=detail, retry_after_seconds=seconds)
    if status == 402:
        return Outcome(OutcomeKind.OUT_OF_CREDITS, detail=detail)
    if status >= 500:
        return Outcome(OutcomeKind.TRANSIENT_ERROR, detail=detail or f"HTTP {status}")
    if status == 404 and code in ("MEMBER_NOT_FOUND", ""):
        return Outcome(OutcomeKind.INVALID_RECIPIENT, detail=detail)
    if status in (403, 422) and code in _CODES:
        return Outcome(_CODES[code], detail=detail)
    return Outcome(OutcomeKind.REJECTED, detail=detail or f"HTTP {status}")


def _time(value: str | None) -> datetime | None:
    return ensure_utc(datetime.fromisoformat(value)) if value else None


class SandboxDriver:
    name = "linkedin-sandbox"

    def __init__(
        self,
        base_url: str,
        sender: str,
        *,
        plan: str | None = None,
        account_type: str = "premium",
        since: datetime | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.sender = sender
        self._registration: dict[str, Any] = {"name": sender, "plan": plan, "account_type": account_type}
        if since is not None:
            self._registration["since"] = ensure_utc(since).isoformat()
        self._registered = False
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        return self._client.post(path, json=payload)

    def register(self) -> None:
        """Register the sender account with the sandbox once (idempotent on the sandbox side)."""
        if not self._registered:
            response = self._post("/senders", self._registration)
            if response.status_code >= 400:
                raise ValidationError(f"the sandbox refused sender {self.sender!r}: {response.text}")
            self._registered = True

    def send(self, action: Action) -> Outcome:
        path = _PATHS.get(action.type)
        if path is None:
            return Outcome(OutcomeKind.REJECTED, detail=f"the LinkedIn sandbox cannot send {action.type}")
        if not action.recipient.profile_url:
            return Outcome(OutcomeKind.INVALID_RECIPIENT, detail="the lead has no LinkedIn profile URL")
        payload: dict[str, Any] = {
            "sender": self.sender,
            "recipient": action.recipient.profile_url,
            "key": action.key,
        }
        if action.type is ActionType.INMAIL:
            payload.update(subject=action.subject or "", body=action.body)
        elif action.type is ActionType.CONNECTION_REQUEST:
            payload["note"] = action.body
        elif action.type is ActionType.MESSAGE:
            payload["body"] = action.body
        try:
            self.register()
            response = self._post(path, payload)
        except httpx.TransportError as exc:
            return Outcome(OutcomeKind.TRANSIENT_ERROR, detail=f"sandbox unreachable: {type(exc).__name__}")
        except ValidationError as exc:
            return Outcome(OutcomeKind.REJECTED, detail=exc.message)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return outcome_for(response.status_code, data, response.headers.get("Retry-After"))

    def set_clock(self, at: datetime) -> datetime:
        """Move the sandbox's simulated now to ``at`` (simulations keep both clocks in step)."""
        response = self._client.post("/clock", json={"set": ensure_utc(at).isoformat()})
        response.raise_for_status()
        return ensure_utc(datetime.fromisoformat(response.json()["now"]))

    def poll(self, since: datetime | None) -> list[Event]:
        """Events for this sender after ``since`` (by the sandbox's clock), oldest first."""
        params = {"sender": self.sender}
        if since is not None:
            params["since"] = ensure_utc(since).isoformat()
        response = self._client.get("/events", params=params)
        response.raise_for_status()
        events: list[Event] = []
        for raw in response.json().get("events", []):
            kind = _EVENTS.get(raw.get("kind"))
            at = _time(raw.get("at"))
            if kind is None or at is None:
                continue
            events.append(
                Event(
                    kind=kind,
                    at=at,
                    sender=self.sender,
                    recipient=Recipient(
                        lead_id=None, name=raw.get("name", ""), profile_url=raw.get("profile_url")
                    ),
                    in_reply_to=raw.get("in_reply_to"),
                    text=raw.get("text", ""),
                    until=_time(raw.get("until")),
                    meta={
                        # the inbox ignores an event it already holds under this id
                        "external_id": f"sandbox:{raw.get('in_reply_to')}:{raw.get('kind')}:{raw.get('at')}",
                        **{
                            k: raw[k]
                            for k in ("id", "sentiment", "language", "item_kind")
                            if raw.get(k) is not None
                        },
                    },
                )
            )
        return events


def base_url_for(app: Any, sender: Any) -> str:
    limits = getattr(sender, "limits", None) or {}
    url = limits.get("sandbox_url") if isinstance(limits, dict) else None
    settings = getattr(app, "settings", None)
    url = url or getattr(settings, "sandbox_url", None)
    if not url:
        raise ValidationError(
            "no LinkedIn sandbox URL configured",
            hint="start one with `reachout sandbox serve` and set REACHOUT_SANDBOX_URL (or the sender's "
            "sandbox_url limit)",
        )
    return str(url)


def factory(app: Any, sender: Any) -> SandboxDriver:
    """Entry point ``linkedin-sandbox``."""
    since = getattr(sender, "billing_anchor", None) or getattr(sender, "created_at", None)
    if since is not None and not isinstance(since, datetime):  # a date anchor: its midnight UTC
        since = datetime(since.year, since.month, since.day)
    return SandboxDriver(
        base_url_for(app, sender),
        getattr(sender, "name", None) or "default",
        plan=getattr(sender, "plan", None),
        account_type=getattr(sender, "account_type", None) or "premium",
        since=since,
    )
