-- What changed since a console last looked, found without reading the history (issue 20, section 1).
-- Each incident row records the transaction that last gave it a version. A transaction not yet
-- visible when a console looked has an id at or above that look's snapshot xmin, so
-- "WHERE changed_in >= xmin" finds every row written since, through an index, whatever the
-- number of closed incidents. (Drafts are few, one per open incident at most: counted directly.)
ALTER TABLE incidents ADD COLUMN changed_in xid8 NOT NULL DEFAULT '0';

CREATE FUNCTION mishap_mark_changed_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_in := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- Only a write that takes a new version marks the row (the review's derived column does not).
CREATE TRIGGER incidents_changed_in BEFORE INSERT OR UPDATE OF version ON incidents
    FOR EACH ROW EXECUTE FUNCTION mishap_mark_changed_in();

CREATE INDEX incidents_changed_in ON incidents (changed_in);
