from __future__ import annotations

from support.smtp_sink import smtp_sink  # noqa: F401
