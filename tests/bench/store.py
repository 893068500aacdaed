"""FolderStore benchmark: change latency and open time with 0, 1,000 and 10,000 closed incidents.

    python tests/bench/store.py [--changes 200] [--opens 30] [--sizes 0,1000,10000]

A script, not a test (pytest does not collect it). For each size it builds a store in a temp
folder: ~10 open incidents plus N closed ones of about 2 KB each, closed.json written directly
through the storage layer in the real format. Then, in the same run:

* mishap's store: completing a checklist step via ``FolderStore.change`` (median and p95 per change),
  and ``FolderStore.open`` (median over repeats);
* stock TinyDB with its default JSONStorage, one file holding every incident: the same step
  completion as ``table.update`` of one document (model work included, as in ours), and
  ``TinyDB(path)`` plus reading the table. Stock TinyDB rewrites the whole file in place on every
  change (and a kill mid-write leaves it unreadable), which is why mishap keeps closed incidents
  apart.

Targets from issue 2: with 10,000 closed, a change costs <= 1.5x what it costs with none, and
opening costs <= 50 ms more.
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
from tinydb import TinyDB  # noqa: E402

from storage.store.folder.open_file import AtomicJSONStorage  # noqa: E402
from storage.domain.model import Incident, new_incident# noqa: E402
from storage.domain.parts import ChecklistStep
from storage.domain.playbook import DEFAULT_PHASES, steps_of  # noqa: E402
from storage.store import FolderStore  # noqa: E402
from support.clock import FakeClock  # noqa: E402

OPEN_INCIDENTS = 10
START = pendulum.datetime(2026, 1, 5, 9, 0, tz="UTC")


def Ticker() -> FakeClock:  # noqa: N802 - reads as the clock it makes
    """The shared fake clock, moving a second per reading (no sleeping, no real time in the data)."""
    return FakeClock(START, step=pendulum.duration(seconds=1))


def closed_incident(number: int) -> Incident:
    """A realistic closed incident of about 2 KB as JSON."""
    at = START.subtract(days=400).add(hours=number)
    steps = [ChecklistStep(phase, text) for phase, text in (
        ("Stop", "Halt the job that produced the mistake"),
        ("Own", "Write down what we got wrong"),
        ("Fix", "Correct the error and verify it"),
    )]
    inc = new_incident(number, f"Invoice batch {number} sent with wrong VAT rate", "Northwind Traders",
                       1 + number % 4, at, steps, by="ana", client_contact="Maria Anders (finance)")
    inc.acknowledge(at.add(minutes=3), "ana")
    inc.log_update("phone", "Explained the error, corrected invoices by noon", at.add(hours=3), at.add(minutes=20), "ana")
    for i in range(len(inc.steps)):
        inc.complete_step(i, at.add(minutes=30 + i), "ana")
    inc.root_cause = "The VAT table was copied from last year's template"
    inc.fix = "Reissued the 42 invoices"
    inc.close(at.add(hours=6), "ana", reason="benchmark data")
    return inc


def build(folder: Path, closed: int) -> list[int]:
    """closed.json with ``closed`` incidents, then ~10 open ones created through the store."""
    folder.mkdir(mode=0o700)
    if closed:
        docs = {str(n): closed_incident(n).to_dict() for n in range(1, closed + 1)}
        AtomicJSONStorage(folder / "closed.json").write({"incidents": docs})
    store = FolderStore.open(folder, clock=Ticker(), user="bench")
    return [store.create(f"Open incident {k}", "Contoso", 1 + k % 4).number for k in range(OPEN_INCIDENTS)]


def build_stock(path: Path, closed: int) -> list[int]:
    """Stock TinyDB, default JSONStorage: one file, one table with every incident."""
    clock = Ticker()
    docs = [closed_incident(n).to_dict() for n in range(1, closed + 1)]
    for k in range(OPEN_INCIDENTS):
        docs.append(new_incident(closed + k + 1, f"Open incident {k}", "Contoso", 1 + k % 4, clock(),
                                 steps_of(DEFAULT_PHASES), by="bench").to_dict())
    db = TinyDB(path)
    db.table("incidents").insert_multiple(docs)
    db.close()
    return list(range(closed + 1, closed + OPEN_INCIDENTS + 1))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure_ours(folder: Path, numbers: list[int], changes: int, opens: int) -> dict:
    store = FolderStore.open(folder, clock=Ticker(), user="bench")
    latencies = []
    for k in range(changes):
        number, step = numbers[k % len(numbers)], k // len(numbers)
        latencies.append(timed(lambda: store.change(number, lambda i, now, by: i.complete_step(step, now, by))))
    # Each open follows a write, as in real use, so it also refreshes open.json.bak.
    open_times = []
    for k in range(opens):
        store.change(numbers[k % len(numbers)], lambda i, now, by: i.add_note("between opens", now, by))
        open_times.append(timed(lambda: FolderStore.open(folder)))
    return {"n": changes, "median": statistics.median(latencies), "p95": p95(latencies),
            "open": statistics.median(open_times)}


def measure_stock(path: Path, numbers: list[int], changes: int, opens: int, budget: float) -> dict:
    clock = Ticker()
    db = TinyDB(path)
    table = db.table("incidents")
    latencies = []
    spent = time.perf_counter()
    for k in range(changes):
        number, step = numbers[k % len(numbers)], k // len(numbers)

        def complete(doc, step=step):
            inc = Incident.from_dict(doc)
            inc.complete_step(step, clock(), "bench")
            inc.revision += 1
            doc.clear()
            doc.update(inc.to_dict())

        latencies.append(timed(lambda: table.update(complete, doc_ids=[number])))
        if k >= 19 and time.perf_counter() - spent > budget:
            break  # each change rewrites the whole file: cap the time, keep at least 20
    db.close()

    def open_and_read():
        stock = TinyDB(path)
        stock.table("incidents").all()
        stock.close()

    open_times = [timed(open_and_read) for _ in range(max(5, opens // 3 if path.stat().st_size > 5e6 else opens))]
    return {"n": len(latencies), "median": statistics.median(latencies), "p95": p95(latencies),
            "open": statistics.median(open_times)}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--opens", type=int, default=30)
    parser.add_argument("--sizes", default="0,1000,10000")
    parser.add_argument("--stock-budget", type=float, default=15.0,
                        help="seconds of stock TinyDB changes per size (at least 20 changes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="mishap-bench-") as tmp:
        for size in sizes:
            folder = Path(tmp) / f"ours-{size}"
            started = time.perf_counter()
            numbers = build(folder, size)
            closed_bytes = (folder / "closed.json").stat().st_size if size else 0
            ours = measure_ours(folder, numbers, args.changes, args.opens)
            stock_path = Path(tmp) / f"stock-{size}.json"
            stock_numbers = build_stock(stock_path, size)
            stock = measure_stock(stock_path, stock_numbers, args.changes, args.opens, args.stock_budget)
            results[size] = (ours, stock, closed_bytes, stock_path.stat().st_size)
            print(f"  built and measured {size:>6} closed in {time.perf_counter() - started:6.1f} s",
                  file=sys.stderr)

    print(f"mishap store vs stock TinyDB JSONStorage; {OPEN_INCIDENTS} open incidents + N closed "
          f"(~2 KB each); times in ms")
    print()
    header = (f"{'closed N':>9} | {'closed.json':>11} | {'ours: change med':>16} {'p95':>8} {'open':>8} | "
              f"{'stock: change med':>17} {'p95':>8} {'open+read':>9} {'n':>4} | {'stock/ours change':>17} "
              f"{'stock/ours open':>15}")
    print(header)
    print("-" * len(header))
    for size, (ours, stock, closed_bytes, stock_bytes) in results.items():
        print(f"{size:>9,} | {closed_bytes / 1e6:>9.1f}MB | {ms(ours['median']):>16} {ms(ours['p95'])} "
              f"{ms(ours['open'])} | {ms(stock['median']):>17} {ms(stock['p95'])} {ms(stock['open']):>9} "
              f"{stock['n']:>4} | {stock['median'] / ours['median']:>16.1f}x {stock['open'] / ours['open']:>14.1f}x")
    print()
    print(f"ours: {args.changes} step completions per size (median, p95); FolderStore.open median of {args.opens}.")
    print("stock: one file with every incident; same step completion via table.update (time-capped, n shown);")
    print("       open+read = TinyDB(path) + table('incidents').all().")
    if 0 in results and max(sizes) > 0:
        big = max(sizes)
        base, top = results[0][0], results[big][0]
        change_ratio = top["median"] / base["median"]
        p95_ratio = top["p95"] / base["p95"]
        open_extra = (top["open"] - base["open"]) * 1000
        print()
        print(f"targets, {big:,} closed vs none (ours):")
        print(f"  change median {change_ratio:.2f}x (p95 {p95_ratio:.2f}x)   target <= 1.5x   "
              f"{'MET' if change_ratio <= 1.5 else 'MISSED'}")
        print(f"  open          {open_extra:+.2f} ms ({top['open'] / base['open']:.2f}x)   target <= +50 ms   "
              f"{'MET' if open_extra <= 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
