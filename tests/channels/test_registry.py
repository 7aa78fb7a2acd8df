from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from reachout.channels import fake, registry
from reachout.channels.protocol import ChannelDriver, OutcomeKind
from reachout.errors import NotFoundError


def test_available_lists_the_shipped_linkedin_and_fake_drivers() -> None:
    names = set(registry.available())
    assert {"fake", "linkedin-tasks", "linkedin-sandbox"} <= names


def test_load_driver_builds_the_fake_through_its_entry_point() -> None:
    fake.reset_shared()
    sender = SimpleNamespace(name="alice")
    driver = registry.load_driver("fake", app=None, sender=sender)
    assert isinstance(driver, ChannelDriver)
    assert driver is fake.shared("alice")


def test_unknown_driver_name_lists_what_is_installed() -> None:
    with pytest.raises(NotFoundError) as info:
        registry.load_driver("carrier-pigeon", app=None)
    assert "carrier-pigeon" in info.value.message
    assert "linkedin-tasks" in info.value.message


def test_a_factory_returning_a_non_driver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "load_factory", lambda name: lambda app, sender: object())
    with pytest.raises(Exception, match="does not implement"):
        registry.load_driver("broken", app=None)


def test_a_third_party_package_adds_a_driver_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fork: an installed distribution declaring ``reachout.channels`` is found and built."""
    (tmp_path / "pigeon_driver.py").write_text(
        "from reachout.channels.protocol import Outcome, OutcomeKind\n"
        "class Pigeon:\n"
        "    name = 'carrier-pigeon'\n"
        "    def __init__(self, sender):\n"
        "        self.sender = sender\n"
        "    def send(self, action):\n"
        "        return Outcome(OutcomeKind.SENT, provider_id='coo-1')\n"
        "    def poll(self, since):\n"
        "        return []\n"
        "def factory(app, sender):\n"
        "    return Pigeon(sender)\n"
    )
    info = tmp_path / "pigeon_driver-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pigeon-driver\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[reachout.channels]\ncarrier-pigeon = pigeon_driver:factory\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "carrier-pigeon" in registry.available()
    driver = registry.load_driver("carrier-pigeon", app=None, sender=SimpleNamespace(name="alice"))
    assert isinstance(driver, ChannelDriver) and driver.name == "carrier-pigeon"
    outcome = driver.send(None)  # type: ignore[arg-type]
    assert outcome.kind is OutcomeKind.SENT and outcome.provider_id == "coo-1"
