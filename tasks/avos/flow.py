"""Optical flow for the motion stream: OpenCV Farneback or DIS, cached on disk.

A flow field is computed between frame t and frame t+1 at a working resolution (longest
side at most ``FlowParams.max_side``), stored in the cache as float16 ``.npz`` keyed by the
video's identity, the frame index and every parameter, and shown to models as a
colour-coded RGB image (:mod:`tasks.avos.flow_colour`).  Precomputed colour-coded flow
(e.g. RAFT run elsewhere) is read from ``<flow_root>/<sequence>/<frame>.png`` instead.

>>> params = FlowParams()
>>> cache = FlowCache(tmp_dir)
>>> flow = cached_flow(cache, "davis2016/blackswan", 0, params, lambda: (frame0, frame1))
>>> image = flow_to_colour(flow)                       # (H', W', 3) uint8
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from benchmark.errors import DataError
from tasks.avos.flow_colour import flow_to_colour, jitter_flow_image, sample_jitter

__all__ = [
    "DEFAULT_FLOW_CACHE",
    "FlowCache",
    "FlowParams",
    "cached_flow",
    "compute_flow",
    "flow_to_colour",
    "jitter_flow_image",
    "read_flow_image",
    "sample_jitter",
]

#: Default cache folder (the AVOS task option ``flow.cache`` moves or disables it).
DEFAULT_FLOW_CACHE = Path.home() / ".cache" / "motion-bench" / "flow"


@dataclass(frozen=True)
class FlowParams:
    """How flow is computed; every field is part of the cache key."""

    method: Literal["farneback", "dis"] = "farneback"
    max_side: int = 320  # frames are downscaled so their longest side is at most this
    # Farneback
    pyr_scale: float = 0.5
    levels: int = 3
    winsize: int = 9
    iterations: int = 3
    poly_n: int = 5
    poly_sigma: float = 1.1
    # DIS
    dis_preset: Literal["ultrafast", "fast", "medium"] = "medium"

    def key(self) -> str:
        """A canonical text of the parameters."""
        return json.dumps(asdict(self), sort_keys=True)


def _working_gray(frame: np.ndarray, max_side: int) -> np.ndarray:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}")
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = max_side / max(h, w)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return gray


_DIS_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def compute_flow(frame_a: np.ndarray, frame_b: np.ndarray, params: FlowParams = FlowParams()) -> np.ndarray:
    """Flow from ``frame_a`` to ``frame_b`` (RGB uint8, same shape): (H', W', 2) float32 in
    pixels of the working resolution (H', W' = the frame downscaled to ``max_side``)."""
    if frame_a.shape != frame_b.shape:
        raise ValueError(f"frames differ in shape: {frame_a.shape} vs {frame_b.shape}")
    a = _working_gray(frame_a, params.max_side)
    b = _working_gray(frame_b, params.max_side)
    if params.method == "farneback":
        flow = cv2.calcOpticalFlowFarneback(
            a, b, None, params.pyr_scale, params.levels, params.winsize, params.iterations,
            params.poly_n, params.poly_sigma, 0,
        )
    elif params.method == "dis":
        flow = cv2.DISOpticalFlow_create(_DIS_PRESETS[params.dis_preset]).calc(a, b, None)
    else:
        raise ValueError(f"unknown flow method {params.method!r}; expected 'farneback' or 'dis'")
    return flow.astype(np.float32)


class FlowCache:
    """Flow fields on disk, one compressed ``.npz`` per (video, frame, parameters).

    Writes are atomic (temporary file + rename), so parallel DataLoader workers may share
    a cache.  ``hits`` and ``misses`` count lookups in this process.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else DEFAULT_FLOW_CACHE
        self.hits = 0
        self.misses = 0

    def path(self, identity: str, frame: int, params: FlowParams) -> Path:
        """Where the flow of ``frame`` of video ``identity`` lives."""
        digest = hashlib.sha256(f"{identity}\n{int(frame)}\n{params.key()}".encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.npz"

    def load(self, identity: str, frame: int, params: FlowParams) -> np.ndarray | None:
        """The cached flow (float32), or None on a miss (a corrupt entry counts as a miss)."""
        path = self.path(identity, frame, params)
        try:
            with np.load(path) as data:
                flow = data["flow"].astype(np.float32)
        except (OSError, KeyError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return flow

    def save(self, identity: str, frame: int, params: FlowParams, flow: np.ndarray) -> Path:
        path = self.path(identity, frame, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, flow=flow.astype(np.float16))
        os.replace(tmp, path)
        return path


def cached_flow(
    cache: FlowCache | None,
    identity: str,
    frame: int,
    params: FlowParams,
    frames: Callable[[], tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """The flow of frame ``frame`` -> ``frame + 1`` of video ``identity``: from ``cache`` when
    there, else computed from ``frames()`` (called only on a miss) and stored."""
    if cache is not None:
        flow = cache.load(identity, frame, params)
        if flow is not None:
            return flow
    flow = compute_flow(*frames(), params)
    if cache is not None:
        cache.save(identity, frame, params, flow)
    return flow


def read_flow_image(flow_root: str | Path, sequence: str, frame: str) -> np.ndarray:
    """A precomputed colour-coded flow image ``<flow_root>/<sequence>/<frame>.png`` as RGB
    uint8 (the flow from that frame to the next)."""
    path = Path(flow_root) / sequence / f"{frame}.png"
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        what = "missing" if not path.is_file() else "not a readable image"
        raise DataError(f"{path}: precomputed flow image {what} (flow_root layout: "
                        "<flow_root>/<sequence>/<frame>.png).")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
