"""Pure normalisation rules for leads: URLs, names, emails, booleans, degrees, domains.

No I/O and no clock: the importer and the service call these on plain strings. Location to
country/time zone lives in ``geo.py`` and header synonyms in ``headers.py`` (both pure too).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_LINKEDIN_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*linkedin\.com$")
_SALESNAV_PATH = re.compile(r"/sales/(?:lead|people)/([^,/?#;\s]+)", re.IGNORECASE)
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")

CANONICAL_PREFIX = "https://www.linkedin.com/in/"
_DEGREES = {"1st": 1, "2nd": 2, "3rd": 3, "3rd+": 3, "1": 1, "2": 2, "3": 3}

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "on", "x", "oui", "ja", "si", "sí"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "off", "non", "nein"})

# Post-nominal credentials and honorifics stripped from name fields (compared without dots).
CREDENTIALS = frozenset(
    [
        "mba",
        "phd",
        "dphil",
        "cpa",
        "pmp",
        "cfa",
        "md",
        "do",
        "jd",
        "llm",
        "llb",
        "msc",
        "ms",
        "ma",
        "bsc",
        "bs",
        "ba",
        "beng",
        "meng",
        "ceng",
        "peng",
        "pe",
        "cissp",
        "cism",
        "cisa",
        "rn",
        "np",
        "pa",
        "cfp",
        "chfc",
        "clu",
        "shrm",
        "shrmcp",
        "shrmscp",
        "sphr",
        "phr",
        "csm",
        "cspo",
        "psm",
        "safe",
        "acca",
        "ca",
        "fca",
        "cima",
        "cgma",
        "mrics",
        "frics",
        "dds",
        "dmd",
        "dvm",
        "psyd",
        "edd",
        "dba",
        "mph",
        "mpa",
        "msw",
        "lcsw",
        "esq",
        "cpc",
        "pcc",
        "mcc",
        "icf",
        "frsa",
        "fcipd",
        "mcipd",
        "chrp",
        "cdp",
        "itil",
        "aws",
        "mcse",
        "ccna",
        "ccnp",
        "ccie",
        "sixsigma",
        "lssbb",
        "cscp",
        "cpim",
        "cips",
        "mcips",
        "facs",
        "facp",
        "frcp",
        "mrcp",
        "frcs",
        "bcom",
        "mcom",
        "mfa",
        "mres",
        "mphil",
        "fhea",
        "cmgr",
    ]
)
HONORIFICS = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "ing"})
NAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "di",
        "du",
        "del",
        "della",
        "la",
        "le",
        "dos",
        "das",
        "bin",
        "al",
        "ten",
        "ter",
        "st",
        "st.",
    }
)
_PRONOUNS = re.compile(
    r"\(\s*(?:she|he|they|her|him|them|his|hers|theirs|ze|xe)(?:\s*/\s*[a-z]+)*\s*\)", re.IGNORECASE
)
_EXTRA_SYMBOLS = frozenset({0xFE0E, 0xFE0F, 0x20E3, 0x200D, 0x200B})


def clean_text(value: str | None) -> str | None:
    """Trimmed text with inner runs of spaces kept; empty or whitespace-only becomes None."""
    if value is None:
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _is_symbol(ch: str) -> bool:
    code = ord(ch)
    if code in _EXTRA_SYMBOLS or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True
    cat = unicodedata.category(ch)
    return cat in ("So", "Cs", "Co", "Cf", "Cc")


def strip_emoji(value: str) -> str:
    """Remove emoji, pictographs and invisible format characters."""
    return "".join(" " if _is_symbol(ch) else ch for ch in value)


def _bare(token: str) -> str:
    return re.sub(r"[.\-_'’()]", "", token).casefold()


def _is_credential(token: str) -> bool:
    bare = _bare(token)
    return bool(bare) and bare in CREDENTIALS


def _is_abbreviation(token: str) -> bool:
    letters = re.sub(r"[.\-()]", "", token)
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()


@lru_cache(maxsize=1 << 16)
def clean_name(value: str | None) -> str | None:
    """A person's name without emoji, pronouns, honorifics or credentials.

    ``"Jane Doe, PhD 🚀"`` -> ``"Jane Doe"``; ``"Dr. John Smith MBA"`` -> ``"John Smith"``.
    """
    if value is None:
        return None
    if value.isascii():
        text = "".join(ch if " " <= ch <= "~" else " " for ch in value)
    else:
        text = unicodedata.normalize("NFC", strip_emoji(value))
    if "(" in text:
        text = _PRONOUNS.sub(" ", text)
    parts = [p.strip() for p in text.split(",")]
    kept = [parts[0]]
    for part in parts[1:]:
        tokens = part.split()
        if tokens and all(_is_credential(t) or _is_abbreviation(t) for t in tokens):
            continue
        if part:
            kept.append(part)
    tokens = " ".join(kept).split()
    while tokens and _bare(tokens[0]) in HONORIFICS and len(tokens) > 1:
        tokens.pop(0)
    while len(tokens) > 1 and _is_credential(tokens[-1]):
        tokens.pop()
    name = " ".join(tokens).strip(" |-–—•·:;/\\*_~.")
    return name or None


def split_full_name(value: str | None) -> tuple[str | None, str | None]:
    """First and last name from a full name; particles (van, de, ...) stay with the last name."""
    name = clean_name(value)
    if not name:
        return None, None
    if "," in name:
        # "Doe, Jane" (family name first) is the only comma left after clean_name.
        last, _, first = name.partition(",")
        return (first.strip() or None), (last.strip() or None)
    tokens = name.split()
    if len(tokens) == 1:
        return tokens[0], None
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in NAME_PARTICLES:
        start -= 1
    return " ".join(tokens[:start]), " ".join(tokens[start:])


def _split_url(value: str) -> tuple[str, str] | None:
    text = value.strip().strip("<>\"'")
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").casefold()
    except ValueError:
        return None
    return host, parts.path


_FAST_PROFILE = re.compile(
    r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/in/([A-Za-z0-9\-_%]+)/?(?:[?#].*)?$", re.IGNORECASE
)


def canonical_profile_url(value: str | None) -> str | None:
    """``https://www.linkedin.com/in/<slug>`` from any variant of a public profile URL, else None.

    Accepts http, country subdomains (``uk.linkedin.com``), no scheme, trailing slashes, query
    strings and fragments, percent-encoded slugs (decoded); the slug is lower-cased because
    LinkedIn compares it case-insensitively.
    """
    if not value:
        return None
    fast = _FAST_PROFILE.match(value)
    if fast is not None:
        slug = fast.group(1)
        if "%" not in slug:
            return CANONICAL_PREFIX + slug.lower() if len(slug) <= 200 else None
        return _canonical_slug(slug)
    split = _split_url(value)
    if split is None:
        return None
    host, path = split
    if not _LINKEDIN_HOST.match(host):
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or segments[0].casefold() not in ("in", "pub"):
        return None
    return _canonical_slug(segments[1])


def _canonical_slug(raw: str) -> str | None:
    try:
        slug = unquote(raw, errors="strict").strip()
    except UnicodeDecodeError:
        return None
    slug = unicodedata.normalize("NFC", slug).casefold()
    if not slug or any(ch.isspace() or ch in "/?#,;" for ch in slug) or len(slug) > 200:
        return None
    return CANONICAL_PREFIX + slug


def salesnav_lead_id(value: str | None) -> str | None:
    """The lead id of a Sales Navigator URL (``/sales/lead/<ID>,...`` or ``/sales/people/<ID>,...``)."""
    if not value:
        return None
    match = _SALESNAV_PATH.search(value)
    if not match:
        return None
    lead_id = match.group(1)
    if "%" in lead_id:
        lead_id = unquote(lead_id).strip()
    return lead_id or None


def normalize_email(value: str | None) -> str | None:
    """Lower-cased, trimmed email (``mailto:`` and angle brackets removed) or None when empty."""
    if value is None:
        return None
    text = value.strip().strip("<>").strip()
    if text.casefold().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").strip().casefold()
    return text or None


def is_valid_email(value: str) -> bool:
    """Syntax check of a normalised address (one @, dotted domain, no spaces)."""
    return len(value) <= 320 and bool(_EMAIL.match(value))


@lru_cache(maxsize=1 << 14)
def domain_from_website(value: str | None) -> str | None:
    """``acme.com`` from ``https://www.Acme.com/about``, ``acme.com`` or ``www.acme.com:443``."""
    if not value:
        return None
    text = value.strip()
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    split = _split_url(text)
    if split is None:
        return None
    host = split[0].strip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    return host if _DOMAIN.match(host) else None


def parse_bool(value: str | None) -> bool | None:
    """TRUE/FALSE, Yes/No, 1/0, true/false (any case); empty or unknown -> None."""
    if value is None:
        return None
    text = value.strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def parse_degree(value: str | None) -> int | None:
    """Connection degree 1, 2 or 3 from ``1st``/``2nd``/``3rd+``/``3``; anything else None."""
    if value is None:
        return None
    known = _DEGREES.get(value)
    if known is not None:
        return known
    match = re.match(r"^\s*([123])\s*(?:st|nd|rd|th)?\s*\+?\s*(?:degree)?\s*$", value.casefold())
    return int(match.group(1)) if match else None


def slug_key(header: str) -> str:
    """A snake_case key for a custom field from a column header (``"Connected On"`` -> ``connected_on``)."""
    text = unicodedata.normalize("NFKC", header).strip().casefold()
    text = re.sub(r"[^\w]+", "_", text).strip("_")
    return text or "column"


def is_timezone_name(value: str, known: frozenset[str]) -> bool:
    """Whether ``value`` is one of the ``known`` IANA zone names (the caller supplies the set)."""
    return value in known


def merge_values(
    current: Mapping[str, object], incoming: Mapping[str, object], *, overwrite: bool
) -> dict[str, object]:
    """The changes ``incoming`` brings to ``current``: empty fields are filled; a conflicting
    non-empty value replaces the current one only with ``overwrite``."""
    changes: dict[str, object] = {}
    for key, value in incoming.items():
        if value is None or value == "":
            continue
        have = current.get(key)
        if have is None or have == "" or (overwrite and have != value):
            changes[key] = value
    return changes
