"""Signed unsubscribe tokens: ``<payload>.<signature>``, both base64url, HMAC-SHA256.

The payload names the lead, the sender account and the address, so an unsubscribe works even
when the lead row was deleted. Tokens do not expire: an unsubscribe link must keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from reachout.errors import ValidationError

PURPOSE = "unsubscribe-v1"
_SIG_BYTES = 16


@dataclass(frozen=True)
class UnsubscribeToken:
    lead_id: int | None
    sender: str
    email: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(lead_id: int | None, sender: str, *, secret: bytes, email: str | None = None) -> str:
    payload = json.dumps({"l": lead_id, "s": sender, "e": email}, separators=(",", ":"), sort_keys=True)
    body = _b64(payload.encode("utf-8"))
    sig = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:_SIG_BYTES]
    return f"{body}.{_b64(sig)}"


def verify_token(token: str, *, secret: bytes) -> UnsubscribeToken:
    """The token's content; ValidationError when it was altered or is not a token at all."""
    invalid = ValidationError("invalid unsubscribe token", hint="copy the whole link from the email")
    body, _, sig = token.strip().partition(".")
    if not body or not sig:
        raise invalid
    expected = hmac.new(secret, body.encode("ascii", "replace"), hashlib.sha256).digest()[:_SIG_BYTES]
    try:
        given = _unb64(sig)
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not hmac.compare_digest(expected, given) or not isinstance(data, dict):
        raise invalid
    lead = data.get("l")
    return UnsubscribeToken(
        lead_id=int(lead) if isinstance(lead, int) else None,
        sender=str(data.get("s", "")),
        email=data.get("e"),
    )


def token_secret(home: Path) -> bytes:
    from reachout.channels.email.keyfile import signing_key

    return signing_key(home, PURPOSE)
