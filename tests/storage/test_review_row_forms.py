"""A stored review row of another form than this mishap's (a field more, a field less, fields in
another order, another version) is worked out again from its incident, never misread: both backends."""

from __future__ import annotations

import json

import pytest

from storage.domain.review_row import FIRST_FORM, ROW_FORM, ROW_VERSION, row_from_document
from storage.store.folder.layout import INDEX_FILE, JOURNAL_FILE

FIELDS = ROW_FORM["fields"]


def closed_three(store, clock) -> None:
    for n, title in enumerate(("Wrong VAT rate", "Doubled order", "Report to the wrong client")):
        incident = store.create(title, f"Client {n}", 1 + n)
        clock.advance(minutes=9)
        store.change(incident.id, lambda i, now, by: i.log_update("phone", "We found it", None, now, by))
        clock.advance(minutes=40 + n)
        store.change(incident.id, lambda i, now, by: i.close(now, by, reason="closed in the test"))


def worked_out(store) -> dict:
    """Each closed incident's row, worked out from the incident as stored now."""
    return {n: row_from_document(store.get(n).to_dict()) for n in (1, 2, 3)}


def rows_of(store) -> dict:
    return {row.number: row for row in store.review_rows()}


def reshaped(form: str, values: list) -> tuple[list, list]:
    """(fields, values) of a row stored in another form: a field more, a field less, or two swapped."""
    fields, values = list(FIELDS), list(values)
    if form == "a field more":
        fields.insert(2, "severity_name")
        values.insert(2, "critical")
    elif form == "a field less":
        del fields[2], values[2]  # the client
    else:  # the same fields in another order: read by position, the title would be the client
        fields[1], fields[2] = fields[2], fields[1]
        values[1], values[2] = values[2], values[1]
    return fields, values


# -- planting a row as another mishap would have stored it -------------------------------------------

def plant_in_the_folder_index(backend, store, form: str) -> None:
    """The snapshot names another form and holds its rows in it (written in place: closed/ is untouched)."""
    store.review_rows()
    assert store.save_review_index()
    index = store.folder / "closed" / INDEX_FILE
    data = json.loads(index.read_text())
    assert data["form"] == ROW_FORM
    reshaped_rows = [reshaped(form, row) for row in data["rows"]]
    data["form"] = {"version": ROW_VERSION, "fields": reshaped_rows[0][0]}
    data["rows"] = [values for _, values in reshaped_rows]
    index.write_text(json.dumps(data))


def plant_in_the_database(backend, store, form: str) -> None:
    """Each row as another mishap would write it: values of another shape, or a form named otherwise."""
    import psycopg

    with psycopg.connect(backend.spec, autocommit=True) as conn:
        if form == "fields in another order":
            fields, _ = reshaped(form, FIELDS)
            conn.execute("UPDATE review_forms SET fields = %s WHERE version = %s", [json.dumps(fields), ROW_VERSION])
        for number, text in conn.execute("SELECT number, review FROM incidents WHERE status = 'closed'").fetchall():
            _, values = reshaped(form, json.loads(text))
            conn.execute("UPDATE incidents SET review = %s WHERE number = %s", [json.dumps(values), number])


PLANT = {"folder": plant_in_the_folder_index, "postgres": plant_in_the_database}


@pytest.mark.parametrize("form", ["a field more", "a field less", "fields in another order"])
def test_a_row_of_another_shape_is_worked_out_again_from_its_incident(backend, clock, form):
    store = backend.open(user="ana")
    closed_three(store, clock)
    PLANT[backend.name](backend, backend.open(), form)
    reader = backend.open()
    assert rows_of(reader) == worked_out(reader)
    assert rows_of(reader)[1].title == "Wrong VAT rate"


@pytest.mark.parametrize("form", ["a field more", "a field less", "fields in another order"])
def test_a_row_worked_out_again_is_kept_in_this_form_for_the_next_reader(backend, clock, form):
    store = backend.open(user="ana")
    closed_three(store, clock)
    PLANT[backend.name](backend, backend.open(), form)
    reader = backend.open()
    expected = worked_out(reader)
    assert rows_of(reader) == expected
    assert reader.save_review_index()
    if backend.name == "folder":
        assert json.loads((reader.folder / "closed" / INDEX_FILE).read_text())["form"] == ROW_FORM
    else:
        import psycopg

        with psycopg.connect(backend.spec) as conn:
            stored = conn.execute("SELECT review, review_version FROM incidents WHERE status = 'closed'").fetchall()
        assert [(len(json.loads(text)), version) for text, version in stored] == [(len(FIELDS), ROW_VERSION)] * 3
    assert rows_of(backend.open()) == expected


def test_a_row_of_another_version_is_worked_out_again(backend, clock):
    """The same fields, worked out otherwise (a newer mishap's): its values are not this version's."""
    store = backend.open(user="ana")
    closed_three(store, clock)
    misread = "a title only a misreading mishap shows"
    if backend.name == "folder":
        store.review_rows()
        assert store.save_review_index()
        index = store.folder / "closed" / INDEX_FILE
        data = json.loads(index.read_text())
        data["form"] = {"version": ROW_VERSION + 1, "fields": FIELDS}
        data["rows"] = [[row[0], misread, *row[2:]] for row in data["rows"]]
        index.write_text(json.dumps(data))
    else:
        import psycopg

        with psycopg.connect(backend.spec, autocommit=True) as conn:
            text = conn.execute("SELECT review FROM incidents WHERE number = 2").fetchone()[0]
            values = json.loads(text)
            conn.execute("UPDATE incidents SET review = %s, review_version = %s WHERE number = 2",
                         [json.dumps([values[0], misread, *values[2:]]), ROW_VERSION + 1])
    reader = backend.open()
    assert rows_of(reader) == worked_out(reader)
    assert misread not in {row.title for row in reader.review_rows()}


@pytest.mark.parametrize("form", ["a field more", "a field less"])
def test_a_journal_line_of_another_shape_is_worked_out_again(folder, clock, form):
    from storage.store import FolderStore

    store = FolderStore.open(folder, clock=clock, user="ana")
    closed_three(store, clock)
    viewer = FolderStore.open(folder, clock=clock)
    viewer.review_rows()
    assert viewer.save_review_index()  # the journal starts again, its first line naming this form
    incident = store.create("One more", "Client 9", 2)
    store.change(incident.id, lambda i, now, by: i.close(now, by, reason="closed in the test"))
    journal = folder / "closed" / JOURNAL_FILE
    lines = journal.read_text().splitlines()
    entry = json.loads(lines[-1])
    assert entry["n"] == incident.number and entry["v"] == ROW_VERSION
    _, entry["row"] = reshaped(form, entry["row"])
    journal.write_text("\n".join([*lines[:-1], json.dumps(entry)]) + "\n")
    reader = FolderStore.open(folder, clock=clock)
    rows = rows_of(reader)
    assert rows[incident.number] == row_from_document(reader.get(incident.number).to_dict())
    assert rows[incident.number].title == "One more" and len(rows) == 4


def test_an_index_written_before_forms_were_named_is_read_as_the_first_form(folder, clock):
    """closed/index.json of format 3 (no form) holds rows of the first form: read as they are."""
    from storage.store import FolderStore
    from storage.store.folder import review_index

    store = FolderStore.open(folder, clock=clock, user="ana")
    closed_three(store, clock)
    store.review_rows()
    assert store.save_review_index()
    index = folder / "closed" / INDEX_FILE
    data = json.loads(index.read_text())
    del data["form"]
    data["format"] = 3
    index.write_text(json.dumps(data))
    reads = []
    real = review_index.ReviewIndex._read_again
    review_index.ReviewIndex._read_again = lambda self, number, stamp=None: reads.append(number) or real(
        self, number, stamp)
    try:
        reader = FolderStore.open(folder, clock=clock)
        assert rows_of(reader) == worked_out(reader)
    finally:
        review_index.ReviewIndex._read_again = real
    # The first form is version 1; this mishap's rows are of version 2 (audiences): each row of the
    # first form is worked out again from its incident, never read as if it were of this form.
    assert FIRST_FORM != ROW_FORM and sorted(reads) == [1, 2, 3]


def test_a_row_of_the_first_form_is_worked_out_again_with_the_audience_figures(backend, clock):
    """Rows stored before audiences (version 1, without management_told and the hard deadlines) are
    never read as rows of this form: each is worked out again from its incident, on both backends."""
    store = backend.open(user="ana")
    closed_three(store, clock)
    first = len(FIRST_FORM["fields"])
    if backend.name == "folder":
        store.review_rows()
        assert store.save_review_index()
        index = store.folder / "closed" / INDEX_FILE
        data = json.loads(index.read_text())
        data["form"] = FIRST_FORM
        data["rows"] = [row[:first] for row in data["rows"]]
        index.write_text(json.dumps(data))
    else:
        import psycopg

        with psycopg.connect(backend.spec, autocommit=True) as conn:
            for number, text in conn.execute("SELECT number, review FROM incidents WHERE status = 'closed'").fetchall():
                conn.execute("UPDATE incidents SET review = %s, review_version = 1 WHERE number = %s",
                             [json.dumps(json.loads(text)[:first]), number])
    reader = backend.open()
    rows = rows_of(reader)
    assert rows == worked_out(reader) and ROW_VERSION > FIRST_FORM["version"]
    assert all(len(row) == len(FIELDS) and row.hard_deadlines_total == 0 for row in rows.values())


def test_the_database_names_this_mishaps_row_form_so_its_rows_are_read_as_stored(pg_url, clock):
    """A migration names each row form: without it every review read would work every row out again."""
    import psycopg

    from storage.store import open_store

    store = open_store(pg_url, clock=clock, user="ana")
    closed_three(store, clock)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        (fields,) = conn.execute("SELECT fields FROM review_forms WHERE version = %s", [ROW_VERSION]).fetchone()
        versions = {v for (v,) in conn.execute("SELECT review_version FROM incidents WHERE status = 'closed'")}
    assert fields == FIELDS and versions == {ROW_VERSION}
    reads = []
    import storage.domain.review_row as review_rows

    real = review_rows.row_from_document
    review_rows.row_from_document = lambda doc: reads.append(doc["number"]) or real(doc)
    try:
        rows = open_store(pg_url, clock=clock).review_rows()
    finally:
        review_rows.row_from_document = real
    assert sorted(r.number for r in rows) == [1, 2, 3] and reads == []
