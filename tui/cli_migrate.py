"""``mishap migrate --from SOURCE --to TARGET``: move a store between a folder and a PostgreSQL database.

The copy itself is storage.store.migrate; this module reads the arguments and prints what was
done and both sides' counts and checksums. It registers like a family of subcommands:
``register(command)`` with ``command(name, help, run)`` returning the parser.
"""

from __future__ import annotations

import sys

from storage.domain.visible import visible

HELP = ("copy every incident, draft, playbook and config from one store to another (a folder or a "
        "postgresql:// URL); safe to run again")


def register(command) -> None:
    """Add ``migrate`` to the command's parser."""
    p = command("migrate", HELP, run)
    p.add_argument("--from", dest="source", metavar="SOURCE", required=True,
                   help="the store to copy from: a folder, or postgresql://USER@HOST/DB")
    p.add_argument("--to", dest="target", metavar="TARGET", required=True,
                   help="the store to copy to (made if needed; an earlier copy is brought up to date)")


def _say(text: str, file=None) -> None:
    print(visible(text, multiline=True), file=file or sys.stdout)


def _progress(done: int, total: int) -> None:
    """One line on the terminal, written over: how far the copy is, then the check of both sides."""
    if done < 0:
        line = "mishap: copied; counting and checksumming both sides…"
    else:
        line = f"mishap: {done:,} of {total:,} incidents copied or checked ({100 * done // max(total, 1)}%)"
    sys.stderr.write(f"\r\x1b[K{line}")
    sys.stderr.flush()


def run(args) -> int:
    """Copy, then print what was done and the counts and checksums of both sides; 1 if they differ."""
    from storage.store import StoreError, copy_store, side_of

    if args.source == args.target:
        raise StoreError("--from and --to name the same store: give two different ones")
    source = side_of(args.source)
    target = side_of(args.target)
    shown = sys.stderr.isatty()
    report = copy_store(source, target, _progress if shown else None)
    if shown:
        sys.stderr.write("\r\x1b[K")  # the progress line is done with
        sys.stderr.flush()
    if report.changed_nothing and not report.conflicts:
        _say(f"{target.location} already holds everything in {source.location}: nothing changed")
    else:
        _say(f"copied {report.copied} incidents, brought {report.updated} up to date, left {report.unchanged} "
             f"as they were; {report.drafts_copied} drafts, {report.files_copied} team files")
    for conflict in report.conflicts:
        _say(f"mishap: conflict: {conflict}", file=sys.stderr)
    width = max(len(report.source.location), len(report.target.location))
    for tally in (report.source, report.target):
        counts = ", ".join(f"{count} {kind}" for kind, count in tally.counts.items())
        sums = " ".join(tally.checksums[kind] for kind in tally.checksums)
        _say(f"{tally.location:<{width}}  {counts}  checksums {sums}")
    if report.matches:
        _say("counts and checksums match")
        return 0
    _say("mishap: the two stores differ (see the counts and checksums above)", file=sys.stderr)
    return 1
