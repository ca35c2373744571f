"""What keeps a run from losing or corrupting work: where results go, which may be replaced,
one run per checkpoint, SIGTERM treated like Ctrl-C.  (Submission code cannot patch the
harness: it runs in its own process, :mod:`benchmark.isolation.process`.)

- :func:`output_folder` / :func:`check_output`: results go to ``runs/<submission>/`` unless
  ``--update-results`` (the submission's ``results/``) or ``--output DIR``; a committed
  result is replaced only with ``--update-results``, and a result measured with more pairs
  only with ``--force``; all checked before anything is computed.
- :class:`CheckpointLock`: an exclusive ``fcntl`` lock per checkpoint, held for the run.
- :func:`interrupt_on_sigterm`: SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``),
  so the runner saves its checkpoint as it does on Ctrl-C; :func:`uninterrupted` holds both
  back while a batch enters the estimator, so a checkpoint never holds half a batch.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmark.errors import BenchmarkError

RUNS_DIR = Path("runs")
#: The estimator may allocate at most this much unless told otherwise (``run --memory-limit``;
#: :func:`benchmark.measure.estimator.check_memory`).
DEFAULT_MEMORY_LIMIT_GIB = 4.0


# --------------------------------------------------------------------------- outputs


def output_folder(output: Path | None, update_results: bool, results_dir: Path, name: str) -> Path:
    """Where a run writes: ``--output``, the submission's ``results/`` with
    ``--update-results``, else ``runs/<submission>/`` in the current folder."""
    if output is not None and update_results:
        raise BenchmarkError("--output and --update-results both say where to write; give one of them.")
    if output is not None:
        return Path(output)
    return results_dir if update_results else RUNS_DIR / name


def _measured(path: Path) -> tuple[str | None, int | None]:
    """The submission and pairs of the result or curve at ``path`` (None, None: unreadable)."""
    from benchmark.results.schema import CURVES_DIR, read_curve, read_result

    try:
        if path.parent.name == CURVES_DIR:  # a training curve: every point has the same pairs
            curve = read_curve(path)
            owner, pairs = curve.submission, curve.points[-1].pairs
        else:
            result = read_result(path)
            owner, pairs = result.submission, result.pairs
    except BenchmarkError:
        return None, None
    return owner, pairs.get("dynamic", 0) + pairs.get("static", 0)


def check_output(folder: Path, file_name: str, results_dir: Path, update_results: bool, pairs: int,
                 force: bool) -> None:
    """Refuse, before anything is computed, to write where the result cannot or should not go:
    a folder that is a file, a committed result without ``--update-results``, or a result
    measured with more pairs than ``pairs`` (or unreadable) without ``--force``, or another
    submission's result (submissions sharing an ``--output`` never replace each other's)."""
    folder = Path(folder)
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise BenchmarkError(f"--output {folder}: {parent} is a file, not a folder; choose a folder "
                                 "for the result (nothing was computed).")
    path = folder / file_name
    if path.is_symlink():
        raise BenchmarkError(f"{path} is a symbolic link; results are never written through links.")
    if not path.exists():
        return
    committed = folder.resolve() == Path(results_dir).resolve()
    if committed and not update_results:
        raise BenchmarkError(f"{path} is a committed result of the submission; rerun with --update-results to "
                             "replace it (or --output DIR to write elsewhere). Nothing was computed.")
    owner, existing = _measured(path)
    submission = Path(results_dir).resolve().parent.name
    if owner is not None and owner != submission:
        raise BenchmarkError(f"{path} holds a result of submission {owner!r}, not {submission!r}: give each "
                             "submission its own --output folder. Nothing was computed.")
    if force:
        return
    if existing is None:
        raise BenchmarkError(f"{path} exists and is not a readable result; rerun with --force to replace it, "
                             "or --output DIR to write elsewhere. Nothing was computed.")
    if existing > pairs:
        raise BenchmarkError(f"{path} holds a result measured with {existing} pairs; this run measures at most "
                             f"{pairs}. Rerun with --pairs {existing} or more, with --force to replace it anyway, "
                             "or with --output DIR to write elsewhere. Nothing was computed.")


# --------------------------------------------------------------------------- checkpoint lock


class CheckpointLock:
    """An exclusive lock on ``<checkpoint>.lock`` for as long as a run uses the checkpoint."""

    def __init__(self, checkpoint: Path) -> None:
        self.path = Path(checkpoint).with_name(Path(checkpoint).name + ".lock")
        self.handle = None

    def acquire(self) -> CheckpointLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise BenchmarkError(
                f"{self.path}: another run ({holder}) is writing this checkpoint and result. Wait for it to "
                "finish, or give this run another --output."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing drops the lock
            self.handle = None
            self.path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM; handled like Ctrl-C (progress saved)."""


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only)."""
    def handler(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Within the block, Ctrl-C and SIGTERM wait for its end (then raise), so a batch is
    either wholly in the estimator and counted, or not at all (main thread only)."""
    pending: list[int] = []

    def defer(signum, frame):
        pending.append(signum)

    try:
        previous = {sig: signal.signal(sig, defer) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if pending:
        raise Terminated() if pending[0] == signal.SIGTERM else KeyboardInterrupt()

