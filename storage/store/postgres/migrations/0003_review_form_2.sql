-- The review row's second form (storage.domain.review_row): three figures more, from the
-- audiences and hard deadlines. Rows of the first form stay as they are and are worked out
-- again from their incidents when read, until a write stores them in this form.
INSERT INTO review_forms (version, fields) VALUES (2, '["number", "title", "client", "severity", "closed_at",
    "duration", "ack", "first_contact", "us_first", "updates_on_time", "updates_due", "silence", "broken",
    "renegotiated", "credits", "hours", "share", "cost_recorded", "close_reason", "root_cause", "words",
    "management_told", "hard_deadlines_met", "hard_deadlines_total"]');
