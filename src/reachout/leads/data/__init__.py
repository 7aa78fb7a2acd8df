"""Bundled sample data for the leads domain (fictional people and companies)."""
