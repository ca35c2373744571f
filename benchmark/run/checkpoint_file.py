"""Resume checkpoints whose content is authenticated, not only their key.

A checkpoint holds the run's key (what it was made with) and its state (estimator sums,
pairs done, the evaluation), serialised once; an HMAC-SHA256 over both, keyed with a
secret of this user's (32 random bytes in the cache folder, created ``0600`` on first use),
is stored with them.  :func:`read_checkpoint` recomputes it before anything of the state
is used, so a checkpoint whose numbers were edited - by hand, by another program, by a
model process on a platform that does not confine it (docs/architecture.md, "Security
model") - is refused, naming the file.  Files are written atomically (a temporary file is
removed again on Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import hmac
import io
import json
import os
from pathlib import Path
from typing import Any

import torch

from benchmark.errors import BenchmarkError
from benchmark.files import write_atomic

SECRET_NAME = "checkpoint.secret"


def _secret() -> bytes:
    from benchmark.submission.model import CACHE_DIR

    path = CACHE_DIR / SECRET_NAME
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) != 32:
            raise BenchmarkError(f"{path}: not a checkpoint secret (32 bytes); remove it (interrupted runs then "
                                 "restart with --restart).") from None
        return secret
    secret = os.urandom(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def _mac(key: dict, state: bytes) -> str:
    return hmac.new(_secret(), json.dumps(key, sort_keys=True).encode() + b"\0" + state, "sha256").hexdigest()


def write_checkpoint(path: Path, key: dict, state: dict[str, Any]) -> None:
    """Save ``state`` (tensors and plain values) with the run's ``key`` and their HMAC."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    saved = {"key": key, "state": data, "mac": _mac(key, data)}
    write_atomic(path, lambda handle: torch.save(saved, handle))


def read_checkpoint(path: Path) -> tuple[dict, dict[str, Any]]:
    """The key and state of a checkpoint, its HMAC checked; a :class:`BenchmarkError`
    naming the file when it is unreadable or its content changed after it was saved."""
    try:
        saved = torch.load(path, weights_only=True)
        key, data, mac = saved["key"], saved["state"], saved["mac"]
        if not (isinstance(key, dict) and isinstance(data, bytes) and isinstance(mac, str)):
            raise TypeError("not a key, state and MAC")
    except Exception as error:  # noqa: BLE001 - a truncated, foreign or older file
        raise BenchmarkError(f"{path}: not a readable checkpoint ({type(error).__name__}: {error}); "
                             "rerun with --restart to discard it.") from None
    if not hmac.compare_digest(mac, _mac(key, data)):
        raise BenchmarkError(f"{path}: the checkpoint's content changed after it was saved (its HMAC does not "
                             "match); it is not used. Rerun with --restart to discard it.")
    return key, torch.load(io.BytesIO(data), weights_only=True)
