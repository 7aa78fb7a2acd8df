"""The simulated platform's rules and state, enforced independently of reachout's own checks.

Pure: no I/O, no clock reads; every operation takes ``at`` (the sandbox's simulated now).
Refusals raise :class:`Refusal` carrying the HTTP status and the error code the server returns:

- InMail: subject <= 200 and body <= 1,900 characters (422 SUBJECT_TOO_LONG / BODY_TOO_LONG);
  members with InMail off refuse (403 INMAIL_NOT_ACCEPTED); Open Profile members receive it
  free from a Premium sender, up to ``open_profile_per_month``; otherwise one credit from the
  sender's ledger (402 OUT_OF_CREDITS when there is none; free accounts have none).
- Invitations: at most ``weekly_invitations`` in any rolling 7 days (429
  CUSTOM_INVITE_LIMIT_REACHED); notes <= 300 characters on Premium, 200 on free accounts (422
  NOTE_TOO_LONG); free accounts get ``free_notes_per_month`` personalised notes per 30 days
  (429 NOTE_LIMIT_REACHED); not to members already connected or already invited (409).
- Messages only to 1st-degree connections (403 NOT_CONNECTED), body <= 8,000.
- Profile visits: ``profile_visits_per_day`` in any rolling 24 hours (429 VISIT_LIMIT_REACHED).

Delivered items get their reactions drawn at once (``responses.draw``); reactions become events
when the clock reaches them, and then take effect (an acceptance connects, a response to a paid
InMail refunds its credit).
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from reachout.sandbox import responses, world
from reachout.sandbox.ledger import PlanTerms
from reachout.sandbox.state import Account, Event, Item, Limits, Refusal, length
from reachout.sandbox.world import Member

__all__ = ["Account", "Event", "Item", "Limits", "Platform", "Refusal", "length"]


class Platform:
    """The whole simulated network: members, sender accounts, delivered items, future events."""

    def __init__(
        self,
        members: list[Member],
        *,
        seed: int = 0,
        plans: dict[str, PlanTerms] | None = None,
        limits: Limits | None = None,
        factors: responses.Factors | None = None,
    ) -> None:
        self.seed = seed
        self.plans = plans or {}
        self.limits = limits or Limits()
        self.factors = factors or responses.Factors()
        self.members: dict[int, Member] = {}
        self.by_slug: dict[str, int] = {}
        for member in members:
            self._put(member)
        self.accounts: dict[str, Account] = {}
        self.items: dict[str, Item] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self._future: list[Event] = []
        self.events: list[Event] = []  # happened (at <= the last tick), in time order
        self._seq = 0
        self._counts: dict[tuple[str, str, int], int] = {}

    # -- members -----------------------------------------------------------------------------
    def _put(self, member: Member) -> None:
        self.members[member.id] = member
        self.by_slug[member.slug] = member.id

    def find(self, ref: str | int) -> Member:
        """A member by id, slug or profile URL; 404 MEMBER_NOT_FOUND otherwise."""
        text = str(ref).strip()
        member_id: int | None = None
        if text.isdigit():
            member_id = int(text)
        else:
            slug = world.slug_from_url(text) or text.lower()
            member_id = self.by_slug.get(slug)
        if member_id is None or member_id not in self.members:
            raise Refusal(404, "MEMBER_NOT_FOUND", f"no member {text!r} in the sandbox")
        return self.members[member_id]

    def import_members(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        created = updated = 0
        for row in rows:
            slug = world.slug_from_url(str(row.get("profile_url") or ""))
            if slug and slug in self.by_slug:
                self._put(world.merge_import(self.members[self.by_slug[slug]], row, self.seed))
                updated += 1
                continue
            self._put(world.from_import(row, max(self.members, default=0) + 1, self.seed))
            created += 1
        return {"created": created, "updated": updated, "members": len(self.members)}

    def degree(self, member: Member, sender: str) -> int:
        account = self.accounts.get(sender)
        if account is not None and member.id in account.connected:
            return 1
        return world.degree(member, sender, self.seed)

    # -- senders -----------------------------------------------------------------------------
    def register(
        self,
        name: str,
        *,
        plan: str | None,
        account_type: str,
        since: datetime,
        limits: dict[str, int] | None = None,
    ) -> Account:
        """Register a sender (idempotent); a different plan resets its credits, as LinkedIn does."""
        if account_type not in ("premium", "free"):
            raise Refusal(422, "BAD_ACCOUNT_TYPE", "account_type must be premium or free")
        if plan is not None and plan not in self.plans:
            raise Refusal(
                422, "UNKNOWN_PLAN", f"unknown plan {plan!r}; known: {', '.join(sorted(self.plans))}"
            )
        merged = replace(self.limits, **(limits or {}))
        account = self.accounts.get(name)
        if account is None:
            account = Account(name, plan, account_type, since, merged)
            account.ledger.subscribe(since, self.plans.get(plan) if plan else None)
            self.accounts[name] = account
            return account
        if limits:  # a registration without limits keeps the ones set before
            account.limits = merged
        if account.plan != plan or account.account_type != account_type:
            account.plan, account.account_type = plan, account_type
            account.ledger.subscribe(since, self.plans.get(plan) if plan else None)
        return account

    def account(self, name: str) -> Account:
        found = self.accounts.get(name)
        if found is None:
            raise Refusal(404, "UNKNOWN_SENDER", f"sender {name!r} is not registered (POST /senders first)")
        return found

    # -- sending -----------------------------------------------------------------------------
    def _replay(self, sender: str, key: str | None) -> Item | None:
        if key and (sender, key) in self.by_key:
            return self.items[self.by_key[(sender, key)]]
        return None

    def _deliver(self, item: Item, key: str | None, message: responses.Message | None) -> Item:
        self.items[item.id] = item
        if key:
            self.by_key[(item.sender, key)] = item.id
        if message is None:
            return item
        member = self.members[item.member_id]
        ordinal_key = (item.sender, item.kind, item.member_id)
        self._counts[ordinal_key] = self._counts.get(ordinal_key, 0) + 1
        if message.kind != "invitation" and self._counts[ordinal_key] > 1:
            message = replace(message, earlier=self._unanswered(item))
        draw_key = f"{item.sender}|{member.slug}|{item.kind}|{self._counts[ordinal_key]}"
        drawn = responses.draw(self.seed, draw_key, member, message, item.at, self.factors)
        for reaction in drawn.reactions:
            self._seq += 1
            until = item.at + reaction.until_delay if reaction.until_delay else None
            heapq.heappush(
                self._future,
                Event(
                    item.at + reaction.delay,
                    self._seq,
                    reaction.kind,
                    item.sender,
                    item.member_id,
                    item.id,
                    reaction.text,
                    reaction.sentiment,
                    until,
                ),
            )
        return item

    def _unanswered(self, item: Item) -> int:
        """Earlier items of ``item``'s kind to the same member, none of them answered yet by a reply."""
        answered = any(
            e.kind == "reply" and e.sender == item.sender and e.member_id == item.member_id
            for e in self.events
        )
        return 0 if answered else self._counts[(item.sender, item.kind, item.member_id)] - 1

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{len(self.items) + 1}"

    def send_inmail(
        self, sender: str, recipient: str, subject: str, body: str, at: datetime, key: str | None = None
    ) -> Item:
        self.tick(at)
        account = self.account(sender)
        member = self.find(recipient)
        if (done := self._replay(sender, key)) is not None:
            return done
        limits = account.limits
        if length(subject) > limits.inmail_subject:
            raise Refusal(
                422,
                "SUBJECT_TOO_LONG",
                f"InMail subject is {length(subject)} characters; the limit is {limits.inmail_subject}",
            )
        if length(body) > limits.inmail_body:
            raise Refusal(
                422,
                "BODY_TOO_LONG",
                f"InMail body is {length(body)} characters; the limit is {limits.inmail_body}",
            )
        if not member.inmail_enabled:
            raise Refusal(403, "INMAIL_NOT_ACCEPTED", f"{member.full_name} does not accept InMail")
        item = Item(self._new_id("inm"), "inmail", sender, member.id, at, subject, body)
        month = at - timedelta(days=30)
        free = (
            member.open_profile
            and account.premium
            and (sum(1 for t in account.open_profile_inmails if t > month) < limits.open_profile_per_month)
        )
        if free:
            account.open_profile_inmails.append(at)
            item.open_profile = True
        elif not account.ledger.spend(at, item.id):
            raise Refusal(402, "OUT_OF_CREDITS", f"{sender} has no InMail credits left")
        else:
            item.credit_spent = True
        message = responses.Message("inmail", body, subject, self.degree(member, sender), item.open_profile)
        return self._deliver(item, key, message)

    def send_invitation(
        self, sender: str, recipient: str, note: str, at: datetime, key: str | None = None
    ) -> Item:
        self.tick(at)
        account = self.account(sender)
        member = self.find(recipient)
        if (done := self._replay(sender, key)) is not None:
            return done
        limits = account.limits
        note_limit = limits.note_premium if account.premium else limits.note_free
        if length(note) > note_limit:
            raise Refusal(
                422,
                "NOTE_TOO_LONG",
                f"the note is {length(note)} characters; the limit is {note_limit} on this account",
            )
        if self.degree(member, sender) == 1:
            raise Refusal(409, "ALREADY_CONNECTED", f"{member.full_name} is already a connection")
        if member.id in account.pending:
            raise Refusal(409, "INVITATION_PENDING", f"an invitation to {member.full_name} is pending")
        last = account.withdrawn.get(member.id)
        wait = timedelta(days=limits.reinvite_after_withdrawal_days)
        if last is not None and at - last < wait:
            raise Refusal(
                409,
                "WITHDRAWN_RECENTLY",
                f"an invitation to {member.full_name} was withdrawn on {last.date()}; "
                f"invite again after {(last + wait).date()}",
            )
        week = at - timedelta(days=7)
        if sum(1 for t in account.invitations if t > week) >= limits.weekly_invitations:
            raise Refusal(
                429,
                "CUSTOM_INVITE_LIMIT_REACHED",
                f"{limits.weekly_invitations} invitations in the last 7 days",
            )
        if note.strip() and not account.premium:
            month = at - timedelta(days=30)
            if sum(1 for t in account.notes if t > month) >= limits.free_notes_per_month:
                raise Refusal(
                    429,
                    "NOTE_LIMIT_REACHED",
                    f"free accounts get {limits.free_notes_per_month} personalised notes a month",
                )
        account.invitations.append(at)
        if note.strip():
            account.notes.append(at)
        item = Item(self._new_id("inv"), "invitation", sender, member.id, at, "", note)
        account.pending[member.id] = item.id
        return self._deliver(
            item, key, responses.Message("invitation", note, "", self.degree(member, sender))
        )

    def withdraw(self, sender: str, recipient: str, at: datetime, key: str | None = None) -> Item:
        """Withdraw the pending invitation to ``recipient``; it can be re-sent only weeks later."""
        self.tick(at)
        account = self.account(sender)
        member = self.find(recipient)
        if (done := self._replay(sender, key)) is not None:
            return done
        invitation_id = account.pending.pop(member.id, None)
        if invitation_id is None:
            raise Refusal(404, "NO_PENDING_INVITATION", f"no pending invitation to {member.full_name}")
        self.items[invitation_id].withdrawn = True
        account.withdrawn[member.id] = at
        return self._deliver(Item(self._new_id("wdr"), "withdrawal", sender, member.id, at), key, None)

    def send_message(
        self, sender: str, recipient: str, body: str, at: datetime, key: str | None = None
    ) -> Item:
        self.tick(at)
        account = self.account(sender)
        member = self.find(recipient)
        if (done := self._replay(sender, key)) is not None:
            return done
        if length(body) > account.limits.message_body:
            raise Refusal(
                422,
                "BODY_TOO_LONG",
                f"the message is {length(body)} characters; the limit is {account.limits.message_body}",
            )
        if self.degree(member, sender) != 1:
            raise Refusal(
                403, "NOT_CONNECTED", f"{member.full_name} is not a 1st-degree connection of {sender}"
            )
        item = Item(self._new_id("msg"), "message", sender, member.id, at, "", body)
        return self._deliver(item, key, responses.Message("message", body, "", 1))

    def visit(self, sender: str, recipient: str, at: datetime, key: str | None = None) -> Item:
        self.tick(at)
        account = self.account(sender)
        member = self.find(recipient)
        if (done := self._replay(sender, key)) is not None:
            return done
        day = at - timedelta(days=1)
        if sum(1 for t in account.visits if t > day) >= account.limits.profile_visits_per_day:
            raise Refusal(
                429,
                "VISIT_LIMIT_REACHED",
                f"{account.limits.profile_visits_per_day} profile visits in the last 24 hours",
            )
        account.visits.append(at)
        return self._deliver(Item(self._new_id("vis"), "visit", sender, member.id, at), key, None)

    # -- time --------------------------------------------------------------------------------
    def tick(self, at: datetime) -> None:
        """Let every reaction due by ``at`` happen, in time order, with its effects."""
        while self._future and self._future[0].at <= at:
            event = heapq.heappop(self._future)
            account = self.accounts.get(event.sender)
            item = self.items.get(event.item_id)
            if item is not None and item.withdrawn:
                continue  # a withdrawn invitation can no longer be answered
            if account is not None and item is not None:
                if event.kind == "accepted":
                    account.connected.add(event.member_id)
                    account.pending.pop(event.member_id, None)
                elif event.kind == "declined" and item.kind == "invitation":
                    account.pending.pop(event.member_id, None)
                if (
                    item.kind == "inmail"
                    and item.credit_spent
                    and event.kind in ("reply", "declined", "accepted")
                ):
                    account.ledger.respond(event.at, item.id)
            self.events.append(event)
        for account in self.accounts.values():
            account.ledger.advance(at)

    def events_for(self, sender: str | None, since: datetime | None, at: datetime) -> list[Event]:
        """Events that happened after ``since`` and by ``at``, oldest first."""
        self.tick(at)
        return [
            e
            for e in self.events
            if (sender is None or e.sender == sender) and (since is None or e.at > since) and e.at <= at
        ]

    def event_dict(self, event: Event) -> dict[str, Any]:
        member = self.members[event.member_id]
        return {
            "id": f"evt-{event.seq}",
            "kind": event.kind,
            "at": event.at.isoformat(),
            "sender": event.sender,
            "member_id": member.id,
            "profile_url": member.profile_url,
            "name": member.full_name,
            "in_reply_to": event.item_id,
            "item_kind": self.items[event.item_id].kind if event.item_id in self.items else None,
            "text": event.text,
            "sentiment": event.sentiment,
            "language": member.language,
            "until": event.until.isoformat() if event.until else None,
        }
