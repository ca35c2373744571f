"""What keeps a run from losing or corrupting work: where results go, which may be replaced,
one run per checkpoint, SIGTERM treated like Ctrl-C, and a tripwire for submission code
that patches the harness.

- :func:`output_folder` / :func:`check_output`: results go to ``runs/<submission>/`` unless
  ``--update-results`` (the submission's ``results/``) or ``--output DIR``; a committed
  result is replaced only with ``--update-results``, and a result measured with more pairs
  only with ``--force``; all checked before anything is computed.
- :class:`CheckpointLock`: an exclusive ``fcntl`` lock per checkpoint, held for the run.
- :func:`interrupt_on_sigterm`: SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``),
  so the runner saves its checkpoint as it does on Ctrl-C; :func:`uninterrupted` holds both
  back while a batch enters the estimator, so a checkpoint never holds half a batch.
- :class:`HarnessSnapshot`: identities of every function, class, method and constant of the
  harness and task modules, taken before a submission's ``model.py`` is imported and
  compared after the model is built and after its last forward pass (docs/architecture.md, "Security model", says what
  this does and does not catch).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmark.errors import BenchmarkError, ResultError

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


def _measured_pairs(path: Path) -> int | None:
    from benchmark.results.schema import CURVES_DIR, read_curve, read_result

    try:
        if path.parent.name == CURVES_DIR:  # a training curve: every point has the same pairs
            pairs = read_curve(path).points[-1].pairs
        else:
            pairs = read_result(path).pairs
    except BenchmarkError:
        return None
    return pairs.get("dynamic", 0) + pairs.get("static", 0)


def check_output(folder: Path, file_name: str, results_dir: Path, update_results: bool, pairs: int,
                 force: bool) -> None:
    """Refuse, before anything is computed, to write where the result cannot or should not go:
    a folder that is a file, a committed result without ``--update-results``, or a result
    measured with more pairs than ``pairs`` (or unreadable) without ``--force``."""
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
    existing = _measured_pairs(path)
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


# --------------------------------------------------------------------------- tripwire

_WATCHED = ("benchmark", "tasks")
_VALUES = (types.FunctionType, types.BuiltinFunctionType, type, int, float, str, bytes, tuple, frozenset,
           classmethod, staticmethod, property)
_VOLATILE = ("__pydantic", "_abc_", "__abstractmethods__", "__parameters__")


def _watched(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in _WATCHED)


#: Harness modules a run never uses (commands of their own; plotting).
_NOT_RUN = ("benchmark.__main__", "benchmark.cli", "benchmark.board.markdown", "benchmark.board.plots",
            "benchmark.pairs.preview", "benchmark.pairs.style_quality")


def import_harness() -> None:
    """Import every module of the harness a run may use (some are imported lazily), so that
    the snapshot covers them before submission code can reach them."""
    import benchmark

    for info in pkgutil.walk_packages(benchmark.__path__, "benchmark."):
        if info.name not in _NOT_RUN:
            importlib.import_module(info.name)


def _entries() -> dict[str, object]:
    entries: dict[str, object] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not _watched(name):
            continue
        for attr, value in list(vars(module).items()):
            if not isinstance(value, _VALUES) or attr.startswith("__"):
                continue
            entries[f"{name}.{attr}"] = value
            if isinstance(value, type) and value.__module__ == name:
                for key, member in list(vars(value).items()):
                    if not key.startswith(_VOLATILE) and key != "__dict__" and key != "__weakref__":
                        entries[f"{name}.{attr}.{key}"] = member
    import torch

    for key, member in list(vars(torch.Tensor).items()):
        entries[f"torch.Tensor.{key}"] = member
    return entries


class HarnessSnapshot:
    """Every function, class, method and constant of the loaded harness and task modules
    (and ``torch.Tensor``'s methods), by identity."""

    def __init__(self) -> None:
        self.entries = _entries()
        self.classes = {key: set(vars(value)) for key, value in self.entries.items()
                        if isinstance(value, type) and _watched(value.__module__)}

    def changes(self) -> list[str]:
        """What was replaced, removed, or added to a class, since the snapshot."""
        now = _entries()
        changed = [key for key, value in self.entries.items() if now.get(key, _MISSING) is not value]
        for key, members in self.classes.items():
            value = self.entries[key]
            added = {m for m in set(vars(value)) - members if not m.startswith(_VOLATILE)}
            changed += [f"{key}.{m}" for m in sorted(added)]
        return sorted(set(changed))

    def check(self, submission: str, when: str) -> None:
        """Refuse to go on when submission code changed the harness."""
        changed = self.changes()
        if changed:
            shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
            raise ResultError(
                f"Submission {submission!r} changed the harness {when}: {shown}. A model.py may build and "
                "run a model, never patch the benchmark; no result is written. Remove the patching code."
            )


_MISSING = object()
