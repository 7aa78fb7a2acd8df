"""Read the send ledger, the inbox, the holds and the credit ledger into one campaign report.

Only reads: the report is computed from the ledgers (sends, inbox items, credit entries), never
from counters. Times are shown in the recipient's local time when the lead has a time zone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.analytics.html import Chart, Section, Table
from reachout.analytics.rules import OutcomeRow, Report, SendRow, summarize

DELIVERED = ("sent", "queued")
# Housekeeping actions reach nobody's inbox: they are counted, not rated.
NOT_MESSAGES = frozenset({"withdraw_invitation"})


@dataclass
class CampaignReport:
    """Everything the report shows: rates, credits per sender, hold reasons, send statuses."""

    report: Report
    credits: dict[str, dict[str, Any]] = field(default_factory=dict)
    holds: list[tuple[str, int]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)
    inbox_classes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.report.as_dict(),
            "credits": self.credits,
            "top_holds": [{"reason": r, "count": n} for r, n in self.holds],
            "send_statuses": self.statuses,
            "finished": self.finished,
            "inbox_classes": self.inbox_classes,
        }


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def hold_family(reason: str) -> str:
    """Group hold explanations by their rule: the words before the first ':' or number.

    "invitations: 100 sent in the last 7 days for sender alice" and "out of office until
    2026-03-10" group as "invitations" and "out of office until".
    """
    head = re.split(r"[:(]|\d", reason, maxsplit=1)[0].strip(" ,;-")
    head = head or reason.strip()
    return head if len(head) <= 60 else head[:57] + "..."


def build(session: Session, *, campaign: str | None = None, at: datetime) -> CampaignReport:
    """The report for one campaign (by name), or for every campaign when ``campaign`` is None."""
    from reachout.credits import service as credits_service
    from reachout.engine.models import Campaign, EngineHold, Enrollment, Send
    from reachout.inbox.models import InboxItem
    from reachout.leads.models import Lead
    from reachout.senders.models import Sender

    campaigns = {c.id: c.name for c in session.scalars(select(Campaign))}
    wanted = {cid for cid, name in campaigns.items() if campaign is None or name == campaign}
    senders = {s.id: s for s in session.scalars(select(Sender))}
    zones = {lid: _zone(tz) for lid, tz in session.execute(select(Lead.id, Lead.timezone))}

    rows: list[SendRow] = []
    statuses: Counter[str] = Counter()
    keys: dict[int, str] = {}
    for send in session.scalars(select(Send).where(Send.campaign_id.in_(wanted)).order_by(Send.id)):
        if send.action_type in NOT_MESSAGES:
            statuses[send.action_type] += 1
            continue
        statuses[send.status] += 1
        if send.status not in DELIVERED or send.sent_at is None:
            continue
        keys[send.id] = send.key
        zone = zones.get(send.lead_id)
        local = send.sent_at.astimezone(zone) if zone else send.sent_at
        credit = "open_profile" if send.open_profile else ("paid" if send.credit_spent else None)
        if send.action_type != "inmail":
            credit = None
        sender = senders.get(send.sender_id or -1)
        rows.append(
            SendRow(
                key=send.key,
                lead_id=send.lead_id,
                campaign=campaigns.get(send.campaign_id or -1, "?"),
                step=send.step_id or "?",
                variant=send.variant or "-",
                channel=send.action_type,
                sender=sender.name if sender else "?",
                at=local,
                credit=credit,
            )
        )
    outcomes: list[OutcomeRow] = []
    classes: Counter[str] = Counter()
    for item in session.scalars(select(InboxItem)):
        if item.campaign_id is not None and item.campaign_id not in wanted:
            continue
        classes[item.reply_class] += 1
        if item.send_id in keys:
            outcomes.append(OutcomeRow(keys[item.send_id], item.kind, item.received_at))

    holds: Counter[str] = Counter()
    enrollment_ids = select(Enrollment.id).where(Enrollment.campaign_id.in_(wanted))
    for reason in session.scalars(
        select(EngineHold.reason).where(EngineHold.enrollment_id.in_(enrollment_ids))
    ):
        holds[hold_family(reason)] += 1
    finished: Counter[str] = Counter(
        r or "?"
        for r in session.scalars(
            select(Enrollment.finished_reason).where(
                Enrollment.campaign_id.in_(wanted), Enrollment.status == "finished"
            )
        )
    )
    credits = {
        s.name: credits_service.snapshot(session, s.id, at)
        for s in senders.values()
        if s.channel == "linkedin" and s.plan
    }
    report = summarize(rows, outcomes)
    if campaign is not None:  # one campaign: its name in every label is noise
        prefix = f"{campaign}/"
        report.by_step = {k.removeprefix(prefix): v for k, v in report.by_step.items()}
        report.by_variant = {k.removeprefix(prefix): v for k, v in report.by_variant.items()}
    return CampaignReport(
        report=report,
        credits=credits,
        holds=holds.most_common(8),
        statuses=dict(statuses),
        finished=dict(finished),
        inbox_classes=dict(classes),
    )


def _rates(table: dict[str, Any], key: str) -> dict[str, float | None]:
    return {label: tally.as_dict()[key] for label, tally in table.items()}


def _tally_rows(table: dict[str, Any]) -> list[list[object]]:
    out: list[list[object]] = []
    for label, tally in table.items():
        d = tally.as_dict()
        acc = d["acceptance_rate"]
        out.append(
            [
                label,
                d["sent"],
                d["accepted"] if tally.invitations else "",
                "" if acc is None else f"{acc:.1%}",
                d["replied"],
                "" if d["reply_rate"] is None else f"{d['reply_rate']:.1%}",
            ]
        )
    return out


COLUMNS = ("", "sent", "accepted", "acceptance", "replied", "reply rate")


def sections(result: CampaignReport) -> list[Section]:
    """The report as HTML sections: rates per step, variant, weekday and hour; credits; holds."""
    r = result.report
    credit_rows = [
        [
            name,
            snap.get("plan"),
            snap.get("balance"),
            snap.get("spent"),
            snap.get("refunded"),
            snap.get("open_profile_sent"),
            snap.get("expiring_within_30_days"),
            snap.get("expired"),
            snap.get("forfeited"),
        ]
        for name, snap in result.credits.items()
    ]
    return [
        Section(
            "Sends and answers by channel",
            f"{r.total.sent} messages delivered; reply rate {_pct(r.total.reply_rate)}.",
            [Chart("Reply rate by channel", {"reply": _rates(r.by_channel, "reply_rate")})],
            [Table("By channel", COLUMNS, _tally_rows(r.by_channel))],
        ),
        Section(
            "By step and variant",
            "",
            [
                Chart("Reply rate by step", {"reply": _rates(r.by_step, "reply_rate")}),
                Chart("Reply rate by variant", {"reply": _rates(r.by_variant, "reply_rate")}),
            ],
            [
                Table("By step", COLUMNS, _tally_rows(r.by_step)),
                Table("By variant", COLUMNS, _tally_rows(r.by_variant)),
            ],
        ),
        Section(
            "When: the recipient's weekday and hour",
            "",
            [
                Chart(
                    "Rates by weekday",
                    {
                        "reply": _rates(r.by_weekday, "reply_rate"),
                        "acceptance": _rates(r.by_weekday, "acceptance_rate"),
                    },
                ),
                Chart("Reply rate by local hour", {"reply": _rates(r.by_hour, "reply_rate")}),
            ],
            [Table("By weekday", COLUMNS, _tally_rows(r.by_weekday))],
        ),
        Section(
            "InMail credits",
            "Balances from the append-only credit ledger.",
            [],
            [
                Table(
                    "Per sender",
                    (
                        "sender",
                        "plan",
                        "balance",
                        "spent",
                        "refunded",
                        "free (Open Profile)",
                        "expiring in 30 days",
                        "expired",
                        "forfeited",
                    ),
                    credit_rows,
                )
            ],
        ),
        Section(
            "What held the engine",
            "The latest hold per enrollment, grouped by rule.",
            [Chart("Top hold reasons", {"holds": {k: float(v) for k, v in result.holds}}, percent=False)],
            [
                Table("Holds", ("rule", "enrollments"), [[k, v] for k, v in result.holds]),
                Table("Finished", ("reason", "leads"), sorted(result.finished.items())),
            ],
        ),
    ]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
