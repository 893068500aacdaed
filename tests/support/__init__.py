"""Helpers every test folder shares (tests/ is on sys.path through tests/conftest.py)."""
