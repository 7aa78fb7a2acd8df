"""Pure suppression rules: recognise what a value is and put it in its one canonical form.

An entry is an email address, a whole domain (which covers its subdomains) or a LinkedIn
profile URL. The same normalisation is applied when storing and when checking, so
``Alice@Example.COM`` and ``alice@example.com`` are one entry.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import unquote, urlsplit


class Kind(StrEnum):
    EMAIL = "email"
    DOMAIN = "domain"
    PROFILE_URL = "profile_url"


_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


class InvalidValue(ValueError):
    """The value is neither an email address, a domain nor a LinkedIn profile URL."""


def normalise_email(value: str) -> str:
    text = value.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.split("?", 1)[0].strip().lower()
    if not _EMAIL_RE.match(text) or not _DOMAIN_RE.match(text.rsplit("@", 1)[1]):
        raise InvalidValue(f"not an email address: {value!r}")
    return text


def normalise_domain(value: str) -> str:
    text = value.strip().lower().lstrip("@").rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    if not _DOMAIN_RE.match(text):
        raise InvalidValue(f"not a domain: {value!r}")
    return text


def normalise_profile_url(value: str) -> str:
    """``https://www.linkedin.com/in/<slug>`` with the slug lower-cased (LinkedIn ignores case)."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().split(":", 1)[0]
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise InvalidValue(f"not a LinkedIn profile URL: {value!r}")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise InvalidValue(f"not a LinkedIn profile URL (expected /in/<name>): {value!r}")
    slug = unquote(segments[1]).strip().lower()
    if not slug:
        raise InvalidValue(f"not a LinkedIn profile URL: {value!r}")
    return f"https://www.linkedin.com/in/{slug}"


def detect(value: str) -> tuple[Kind, str]:
    """The kind of ``value`` and its canonical form; raises InvalidValue when it is none of them."""
    text = value.strip()
    lowered = text.lower()
    if "linkedin.com/" in lowered:
        return Kind.PROFILE_URL, normalise_profile_url(text)
    if "@" in text.lstrip("@"):
        return Kind.EMAIL, normalise_email(text)
    if lowered.startswith(("http://", "https://")):
        host = urlsplit(text).netloc.split(":", 1)[0]
        return Kind.DOMAIN, normalise_domain(host)
    return Kind.DOMAIN, normalise_domain(text)


def normalise(kind: Kind, value: str) -> str:
    if kind is Kind.EMAIL:
        return normalise_email(value)
    if kind is Kind.DOMAIN:
        return normalise_domain(value)
    return normalise_profile_url(value)


def domains_covering(email: str) -> list[str]:
    """The domain entries that would cover ``email``: its domain and each parent domain.

    ``a@eu.mail.example.com`` is covered by ``eu.mail.example.com``, ``mail.example.com`` and
    ``example.com`` (never by a bare top-level domain).
    """
    domain = email.rsplit("@", 1)[-1]
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def parse_lines(text: str) -> list[str]:
    """Candidate values from a suppression file: plain lines or CSV (every cell is a candidate).

    Blank lines and ``#`` comments are skipped; header cells that are not values are dropped
    later because they fail to normalise.
    """
    values: list[str] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        for cell in re.split(r"[,;\t]", line):
            cell = cell.strip().strip('"').strip("'").strip()
            if cell:
                values.append(cell)
    return values
