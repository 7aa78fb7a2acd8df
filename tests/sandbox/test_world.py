from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.sandbox import world


def test_same_seed_same_members_and_different_seed_differs() -> None:
    assert world.generate(200, 3) == world.generate(200, 3)
    assert world.generate(200, 3) != world.generate(200, 4)


@settings(max_examples=20, deadline=None)
@given(count=st.integers(0, 400), seed=st.integers(0, 10_000))
def test_members_are_complete_unique_and_valid(count: int, seed: int) -> None:
    members = world.generate(count, seed)
    assert len(members) == count
    assert len({m.slug for m in members}) == count
    assert [m.id for m in members] == list(range(1, count + 1))
    for m in members:
        ZoneInfo(m.timezone)
        assert m.profile_url == world.PROFILE_PREFIX + m.slug
        assert m.language in {"en", "fr", "de", "es", "it", "nl", "pt"}
        assert not m.open_profile or m.premium


def test_population_has_the_documented_mix() -> None:
    members = world.generate(2000, 1)
    share = lambda pred: sum(1 for m in members if pred(m)) / len(members)  # noqa: E731
    assert 0.25 < share(lambda m: m.premium) < 0.45
    assert 0.1 < share(lambda m: m.open_profile) < 0.25
    assert 0.04 < share(lambda m: not m.inmail_enabled) < 0.13
    assert len({m.language for m in members}) >= 6


def test_degree_is_stable_per_sender_and_explicit_degrees_win() -> None:
    member = world.generate(1, 9)[0]
    assert world.degree(member, "alice", 9) == world.degree(member, "alice", 9)
    degrees = [world.degree(m, "alice", 9) for m in world.generate(1000, 9)]
    assert set(degrees) == {1, 2, 3}
    imported = world.from_import({"profile_url": "https://www.linkedin.com/in/Zoe-K", "degree": 1}, 5, 9)
    assert imported.slug == "zoe-k" and world.degree(imported, "anyone", 9) == 1


def test_import_keeps_given_fields_and_fills_the_rest() -> None:
    row = {
        "profile_url": "https://www.linkedin.com/in/marie-curie/",
        "first_name": "Marie",
        "last_name": "Curie",
        "company": "Radium Labs",
        "timezone": "Europe/Paris",
        "country": "fr",
        "open_profile": True,
        "premium": False,
    }
    member = world.from_import(row, 42, seed=1)
    assert (member.id, member.slug, member.company, member.language, member.country) == (
        42,
        "marie-curie",
        "Radium Labs",
        "fr",
        "FR",
    )
    assert member.open_profile and member.premium  # an Open Profile is a Premium feature
    updated = world.merge_import(member, {"profile_url": row["profile_url"], "title": "CTO"}, seed=1)
    assert updated.title == "CTO" and updated.company == "Radium Labs"
