"""Deterministic generator of fictional Sales-Navigator-style lead exports.

``python -m reachout.leads.data.make_sample [N] [PATH]`` writes ``sample_leads.csv`` (300 rows
by default) next to this file. Everything is invented: names, companies and ``example-*.test``
domains. The benchmark uses ``write_csv`` for its million-row file.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

HEADERS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Headline",
    "Job Title",
    "Company Name",
    "Company Website",
    "Location",
    "Industry",
    "LinkedIn URL",
    "Sales Navigator URL",
    "Is Open Profile",
    "Is Premium",
    "Email",
    "Connection Degree",
    "About",
    "Skills",
    "Recent Post",
    "Team Size",
    "Pain Point",
)

FIRST = [
    "Amelia",
    "Oliver",
    "Mia",
    "Noah",
    "Léa",
    "Hugo",
    "Emma",
    "Lukas",
    "Sofia",
    "Mateo",
    "Aroha",
    "Nikau",
    "Ana",
    "Tane",
    "Chloé",
    "Louis",
    "Zoë",
    "Søren",
    "Ingrid",
    "Lars",
    "Priya",
    "Arjun",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Min-jun",
    "Olivia",
    "Liam",
    "Isabella",
    "Ethan",
    "Charlotte",
    "James",
    "Harper",
    "Lucas",
    "Ava",
    "Henry",
    "Freya",
    "Finn",
    "Elif",
    "Mehmet",
    "Maya",
    "Daniel",
    "Aisha",
    "Omar",
    "Julia",
    "Jakub",
    "Marta",
    "Tomás",
    "Inès",
    "José",
]
LAST = [
    "Smith",
    "Martin",
    "Müller",
    "García",
    "Rossi",
    "Nguyen",
    "Tanaka",
    "Kim",
    "Walker",
    "Brown",
    "Dubois",
    "Lefèvre",
    "Schmidt",
    "Novak",
    "Kowalski",
    "Jensen",
    "Andersen",
    "Hansen",
    "Ngata",
    "Parata",
    "Williams",
    "Wilson",
    "Taylor",
    "Patel",
    "Sharma",
    "Chen",
    "Wang",
    "Suzuki",
    "Sato",
    "Park",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Silva",
    "Santos",
    "Costa",
    "Fischer",
    "Weber",
    "Bakker",
    "Visser",
    "Johansson",
    "Nielsen",
    "Moreau",
    "Laurent",
    "Ferrari",
    "Romano",
    "Yilmaz",
    "Cohen",
    "Levi",
]
COMPANY_A = [
    "Blue",
    "Kite",
    "Nimbus",
    "Harbor",
    "Quartz",
    "Copper",
    "Maple",
    "Orbit",
    "Summit",
    "Fern",
    "Tide",
    "Lumen",
    "Cedar",
    "Atlas",
    "Pixel",
]
COMPANY_B = [
    "Labs",
    "Analytics",
    "Systems",
    "Logistics",
    "Health",
    "Robotics",
    "Foods",
    "Energy",
    "Studio",
    "Partners",
    "Cloud",
    "Works",
]
TITLES = (
    "Head of Sales",
    "VP Marketing",
    "Chief Technology Officer",
    "Founder & CEO",
    "Operations Manager",
    "Director of Engineering",
    "Growth Lead",
    "Procurement Manager",
    "HR Business Partner",
    "Customer Success Director",
    "Data Scientist",
    "Product Manager",
)
INDUSTRIES = (
    "Software Development",
    "Logistics",
    "Hospital & Health Care",
    "Renewable Energy",
    "Food & Beverages",
    "Financial Services",
    "Retail",
    "Manufacturing",
)
LOCATIONS = (
    "Paris, Île-de-France, France",
    "Lyon, Auvergne-Rhône-Alpes, France",
    "Berlin, Berlin, Germany",
    "Munich, Bavaria, Germany",
    "London, England, United Kingdom",
    "Manchester, England, United Kingdom",
    "Amsterdam, North Holland, Netherlands",
    "Madrid, Community of Madrid, Spain",
    "Stockholm, Stockholm County, Sweden",
    "Warsaw, Mazowieckie, Poland",
    "Dublin, County Dublin, Ireland",
    "New York, New York, United States",
    "San Francisco Bay Area",
    "Austin, Texas, United States",
    "Chicago, Illinois, United States",
    "Denver, Colorado, United States",
    "Seattle, Washington, United States",
    "Toronto, Ontario, Canada",
    "Auckland, Auckland, New Zealand",
    "Wellington, Wellington, New Zealand",
    "Sydney, New South Wales, Australia",
    "Melbourne, Victoria, Australia",
    "Singapore, Singapore",
    "Tokyo, Tokyo, Japan",
    "Bengaluru, Karnataka, India",
    "Seoul, Seoul, South Korea",
)
SKILLS = [
    "Negotiation",
    "SaaS",
    "Python",
    "Supply Chain",
    "Leadership",
    "CRM",
    "Analytics",
    "Hiring",
    "Lean",
    "Cloud",
    "SEO",
    "Pricing",
]
PAINS = (
    "slow onboarding",
    "high churn",
    "manual reporting",
    "long sales cycles",
    "hiring bottlenecks",
    "rising cloud costs",
)
POSTS = (
    "Thrilled to share that our team just shipped {x} after months of work.",
    "Three lessons I learned scaling {x} from 5 to 50 people.",
    "Hot take: most {x} problems are really process problems.",
    "We are hiring! Looking for people who love {x}.",
    "Just back from a conference on {x}. My notes inside.",
)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def rows(n: int, seed: int = 7) -> Iterator[list[str]]:
    """``n`` fictional lead rows (cells in ``HEADERS`` order), the same for the same seed."""
    rnd = random.Random(seed)
    for i in range(n):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        company = f"{rnd.choice(COMPANY_A)} {rnd.choice(COMPANY_B)}"
        domain = f"example-{_ascii(company)}.test"
        slug = f"{first}-{last}-{i:x}".lower().replace("'", "")
        if slug.isascii():
            url = f"https://www.linkedin.com/in/{slug}/"
        else:
            url = f"https://www.linkedin.com/in/{quote(slug)}"
        title = rnd.choice(TITLES)
        lead_id = f"ACwAA{i:07d}{_ascii(last)[:4].upper()}"
        salesnav = f"https://www.linkedin.com/sales/lead/{lead_id},NAME_SEARCH,{i % 997:x}"
        has_email = rnd.random() < 0.6
        email = f"{_ascii(first)}.{_ascii(last)}{i}@{domain}" if has_email else ""
        premium = rnd.random() < 0.5
        open_profile = premium and rnd.random() < 0.7
        degree = rnd.choices(("2nd", "3rd+", "1st"), weights=(55, 40, 5))[0]
        skills = ";".join(rnd.sample(SKILLS, 3))
        post = rnd.choice(POSTS).format(x=rnd.choice(SKILLS)) if rnd.random() < 0.5 else ""
        about = (
            f"{title} at {company}. I help teams in {rnd.choice(INDUSTRIES).lower()} "
            f"with {rnd.choice(PAINS)}, {skills.replace(';', ', ')}."
        )
        yield [
            first,
            last,
            f"{title} at {company} | {rnd.choice(SKILLS)}",
            title,
            company,
            f"https://www.{domain}/",
            rnd.choice(LOCATIONS),
            rnd.choice(INDUSTRIES),
            url,
            salesnav,
            "Yes" if open_profile else "No",
            "Yes" if premium else "No",
            email,
            degree,
            about,
            skills,
            post,
            str(rnd.choice((5, 12, 40, 120, 600, 2500))),
            rnd.choice(PAINS),
        ]


def write_csv(path: Path, n: int, seed: int = 7) -> Path:
    """Write ``n`` rows with a header to ``path`` (UTF-8, comma-separated)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows(n, seed))
    return path


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 300
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("sample_leads.csv")
    write_csv(target, n)
    print(f"wrote {n} leads to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
