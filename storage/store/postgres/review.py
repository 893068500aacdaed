"""The PostgreSQL store's review: each closed incident's row worked out at its close, read in one query.

A closed incident's row is kept in its own ``review`` column as JSON text (text, not jsonb:
the review joins 10,000 of them as they are), a list of values in the order of its form
(storage.domain.review_row), with the form's version in ``review_version``; ``review_forms``
names each version's fields, once. A row of another version, or whose values do not fit the
fields, is worked out again from its incident, never misread; ``save`` then stores it in
this form, so the next reader reads it as it is.

Whether the rows changed since they were read is asked of the rows written since (by index,
``changed_in`` against the read's snapshot xmin, as storage.store.postgres.view does), never
of every closed incident.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ...domain.model import SCHEMA_VERSION
from ..errors import StoreError
from .codec import ESCAPE, decode, encode
from .view import XMIN

if TYPE_CHECKING:
    from ...domain.review_row import ReviewRow
    from .session import Session

_CLOSED_ROWS = """SELECT count(*), coalesce(sum(version), 0),
       '[' || coalesce(string_agg(review, ',' ORDER BY number) FILTER (WHERE review_version = %(v)s), '') || ']',
       coalesce(array_agg(number ORDER BY number) FILTER (WHERE review_version = %(v)s), '{}'),
       coalesce(array_agg(number ORDER BY number) FILTER (WHERE review_version IS DISTINCT FROM %(v)s), '{}'),
       (SELECT fields FROM review_forms WHERE version = %(v)s)
FROM incidents WHERE status = 'closed'"""
_SINCE = "SELECT number, version, status FROM incidents WHERE changed_in >= %s::xid8"  # never prepared (see view)
_DOCUMENTS = """SELECT i.number, i.version, i.doc, coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq) FROM timeline t
                                                          WHERE t.number = i.number), '[]'::jsonb)
FROM incidents i WHERE i.number = ANY(%s) AND i.status = 'closed' ORDER BY i.number"""


def review_value(doc: dict) -> tuple[str | None, int | None]:
    """(review column, review_version column) of an incident's document: its row while closed, else nothing."""
    if doc.get("status") != "closed":
        return None, None
    from ...domain.review_row import ROW_VERSION, row_from_document

    # ensure_ascii=False: the codec's escape character stays itself, so a reader can look for it.
    text = json.dumps(encode(row_from_document(doc).to_list()), ensure_ascii=False, separators=(",", ":"))
    return text, ROW_VERSION


class ReviewRows:
    """The review's rows of every closed incident, as last read (read again when a closed one changed)."""

    def __init__(self, session: "Session"):
        self.session = session
        self._read: tuple | None = None  # ((count, sum of versions) of the closed rows, rows)
        self._patterns: tuple | None = None
        self._worked_out: list[tuple[int, int, str, int]] = []  # (number, version, review text, row version) to store
        self._since: tuple | None = None  # (xmin of the read, closed rows' versions written since, closed numbers)

    def rows(self) -> list["ReviewRow"]:
        """Every closed incident's row: stored ones of this form as they are, the others worked out again."""
        from ...domain.review_row import ROW_FORM, ROW_VERSION, ReviewRow, is_row_form

        def read(conn):
            with conn.transaction():  # one snapshot: the rows, and what was written as they were read
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                xmin = conn.execute(XMIN).fetchone()[0]
                found = conn.execute(_CLOSED_ROWS, {"v": ROW_VERSION}).fetchone()
                recent = conn.execute(_SINCE, [xmin], prepare=False).fetchall()
            return xmin, found, recent

        xmin, (count, total, text, numbers, others, fields), recent = self.session.run(read)
        self._since = (xmin, {number: version for number, version, status in recent if status == "closed"},
                       {*numbers, *others})
        values = json.loads(text)
        if ESCAPE in text:
            values = decode(values)
        again = list(others)
        if is_row_form({"version": ROW_VERSION, "fields": fields}):
            width = len(ROW_FORM["fields"])
            rows = list(map(ReviewRow._make, (v for v in values if len(v) == width)))
            if len(rows) != len(values):
                again += [number for number, v in zip(numbers, values) if len(v) != width]
        else:
            rows = []
            again += numbers
        if again:
            rows = sorted(rows + self._work_out(sorted(again)), key=lambda row: row.number)
        self._read = ((count, total), rows)
        return rows

    def _work_out(self, numbers: list[int]) -> list["ReviewRow"]:
        """The rows of closed incidents ``numbers``, from their documents (a newer mishap's are left out)."""
        from ...domain.review_row import ROW_VERSION, row_from_document

        found, self._worked_out = [], []
        for number, version, doc, entries in self.session.run(lambda conn: conn.execute(
                _DOCUMENTS, [numbers]).fetchall()):
            stored = decode(doc)
            stored["timeline"] = decode(entries)
            schema = stored.get("schema")
            if isinstance(schema, int) and schema > SCHEMA_VERSION:
                continue
            try:
                row = row_from_document(stored)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
                continue  # not a valid incident: shown, and named, when it is opened
            found.append(row)
            text = json.dumps(encode(row.to_list()), ensure_ascii=False, separators=(",", ":"))
            self._worked_out.append((number, version, text, ROW_VERSION))
        return found

    def patterns(self) -> dict:
        """Closed incidents that share a client or a kind of mistake with others, by number."""
        from ...domain.patterns import find_patterns

        rows = self.rows() if self._read is None else self._read[1]
        if self._patterns is None or self._patterns[0] != self._read[0]:
            self._patterns = (self._read[0], find_patterns(rows))
        return self._patterns[1]

    def changed(self) -> bool:
        """Whether someone closed, reopened or edited a closed incident since the rows were read (by index)."""
        if self._read is None or self._since is None:
            return True
        xmin, versions, closed = self._since
        try:
            recent = self.session.run(lambda conn: conn.execute(_SINCE, [xmin], prepare=False).fetchall())
        except StoreError:
            return False
        return any(versions.get(number) != version if status == "closed" else number in closed
                   for number, version, status in recent)

    def save(self) -> bool:
        """Store the rows worked out again in this form, for incidents unchanged since; never waits for a lock."""
        pending, self._worked_out = self._worked_out, []
        if not pending:
            return False

        def work(conn) -> bool:
            free = {number for (number,) in conn.execute(
                "SELECT number FROM incidents WHERE number = ANY(%s) FOR UPDATE SKIP LOCKED",
                [[number for number, *_ in pending]])}
            with conn.cursor() as cur:
                # Derived data: no new version, no notification; only where the incident is as it was read.
                cur.executemany("UPDATE incidents SET review = %s, review_version = %s "
                                "WHERE number = %s AND version = %s AND status = 'closed'",
                                [(text, row_version, number, version)
                                 for number, version, text, row_version in pending if number in free])
            return bool(free)

        try:
            return self.session.write("the review's rows", work)
        except StoreError:
            return False
