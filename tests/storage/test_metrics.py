"""Review metrics, each from a hand-made incident with known times; summary, patterns, sort and filter."""

from __future__ import annotations

from itertools import combinations

import pendulum
import pytest

from storage.domain.metrics import longest_silence, open_periods, summarize
from storage.domain.patterns import Pattern, find_patterns, kind_words, significant_words
from storage.domain.review_row import review_row
from storage.domain.spans import compact_span
from storage.domain.model import new_incident
from storage.domain.parts import Cost
from storage.readers.review_query import ReviewQuery, parse_severities, sort_rows

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
MIN = 60


def incident(number=1, title="Payroll file sent with old rates", client="Acme Ltd", severity=1, **kw):
    """Opened at T0 (discovered at T0), severity 1: first contact due at +15 min, cadence 30 min."""
    return new_incident(number, title, client, severity, T0, [], by="ana", **kw)


@pytest.fixture
def clock_start():
    """The shared clock starts at T0: ``clock.after(minutes=m)`` is m minutes after discovery."""
    return T0


def test_duration_ack_and_first_contact(clock):
    inc = incident(first_learned_by="client")
    inc.acknowledge(clock.after(minutes=4), "ana")
    inc.log_update("phone", "told them", clock.after(minutes=40), clock.after(minutes=12), "ana")
    inc.log_update("email", "fixed", None, clock.after(minutes=35), "ana")
    inc.close(clock.after(minutes=24 * 60 + 90), "ana", reason="test")
    row = review_row(inc)
    assert row.duration == (24 * 60 + 90) * MIN
    assert row.ack == 4 * MIN
    assert row.first_contact == 12 * MIN
    assert row.us_first is False
    assert row.closed_at == clock.now.timestamp()


def test_unknowns_stay_unknown(clock):
    inc = incident()  # never acknowledged, no update, who-first not recorded
    inc.close(clock.after(minutes=60), "ana", reason="test")
    row = review_row(inc)
    assert row.ack is None and row.first_contact is None and row.us_first is None
    assert row.updates_due == 1 and row.updates_on_time == 0  # the first contact was due at +15 and missed
    assert row.on_time_share == 0
    assert row.silence == 60 * MIN  # open an hour without a word to the client


def test_update_punctuality_counts_late_missed_and_renegotiated(clock):
    inc = incident()
    inc.log_update("phone", "first", clock.after(minutes=40), clock.after(minutes=10), "ana")   # due +15: on time
    inc.log_update("email", "second", clock.after(minutes=70), clock.after(minutes=45), "ana")  # due +40: 5 min late
    inc.renegotiate(2, clock.after(minutes=100), "client agreed", clock.after(minutes=60), "ana")  # +70 moved before its time
    inc.log_update("email", "third", clock.after(minutes=200), clock.after(minutes=95), "ana")  # due +100 (moved): on time
    inc.close(clock.after(minutes=260), "ana", reason="test")  # the +200 promise passed unsent: missed
    row = review_row(inc)
    assert (row.updates_on_time, row.updates_due) == (2, 4)
    assert row.on_time_share == 0.5
    assert row.broken == 2 and row.renegotiated == 1


def test_a_promise_released_before_its_time_is_not_counted(clock):
    inc = incident()
    inc.log_update("phone", "first", clock.after(minutes=120), clock.after(minutes=10), "ana")
    inc.close(clock.after(minutes=60), "ana", reason="test")  # next update was due at +120: closed first
    row = review_row(inc)
    assert (row.updates_on_time, row.updates_due) == (1, 1)
    assert row.broken == 0


def test_longest_silence_between_updates_and_to_closing(clock):
    inc = incident()
    inc.log_update("phone", "a", None, clock.after(minutes=10), "ana")
    inc.log_update("phone", "b", None, clock.after(minutes=100), "ana")  # 90 min silence
    inc.log_update("phone", "c", None, clock.after(minutes=130), "ana")
    inc.close(clock.after(minutes=150), "ana", reason="test")
    assert review_row(inc).silence == 90 * MIN


def test_silence_does_not_count_time_spent_closed(clock):
    inc = incident()
    inc.log_update("phone", "a", None, clock.after(minutes=10), "ana")
    inc.close(clock.after(minutes=20), "ana", reason="first close")
    inc.reopen(clock.after(minutes=3000), "ana", "client found more")  # closed for two days
    inc.log_update("phone", "b", None, clock.after(minutes=3030), "ana")
    inc.close(clock.after(minutes=3040), "ana", reason="second close")
    doc = inc.to_dict()
    assert open_periods(doc) == [(T0.timestamp(), T0.timestamp() + 20 * MIN),
                                 (T0.timestamp() + 3000 * MIN, T0.timestamp() + 3040 * MIN)]
    assert longest_silence(doc) == 30 * MIN  # reopen → update b
    assert review_row(inc).duration == 3040 * MIN  # the duration is discovery to the final close


def test_cost_and_close_reason(clock):
    inc = incident()
    inc.set_cost(Cost(6.5, 300, 40), clock.after(minutes=30), "ana")
    inc.close(clock.after(minutes=40), "ana", reason="client ended the contract")
    row = review_row(inc)
    assert (row.hours, row.credits, row.share, row.cost_recorded) == (6.5, 300, 40, True)
    assert row.close_reason == "client ended the contract"


def test_a_document_without_a_ledger_is_measured_update_to_update(clock):
    inc = incident()
    inc.log_update("phone", "a", clock.after(minutes=40), clock.after(minutes=10), "ana")
    inc.log_update("phone", "b", clock.after(minutes=90), clock.after(minutes=50), "ana")  # 10 min late
    inc.close(clock.after(minutes=60), "ana", reason="test")
    doc = inc.to_dict()
    doc["promises"] = []
    from storage.domain.review_row import row_from_document

    row = row_from_document(doc)
    assert (row.updates_on_time, row.updates_due) == (0, 1)


def test_summary_over_rows(clock):
    rows = []
    for number, (ack, first, learned) in enumerate([(2, 10, "us"), (10, 30, "client"), (6, 20, "client")], 1):
        inc = incident(number, first_learned_by=learned)
        inc.acknowledge(clock.after(minutes=ack), "ana")
        inc.log_update("phone", "x", None, clock.after(minutes=first), "ana")
        inc.close(clock.after(minutes=100), "ana", reason="test")
        rows.append(review_row(inc))
    summary = summarize(rows)
    assert summary.count == 3
    assert summary.median_ack == 6 * MIN and summary.median_first_contact == 20 * MIN
    assert summary.median_duration == 100 * MIN
    assert summary.client_first == 2
    assert (summary.updates_on_time, summary.updates_due) == (1, 3)  # first contact due at +15
    assert summarize([]).median_ack is None and summarize([]).on_time_share is None


def test_significant_words_fold_plurals_and_drop_stop_words():
    assert significant_words("The invoices of our clients' VAT rates") == ["invoice", "vat", "rate"]
    assert significant_words("Entries and the entry") == ["entry"]
    assert kind_words("Wrong VAT rate", "We used an old template. The template table") == (
        "wrong", "vat", "rate", "used", "old", "template", "table")


def _row(number, title, client="C", root_cause="", closed_minutes=100, severity=2):
    inc = incident(number, title, client, severity)
    inc.root_cause = root_cause
    inc.close(T0 + pendulum.duration(minutes=closed_minutes), "ana", reason="test")
    return review_row(inc)


def test_patterns_same_client_and_same_kind():
    rows = [
        _row(1, "Wrong VAT rate on invoices", "Oak & Ivy"),
        _row(2, "VAT rate wrong again in the March run", "Calder"),
        _row(3, "DNS change took the site offline", " oak & ivy "),
        _row(4, "Report sent to the wrong person", "Marlow", root_cause="Copied last month's template"),
        _row(5, "KPI report with another client's figures", "Hollis", root_cause="A stale template sheet"),
        _row(6, "Nothing in common here", "Solo"),
    ]
    patterns = find_patterns(rows)
    assert patterns[1].same_client == 2 and patterns[3].same_client == 2  # clients compare loosely
    assert patterns[1].kind == ("rate", "vat") and patterns[1].same_kind == 2
    assert patterns[2].kind == ("rate", "vat") and not patterns[2].same_client
    assert patterns[4].kind == ("report", "template") and patterns[5].same_kind == 2
    assert 6 not in patterns
    assert not patterns[3].kind
    assert "same client: 2 closed incidents for Oak" in patterns[1].describe("Oak & Ivy")
    assert "“rate” and “vat”" in patterns[2].describe()
    assert not Pattern()


def test_patterns_ignore_words_everyone_uses():
    # Incidents n and n+26 share two words of their own ("aaaward", "aaafield"), and every title
    # holds "closed" and "report": those two are in every pair's reach, and must be passed over.
    rows = []
    for n in range(1, 60):
        c = chr(97 + n % 26) * 3
        rows.append(_row(n, f"Closed incident {n} report {c}ward {c}field", client=f"Client {n}"))
    patterns = find_patterns(rows)
    kinds = {number: p.kind for number, p in patterns.items()}
    # Positive control: the kinds the titles do share are found, for every incident...
    assert sorted(kinds) == list(range(1, 60))
    assert kinds[1] == kinds[27] == kinds[53] == ("bbbfield", "bbbward") and patterns[1].same_kind == 3
    assert kinds[25] == kinds[51] == ("zzzfield", "zzzward") and patterns[25].same_kind == 2
    # ...and the words in every title never make one (else 59 incidents would share a kind).
    assert not any({"closed", "report"} & set(kind) for kind in kinds.values())


def _word(n: int) -> str:
    """A made-up word, unique to ``n``: letters only, not a plural, in no stop list."""
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters += chr(97 + digit)
        if not n:
            return f"q{letters}k"


def _wordy_history(size: int) -> list:
    """``size`` incidents in threes; each three share 20 title words (so each incident has 20 candidates)."""
    return [_row(n, " ".join(_word((n - 1) // 3 * 20 + j) for j in range(20)), client=f"Client {n}")
            for n in range(1, size + 1)]


def test_pattern_work_per_incident_stays_bounded_as_the_history_grows(monkeypatch):
    """Counts the word pairs compared, not seconds: each incident pairs at most KIND_WORDS of its words."""
    import storage.domain.patterns as patterns_module

    built = [0]

    def counted(items, r):
        for pair in combinations(items, r):
            built[0] += 1
            yield pair

    monkeypatch.setattr(patterns_module, "combinations", counted)

    def pairs_for(size: int) -> int:
        built[0] = 0
        patterns = find_patterns(_wordy_history(size))
        assert len(patterns) == size and all(p.same_kind == 3 for p in patterns.values())  # work was done
        return built[0]

    most = patterns_module.KIND_WORDS * (patterns_module.KIND_WORDS - 1) // 2
    work = {size: pairs_for(size) for size in (60, 120, 240)}
    assert all(work[size] <= most * size for size in work)  # 20 candidates each, 190 pairs if not capped
    assert work[240] == 2 * work[120] == 4 * work[60]  # doubling the history doubles the work

    # Positive control: comparing every incident with every other, counted the same way, is
    # caught by the same check (doubling the history about quadruples that work).
    def all_pairs(size: int) -> int:
        built[0] = 0
        for _ in counted(_wordy_history(size), 2):
            pass
        return built[0]

    quadratic = {size: all_pairs(size) for size in (60, 120)}
    assert quadratic[120] > 2 * quadratic[60] and quadratic[120] > most * 120


def test_compact_span():
    assert [compact_span(s) for s in (None, 45, 14 * 60, 119 * 60, 3600, 2 * 86400 + 3 * 3600, 86400, -300)] == [
        "—", "45s", "14m", "1h59m", "1h", "2d3h", "1d", "-5m"]


def test_sort_by_any_column_unknowns_last():
    a = _row(1, "Alpha", "Zeta", closed_minutes=100, severity=1)
    b = _row(2, "Beta", "Acme", closed_minutes=300, severity=3)
    c = _row(3, "Gamma", "Mid", closed_minutes=200, severity=2)
    rows = [a, b, c]
    assert [r.number for r in sort_rows(rows, "closed", True)] == [2, 3, 1]
    assert [r.number for r in sort_rows(rows, "client", False)] == [2, 3, 1]
    assert [r.number for r in sort_rows(rows, "sev", False)] == [1, 3, 2]
    assert [r.number for r in sort_rows(rows, "ack", True)] == [2, 3, 1]  # all unknown: newest first
    query = ReviewQuery()
    assert (query.sort, query.reverse) == ("closed", True)
    assert query.with_sort("closed").reverse is False
    assert query.with_sort("client") == ReviewQuery(sort="client", reverse=False)
    assert query.next_sort().sort == "client" and query.next_sort(-1).sort == "cost"


def test_filters_text_client_severity_patterns():
    rows = [_row(1, "Wrong VAT rate", "Oak & Ivy", severity=1),
            _row(2, "Report to the wrong person", "Marlow", root_cause="a stale template", severity=2),
            _row(3, "VAT rate again", "Oak & ivy", severity=3)]
    patterns = find_patterns(rows)
    ids = lambda q: [r.number for r in q.apply(rows, patterns)]  # noqa: E731
    assert sorted(ids(ReviewQuery(text="vat"))) == [1, 3]
    assert ids(ReviewQuery(text="stale TEMPLATE")) == [2]  # the root cause is searched, words AND-ed
    assert ids(ReviewQuery(text="m-2")) == [2]
    assert sorted(ids(ReviewQuery(client="oak"))) == [1, 3]
    assert sorted(ids(ReviewQuery(severities=frozenset({1, 2})))) == [1, 2]
    assert sorted(ids(ReviewQuery(patterns_only=True))) == [1, 3]
    assert parse_severities("") is None and parse_severities("1-3") == {1, 2, 3}
    assert parse_severities("3-1") == {1, 2, 3} and parse_severities("1, 4") == {1, 4}
    with pytest.raises(ValueError, match="severity: use 1-4"):
        parse_severities("5")
