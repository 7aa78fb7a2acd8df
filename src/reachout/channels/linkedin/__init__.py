"""LinkedIn channel drivers: the manual task queue (default) and the sandbox HTTP client."""
