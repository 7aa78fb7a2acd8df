"""CLI for the inbox domain; it also registers ``reachout suppress`` and ``senders add-mailbox``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    from reachout.channels.email import cli as email_cli
    from reachout.suppression import cli as suppression_cli

    suppression_cli.register(app)
    email_cli.register(app)
