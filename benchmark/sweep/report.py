"""What became of each job of a sweep: done, skipped, failed (with its first error line)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

STATUSES = ("done", "skipped", "failed", "interrupted", "submitted", "to run")


@dataclass
class Outcome:
    """One job's end: ``status`` one of :data:`STATUSES`; ``detail`` the first error line of a
    failed job, the reason of a skip, or where its log is."""

    label: str
    status: str
    seconds: float | None = None
    detail: str = ""


def first_error(text: str) -> str:
    """The line that says what went wrong: the first ``error:`` line (the CLI's message),
    else the last line of a traceback, else the last non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("error:"):
            return line[len("error:"):].strip()
    return lines[-1] if lines else "(no output)"


def first_error_in(log: Path) -> str:
    """:func:`first_error` of a log file (which may be missing)."""
    try:
        return first_error(log.read_text(errors="replace"))
    except OSError:
        return f"(no log at {log})"


def summary_table(outcomes: list[Outcome], width: int = 110) -> str:
    """The table printed at the end of a sweep, then one line of counts."""
    rows = [(o.label, o.status, "" if o.seconds is None else f"{o.seconds:.1f}", o.detail[:width])
            for o in outcomes]
    counts = Counter(o.status for o in outcomes)
    totals = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    return tabulate(rows, headers=("job", "status", "s", "detail")) + f"\n\n{len(outcomes)} jobs: {totals}"
