"""Channel drivers by name, found through the ``reachout.channels`` entry-point group.

A third party ships a driver by declaring ``[project.entry-points."reachout.channels"]
mydriver = "mypkg.module:factory"`` where ``factory(app, sender) -> ChannelDriver``.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from reachout.channels.protocol import ChannelDriver
from reachout.errors import NotFoundError, ValidationError

GROUP = "reachout.channels"


def available() -> dict[str, EntryPoint]:
    """Every installed driver factory, by name."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_factory(name: str) -> Any:
    """The factory registered under ``name``; NotFoundError lists the installed names."""
    found = available()
    entry = found.get(name)
    if entry is None:
        names = ", ".join(sorted(found)) or "none installed"
        raise NotFoundError(
            f"no channel driver named {name!r} (installed: {names})",
            hint="check REACHOUT_LINKEDIN_DRIVER / REACHOUT_EMAIL_DRIVER, or reinstall reachout "
            "so its entry points are registered (pip install -e .)",
        )
    return entry.load()


def load_driver(name: str, app: Any, sender: Any = None) -> ChannelDriver:
    """Build the driver ``name`` for ``sender`` (a ``senders.models.Sender`` or None)."""
    factory = load_factory(name)
    driver = factory(app, sender)
    if not isinstance(driver, ChannelDriver):
        raise ValidationError(
            f"channel driver {name!r} does not implement the driver protocol (name, send, poll)"
        )
    return driver
