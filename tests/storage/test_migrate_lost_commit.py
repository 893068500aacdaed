"""A batch of ``mishap migrate`` whose COMMIT is lost with the connection is looked up by its own token (issue 20, §2).

Each batch carries a token of its own on its timeline entries. Were the token shared by the
whole copy, the lookup after a lost COMMIT would find an earlier batch's entries, call the
lost one saved, and the copy would go on without it.
"""

from __future__ import annotations

from storage.store import FolderStore
from storage.store.migrate import copy_store, side_of


def test_a_batch_whose_commit_is_cut_off_is_written_again_once(tmp_path, pg_url, pg_admin, clock):
    source = FolderStore.open(tmp_path / "source", clock=clock, user="ana")
    for n in range(1, 7):
        inc = source.create(f"Incident {n}", "Acme", 2)
        source.change(inc.id, lambda i, now, by, n=n: i.add_note(f"note {n}", now, by))
        source.change(inc.id, lambda i, now, by: i.close(now, by, reason="closed in a test"))
    # At the COMMIT of the second batch (M-3 and M-4), the server ends the connection: the
    # transaction did not commit and the client cannot tell. The sequence is not rolled back.
    pg_admin.execute("""
        CREATE SEQUENCE cut_once;
        CREATE FUNCTION cut_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.number = 3 AND nextval('cut_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON timeline DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION cut_commit();
    """)
    report = copy_store(side_of(str(tmp_path / "source")), side_of(pg_url), batch=2)
    assert pg_admin.execute("SELECT last_value FROM cut_once").fetchone()[0] >= 2  # it was cut, then written again
    assert report.copied == 6 and report.matches
    entries = pg_admin.execute("SELECT number, count(*) FROM timeline GROUP BY number ORDER BY number").fetchall()
    assert entries == [(n, len(source.get(n).timeline)) for n in range(1, 7)]  # every entry once
