"""The compose domain."""
