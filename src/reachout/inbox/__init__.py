"""The inbox domain."""
