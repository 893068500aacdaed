-- Presence: which consoles are open, on which incident, doing what. Not part of the record.
-- One row per console, keyed by the server process of the connection that wrote it: a console
-- that exits or is killed loses its connection, and readers join pg_stat_activity on
-- (pid, backend_start), so its row stops counting at once and is removed by whoever reads next.
CREATE TABLE presence (
    pid            integer NOT NULL,
    backend_start  timestamptz NOT NULL,
    console        text PRIMARY KEY,
    note           jsonb NOT NULL,
    beat_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
