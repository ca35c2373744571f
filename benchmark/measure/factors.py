"""The two factors a pair can share (docs/METHOD.md §1), one definition for the whole suite."""

from __future__ import annotations

from enum import IntEnum


class Factor(IntEnum):
    """What a pair shares: ``DYNAMIC`` (same motion, new appearance) or ``STATIC``."""

    DYNAMIC = 0
    STATIC = 1

    @property
    def label(self) -> str:
        """``"dynamic"`` or ``"static"``: the name used in result files and tables."""
        return self.name.lower()


DYNAMIC, STATIC = Factor.DYNAMIC, Factor.STATIC
#: Factor names in index order, as in result files: ``("dynamic", "static")``.
FACTORS: tuple[str, str] = (DYNAMIC.label, STATIC.label)
