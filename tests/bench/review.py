"""Review benchmark: 10,000 closed incidents against 100, and against a minimal DataTable app.

    python tests/bench/review.py [--runs 5] [--keys 12]

1. `r` to an interactive review (its table drawing its first rows), each in a fresh process that first
   waited for its board: with the review index on disk (the usual case), without it (the
   first review ever), and after another process closed one more incident (closed.json
   changed). Baselines from the same run: the same with 100 closed incidents, and a minimal
   Textual app showing the same 10,000 rows in a DataTable.
2. A filter keystroke: the work (filter 10,000 rows, summary, draw the visible rows) and the
   same key end to end through the pilot; a sort key likewise.
3. Memory (resident set) of the whole app with the review shown: 10,000 closed against 100,
   and the DataTable app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared fake clock

RSS = r"""
def rss_mb():
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
"""

REVIEW_APP = RSS + r"""
import gc; gc.disable()  # as the mishap command starts the console (tui.cli); the app resumes it after its first frame
import json, sys, time
from tui.app import MishapApp
from tui.screens.board import BoardScreen
from tui.screens.review import ReviewScreen
from tui.widgets.row_table import RowTable
PAINTED = []  # when the review table first drew a line of a row (the frame goes out right after)
_draw = RowTable.render_line
def render_line(self, y):
    if y > 0 and self.rows and not PAINTED and self.id == "review-table":  # the board is a RowTable too
        PAINTED.append(time.perf_counter())
    return _draw(self, y)
RowTable.render_line = render_line
class Timed(MishapApp):
    def on_ready(self):
        super().on_ready()
        self.call_after_refresh(self.wait_for_board)
    def wait_for_board(self):
        if not isinstance(self.screen, BoardScreen) or not self.screen.table.rows:
            self.call_after_refresh(self.wait_for_board); return
        self.board_rss = rss_mb()[0]
        self.t0 = time.perf_counter()
        self.action_review()
        self.call_after_refresh(self.wait_for_review)
    def wait_for_review(self):
        screen = self.screen
        if not isinstance(screen, ReviewScreen) or not screen.shown or not PAINTED:
            self.set_timer(0.002, self.wait_for_review); return  # a poll, not a busy loop: a build thread needs the GIL
        took = PAINTED[0] - self.t0
        rss, _ = rss_mb()
        self.result = {"ms": took * 1000, "rss": rss, "board_rss": self.board_rss, "rows": len(screen.shown)}
        self.set_timer(1.5, self.finish)  # lets the index writer (after 0.5 s) finish, as a user would
    def finish(self):
        rss, peak = rss_mb()
        print(json.dumps(dict(self.result, rss_later=rss, peak=peak)), flush=True)
        self.exit()
Timed(sys.argv[1], offer_demo=False).run(headless=True, size=(120, 36))
"""

DATATABLE_APP = RSS + r"""
import json, sys, time
from textual.app import App
from textual.widgets import DataTable, Footer, Header
ROWS = json.load(open(sys.argv[1]))
class Minimal(App):
    def compose(self):
        yield Header(); yield DataTable(); yield Footer()
    def on_ready(self):
        self.call_after_refresh(self.show)
    def show(self):
        self.t0 = time.perf_counter()
        table = self.query_one(DataTable)
        table.add_columns(*ROWS[0])
        table.add_rows(ROWS[1:])
        self.call_after_refresh(self.done)
    def done(self):
        took = time.perf_counter() - self.t0
        rss, peak = rss_mb()
        print(json.dumps({"ms": took * 1000, "rss": rss, "peak": peak}), flush=True)
        self.exit()
Minimal().run(headless=True, size=(120, 36))
"""

WORDS = ("invoice", "payroll", "report", "order", "shipment", "export", "template", "rate", "discount", "address",
         "dns", "certificate", "backup", "import", "timesheet", "credit", "price", "label", "mailing", "contract")
MISTAKES = ("sent twice", "with last month's figures", "to the wrong client", "with a wrong rate", "never sent",
            "doubled", "with a typo in the amount", "overwritten", "deleted by a script", "with stale data")


def build_store(folder: Path, closed_count: int, open_count: int = 10, seed: int = 5) -> None:
    """A store with realistic closed incidents: varied titles, 300 clients, times over three years."""
    import pendulum

    from storage.store import FolderStore, write_atomically
    from storage.store.folder.files import dump_tinydb
    from storage.domain.parts import Cost, DamageItem, PreventionAction
    from support.clock import FakeClock

    rng = random.Random(seed)
    store = FolderStore.open(folder, clock=FakeClock(pendulum.datetime(2023, 1, 2, 9, 0, tz="UTC")), user="bench")
    template = store.create("Template", "Template client", 2, first_learned_by="us")

    def story(inc, at, by):
        inc.acknowledge(at.add(minutes=4), by)
        inc.add_damage(DamageItem("Invoices of March", "sent twice to 212 customers", 2, "confirmed"), at.add(minutes=8), by)
        inc.add_question("Did any customer pay twice?", at.add(minutes=9), by)
        for i in range(6):
            inc.complete_step(i, at.add(minutes=10 + i), by)
        inc.log_update("phone", "We sent the March invoices twice; a correction follows.", at.add(minutes=80),
                       at.add(minutes=20), by)
        inc.log_update("email", "Credit notes drafted for every duplicate.", at.add(minutes=140), at.add(minutes=85), by)
        inc.add_promise("Credit notes by Friday", at.add(days=3), at.add(minutes=90), by)
        inc.log_update("email", "All credit notes sent.", None, at.add(minutes=150), by)
        inc.set_text("root_cause", "The invoice run was started twice after a timeout.", at.add(hours=5), by)
        inc.set_text("fix", "Credit notes for every duplicate.", at.add(hours=5), by)
        inc.add_prevention(PreventionAction("Lock the run while it is in progress", "tom", at.add(days=7)), at.add(hours=5), by)
        inc.set_cost(Cost(4, 250, 100), at.add(hours=5), by)
        inc.set_text("lessons", "A timeout is not a failure.", at.add(hours=5), by)
        inc.confirm_client(at.add(hours=6), by)
        inc.close(at.add(hours=30), by)

    store.change(template.number, lambda inc, at, by: story(inc, inc.discovered_at, by))
    doc = store.get(template.number).to_dict()
    text = json.dumps(doc)

    def shifted(delta_minutes: int, close_extra: int) -> dict:
        def move(match: str) -> str:
            value = datetime.fromisoformat(match) + timedelta(minutes=delta_minutes)
            return value.isoformat()
        copy = json.loads(text)

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if isinstance(value, str) and key.endswith(("_at", "_due", "due", "next_promised")) and "T" in value:
                        node[key] = move(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)
        walk(copy)
        copy["closed_at"] = (datetime.fromisoformat(copy["closed_at"]) + timedelta(minutes=close_extra)).isoformat()
        return copy

    closed = {}
    for n in range(1000, 1000 + closed_count):
        copy = shifted(rng.randrange(0, 3 * 365 * 24 * 60), rng.randrange(0, 10 * 24 * 60))
        copy.update(number=n, severity=rng.randint(1, 4), first_learned_by=rng.choice(("us", "us", "client")),
                    client_org=f"Client {rng.randrange(300):03d} Ltd",
                    title=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(MISTAKES)}")
        copy["cost"]["credits"] = rng.randrange(0, 2000)
        closed[str(n)] = copy
    store.change(template.number, lambda inc, at, by: inc.reopen(at, by, "bench"))  # keeps it out of closed.json
    write_atomically(folder / "closed.json", dump_tinydb({"incidents": closed}))
    for i in range(open_count):
        store.create(f"Open incident {i}", f"Client {i % 7}", 1 + i % 4)


def child(code: str, args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    if out.returncode or not out.stdout.strip():
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: int, code: str, args: list[str], before=None) -> tuple[float, dict]:
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(child(code, args))
    return statistics.median(r["ms"] for r in results), results[-1]


def datatable_rows(folder: Path) -> Path:
    """The 10,000 review rows as plain strings, for the DataTable baseline."""
    from storage.domain.spans import compact_span
    from storage.store import FolderStore

    rows = [["Closed", "Sev", "Incident", "Client", "Open", "Ack", "Contact", "First", "OnTime", "Silence",
             "Broke", "Cost"]]
    for r in FolderStore.open(folder).review_rows():
        rows.append([str(r.closed_at), str(r.severity), f"{r.id} {r.title}", r.client, compact_span(r.duration),
                     compact_span(r.ack), compact_span(r.first_contact), str(r.us_first),
                     str(r.on_time_share), compact_span(r.silence), str(r.broken), f"{r.credits:g}+{r.hours:g}h"])
    path = folder.parent / "rows.json"
    path.write_text(json.dumps(rows))
    return path


def bench_open(runs: int, big: Path, small: Path) -> None:
    from storage.store.folder.layout import INDEX_FILE, JOURNAL_FILE
    from storage.store import FolderStore

    FolderStore.open(small), FolderStore.open(big)  # the first layout moved, then the move checked
    FolderStore.open(small), FolderStore.open(big)

    def drop_index():
        for name in (INDEX_FILE, JOURNAL_FILE):
            (big / "closed" / name).unlink(missing_ok=True)

    child(REVIEW_APP, [str(small)])  # writes the 100-row index
    small_ms, small_res = median_of(runs, REVIEW_APP, [str(small)])
    child(REVIEW_APP, [str(big)])  # writes the index
    with_index, big_res = median_of(runs, REVIEW_APP, [str(big)])
    no_index, _ = median_of(max(1, runs // 2), REVIEW_APP, [str(big)], before=drop_index)
    child(REVIEW_APP, [str(big)])  # index back

    def changed_elsewhere():
        store = FolderStore.open(big, user="other")
        inc = store.create("Closed elsewhere", "Client 2", 2)
        store.change(inc.number, lambda i, now, by: i.close(now, by, reason="closed by a script"))

    changed, _ = median_of(max(1, runs // 2), REVIEW_APP, [str(big)], before=changed_elsewhere)
    rows_file = datatable_rows(big)
    table_ms, table_res = median_of(runs, DATATABLE_APP, [str(rows_file)])
    print(f"`r` to an interactive review, fresh process (median of {runs}; board shown first)")
    print(f"  100 closed (baseline)                         {small_ms:7.1f} ms")
    print(f"  minimal DataTable app, the same 10,000 rows    {table_ms:7.1f} ms  (time to show them)")
    print(f"  10,000 closed, review index on disk            {with_index:7.1f} ms  (target < 300 ms)")
    print(f"  10,000 closed, just after a close elsewhere    {changed:7.1f} ms  (its journal line read)")
    print(f"  10,000 closed, no index yet (first review)     {no_index:7.1f} ms  (rows shown, progress meanwhile; once)")
    print("memory of the whole app with the review shown (resident set)")
    print(f"  100 closed (baseline)                         {small_res['rss']:7.1f} MB  (board alone "
          f"{small_res['board_rss']:.1f} MB)")
    print(f"  10,000 closed                                  {big_res['rss']:7.1f} MB  ratio "
          f"{big_res['rss'] / small_res['rss']:.2f}x (target < 1.50x); peak {big_res['peak']:.1f} MB")
    print(f"  1.5 s later (index written): 100 closed {small_res['rss_later']:.1f} MB, 10,000 closed "
          f"{big_res['rss_later']:.1f} MB, ratio {big_res['rss_later'] / small_res['rss_later']:.2f}x")
    print(f"  minimal DataTable app, 10,000 rows             {table_res['rss']:7.1f} MB")


async def bench_keys(keys: int, folder: Path) -> None:
    from textual.widgets import Input

    from tui.app import MishapApp
    from tui.screens.review import ReviewScreen

    app = MishapApp(folder, user="bench", offer_demo=False)
    work, e2e, noop, sort = [], [], [], []
    typed = ("payroll doubled " * 4)[:keys]
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("slash")
        await pilot.pause()
        box = screen.query_one("#filter-text", Input)
        for char in typed:  # the work of one keystroke: filter, summary, draw the visible rows
            box.value += char
            start = time.perf_counter()
            screen._filter_changed(None)
            screen.table.visible_text()
            work.append(time.perf_counter() - start)
        box.value = ""
        await pilot.pause()
        for char in typed:  # end to end through the pilot, its own waits included
            start = time.perf_counter()
            await pilot.press(char if char != " " else "space")
            await pilot.pause()
            e2e.append(time.perf_counter() - start)
            start = time.perf_counter()
            await pilot.press("f9")  # bound to nothing: the harness's own cost
            await pilot.pause()
            noop.append(time.perf_counter() - start)
        shown = len(screen.shown)
        await pilot.press("escape")
        await pilot.pause()
        for _ in range(keys):
            start = time.perf_counter()
            screen.action_sort(1)
            screen.table.visible_text()
            sort.append(time.perf_counter() - start)

    def q(values, p):
        return sorted(values)[int(p * (len(values) - 1))] * 1000

    print(f"filter keystroke with 10,000 closed ({len(typed)} keys, '{typed}' leaves {shown} rows)")
    print(f"  work: filter + summary + visible rows  median {q(work, .5):6.1f} ms  max {max(work) * 1000:6.1f} ms"
          f"  (target < 100 ms)")
    print(f"  through the pilot                      median {q(e2e, .5):6.1f} ms  (no-op key {q(noop, .5):.1f} ms)")
    print(f"sort key (s) with 10,000 closed          median {q(sort, .5):6.1f} ms  max {max(sort) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        start = time.perf_counter()
        build_store(big, 10_000)
        build_store(small, 100)
        print(f"stores built in {time.perf_counter() - start:.1f} s; closed.json with 10,000: "
              f"{os.path.getsize(big / 'closed.json') / 1e6:.1f} MB")
        bench_open(args.runs, big, small)
        asyncio.run(bench_keys(args.keys, big))


if __name__ == "__main__":
    main()
