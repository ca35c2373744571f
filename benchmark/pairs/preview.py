"""A clip in every style, side by side, as one image (``benchmark styles``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from benchmark.api.transforms import uniform_indices
from benchmark.pairs.protocols import style_frames
from benchmark.pairs.styles import DEFAULT_STYLES, STYLES, style_names

LABEL_WIDTH = 120


def style_sheet(clip: np.ndarray, style_ids: Sequence[int], frames: int = 6, scale: int = 2) -> Image.Image:
    """Rows: the original clip, then one row per style; columns: ``frames`` frames."""
    picked = uniform_indices(clip.shape[0], frames)
    names = style_names()
    rows = [("original", clip[picked])]
    rows += [(f"{k}: {names[k]}", style_frames(clip, k)[picked]) for k in style_ids]
    h, w = clip.shape[1] * scale, clip.shape[2] * scale
    sheet = Image.new("RGB", (LABEL_WIDTH + frames * (w + 2), len(rows) * (h + 2)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for r, (label, row) in enumerate(rows):
        top = r * (h + 2)
        draw.text((6, top + h // 2 - 6), label, fill=(235, 235, 235))
        for c, frame in enumerate(row):
            tile = Image.fromarray(frame).resize((w, h), Image.NEAREST)
            sheet.paste(tile, (LABEL_WIDTH + c * (w + 2), top))
    return sheet


def write_style_preview(
    out: Path, clip: np.ndarray, which: str = "all", frames: int = 6, name: str = "styles"
) -> Path:
    """Write ``<out>/<name>.png`` with ``which`` = ``all`` registered styles or ``default``."""
    ids = list(DEFAULT_STYLES) if which == "default" else list(range(len(STYLES.names())))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    style_sheet(clip, ids, frames).save(path, optimize=True)
    return path
