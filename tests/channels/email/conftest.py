from __future__ import annotations

from support.dovecot import dovecot, dovecot_server  # noqa: F401
from support.smtp_sink import smtp_sink  # noqa: F401
