"""The TinyDB folder store: open incidents in one file, each closed incident in a file of its own.

Layout of a store folder::

    open.json          TinyDB: tables "incidents" (open ones), "meta" (the counter) and "drafts"
    open.json.bak      copy of open.json as of the last change that returned
    closed/M-12.json   one stock-TinyDB file per closed incident
    closed/index.json  the review's rows, and closed/index.log, the closes and reopens since
    playbook.toml      optional team playbook; config.toml optional cadence settings
    .mishap.lock       the lock every writer holds (never a data file: renames swap inodes)

The modules, by what a newcomer would look for:

- store: FolderStore, the backend, composed of the parts below;
- open_file: open.json (the open incidents, the counter, the drafts);
- history: the closed incidents' files; review_index: the review's rows kept beside them;
- moves: closing and reopening, an incident moving between open.json and its closed file;
- lock: the lock every writer holds;
- files: atomic, durable file writes and safe reads;
- backups: the ``.bak`` that follows every change;
- upkeep: the tidying opening does when the lock is free;
- first_layout: the one-time move of a store of the first layout (one closed.json);
- permissions: private folders, and files made read-only on purpose;
- glance: the quick read of open.json for ``mishap status``;
- bulk: the folder as one end of ``mishap migrate``.

Nothing is imported here: ``mishap status`` loads glance alone, never TinyDB.
"""
