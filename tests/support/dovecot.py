"""A private Dovecot IMAP server for tests: its own config, users and maildirs in a temp dir.

No system configuration is read or changed. As root it runs its processes as the Debian
``dovecot``/``dovenull`` users (the maildirs belong to ``dovecot``); as an ordinary user it
runs everything as that user. Tests skip with the reason when the
``dovecot`` binary is absent (``apt-get install dovecot-imapd``).

Use the ``dovecot`` fixture (``from support.dovecot import dovecot  # noqa: F401`` in a
conftest); it yields a :class:`Dovecot` with ``host``, ``port``, ``tls_port``, a fresh
``test_user`` whose password is ``users[test_user]``, and ``append(user, raw_bytes)`` (an IMAP
APPEND). Users come from a passwd-file written once before start-up (Dovecot 2.3 does not
notice a passwd-file rewritten while it runs), each with its own password.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from support.smtp_sink import free_port
from support.tls import Cert, make_cert

USERS = 200  # test users per Dovecot instance (one per test)


def dovecot_binary() -> str | None:
    for candidate in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class Dovecot:
    root: Path
    host: str
    port: int
    process: subprocess.Popen[bytes]
    tls_port: int = 0  # implicit TLS (IMAPS); ``port`` offers STARTTLS too
    cert: Cert | None = None  # trust it with SSL_CERT_FILE
    users: dict[str, str] = field(default_factory=dict)

    pool: list[str] = field(default_factory=list)  # users in the passwd-file not handed out yet

    def take_user(self) -> str:
        """A user no other test has used (its maildir is created on first login)."""
        if not self.pool:
            raise RuntimeError(f"all {len(self.users)} test users of this Dovecot are used")
        return self.pool.pop(0)

    def connect(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.users[user])
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX", arrived: datetime | None = None) -> None:
        """IMAP APPEND ``raw``; ``arrived`` sets its internal (arrival) date."""
        conn = self.connect(user)
        try:
            when = imaplib.Time2Internaldate(arrived) if arrived is not None else None
            typ, data = conn.append(folder, None, when, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            conn.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _identity() -> tuple[str, str, int, int, str]:
    """(internal user, login user, mail uid, mail gid, group) for this process."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot") if _user_exists("dovecot") else pwd.getpwnam("nobody")
        login = "dovenull" if _user_exists("dovenull") else mail.pw_name
        return mail.pw_name, login, mail.pw_uid, mail.pw_gid, grp.getgrgid(mail.pw_gid).gr_name
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid, grp.getgrgid(me.pw_gid).gr_name


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
auth_failure_delay = 0
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def start_dovecot(root: Path, binary: str) -> Dovecot:
    internal, login, uid, gid, group = _identity()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        for sub in ("mail", "home", "state"):
            os.chown(root / sub, uid, gid)
        os.chmod(root, 0o755)
    port, tls_port = free_port(), free_port()
    cert = make_cert(root / "tls")
    config = root / "dovecot.conf"
    # Every user exists before start-up, with its own password (see the module docstring).
    users = {f"user{n:03d}": secrets.token_hex(8) for n in range(1, USERS + 1)}
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    config.write_text(
        CONFIG.format(
            root=root,
            internal=internal,
            login=login,
            uid=uid,
            gid=gid,
            group=group,
            port=port,
            tls_port=tls_port,
            cert=cert.cert,
            key=cert.key,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Dovecot(root=root, host="127.0.0.1", port=port, process=process, tls_port=tls_port, cert=cert)
    server.users, server.pool = dict(users), list(users)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"dovecot exited ({process.returncode}): {output}\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    stop_dovecot(server)
    raise RuntimeError(f"dovecot did not listen on {port} within 15 s\n{server.log()}")


def stop_dovecot(server: Dovecot) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)
    if server.process.stdout:
        server.process.stdout.close()


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd); IMAP tests skipped")
    if os.geteuid() == 0:
        # pytest's temp dirs are 0700 root: Dovecot's unprivileged processes could not enter them.
        root = Path(tempfile.mkdtemp(prefix="reachout-dovecot-"))
    else:
        root = tmp_path_factory.mktemp("dovecot")
    server = start_dovecot(root, binary)
    try:
        yield server
    finally:
        stop_dovecot(server)
        if os.geteuid() == 0:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The session's Dovecot with a fresh user for this test (``dovecot.test_user``)."""
    dovecot_server.test_user = dovecot_server.take_user()  # type: ignore[attr-defined]
    return dovecot_server
