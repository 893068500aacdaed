"""Updates that leave mishap by email: the user's own mail settings, the message, the SMTP client, and
the order of events through the store's outbox.

- ``settings.py``: ``[mail]`` of the user's own config.toml, and the password (environment or keyring);
- ``message.py``: the message itself, pure (``build_message``), header injection impossible;
- ``smtp.py``: handing a message to the server (``deliver``), every failure one line;
- ``sending.py``: queue in the outbox, send, record (``send_update``), and ``finish_outbox``.

Nothing here imports the store or the readers, nor Textual: the store is passed in. It imports
nothing heavy at the package level.
"""
