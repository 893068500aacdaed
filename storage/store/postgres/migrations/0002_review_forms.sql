-- A closed incident's review row names its form (storage.domain.review_row): the version of
-- how its values are worked out, per row, and each version's field names, once, in
-- review_forms. A row of another form is worked out again from its incident, never misread.
ALTER TABLE incidents ADD COLUMN review_version integer;  -- NULL while open
UPDATE incidents SET review_version = 1 WHERE review IS NOT NULL;  -- every row so far is of the first form

CREATE TABLE review_forms (
    version     integer PRIMARY KEY,
    fields      jsonb NOT NULL           -- the names of a row's values, in their order
);
INSERT INTO review_forms (version, fields) VALUES (1, '["number", "title", "client", "severity", "closed_at",
    "duration", "ack", "first_contact", "us_first", "updates_on_time", "updates_due", "silence", "broken",
    "renegotiated", "credits", "hours", "share", "cost_recorded", "close_reason", "root_cause", "words"]');
