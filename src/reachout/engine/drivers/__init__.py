"""Which channel driver sends for a sender: resolution through the channel registry.

The name comes from ``sender.limits["driver"]`` or the settings' default for the sender's
channel (``linkedin`` -> ``REACHOUT_LINKEDIN_DRIVER``, ``email`` -> ``REACHOUT_EMAIL_DRIVER``).
Names are looked up in the engine's own drivers first (``counting``, ``engine-smtp``), then in
the ``reachout.channels`` entry points, and ``module:factory`` loads any importable factory.
Drivers are built once per (name, sender) in a process.
"""

from __future__ import annotations

import importlib
from threading import Lock
from typing import Any

from reachout.channels.protocol import ChannelDriver
from reachout.errors import NotFoundError


def _local_factories() -> dict[str, Any]:
    from reachout.engine.drivers import fake, smtp

    return {"counting": fake.factory, "engine-smtp": smtp.factory}


_cache: dict[tuple[str, int | None, int], ChannelDriver] = {}
_lock = Lock()


def driver_name(app: Any, sender: Any) -> str:
    limits = getattr(sender, "limits", None) or {}
    if limits.get("driver"):
        return str(limits["driver"])
    settings = getattr(app, "settings", None)
    if getattr(sender, "channel", "linkedin") == "email":
        return str(getattr(settings, "email_driver", "email"))
    return str(getattr(settings, "linkedin_driver", "linkedin-tasks"))


def _build(name: str, app: Any, sender: Any) -> ChannelDriver:
    local = _local_factories()
    if name in local:
        driver: ChannelDriver = local[name](app, sender)
        return driver
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise NotFoundError(f"cannot load channel driver factory {name!r}: {exc}") from exc
        built: ChannelDriver = factory(app, sender)
        return built
    try:
        from reachout.channels import registry
    except ImportError:  # pragma: no cover - channels domain absent: count instead of sending
        from reachout.engine.drivers.fake import CountingFakeDriver

        return CountingFakeDriver(name=name)
    return registry.load_driver(name, app, sender)


def get_driver(app: Any, sender: Any) -> ChannelDriver:
    """The driver that delivers ``sender``'s actions (built once per process and sender)."""
    name = driver_name(app, sender)
    key = (name, getattr(sender, "id", None), id(app))
    with _lock:
        driver = _cache.get(key)
        if driver is None:
            driver = _build(name, app, sender)
            _cache[key] = driver
        return driver


def reset() -> None:
    """Forget built drivers (tests)."""
    with _lock:
        for driver in _cache.values():
            close = getattr(driver, "close", None)
            if callable(close):
                close()
        _cache.clear()
