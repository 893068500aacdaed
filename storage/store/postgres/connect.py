"""Reaching the server: the store's name in messages (host and database, never a password), and connecting.

libpq reads the URL, so ``sslmode``, ``service``, ``passfile`` and every other libpq option
pass through untouched; a password comes from ``~/.pgpass``, a service file or PGPASSWORD.
"""

from __future__ import annotations

from ..files import StoreError

CONNECT_TIMEOUT = 5  # seconds: an unreachable server is "offline", not a frozen console
APPLICATION = "mishap"


def psycopg_module():
    """psycopg, or a StoreError saying what to install."""
    try:
        import psycopg
    except ImportError:
        raise StoreError("a PostgreSQL store needs the psycopg driver: pip install 'mishap[postgres]'") from None
    return psycopg


class Target:
    """One PostgreSQL store as a URL names it, and how messages name it."""

    def __init__(self, url: str):
        psycopg = psycopg_module()
        try:
            self.params = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise StoreError("the PostgreSQL URL given with --db or MISHAP_DB cannot be read: write it as "
                             "postgresql://USER@HOST/DATABASE (the password in ~/.pgpass, never in the URL)") from None
        self.url = url
        self._password = self.params.get("password") or ""
        host = self.params.get("host") or self.params.get("hostaddr") or "localhost"
        port = self.params.get("port")
        where = f"{host}:{port}" if port and str(port) != "5432" else host
        database = self.params.get("dbname") or self.params.get("service") or self.params.get("user") or ""
        self.location = f"{where}/{database}"

    def scrub(self, text: str) -> str:
        """``text`` with the password, if any, taken out."""
        return text.replace(self._password, "***") if self._password else text

    def problem(self, exc: Exception) -> str:
        """What libpq said, on one line, without the password."""
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return self.scrub("; ".join(lines[:2]) or type(exc).__name__)

    def connect(self, *, autocommit: bool = True):
        """A new connection, or a StoreError naming the store and why it cannot be reached."""
        psycopg = psycopg_module()
        options = {"connect_timeout": CONNECT_TIMEOUT, "application_name": APPLICATION}
        options.update({key: value for key, value in self.params.items() if key in options})
        try:
            return psycopg.connect(self.url, autocommit=autocommit, **options)
        except psycopg.Error as exc:
            raise StoreError(self.unreachable(exc)) from None

    async def connect_async(self):
        """A new asyncio connection (for LISTEN), or a StoreError."""
        psycopg = psycopg_module()
        try:
            return await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                                         application_name=APPLICATION)
        except psycopg.Error as exc:
            raise StoreError(self.unreachable(exc)) from None

    def unreachable(self, exc: Exception) -> str:
        """The message for a connection that failed."""
        said = self.problem(exc)
        if "does not exist" in said and "database" in said:
            return (f"the database {self.location} does not exist: create it (createdb) or check the name "
                    f"in --db or MISHAP_DB ({said})")
        if "password" in said or "authentication" in said:
            return (f"the server refused you on {self.location}: check the user, and the password in ~/.pgpass "
                    f"or your service file ({said})")
        return f"offline: cannot reach {self.location} ({said})"
