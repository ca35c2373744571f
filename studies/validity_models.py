"""The models of the protocol validity study and its two halves (docs/protocol_v3.md §1).

Fixed before any protocol-v3 candidate was measured: the development half chooses the
protocol, the confirmation half is used once, after the choice is frozen.
"""

from __future__ import annotations

DEVELOPMENT: tuple[str, ...] = (
    "zoo-tsn-motion", "zoo-late-fusion-motion", "zoo-tsm-motion", "zoo-r2plus1d-motion",
    "zoo-r3d-motion", "zoo-slowfast-motion", "zoo-tsm-appearance", "zoo-r3d-appearance",
    "zoo-tsm-conflict", "zoo-r3d-conflict", "zoo-slowfast-conflict", "zoo-tsn-appearance",
)
CONFIRMATION: tuple[str, ...] = (
    "zoo-two-stream-motion", "zoo-two-stream-conflict", "zoo-timesformer-motion",
    "zoo-timesformer-conflict", "c3d-synthetic", "frame2d-synthetic", "c3d-small-motion",
    "c3d-small-appearance", "c3d-small-conflict", "c3d-small-motion-staticdropout",
    "c3d-small-conflict-staticdropout", "frame2d-small-motion", "zoo-tsn-woven", "zoo-r3d-woven",
    "zoo-tsm-woven-wide", "zoo-late-fusion-woven",
)
#: Models that see one frame at a time (no temporal modelling anywhere).
FRAME_ONLY: tuple[str, ...] = ("zoo-tsn-motion", "zoo-tsn-appearance", "zoo-tsn-woven",
                               "frame2d-synthetic", "frame2d-small-motion")
#: The probed layers of every study model, by position: the zoo's names; the reference
#: ResNets' stem, res2..res5 map onto them in order.
LAYERS: tuple[str, ...] = ("stem", "early", "middle", "late", "last")
KEY_LAYERS: tuple[str, ...] = ("middle", "last")


def half_of(submission: str) -> str:
    """``development`` or ``confirmation``."""
    if submission in DEVELOPMENT:
        return "development"
    if submission in CONFIRMATION:
        return "confirmation"
    raise KeyError(f"{submission} is in neither half of the validity study")


def canonical_layers(declared: list[str]) -> dict[str, str]:
    """A model's declared layer names -> the study's layer names (by position)."""
    if len(declared) != len(LAYERS):
        raise ValueError(f"the study compares models with {len(LAYERS)} probed layers, got {declared}")
    return dict(zip(declared, LAYERS, strict=True))
