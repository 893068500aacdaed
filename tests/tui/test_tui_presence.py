"""Who else is here, in the console, on both backends: another console's note shows on the board row and in
the workspace header, ours reaches it as we move (board, incident, composer), the composer warns before
writing to an audience someone else is drafting for, and leaving takes our note away."""

from __future__ import annotations

import pytest
from tui_support import ObservedApp, screen_text, table_rows, until

from storage.domain.presence import DRAFTING, Presence, here_words
from storage.store import open_presence, open_store
from tui.screens.composer import ComposerScreen
from tui.screens.modals import ConfirmModal
from tui.widgets.row_table import RowTable


@pytest.mark.parametrize("backend", ["folder", "postgres"])
async def test_another_console_is_shown_and_its_draft_warns_first(request, folder, clock, backend):
    spec = str(folder) if backend == "folder" else request.getfixturevalue("pg_url")
    ours = open_store(spec, clock=clock, user="ana")
    ours.create("Invoices doubled", "Acme", 2, client_contact="Maria")
    theirs = open_store(spec, clock=clock, user="dana")
    other = open_presence(theirs)  # dana's console, as far as ours can tell

    def dana_says(number, doing="looking", audience=""):
        other.say(Presence("c-dana", "dana", number, doing, audience, clock(), clock()))

    def what_dana_sees(number):
        return here_words(other.read(), number, "c-dana", "dana")

    app = ObservedApp(spec, clock=clock, user="ana", offer_demo=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: what_dana_sees(None) == "ana is here", "dana sees ana on the board")
            dana_says(1, DRAFTING, "Acme")
            app.presence.beat()  # the heartbeat, now rather than in a few seconds
            row = lambda: table_rows(app.screen.query_one("#board-table", RowTable))[0][2]  # noqa: E731
            # The row marks her after the title; the brief below the table says it in full.
            await until(pilot, lambda: row() == "M-1  Invoices doubled ✎ dana", "the board row marks dana")
            assert "Others      dana is here · drafting an update to Acme" in screen_text(app)
            assert "ana is here" not in screen_text(app).replace("dana is here", "")  # not yourself

            await pilot.press("enter")
            await until(pilot, lambda: getattr(app.screen, "number", None) == 1, "the workspace opens")
            assert app.screen.sub_title == "open · dana is here · drafting an update to Acme"
            assert "dana is here · drafting an update to Acme" in screen_text(app)
            await until(pilot, lambda: what_dana_sees(1) == "ana is here", "dana sees ana on M-1")

            await pilot.press("u")  # the client's update: dana is drafting it
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "a question first")
            assert app.screen.question == "dana has been drafting an update to Acme since 10:00. Write one too?"
            await pilot.press("y")  # the user may go on
            await until(pilot, lambda: isinstance(app.screen, ComposerScreen), "the composer opens")
            await until(pilot, lambda: what_dana_sees(1) == "ana is here · drafting an update to Acme",
                        "dana sees ana drafting too")
            await pilot.press("escape")
            await until(pilot, lambda: what_dana_sees(1) == "ana is here", "back to looking")

            dana_says(None)  # dana goes back to her board: ours says nobody else is on M-1
            app.presence.beat()
            await until(pilot, lambda: app.screen.sub_title == "open", "the header no longer names dana")
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, ComposerScreen), "no question when nobody drafts")
            await pilot.press("escape")
            # Heartbeats while nothing changes (dana's beats on, ours too) tell no screen anything: no repaint.
            told, tell = [], app.tell_screens
            app.tell_screens = lambda message: (told.append(type(message).__name__), tell(message))
            for _ in range(3):
                dana_says(None)
                app.presence.beat()
                await until(pilot, lambda: not app.presence._pending, "the beat is heard")
            assert "PresenceChanged" not in told
        assert what_dana_sees(1) == "" and what_dana_sees(None) == ""  # our note left with us
    finally:
        other.close()
        for store in (ours, theirs):
            getattr(store, "close", lambda: None)()


async def test_the_new_owner_is_notified_as_for_an_overdue_promise(store, make_app, folder, clock, watched,
                                                                   monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text('[notifications]\nmethod = "osc777"\n', encoding="utf-8")
    sam = store.acting_as("sam")
    sam.create("Invoices doubled", "Acme", 3)
    sam.create("Emails bounced", "Beta", 3)
    app = make_app()  # ana's console
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.tick()
        sam.change(2, lambda inc, now, by: inc.add_note("not a hand-over", now, by))
        sam.change(1, lambda inc, now, by: inc.hand_over("ana", "Maria calls at 17:00", now, by))
        # The watcher sees sam's changes; the next tick looks at them (the tests drive the tick).
        await until(pilot, lambda: (app.tick(), any(n.title.endswith("handed to you") for n in app.raised))[1],
                    "the console says M-1 was handed to ana")
        said = [data for data in notices_of(app) if b"handed to you" in data]
        assert said == [b"\x1b]777;notify;M-1 handed to you;Handed over from sam to ana with Acme: "
                        b"Maria calls at 17:00\x07\x07"]
        toast = next(n for n in app.raised if n.title == "M-1 handed to you")
        assert toast.message == "M-1 Invoices doubled: Handed over from sam to ana with Acme: Maria calls at 17:00 (by sam)"
        # The board's m keeps what ana holds now.
        await pilot.press("m")
        rows = table_rows(app.screen.query_one("#board-table", RowTable))
        assert [row[2] for row in rows] == ["M-1  Invoices doubled"]
        await pilot.press("m")
        assert len(table_rows(app.screen.query_one("#board-table", RowTable))) == 2
        # Handing it back (she loses it) notifies nobody here.
        count = len(said)
        await app.write(1, lambda inc, now, by: inc.hand_over("sam", "back to you", now, by))
        app.tick()
        await pilot.pause()
        assert len([d for d in notices_of(app) if b"handed to you" in d]) == count


def notices_of(app):
    from tui_support import notices

    return notices(app)


@pytest.mark.parametrize("backend", ["folder", "postgres"])
def test_a_console_not_told_its_user_goes_by_the_database_role_and_records_as_it(request, folder, clock, backend,
                                                                                monkeypatch):
    from support.pg_server import SUPERUSER

    from tui.presence import PresenceWatch

    monkeypatch.delenv("MISHAP_USER", raising=False)
    spec = str(folder) if backend == "folder" else request.getfixturevalue("pg_url")
    store = open_store(spec, clock=clock, user="login-name")  # as the console opens it, user not given
    watch = PresenceWatch(None, store, None)
    told = PresenceWatch(None, store, "ana")  # a user the console was given stays
    try:
        notes = watch._exchange(watch.note())  # what the presence thread does on its first beat
        expected = SUPERUSER if backend == "postgres" else "login-name"
        assert [n.user for n in notes] == [expected] and watch.user == expected and store.user == expected
        said = {n.console: n.user for n in told._exchange(told.note())}
        assert said == {watch.console: expected, told.console: "ana"} and told.user == "ana"
    finally:
        for each in (watch, told):
            if each._board is not None:
                each._board.close()
        getattr(store, "close", lambda: None)()


def test_the_audiences_pane_names_who_holds_an_audience_when_not_the_incidents_owner(clock):
    from storage.domain.model import new_incident
    from tui.widgets.audiences import audience_lines

    incident = new_incident(1, "Invoices doubled", "Acme", 2, clock(), [], by="sam")
    incident.add_audience("ICO", "regulator", clock(), "sam")
    heading = lambda index: audience_lines(incident, index, clock(), [])[0][1]  # noqa: E731
    assert heading(1) == "ICO — regulator, external · no promised updates"  # the owner's own: nothing said
    incident.hand_over("lee", "lee briefs the regulator", clock(), "sam", audience=1)
    assert heading(1) == "ICO — regulator, external · no promised updates · held by lee"
    assert "held by" not in heading(0)
