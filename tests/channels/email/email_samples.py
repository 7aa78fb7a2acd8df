"""Raw incoming mails for the email tests: replies, auto-replies, DSNs, our own copies."""

from __future__ import annotations


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def reply(
    to_id: str,
    *,
    frm: str = "Bob Lead <bob@lead.test>",
    subject: str = "Re: Quick question about Acme",
    body: str = "Sounds good, let's talk on Tuesday.",
    mid: str = "<r1@lead.test>",
    refs: bool = True,
) -> bytes:
    thread = f"In-Reply-To: {to_id}\nReferences: {to_id}\n" if refs else ""
    return crlf(
        f"From: {frm}\nTo: alice@sender.test\nSubject: {subject}\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n"
        f"Message-ID: {mid}\n{thread}Content-Type: text/plain; charset=utf-8\n\n{body}\n\n"
        f"On Mon, 23 Nov 2026 Alice wrote:\n> Hi Bob, worth a chat?\n"
    )  # fmt: skip


def out_of_office(
    to_id: str,
    *,
    frm: str = "dana@lead.test",
    mid: str = "<ooo1@lead.test>",
    subject: str = "Automatic reply: Quick question about Acme",
    body: str = "I am out of the office until 2 December 2026 with limited access to email.",
    headers: str = "Auto-Submitted: auto-replied\n",
) -> bytes:
    return crlf(
        f"From: {frm}\nTo: alice@sender.test\nSubject: {subject}\nDate: Tue, 24 Nov 2026 10:01:00 +0000\n"
        f"Message-ID: {mid}\nIn-Reply-To: {to_id}\n{headers}Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )  # fmt: skip


def dsn(original_id: str, rcpt: str, status: str, *, mid: str = "<dsn1@mx.sender.test>") -> bytes:
    action = "failed" if status.startswith("5") else "delayed"
    return crlf(
        "From: Mail Delivery System <MAILER-DAEMON@mx.sender.test>\nTo: alice@sender.test\n"
        "Subject: Undelivered Mail Returned to Sender\nDate: Tue, 24 Nov 2026 10:02:00 +0000\n"
        f"Message-ID: {mid}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\n\n'
        "--BOUND\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
        "--BOUND\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.sender.test\n\n"
        f"Final-Recipient: rfc822; {rcpt}\nAction: {action}\nStatus: {status}\n"
        "Diagnostic-Code: smtp; 550 no such user\n\n"
        "--BOUND\nContent-Type: text/rfc822-headers\n\n"
        f"From: alice@sender.test\nTo: {rcpt}\nSubject: Quick question about Acme\nMessage-ID: {original_id}\n\n"
        "--BOUND--\n"
    )


def own_copy(mid: str = "<own1@sender.test>") -> bytes:
    return crlf(
        "From: Alice Sender <alice@sender.test>\nTo: bob@lead.test\nSubject: Quick question about Acme\n"
        f"Date: Tue, 24 Nov 2026 09:00:00 +0000\nMessage-ID: {mid}\nX-Reachout-Key: c1:intro:0\n\nHi Bob\n"
    )
