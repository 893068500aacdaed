"""The composer emails an update (f4) through the user's own [mail] settings to a real SMTP server the
test starts (aiosmtpd), records it with its Message-ID, and keeps the form and the draft when the server
says no; a server slow to answer freezes nothing (issue 21 §1)."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, Label, TextArea

from storage.mail.sending import Wanted, queue, send_queued
from storage.mail.settings import read_mail_settings
from tui.screens.composer import ComposerScreen
from tui.screens.incident import IncidentScreen
from tui_support import reread, toasts, until
from support.smtp import mail_server, user_config, write_mail_config  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("writes_land")


async def test_f4_emails_the_update_records_it_and_a_refusal_keeps_the_form(store, make_app, folder, clock,
                                                                            mail_server, user_config):
    write_mail_config(user_config, mail_server)
    inc = store.create("Payroll file sent with last month's rates\r\nBcc: x@evil.example", "Acme Ltd", 1,
                       client_contact="Dana", client_email="dana@acme.example")
    # An email the server accepted whose record then failed: opening the console records it.
    first = queue(store, inc.id, read_mail_settings(), lambda i, now, by: Wanted(0, "First word\n", now.add(hours=1)))
    assert not isinstance(send_queued(read_mail_settings(), first, ""), Exception)
    store.change(inc.id, lambda i, now, by: i.mark_email_accepted(first.message_id, now, by, "disk full"))
    clock.advance(minutes=1)
    mail_server.hold = threading.Event()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert any("now recorded as sent" in t for t in toasts(app))
        assert [u.message_id for u in reread(folder).get(inc.id).updates] == [first.message_id]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        await pilot.press("f4")
        # The server holds its answer: the console still takes keys meanwhile.
        await until(pilot, mail_server.holding.is_set, "the server to be given the message")
        greeting = composer.query_one("#greeting", Input)
        greeting.focus()
        await pilot.press("end", "!")
        assert greeting.value.endswith("!") and app.screen is composer
        sent_text = composer.text()
        mail_server.hold.set()
        await until(pilot, lambda: app.screen is not composer, "the composer to close once recorded")
        got = mail_server.received[-1]
        [_, update] = reread(folder).get(inc.id).updates
        assert update.channel == "email" and update.message_id == got.message["Message-ID"]
        assert got.message.get_content() == update.summary
        assert update.summary.startswith("Hello Dana,\n") and sent_text.startswith("Hello Dana,!")  # typed after it left
        assert got.rcpt_tos == ["dana@acme.example"] and "Bcc" not in got.message
        assert got.message["In-Reply-To"] == first.message_id  # threaded after the first
        assert any(t.startswith("Update emailed to dana@acme.example and recorded") for t in toasts(app))

        # The server refuses the recipient: one line in the form, nothing recorded, the form and text stay.
        mail_server.refuse.add("dana@acme.example")
        await pilot.press("u")
        await pilot.pause()
        composer = app.screen
        composer.query_one("#section-next", TextArea).text = "- Rerun the payroll with this month's rates"
        await pilot.press("f4")
        error = composer.query_one("#form-error", Label)
        await until(pilot, lambda: "not sent" in str(error.render()), "the refusal to be shown")
        assert "refused the recipient: dana@acme.example" in str(error.render())
        assert app.screen is composer
        stored = reread(folder).get(inc.id)
        assert len(stored.updates) == 2 and stored.outbox == [] and stored.update_promise(0) is not None
        await pilot.press("escape")
        await pilot.pause()
        assert "Rerun the payroll" in reread(folder).draft(inc.number)["section-next"]  # the draft is kept
    assert len(mail_server.received) == 2
