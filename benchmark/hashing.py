"""The sha256 of a file: the one definition behind weights pins, their checks and the
``weights_sha256`` of a result. Standard library only, so ``benchmark validate`` can use it
without importing torch or submission code."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["sha256_file"]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
