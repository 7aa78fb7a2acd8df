"""The table of column-header synonyms: which input column feeds which lead field. Pure.

Headers are compared case-, space-, underscore- and punctuation-insensitively (``header_key``),
so "First Name", "firstName" and "first_name" are one header.
"""

from __future__ import annotations

import re
import unicodedata

# Pseudo-fields the importer understands besides Lead columns.
FULL_NAME = "full_name"
WEBSITE = "company_website"
CONNECTED_ON = "connected_on"
CUSTOM = "custom_fields"
TAGS = "tags"
LISTS = "lists"

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first", "given name", "forename", "prenom", "prénom"),
    "last_name": ("last name", "lastname", "last", "surname", "family name", "nom"),
    FULL_NAME: ("full name", "name", "lead name", "contact name", "person name", "contact"),
    "profile_url": (
        "linkedin url",
        "profile url",
        "public linkedin url",
        "linkedin profile url",
        "linkedin profile",
        "linkedin",
        "public profile url",
        "url",
        "profile link",
        "linkedin link",
        "public url",
        "default profile url",
        "person linkedin url",
        "linkedin public url",
        "li url",
        "profile",
    ),
    "salesnav_url": (
        "sales navigator url",
        "sales nav url",
        "salesnav url",
        "lead url",
        "sales navigator profile url",
        "sales navigator lead url",
        "sales navigator link",
        "navigator url",
        "sales nav link",
        "linkedin sales navigator url",
        "sn url",
    ),
    "salesnav_id": (
        "sales navigator id",
        "salesnav id",
        "sales nav id",
        "lead id",
        "sales navigator lead id",
    ),
    "title": (
        "job title",
        "title",
        "current title",
        "position",
        "current position",
        "role",
        "current job title",
        "job",
        "current role",
    ),
    "headline": ("headline", "occupation", "tagline", "profile headline"),
    "company": (
        "company",
        "company name",
        "current company",
        "organization",
        "organisation",
        "employer",
        "account",
        "account name",
        "current company name",
        "company name for emails",
    ),
    WEBSITE: (
        "company website",
        "website",
        "company url",
        "company domain",
        "domain",
        "company website url",
        "company site",
        "web site",
        "company web site",
    ),
    "location": ("location", "geography", "person location", "lead location", "geo", "city"),
    "country": ("country", "country code"),
    "timezone": ("timezone", "time zone", "tz"),
    "industry": ("industry", "company industry", "sector"),
    "open_profile": ("open profile", "is open profile", "open link", "is open link", "openprofile", "open"),
    "premium": (
        "premium",
        "is premium",
        "premium account",
        "is premium account",
        "premium member",
        "is premium member",
    ),
    "email": (
        "email",
        "work email",
        "email address",
        "business email",
        "professional email",
        "e-mail",
        "mail",
        "email 1",
        "primary email",
        "work email address",
    ),
    "email_status": ("email status", "email verification", "email verification status", "email validity"),
    "degree": ("connection degree", "degree", "connection", "network distance", "connection level"),
    "summary": ("summary", "about", "bio", "description", "profile summary", "about me"),
    "experience": ("experience", "work experience", "positions", "employment history"),
    "skills": ("skills", "top skills"),
    "education": ("education", "school", "schools", "university"),
    "recent_post": ("recent post", "last post", "latest post", "recent activity", "recent post text", "post"),
    "language": ("language", "profile language"),
    CONNECTED_ON: ("connected on", "connected", "connection date"),
    CUSTOM: ("custom fields", "custom_fields"),
    TAGS: ("tags", "tag", "labels"),
    LISTS: ("lists", "lead lists"),
}


def header_key(header: str) -> str:
    """The comparison key of a header: case-folded letters and digits only."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").casefold()
    return re.sub(r"[^0-9a-zà-ÿ]", "", text)


SYNONYMS: dict[str, str] = {header_key(s): f for f, names in _SYNONYMS.items() for s in names}
FIELDS: frozenset[str] = frozenset(_SYNONYMS)
# Headers that mark a file as a Sales Navigator export rather than a generic CSV.
SALESNAV_MARKERS: frozenset[str] = frozenset({"salesnav_url", "salesnav_id", "open_profile", "premium"})
CONNECTIONS_HEADER = ("firstname", "lastname", "url", "emailaddress", "company", "position", "connectedon")
