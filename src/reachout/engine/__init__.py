"""The engine domain."""
