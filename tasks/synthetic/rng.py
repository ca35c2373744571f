"""Deterministic random generators keyed by integers (never Python's ``hash()``)."""

from __future__ import annotations

import hashlib

import numpy as np

from benchmark.errors import DataError

# Stream tags: each use of a seed gets its own independent stream.
APPEARANCE = 0xA11
DYNAMICS = 0xD1A
CLASS_OF_APPEARANCE = 0xCA
CLASS_OF_DYNAMICS = 0xCD
SPLIT_STREAM = 0x5B1


def check_seed(seed: object, what: str = "seed") -> int:
    """Return ``seed`` as a non-negative int, or raise DataError naming ``what``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise DataError(f"{what} must be a non-negative integer, got {seed!r}")
    return int(seed)


def generator(*keys: int) -> np.random.Generator:
    """A PCG64 generator seeded from a SeedSequence of non-negative integer ``keys``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(k) for k in keys])))


def draw_seed(rng: np.random.Generator) -> int:
    """A fresh 63-bit seed drawn from ``rng``."""
    return int(rng.integers(0, 2**63 - 1, dtype=np.int64))


def stable_tag(text: str) -> int:
    """A process-independent 64-bit integer for ``text`` (sha256, never ``hash()``)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
