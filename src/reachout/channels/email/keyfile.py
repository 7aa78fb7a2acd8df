"""The home's secret key: encrypts mailbox passwords at rest and signs unsubscribe tokens.

``<home>/secret.key`` is created on first use with mode 0600. Losing it makes stored passwords
unreadable (re-add the mailboxes) and invalidates unsubscribe links already sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from reachout.errors import ValidationError

KEY_FILE = "secret.key"


def key_path(home: Path) -> Path:
    return home / KEY_FILE


def load_key(home: Path) -> bytes:
    """The Fernet key of ``home``, created (0600) when missing."""
    path = key_path(home)
    if path.exists():
        return path.read_bytes().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes racing to create it keep the first one's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def encrypt(home: Path, plaintext: str) -> str:
    return Fernet(load_key(home)).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(home: Path, token: str) -> str:
    try:
        return Fernet(load_key(home)).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValidationError(
            "cannot decrypt the stored mailbox password with this home's secret.key",
            hint="the key changed or was lost: run `reachout senders add-mailbox` again",
        ) from exc


def signing_key(home: Path, purpose: str) -> bytes:
    """A key derived from the home secret for one purpose (never the Fernet key itself)."""
    return hmac.new(load_key(home), purpose.encode("utf-8"), hashlib.sha256).digest()
