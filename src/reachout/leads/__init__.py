"""The leads domain."""
