"""Temporary: tui/app.py imports StoreError from here while its owner is changing that file.

Delete this module once tui/app.py imports StoreError from storage.store.
"""

from __future__ import annotations

from .errors import StoreError  # noqa: F401
