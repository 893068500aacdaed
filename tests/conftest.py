"""Fixtures shared by every test folder: a real, small file system to fill up, the shared fake clock, and how
many examples the property tests try (the hypothesis profiles)."""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path


def _keep_bytecode_outside_the_checkout() -> None:
    """With PYTHONDONTWRITEBYTECODE set, keep the compiled modules in a private folder under the temp folder.

    Without any cache every process compiles every module it imports, and pytest rewrites the
    asserts of all ~100 test modules again in each xdist worker (it keeps its rewritten modules
    only where Python may write bytecode): about 5 s of CPU per worker and run, four workers
    with ``-n auto``, and 0.1 s in each of the hundreds of mishap processes the tests start.
    Nothing is written into the checkout or the virtual environment, which is what that setting
    usually asks for. The folder is used only when it is this user's alone.
    """
    if not sys.dont_write_bytecode or sys.pycache_prefix:
        return
    folder = os.path.join(tempfile.gettempdir(), f"mishap-test-bytecode-{os.getuid()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
        sys.pycache_prefix = folder
        sys.dont_write_bytecode = False
        os.environ["PYTHONPYCACHEPREFIX"] = folder  # and the same for the processes the tests start
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_keep_bytecode_outside_the_checkout()  # before the imports below, so that they are kept too


def _keep_the_users_own_files_out() -> None:
    """The tests and every process they start see a user of their own: fresh config and state folders,
    and none of the developer's mishap variables.

    A developer's own ``config.toml`` may name a calendar file (rewritten after every change) or a
    mail server, and ``$MISHAP_USER`` or ``$MISHAP_SMTP_PASSWORD`` would change whose name the record
    takes or what a login sends. A test that needs any of them sets its own.
    """
    home = tempfile.mkdtemp(prefix="mishap-test-user-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        os.environ[name] = os.path.join(home, sub)
    for name in ("MISHAP_USER", "MISHAP_SMTP_PASSWORD", "MISHAP_DB", "MISHAP_HOME"):
        os.environ.pop(name, None)


_keep_the_users_own_files_out()

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from pendulum import DateTime  # noqa: E402

from support.budget import DEEP, QUICK  # noqa: E402
from support.clock import START, FakeClock  # noqa: E402

pytest_plugins = ["support.pg_fixtures"]  # the throwaway PostgreSQL server, for the tests that ask for it

# Property tests: few generated examples in README's run, ten times as many in CI's deep run
# (HYPOTHESIS_PROFILE=ci-deep .venv/bin/pytest -m hypothesis). See support.budget.
settings.register_profile("quick", max_examples=QUICK)
settings.register_profile("ci-deep", max_examples=DEEP, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "quick")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "deep: a stress test (a megabyte in every widget and output) that runs in "
                                       "CI's deep stage, not in README's run; MISHAP_DEEP=1 or -m deep runs it")


def pytest_collection_modifyitems(config, items) -> None:
    """README's run leaves the ``deep`` tests out (deselected, not skipped); CI runs them after it.

    ``.ci/run`` ends with ``-m "hypothesis or deep"``: the property tests with ten times the
    examples, and the megabyte tests, which take a minute of CPU and prove the same rule as the
    hostile-text tests that always run (every control character shown, never obeyed) at a size
    where only the time would differ.
    """
    if os.environ.get("MISHAP_DEEP") == "1" or "deep" in (config.option.markexpr or ""):
        return
    deep = [item for item in items if item.get_closest_marker("deep")]
    if deep:
        config.hook.pytest_deselected(items=deep)
        items[:] = [item for item in items if not item.get_closest_marker("deep")]


@pytest.hookimpl(optionalhook=True)  # known only while pytest-xdist is loaded (not under -p no:xdist)
def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject's addopts) starts two workers per core, not one.

    Most of the suite drives the console through the Pilot, and a Pilot waits a lot: each key and
    each pause sleeps in 20 ms steps until the app is idle, and other tests wait on child
    processes or on PostgreSQL. With one worker per core the cores sat idle about 40% of the
    run (user+sys CPU over twice the wall time); a second worker per core fills that time.
    PYTEST_XDIST_AUTO_NUM_WORKERS, or an explicit ``-n N``, still decides when given.
    """
    wanted = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if wanted:
        return int(wanted)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 * cores


class SmallDisk:
    """A tmpfs of a fixed size: ``fill()`` uses up its space for real (ENOSPC), ``free()`` gives it back."""

    def __init__(self, path: Path):
        self.path = path
        self._filler = path / "filler"

    def fill(self) -> None:
        """Write until the disk refuses; afterwards no file on it can grow."""
        with open(self._filler, "ab", buffering=0) as handle:
            for size in (64 * 1024, 4096, 1):
                while True:
                    try:
                        handle.write(b"\0" * size)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break

    def free(self) -> None:
        """Remove what ``fill`` wrote."""
        self._filler.unlink(missing_ok=True)

    def make_read_only(self) -> None:
        """Remount it read-only (EROFS for every write, whoever asks)."""
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True, capture_output=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs under tmp_path (needs the right to mount, as root in CI; skipped otherwise)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a small disk here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {done.stderr.strip()}")
    try:
        yield SmallDisk(mount_point)
    finally:
        if os.path.ismount(mount_point):
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


@pytest.fixture
def clock_start() -> DateTime:
    """Where ``clock`` starts; a folder or module overrides this fixture to start elsewhere."""
    return START


@pytest.fixture
def clock(clock_start) -> FakeClock:
    """A fake clock the test moves by hand."""
    return FakeClock(clock_start)
