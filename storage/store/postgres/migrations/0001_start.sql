-- mishap's first PostgreSQL schema: incidents, their append-only timeline, drafts, the team's files.

-- Incident numbers: never given twice (a migration sets it past every number copied in).
CREATE SEQUENCE incident_numbers;
-- Every write takes a value: a row's version, unique across the store.
CREATE SEQUENCE change_versions;

CREATE TABLE incidents (
    number      integer PRIMARY KEY CHECK (number > 0),
    status      text NOT NULL,
    schema      integer NOT NULL,
    doc         jsonb NOT NULL,          -- the incident's document without its timeline
    version     bigint NOT NULL,         -- from change_versions; goes up on every write
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by  text NOT NULL,
    closed_at   timestamptz,
    review      text                     -- a closed incident's review row as JSON text, precomputed; NULL while open
                                         -- (text, not jsonb: the review joins 10,000 of them as they are)
);
CREATE INDEX incidents_open ON incidents (number) WHERE status <> 'closed';
CREATE INDEX incidents_closed ON incidents (closed_at) WHERE status = 'closed';
CREATE INDEX incidents_schema ON incidents (schema);  -- "did a newer mishap write here?" at every write

-- The timeline: entries in the order they were written (seq), never changed or removed.
CREATE TABLE timeline (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number      integer NOT NULL REFERENCES incidents (number),
    entry       jsonb NOT NULL,
    change      text NOT NULL,           -- the token of the change that wrote it (did a lost COMMIT land?)
    written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX timeline_of_incident ON timeline (number, seq);

CREATE FUNCTION mishap_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the timeline is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER timeline_no_update_or_delete BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION mishap_timeline_is_append_only();
CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON timeline
    FOR EACH STATEMENT EXECUTE FUNCTION mishap_timeline_is_append_only();

-- Drafts of the next client update: kept so nothing typed is lost, not part of the record.
CREATE TABLE drafts (
    number      integer PRIMARY KEY REFERENCES incidents (number),
    doc         jsonb NOT NULL,
    version     bigint NOT NULL
);

-- The team's playbook.toml and config.toml, shared by everyone on the store.
CREATE TABLE team_files (
    name        text PRIMARY KEY CHECK (name IN ('playbook.toml', 'config.toml')),
    body        text NOT NULL,
    version     bigint NOT NULL
);
