"""Writing files that an adversary may have planted links around (standard library only).

A repository can hold symbolic links where the leaderboard's plots or a result file will
be written.  :func:`write_atomic` never writes through one: it refuses a folder on the way
that is a link, writes a new temporary file opened with ``O_EXCL | O_NOFOLLOW``, and renames
it over the target, which replaces a link at the target itself instead of following it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from benchmark.errors import BenchmarkError


def linked_folder(path: Path, root: Path | None = None) -> Path | None:
    """The first folder from ``root`` (default: ``path``'s own folder) down to ``path``'s
    folder that is a symbolic link, or None."""
    path = Path(os.path.abspath(path))
    stop = Path(os.path.abspath(root)) if root is not None else path.parent
    for folder in reversed(path.parents):  # from the filesystem root down
        if folder == stop or stop in folder.parents:
            if folder.is_symlink():
                return folder
    return None


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object], root: str | Path | None = None) -> Path:
    """Create or replace ``path`` with what ``write(handle)`` writes, atomically, never
    through a link (the folders from ``root``, default ``path``'s own, down are checked);
    returns ``path``."""
    path = Path(path)
    link = linked_folder(path, Path(root) if root is not None else None)
    if link is not None:
        raise BenchmarkError(f"{path}: {link} is a symbolic link; files are never written through links.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileExistsError:
        tmp.unlink()  # a stale temporary file (or a planted link): removed, never followed
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str, root: str | Path | None = None) -> Path:
    """:func:`write_atomic` for UTF-8 text."""
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")), root)
