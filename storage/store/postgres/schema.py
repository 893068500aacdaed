"""The database's schema: numbered migrations in this package, applied in one transaction under an advisory lock.

Each ``migrations/NNNN_name.sql`` runs once, in number order; ``mishap_migrations`` records
which ran. Every process that opens the store checks, and only one at a time applies: the
others wait on the advisory lock and then find nothing left to do. A database that records
a migration this mishap does not have was set up by a newer mishap: it opens read-only.
"""

from __future__ import annotations

from importlib import resources

ADVISORY_LOCK = 0x6D69_7368_6170  # "mishap": one lock for this schema's migrations

RECORD = """CREATE TABLE IF NOT EXISTS mishap_migrations (
    number      integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT clock_timestamp()
)"""


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, SQL) of every migration in this package, in order."""
    found = []
    for item in resources.files(__package__).joinpath("migrations").iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name.removesuffix(".sql"), item.read_text(encoding="utf-8")))
    return sorted(found)


def known() -> int:
    """The newest migration this mishap has."""
    return max(number for number, _, _ in migrations())


def applied(conn) -> int:
    """The newest migration the database records (0 for an empty database)."""
    row = conn.execute("SELECT to_regclass('mishap_migrations') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    return conn.execute("SELECT coalesce(max(number), 0) FROM mishap_migrations").fetchone()[0]


def migrate(conn) -> list[str]:
    """Apply what is missing, all in one transaction under the advisory lock; the names applied."""
    done_now = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        conn.execute(RECORD)
        done = {number for (number,) in conn.execute("SELECT number FROM mishap_migrations")}
        for number, name, sql in migrations():
            if number in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO mishap_migrations (number, name) VALUES (%s, %s)", [number, name])
            done_now.append(name)
    return done_now
