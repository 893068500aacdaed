"""What keeping open.json.bak current costs a change: three stores on one disk, their changes interleaved.

    python tests/bench/backup_cost.py [--changes 400] [--open 50] [--where /var/tmp]

A script, not a test (pytest does not collect it). Issue 17, item 10: the backup the
corrupt-file message points to is refreshed by every change, not only by the next open.
Interleaving one change on each store in turn puts the three under the same disk load,
which on a shared machine moves from second to second:

* without the refresh (as before issue 17);
* with the refresh as mishap does it (the copy not waited onto the disk);
* with a durable copy (fsync of the file and of the folder), the alternative not taken.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared fake clock

import pendulum  # noqa: E402

from storage.store import FolderStore  # noqa: E402
from support.clock import START, FakeClock  # noqa: E402


class WithoutBackupRefresh(FolderStore):
    """A change leaves the .bak as it was (how mishap worked before issue 17)."""

    def _keep_backup_current(self) -> None:
        self.open_file.backup_due = False


class WithDurableBackup(FolderStore):
    """A change writes the .bak and waits for the disk, as it does open.json."""

    def _keep_backup_current(self) -> None:
        if self.open_file.backup_due:
            self.refresh_backup(durable=True)


KINDS = {"without the refresh": WithoutBackupRefresh, "mishap (refresh, not synced)": FolderStore,
         "refresh, synced": WithDurableBackup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=400)
    parser.add_argument("--open", type=int, default=50, help="open incidents in each store")
    parser.add_argument("--where", default="/var/tmp", help="a folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.where) as base:
        stores = {}
        for n, (name, kind) in enumerate(KINDS.items()):
            store = kind.open(Path(base) / f"store{n}", clock=FakeClock(START, step=pendulum.duration(seconds=1)))
            for k in range(args.open):
                store.create(f"incident {k}", "Client", 2)
            stores[name] = store
        times: dict[str, list[float]] = {name: [] for name in KINDS}
        for k in range(args.changes):
            for name, store in stores.items():
                started = time.perf_counter()
                store.change(1 + k % args.open, lambda i, now, by: i.add_note(f"note {k}", now, by))
                times[name].append(time.perf_counter() - started)
        size = stores["mishap (refresh, not synced)"].open_file.path.stat().st_size
    base_median = statistics.median(times["without the refresh"])
    print(f"{args.changes} changes on each store, interleaved; {args.open} open, open.json {size // 1024} KiB, "
          f"in {args.where}")
    for name, spent in times.items():
        median = statistics.median(spent)
        print(f"  {name:30s} median {median * 1000:6.2f} ms ({median / base_median - 1:+.0%})   "
              f"mean {statistics.mean(spent) * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
