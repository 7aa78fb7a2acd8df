"""Suppression: addresses, domains and profiles reachout must never contact again."""
