from __future__ import annotations

from types import SimpleNamespace

import pytest

from reachout.channels import fake, registry
from reachout.channels.protocol import ChannelDriver
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
