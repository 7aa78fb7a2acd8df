"""Shared test helpers: real servers started by fixtures (an SMTP sink, a private Dovecot)."""
