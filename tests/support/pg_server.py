"""A throwaway PostgreSQL server for the tests: its own data folder, a unix socket only, no TCP.

``PgServer.start()`` finds ``/usr/lib/postgresql/*/bin`` (or ``initdb`` on PATH), runs
``initdb --no-sync`` into a temporary folder and starts the server listening only on a
socket in that folder. PostgreSQL refuses to run as root, so as root everything runs as the
``postgres`` user through ``runuser``. It cannot start? :class:`NoServer` says why; the
fixtures turn that into a failure (a skip only when MISHAP_NO_POSTGRES=1 is set).

Each folder names the process that must stop its server (``owner``: pid and start time).
A run killed before it could stop its server leaves it running; ``reap_orphans()``, called
at the start of the next run, stops every such server whose owner is gone and removes its
folder. A server whose owner still runs (another run at the same time) is left alone.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "postgres"
PREFIX = "mishap-pg-"  # every server folder: tempfile's folder / mishap-pg-XXXXXXXX (short: a socket path has ~100 bytes)
OWNER_FILE = "owner"
TEAMMATE, TEAMMATE_PASSWORD = "teammate", "s3cret-Pa55word"  # a role that must give a password


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime: the server runs on the real clock.

    Under libfaketime at a future instant ``pg_ctl start -w`` and ``lock_timeout`` hang; with the
    server on the real clock and only mishap's own processes faked, both behave.
    """
    return {key: value for key, value in os.environ.items()
            if key not in {"LD_PRELOAD", "FAKETIME", "FAKETIME_FMT", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC"}}


class NoServer(RuntimeError):
    """PostgreSQL is not installed here, or would not start; the message says which and why."""


def process_tag(pid: int) -> str:
    """``pid`` and when that process started (from /proc), so a reused pid is not taken for its owner."""
    try:
        started = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = "?"
    return f"{pid} {started}"


def _running(tag: str) -> bool:
    """Whether the process of ``tag`` (see :func:`process_tag`) still runs."""
    try:
        pid = int(tag.split()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # it exists, under another user
    return process_tag(pid) == tag


def server_folder(owner: int | None = None) -> Path:
    """A new, empty server folder; ``owner`` (a pid) is the process that will stop its server."""
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    if owner is not None:
        (root / OWNER_FILE).write_text(process_tag(owner) + "\n", encoding="utf-8")
    return root


def reap_orphans() -> None:
    """Stop the servers of the test runs that were killed before they could, and remove their folders."""
    for root in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            tag = (root / OWNER_FILE).read_text().strip()
        except OSError:
            continue  # not a folder this module made, or one still being made
        if tag and not _running(tag):
            try:
                PgServer(root=root).destroy()
            except NoServer:  # PostgreSQL is gone since: nothing can run there
                shutil.rmtree(root, ignore_errors=True)


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise NoServer("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH): "
                   "apt-get install -y --no-upgrade postgresql")


class PgServer:
    """One running server; ``url(db)`` connects to a database on it as the superuser."""

    def __init__(self, *, durable: bool = False, root: Path | None = None, owner: int | None = None) -> None:
        """The server in ``root``, or in a new folder (see :func:`server_folder`, which records ``owner``)."""
        self.durable = durable  # fsync on (benchmarks); the tests run faster without it
        self.bin = _bin_dir()
        self.root = Path(root) if root is not None else server_folder(owner)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", SUPERUSER, "--", *args] if self.as_root else list(args)

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, env=real_clock_env())
        if done.returncode != 0:
            raise NoServer(f"{' '.join(args[:2])} failed: {(done.stderr or done.stdout).strip()[-800:]}")

    def start(self) -> "PgServer":
        """initdb, then start and wait until it accepts connections."""
        if self.as_root:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        os.chmod(self.root, 0o755)  # the tests (root) reach the socket; postgres owns the folder
        self._run(str(self.bin / "initdb"), "--no-sync", "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "-E", "UTF8", "--locale=C")
        # The superuser comes in freely; the teammate must give a password (to test that none is printed).
        (self.data / "pg_hba.conf").write_text(
            f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n", encoding="utf-8")
        self.begin()
        return self

    def begin(self) -> None:
        """Start the server (again, after ``stop``)."""
        # One server serves every worker of a run: room for all their connections at once.
        options = f"-c listen_addresses='' -k {self.root} -c max_connections=400 -c shared_buffers=32MB"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        try:
            self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data), "-l",
                      str(self.log), "-o", options)
        except NoServer as exc:
            log = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            raise NoServer(f"{exc}\n{log}") from None

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash)."""
        self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-D", str(self.data), "-m", mode)

    def restart(self) -> None:
        """Stop and start again: every connection is cut."""
        self.stop()
        self.begin()

    def url(self, db: str, user: str = SUPERUSER, password: str | None = None) -> str:
        """A postgresql:// URL for ``db`` over the unix socket."""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@/{db}?host={self.root}"

    def destroy(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.stop("immediate")
        except (NoServer, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
