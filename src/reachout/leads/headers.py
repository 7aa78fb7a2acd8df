"""Column headers to lead fields by a table of synonyms, and one row to a normalised record. Pure.

Headers are compared case-, space-, underscore- and punctuation-insensitively, so "First Name",
"firstName" and "first_name" are one header. Columns that match no field are kept as custom
fields under a snake_case key, so nothing in the input is dropped.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reachout.leads import rules
from reachout.leads.geo import guess_location
from reachout.leads.synonyms import (
    CONNECTED_ON,
    CONNECTIONS_HEADER,
    CUSTOM,
    FIELDS,
    FULL_NAME,
    LISTS,
    SALESNAV_MARKERS,
    SYNONYMS,
    TAGS,
    WEBSITE,
    header_key,
)

__all__ = [
    "CONNECTIONS_HEADER",
    "FIELDS",
    "SALESNAV_MARKERS",
    "HeaderMap",
    "Record",
    "RowRejected",
    "header_key",
    "map_headers",
    "normalize_row",
]


@dataclass(frozen=True)
class HeaderMap:
    """Which column feeds which field; the rest become custom fields."""

    fields: tuple[tuple[int, str], ...]
    custom: tuple[tuple[int, str], ...]
    width: int
    # ``fields`` split in two for speed: plain text fields, and those with a parsing rule.
    plain: tuple[tuple[int, str], ...] = ()
    special: tuple[tuple[int, str], ...] = ()

    @property
    def recognised(self) -> set[str]:
        return {f for _, f in self.fields}


def missing_columns(headers: Sequence[str], overrides: Mapping[str, str]) -> list[str]:
    """The ``--map`` columns that are not among ``headers``."""
    have = set(headers) | {header_key(h) for h in headers}
    return [c for c in overrides.values() if c not in have and header_key(c) not in have]


def map_headers(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> HeaderMap:
    """Map columns to fields: ``overrides`` (FIELD -> column header) first, then synonyms."""
    keys = [header_key(h) for h in headers]
    taken: dict[int, str] = {}
    for fld, column in (overrides or {}).items():
        want = header_key(column)
        for i, (h, k) in enumerate(zip(headers, keys, strict=True)):
            if h == column or k == want:
                taken[i] = fld
                break
    fields: list[tuple[int, str]] = []
    custom: list[tuple[int, str]] = []
    used_keys: set[str] = set()
    mapped = set(taken.values())
    for i, (header, key) in enumerate(zip(headers, keys, strict=True)):
        chosen = taken.get(i)
        if chosen is None:
            synonym = SYNONYMS.get(key)
            # A field given by --map comes from that column only; look-alikes stay custom.
            chosen = synonym if synonym not in mapped else None
        if chosen is not None:
            fields.append((i, chosen))
            continue
        if not header.strip():
            custom_key = f"column_{i + 1}"
        else:
            custom_key = rules.slug_key(header)
        while custom_key in used_keys:
            custom_key += "_"
        used_keys.add(custom_key)
        custom.append((i, custom_key))
    plain = tuple((i, f) for i, f in fields if f in _PLAIN_SET)
    special = tuple((i, f) for i, f in fields if f not in _PLAIN_SET)
    return HeaderMap(tuple(fields), tuple(custom), len(headers), plain, special)


class RowRejected(Exception):
    """A row that cannot become a lead; ``reason`` says why, for the rejected file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Record:
    """One normalised input row: Lead column values and custom fields (non-empty only)."""

    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)


_PLAIN = (
    "headline",
    "title",
    "company",
    "location",
    "industry",
    "summary",
    "experience",
    "skills",
    "education",
    "recent_post",
    "language",
    "email_status",
)
_PLAIN_SET: frozenset[str] = frozenset(_PLAIN)
_ZONES: frozenset[str] = frozenset(zoneinfo.available_timezones())


def _split_names(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,|]", text) if p.strip()]


def _custom_json(text: str, custom: dict[str, Any]) -> None:
    try:
        data = json.loads(text)
    except ValueError:
        custom.setdefault(CUSTOM, text)
        return
    if not isinstance(data, dict):
        custom.setdefault(CUSTOM, text)
        return
    for key, value in data.items():
        if value is not None and value != "":
            custom.setdefault(str(key), value)


def _put(values: dict[str, Any], custom: dict[str, Any], name: str, value: Any, raw: str) -> None:
    # First non-empty value wins; a later different one is kept as a custom field.
    if value is None:
        return
    if name not in values:
        values[name] = value
    elif values[name] != value:
        custom.setdefault(f"{name}_2", raw)


def _url_field(raw: str, values: dict[str, Any], custom: dict[str, Any], problems: list[str]) -> None:
    sales = "/sales/" in raw
    canonical = None if sales else rules.canonical_profile_url(raw)
    if canonical is not None:
        _put(values, custom, "profile_url", canonical, raw)
        return
    lead_id = rules.salesnav_lead_id(raw)
    if lead_id is not None:
        _put(values, custom, "salesnav_id", lead_id, raw)
        _put(values, custom, "salesnav_url", raw.strip(), raw)
        return
    problems.append(f"malformed LinkedIn URL {raw.strip()[:80]!r}")
    custom.setdefault("invalid_linkedin_url", raw)


def normalize_row(cells: Sequence[str], hmap: HeaderMap, *, degree: int | None = None) -> Record:
    """A Record from one row's cells, or RowRejected when nothing identifies the person."""
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    tags: list[str] = []
    lists: list[str] = []
    problems: list[str] = []
    n = len(cells)
    for i, fld in hmap.plain:
        if i >= n:
            continue
        text = cells[i].strip()
        if not text:
            continue
        if "\x00" in text:
            text = text.replace("\x00", "").strip()
            if not text:
                continue
        if fld not in values:
            values[fld] = text
        elif values[fld] != text:
            custom.setdefault(f"{fld}_2", text)
    for i, fld in hmap.special:
        if i >= n:
            continue
        text = cells[i].strip()
        if not text:
            continue
        if "\x00" in text:
            text = text.replace("\x00", "").strip()
            if not text:
                continue
        if fld == "first_name" or fld == "last_name":
            _put(values, custom, fld, rules.clean_name(text), text)
        elif fld == "profile_url" or fld == "salesnav_url":
            _url_field(text, values, custom, problems)
        elif fld == "open_profile" or fld == "premium":
            flag = rules.parse_bool(text)
            if flag is None:
                custom.setdefault(fld, text)
            elif fld not in values:
                values[fld] = flag
            elif values[fld] != flag:
                custom.setdefault(f"{fld}_2", text)
        elif fld == "email":
            email = rules.normalize_email(text)
            if email is not None and rules.is_valid_email(email):
                _put(values, custom, "email", email, text)
            else:
                custom.setdefault("invalid_email", text)
        elif fld == WEBSITE:
            domain = rules.domain_from_website(text)
            _put(values, custom, "company_domain", domain, text)
            if domain != text:
                custom.setdefault("company_website", text)
        elif fld == "degree":
            deg = rules.parse_degree(text)
            if deg is None:
                custom.setdefault("degree", text)
            _put(values, custom, "degree", deg, text)
        elif fld == "salesnav_id":
            lead_id = rules.salesnav_lead_id(text) or text
            if len(lead_id) <= 200 and not any(c.isspace() for c in lead_id):
                _put(values, custom, "salesnav_id", lead_id, text)
            else:
                custom.setdefault("salesnav_id", text)
        elif fld == FULL_NAME:
            first, last = rules.split_full_name(text)
            values.setdefault("_first", first)
            values.setdefault("_last", last)
        elif fld == "country":
            if len(text) == 2 and text.isalpha():
                _put(values, custom, "country", text.upper(), text)
            else:
                code, _ = guess_location(text)
                if code is None:
                    custom.setdefault("country", text)
                _put(values, custom, "country", code, text)
        elif fld == TAGS:
            tags.extend(_split_names(text))
        elif fld == LISTS:
            lists.extend(_split_names(text))
        elif fld == CUSTOM:
            _custom_json(text, custom)
        elif fld == CONNECTED_ON:
            custom.setdefault(CONNECTED_ON, text)
        elif fld == "timezone":
            if rules.is_timezone_name(text, _ZONES):
                _put(values, custom, "timezone", text, text)
            else:
                custom.setdefault("timezone", text)
    first = values.pop("_first", None)
    last = values.pop("_last", None)
    if "first_name" not in values and "last_name" not in values:
        if first:
            values["first_name"] = first
        if last:
            values["last_name"] = last
    for i, key in hmap.custom:
        if i < n:
            extra = cells[i].strip()
            if extra:
                if "\x00" in extra:
                    extra = extra.replace("\x00", "").strip()
                    if not extra:
                        continue
                custom.setdefault(key, extra)
    for i in range(hmap.width, n):
        overflow = rules.clean_text(cells[i])
        if overflow is not None:
            custom.setdefault(f"column_{i + 1}", overflow)
    if degree is not None and "degree" not in values:
        values["degree"] = degree
    if not (
        values.get("first_name")
        or values.get("last_name")
        or values.get("profile_url")
        or values.get("salesnav_id")
    ):
        reason = problems[0] if problems else "no name and no LinkedIn URL"
        raise RowRejected(reason)
    if "location" in values and ("country" not in values or "timezone" not in values):
        code, tz = guess_location(values["location"])
        if "country" not in values and code is not None:
            values["country"] = code
        if "timezone" not in values and tz is not None and values.get("country", code) == code:
            values["timezone"] = tz
    for i_problem, problem in enumerate(problems):
        custom.setdefault("import_warning" if i_problem == 0 else f"import_warning_{i_problem + 1}", problem)
    return Record(values, custom, tags, lists)
