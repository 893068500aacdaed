"""A URL the server can never accept says what is wrong with it, not "offline" (issue 17, item 13).

The session's server (support.pg_fixtures) listens on a unix socket only; an SSL mismatch needs
TCP, so this module starts a second real server of its own on 127.0.0.1, without SSL, whose
pg_hba.conf lets the role ``needs_ssl`` in only over SSL (as a server that requires SSL does).
"""

from __future__ import annotations

import socket

import pytest

from storage.store import StoreError, open_store
from support.pg_server import SUPERUSER, NoServer, PgServer

NEEDS_SSL = "needs_ssl"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TcpServer(PgServer):
    """A throwaway server on 127.0.0.1 (and its own socket folder), SSL off, with a role that must use SSL."""

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()

    def begin(self) -> None:
        (self.data / "pg_hba.conf").write_text(
            f"local all all trust\nhostssl all {NEEDS_SSL} 127.0.0.1/32 trust\n"
            f"host all {SUPERUSER} 127.0.0.1/32 trust\n", encoding="utf-8")
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
                  "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root} -c ssl=off -c fsync=off")
        import psycopg

        with psycopg.connect(f"postgresql://{SUPERUSER}@/postgres?host={self.root}&port={self.port}",
                             autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {NEEDS_SSL} LOGIN")

    def tcp_url(self, user: str = SUPERUSER, port: int | None = None, query: str = "") -> str:
        """A URL of its ``postgres`` database over TCP."""
        return f"postgresql://{user}@127.0.0.1:{port or self.port}/postgres{query}"


@pytest.fixture(scope="module")
def tcp_server():
    try:
        server = TcpServer().start()
    except (NoServer, OSError) as exc:
        pytest.fail(f"cannot start a PostgreSQL server on TCP for the tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.destroy()


def refusal(url: str) -> str:
    with pytest.raises(StoreError) as refused:
        open_store(url)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_the_tcp_server_takes_a_url_that_is_right(tcp_server):
    open_store(tcp_server.tcp_url()).create("over TCP", "c", 2)  # so the refusals below are the URL's doing


def test_sslmode_require_on_a_server_without_ssl_says_so(tcp_server):
    message = refusal(tcp_server.tcp_url(query="?sslmode=require"))
    assert message.startswith(f"the server 127.0.0.1:{tcp_server.port}/postgres does not offer SSL, and "
                              f"sslmode=require in --db or MISHAP_DB asks for it: leave sslmode out (or set "
                              f"sslmode=prefer), or have SSL turned on for the server (")
    assert "server does not support SSL, but SSL was required" in message  # libpq's words kept, in brackets


def test_sslmode_disable_on_a_server_that_wants_ssl_says_so(tcp_server):
    message = refusal(tcp_server.tcp_url(NEEDS_SSL, query="?sslmode=disable"))
    assert message.startswith(f"the server 127.0.0.1:{tcp_server.port}/postgres does not let you in without SSL, "
                              f"and sslmode=disable in --db or MISHAP_DB turns SSL off: use sslmode=require, or "
                              f"leave sslmode out (")
    assert "offline" not in message


def test_a_port_nothing_answers_on_says_to_check_the_port(tcp_server):
    wrong = free_port()
    message = refusal(tcp_server.tcp_url(port=wrong))
    assert message.startswith(f"offline: no PostgreSQL server answers on port {wrong} of 127.0.0.1: check the "
                              f"port in --db or MISHAP_DB (the usual one is 5432), or start the server (")
    assert "Connection refused" in message


def test_a_port_no_socket_answers_on_says_to_check_the_port(pg_server):
    message = refusal(pg_server.url("postgres") + "&port=5433")  # the session's server is on 5432
    assert message.startswith(f"offline: no PostgreSQL server answers on port 5433 in the socket folder "
                              f"{pg_server.root}: check the port in --db or MISHAP_DB")


@pytest.mark.parametrize("port", ["99999", "54x"])
def test_a_port_that_is_no_port_number_is_not_offline(pg_server, port):
    message = refusal(pg_server.url("postgres") + f"&port={port}")
    assert message.startswith("the port in --db or MISHAP_DB is not a port number: give one from 1 to 65535, or "
                              "leave it out for 5432 (")
    assert port in message
