"""Reaching the server: the store's name in messages (host and database, never a password), and connecting.

libpq reads the URL, so ``sslmode``, ``service``, ``passfile`` and every other libpq option
pass through untouched; a password comes from ``~/.pgpass``, a service file or PGPASSWORD.
"""

from __future__ import annotations

import os

from ..errors import StoreError

CONNECT_TIMEOUT = 5  # seconds: an unreachable server is "offline", not a frozen console
APPLICATION = "mishap"
# mishap's queries each read a few rows by index: compiling one (which a stale estimate after a
# bulk load can set off) costs tens of milliseconds and never pays back.
NO_JIT = "SET jit = off"


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
        host = self._host()
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
            conn = psycopg.connect(self.url, autocommit=autocommit, **options)
            conn.execute(NO_JIT)
            return conn
        except psycopg.Error as exc:
            raise StoreError(self.unreachable(exc)) from None

    async def connect_async(self):
        """A new asyncio connection (for LISTEN), or a StoreError."""
        psycopg = psycopg_module()
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                                         application_name=APPLICATION)
            await conn.execute(NO_JIT)
            return conn
        except psycopg.Error as exc:
            raise StoreError(self.unreachable(exc)) from None

    def unreachable(self, exc: Exception) -> str:
        """The message for a connection that failed: what is wrong, when libpq's words tell (else "offline")."""
        said = self.problem(exc)
        if "does not exist" in said and "database" in said:
            return (f"the database {self.location} does not exist: create it (createdb) or check the name "
                    f"in --db or MISHAP_DB ({said})")
        if "password" in said or "authentication" in said:
            return (f"the server refused you on {self.location}: check the user, and the password in ~/.pgpass "
                    f"or your service file ({said})")
        return self._misconfigured(said) or f"offline: cannot reach {self.location} ({said})"

    def _misconfigured(self, said: str) -> str | None:
        """What is wrong with a URL the server cannot accept as it is (a port, an sslmode); None otherwise.

        Trying again later changes nothing: the URL or the server must change. A port nothing
        answers on still starts "offline" (a stopped server looks the same), but names the port.
        """
        port = self.params.get("port")
        if "invalid port number" in said or 'for connection option "port"' in said:
            return (f"the port in --db or MISHAP_DB is not a port number: give one from 1 to 65535, or leave it "
                    f"out for 5432 ({said})")
        if port and str(port) != "5432" and ("Connection refused" in said or
                                             ("No such file or directory" in said and "socket" in said)):
            host = self._host()
            where = f"in the socket folder {host}" if host.startswith("/") else f"of {host}"
            return (f"offline: no PostgreSQL server answers on port {port} {where}: check the port in "
                    f"--db or MISHAP_DB (the usual one is 5432), or start the server ({said})")
        ssl = self._sslmode()
        if "does not support SSL" in said:
            return (f"the server {self.location} does not offer SSL, and {ssl} asks for it: leave sslmode out (or "
                    f"set sslmode=prefer), or have SSL turned on for the server ({said})")
        if "no pg_hba.conf entry" in said:
            mode = self.params.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer"
            if "no encryption" in said and mode in ("disable", "allow"):
                return (f"the server {self.location} does not let you in without SSL, and {ssl} turns SSL off: "
                        f"use sslmode=require, or leave sslmode out ({said})")
            return (f"the server {self.location} does not let this user in from here (its pg_hba.conf has no entry "
                    f"for it): check the user and database in --db or MISHAP_DB, or ask the server's "
                    f"administrator ({said})")
        if "root certificate file" in said:
            return (f"{ssl} checks the server's certificate, but there is no root certificate to check it with: "
                    f"give one with sslrootcert=FILE (or sslrootcert=system), or use sslmode=require ({said})")
        if "does not match host name" in said or "certificate verify failed" in said:
            return (f"the SSL certificate of the server {self.location} is not one {ssl} can trust: check the host "
                    f"name and sslrootcert, or ask the server's administrator ({said})")
        if "invalid sslmode value" in said:
            return (f"{ssl} is not an SSL mode: use disable, allow, prefer, require, verify-ca or verify-full "
                    f"({said})")
        return None

    def _host(self) -> str:
        return self.params.get("host") or self.params.get("hostaddr") or "localhost"

    def _sslmode(self) -> str:
        """Where the SSL mode in force was set, as messages name it: ``sslmode=require in --db or MISHAP_DB``."""
        if self.params.get("sslmode"):
            return f"sslmode={self.params['sslmode']} in --db or MISHAP_DB"
        if os.environ.get("PGSSLMODE"):
            return f"PGSSLMODE={os.environ['PGSSLMODE']}"
        return "the connection's sslmode (from your service file)"
