"""Sender accounts: LinkedIn profiles and mailboxes."""
