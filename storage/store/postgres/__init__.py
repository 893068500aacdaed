"""The PostgreSQL backend: a team's store on a server (``--db postgresql://…``).

- store: the backend itself (PostgresStore), a change per transaction under a row lock;
- view: the open incidents as a handle last read them, caught up with only what changed;
- drafts: drafts of client updates, apart from the record;
- session: the connection, "offline", and transactions never applied twice;
- review: each closed incident's review row, worked out at its close;
- listen: other writers' changes pushed by LISTEN/NOTIFY, with resync after a reconnect;
- schema: numbered migrations (migrations/*.sql) applied under an advisory lock;
- codec: NUL and lone surrogates encoded so they round-trip through jsonb;
- connect: the store's name in messages (host and database, never a password), and connecting;
- bulk: the database as one end of ``mishap migrate``.

psycopg is imported only when a PostgreSQL store is opened; without it the message says what
to install. Nothing is imported here.
"""
