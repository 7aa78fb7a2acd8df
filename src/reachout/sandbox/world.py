"""The sandbox's members: a seeded, deterministic population of fictional LinkedIn members.

Pure: no I/O, no clock. The same ``(count, seed)`` always gives the same members, and a
member's connection degree to a sender is a pure function of the seed, the member and the
sender's name (so senders can register in any order). Imported members (the demo's sample
leads) join the same population with the fields they bring.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

PROFILE_PREFIX = "https://www.linkedin.com/in/"

# (country, language, [(city, IANA zone)], first names, last names)
_REGIONS: list[tuple[str, str, list[tuple[str, str]], list[str], list[str]]] = [
    (
        "US",
        "en",
        [
            ("New York", "America/New_York"),
            ("Austin", "America/Chicago"),
            ("San Francisco", "America/Los_Angeles"),
            ("Denver", "America/Denver"),
        ],
        ["Olivia", "Liam", "Emma", "Noah", "Ava", "Mason", "Sophia", "Ethan", "Mia", "Lucas"],
        ["Smith", "Johnson", "Brown", "Miller", "Davis", "Garcia", "Wilson", "Moore", "Clark", "Young"],
    ),
    (
        "GB",
        "en",
        [("London", "Europe/London"), ("Manchester", "Europe/London")],
        ["Amelia", "Oliver", "Isla", "George", "Freya", "Harry", "Poppy", "Jack"],
        ["Taylor", "Evans", "Hughes", "Walker", "Wright", "Hall", "Wood", "Turner"],
    ),
    (
        "FR",
        "fr",
        [("Paris", "Europe/Paris"), ("Lyon", "Europe/Paris"), ("Nantes", "Europe/Paris")],
        ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Théo"],
        ["Martin", "Bernard", "Dubois", "Moreau", "Lefèvre", "Girard", "Roux", "Fournier"],
    ),
    (
        "DE",
        "de",
        [("Berlin", "Europe/Berlin"), ("München", "Europe/Berlin"), ("Hamburg", "Europe/Berlin")],
        ["Lena", "Jonas", "Hannah", "Felix", "Marie", "Paul", "Lea", "Lukas"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann"],
    ),
    (
        "ES",
        "es",
        [("Madrid", "Europe/Madrid"), ("Barcelona", "Europe/Madrid"), ("Sevilla", "Europe/Madrid")],
        ["Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Pablo", "Julia", "Álvaro"],
        ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"],
    ),
    (
        "MX",
        "es",
        [("Ciudad de México", "America/Mexico_City"), ("Monterrey", "America/Monterrey")],
        ["Valentina", "Santiago", "Regina", "Diego", "Ximena", "Emiliano"],
        ["Hernández", "González", "Ramírez", "Flores", "Torres", "Rivera"],
    ),
    (
        "IT",
        "it",
        [("Milano", "Europe/Rome"), ("Roma", "Europe/Rome")],
        ["Giulia", "Lorenzo", "Sofia", "Leonardo", "Aurora", "Francesco"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
    ),
    (
        "NL",
        "nl",
        [("Amsterdam", "Europe/Amsterdam"), ("Utrecht", "Europe/Amsterdam")],
        ["Emma", "Daan", "Julia", "Sem", "Tess", "Lars"],
        ["de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser"],
    ),
    (
        "BR",
        "pt",
        [("São Paulo", "America/Sao_Paulo"), ("Rio de Janeiro", "America/Sao_Paulo")],
        ["Helena", "Miguel", "Alice", "Arthur", "Laura", "Heitor"],
        ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira"],
    ),
    (
        "IN",
        "en",
        [("Bengaluru", "Asia/Kolkata"), ("Pune", "Asia/Kolkata")],
        ["Aarav", "Ananya", "Vivaan", "Diya", "Arjun", "Isha"],
        ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta"],
    ),
    (
        "SG",
        "en",
        [("Singapore", "Asia/Singapore")],
        ["Wei", "Mei", "Jun", "Hui", "Ethan", "Chloe"],
        ["Tan", "Lim", "Lee", "Ng", "Ong", "Goh"],
    ),
]
_REGION_WEIGHTS = [30, 12, 10, 10, 7, 4, 5, 4, 5, 8, 5]

_TITLES = [
    "Head of Sales",
    "VP Marketing",
    "Chief Revenue Officer",
    "Founder & CEO",
    "CTO",
    "Head of Growth",
    "Sales Development Manager",
    "Recruiting Lead",
    "Operations Director",
    "Product Manager",
    "Marketing Manager",
    "Head of Partnerships",
    "Customer Success Lead",
]
_COMPANY_A = ["Blue", "North", "Bright", "Swift", "Iron", "Clear", "Nova", "Quiet", "Open", "Silver"]
_COMPANY_B = ["Harbor", "Forge", "Leaf", "Signal", "Peak", "Wave", "Stack", "Field", "Orbit", "Lane"]
_COMPANY_C = ["Labs", "Systems", "Analytics", "Health", "Logistics", "Software", "Capital", "Studio"]
_INDUSTRIES = ["Software", "Logistics", "Healthcare", "Financial Services", "Retail", "Manufacturing"]
_FACTS = [
    "spoke at SaaStr about outbound",
    "launched a new EMEA office",
    "hired 20 SDRs this quarter",
    "wrote about cold email deliverability",
    "raised a Series B",
    "moved to a product-led model",
    "published a report on churn",
    "opened a warehouse in Rotterdam",
]


@dataclass(frozen=True)
class Member:
    """One simulated member. ``inmail_enabled`` is private: reachout learns it only by trying."""

    id: int
    slug: str
    first_name: str
    last_name: str
    title: str
    company: str
    industry: str
    location: str
    country: str
    timezone: str
    language: str
    open_profile: bool
    premium: bool
    inmail_enabled: bool
    recent_fact: str
    degrees: dict[str, int] = field(default_factory=dict)  # explicit degree per sender name

    @property
    def profile_url(self) -> str:
        return PROFILE_PREFIX + self.slug

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def public(self, degree: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "profile_url": self.profile_url,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "headline": f"{self.title} at {self.company}",
            "title": self.title,
            "company": self.company,
            "industry": self.industry,
            "location": self.location,
            "country": self.country,
            "timezone": self.timezone,
            "language": self.language,
            "open_profile": self.open_profile,
            "premium": self.premium,
            "recent_post": self.recent_fact,
        }
        if degree is not None:
            data["degree"] = degree
        return data


def slugify(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "member"


def slug_from_url(url: str) -> str | None:
    """The ``<slug>`` of ``https://www.linkedin.com/in/<slug>`` (any host/scheme), or None."""
    match = re.search(r"linkedin\.com/in/([^/?#]+)", url)
    return match.group(1).lower() if match else None


def _rng(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def generate(count: int, seed: int) -> list[Member]:
    """``count`` members, identical for identical ``(count, seed)``; slugs are unique."""
    rng = _rng(seed, "world")
    members: list[Member] = []
    seen: set[str] = set()
    for index in range(count):
        country, language, cities, firsts, lasts = rng.choices(_REGIONS, weights=_REGION_WEIGHTS)[0]
        city, zone = rng.choice(cities)
        first, last = rng.choice(firsts), rng.choice(lasts)
        slug = slugify(first, last)
        if slug in seen:
            slug = f"{slug}-{index + 1}"
        seen.add(slug)
        premium = rng.random() < 0.35
        company = f"{rng.choice(_COMPANY_A)}{rng.choice(_COMPANY_B)} {rng.choice(_COMPANY_C)}"
        members.append(
            Member(
                id=index + 1,
                slug=slug,
                first_name=first,
                last_name=last,
                title=rng.choice(_TITLES),
                company=company,
                industry=rng.choice(_INDUSTRIES),
                location=city,
                country=country,
                timezone=zone,
                language=language,
                open_profile=premium and rng.random() < 0.5,
                premium=premium,
                inmail_enabled=rng.random() >= 0.08,
                recent_fact=rng.choice(_FACTS),
            )
        )
    return members


def degree(member: Member, sender: str, seed: int) -> int:
    """The member's connection degree to ``sender`` (1, 2 or 3): explicit, else a seeded draw."""
    if sender in member.degrees:
        return member.degrees[sender]
    if "*" in member.degrees:
        return member.degrees["*"]
    draw = _rng(seed, "degree", member.slug, sender).random()
    return 1 if draw < 0.08 else 2 if draw < 0.55 else 3


_LANG_BY_COUNTRY = {r[0]: r[1] for r in _REGIONS}


def from_import(row: dict[str, Any], member_id: int, seed: int) -> Member:
    """A member built from an imported lead; unknown fields get seeded plausible values."""
    url = str(row.get("profile_url") or "")
    slug = slug_from_url(url) or slugify(str(row.get("first_name", "")), str(row.get("last_name", "")))
    rng = _rng(seed, "import", slug)
    country = (row.get("country") or "") or ""
    language = row.get("language") or _LANG_BY_COUNTRY.get(str(country).upper(), "en")
    premium = row.get("premium")
    premium = bool(premium) if premium is not None else rng.random() < 0.35
    open_profile = row.get("open_profile")
    open_profile = bool(open_profile) if open_profile is not None else premium and rng.random() < 0.5
    inmail = row.get("inmail_enabled")
    degrees: dict[str, int] = {}
    raw_degree = row.get("degree")
    if isinstance(raw_degree, dict):
        degrees = {str(k): int(v) for k, v in raw_degree.items()}
    elif raw_degree is not None:
        degrees = {"*": int(raw_degree)}
    return Member(
        id=member_id,
        slug=slug,
        first_name=str(row.get("first_name") or ""),
        last_name=str(row.get("last_name") or ""),
        title=str(row.get("title") or row.get("headline") or rng.choice(_TITLES)),
        company=str(row.get("company") or ""),
        industry=str(row.get("industry") or rng.choice(_INDUSTRIES)),
        location=str(row.get("location") or ""),
        country=str(country).upper(),
        timezone=str(row.get("timezone") or "UTC"),
        language=str(language),
        open_profile=open_profile,
        premium=premium or open_profile,
        inmail_enabled=bool(inmail) if inmail is not None else rng.random() >= 0.08,
        recent_fact=str(row.get("recent_post") or rng.choice(_FACTS)),
        degrees=degrees,
    )


def merge_import(existing: Member, row: dict[str, Any], seed: int) -> Member:
    """``existing`` updated with the non-empty fields of an imported row (same id and slug)."""
    fresh = from_import(row, existing.id, seed)
    changes = {
        name: getattr(fresh, name)
        for name in ("first_name", "last_name", "title", "company", "location", "timezone", "recent_fact")
        if row.get(name if name != "recent_fact" else "recent_post")
    }
    for flag in ("open_profile", "premium", "inmail_enabled", "country", "language"):
        if row.get(flag) is not None:
            changes[flag] = getattr(fresh, flag)
    if row.get("degree") is not None:
        changes["degrees"] = fresh.degrees
    return replace(existing, **changes)
