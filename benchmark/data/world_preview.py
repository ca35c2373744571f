"""Previews of the synthetic worlds the tasks declare: an animated GIF of sample clips and
a contact-sheet PNG (``python -m benchmark worlds --out DIR [--world NAME ...]``).

A world is read through what every world offers (``spec``, ``render``, ``label``,
``class_names``, ``split_size``; ``render_instances`` where it has masks); a world class
may list named variants of itself in ``preview_variants`` (suffix -> options).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from benchmark.api.tasks import get_world, world_class, world_names

_LABEL_WIDTH = 120
_MASK_COLORS = np.array(
    [
        (255, 255, 255),
        (255, 64, 64),
        (64, 200, 255),
        (255, 220, 0),
        (120, 255, 120),
        (255, 120, 255),
    ],
    dtype=np.float32,
)


def _mask_color(k: int) -> np.ndarray:
    """The tint of the k-th mask (0-based) of an overlay row."""
    return _MASK_COLORS[(k + 1) % len(_MASK_COLORS)]


def _overlay(frames: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """Frames dimmed, with each mask tinted in its own colour."""
    out = frames.astype(np.float32) * 0.35
    for k, m in enumerate(masks):
        out[m] = 0.35 * frames[m] + 0.65 * _mask_color(k)
    return out.astype(np.uint8)


# A caption: one line, or lines each in its own colour (an instance row names the
# category of each mask in the mask's tint).
Caption = str | list[tuple[str, tuple[int, int, int]]]


def _sample_rows(world, clips: int, seed: int) -> list[tuple[Caption, np.ndarray]]:
    """(caption, frames) rows: clips from the test split, plus mask rows for AVOS/VIS."""
    rng = np.random.default_rng(seed)
    n = world.split_size("test")
    indices = rng.choice(n, size=min(clips, n), replace=False) if n else []
    rows: list[tuple[Caption, np.ndarray]] = []
    for index in sorted(int(i) for i in indices):
        spec = world.spec("test", index)
        caption = world.class_names[world.label(spec)]
        if hasattr(world, "render_instances"):
            frames, instances = world.render_instances(spec)
            rows.append((f"{len(instances)} objects", frames))
            names = [
                (world.class_names[i.category_id - 1], tuple(int(c) for c in _mask_color(k)))
                for k, i in enumerate(instances)
            ]
            rows.append((names, _overlay(frames, [i.masks for i in instances])))
        elif hasattr(world, "render_with_masks"):
            frames, mask = world.render_with_masks(spec)
            rows.append((caption, frames))
            rows.append(("moving mask", _overlay(frames, [mask])))
        else:
            rows.append((caption, world.render(spec)))
    return rows


def _draw_caption(draw: ImageDraw.ImageDraw, caption: Caption, y: int, height: int) -> None:
    if isinstance(caption, str):
        draw.text((4, y + height // 2 - 6), caption[:19], fill=(235, 235, 235))
        return
    top = y + max(0, height - 12 * len(caption)) // 2
    for k, (text, color) in enumerate(caption):
        draw.text((4, top + 12 * k), text[:19], fill=color)


def contact_sheet(rows: list[tuple[Caption, np.ndarray]], scale: int = 1) -> Image.Image:
    """Rows = clips, columns = frames, a caption at the left of each row."""
    T, H, W, _ = rows[0][1].shape
    H, W = H * scale, W * scale
    sheet = Image.new("RGB", (_LABEL_WIDTH + T * (W + 2), len(rows) * (H + 2)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for r, (caption, frames) in enumerate(rows):
        y = r * (H + 2)
        _draw_caption(draw, caption, y, H)
        for t in range(T):
            tile = Image.fromarray(frames[t]).resize((W, H), Image.NEAREST)
            sheet.paste(tile, (_LABEL_WIDTH + t * (W + 2), y))
    return sheet


def animated_grid(clips: list[np.ndarray], columns: int = 4, scale: int = 2) -> list[Image.Image]:
    """Per frame, one image tiling all ``clips`` in a grid."""
    T, H, W, _ = clips[0].shape
    rows = (len(clips) + columns - 1) // columns
    images = []
    for t in range(T):
        canvas = np.zeros((rows * (H + 2), columns * (W + 2), 3), dtype=np.uint8)
        for k, clip in enumerate(clips):
            r, c = divmod(k, columns)
            canvas[r * (H + 2) : r * (H + 2) + H, c * (W + 2) : c * (W + 2) + W] = clip[t]
        img = Image.fromarray(canvas)
        images.append(img.resize((img.width * scale, img.height * scale), Image.NEAREST))
    return images


def write_previews(
    out_dir: Path, worlds: list[str] | None = None, clips_per_world: int = 8, seed: int = 0
) -> list[Path]:
    """Write ``<world>.gif`` (animated sample clips) and ``<world>.png`` (contact sheet:
    rows = clips, columns = frames; worlds with masks add mask rows) for each world (default:
    all, each followed by the variants it lists) into ``out_dir``; returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    variants: list[tuple[str, str, dict]] = []
    for name in worlds or world_names():
        variants.append((name, name, {}))
        for suffix, options in getattr(world_class(name), "preview_variants", {}).items():
            variants.append((f"{name}-{suffix}", name, dict(options)))
    for label, name, options in variants:
        world = get_world(name, train=0, val=0, test=max(clips_per_world, 1) * 4, **options)
        rows = _sample_rows(world, clips_per_world, seed)
        sheet_path = out_dir / f"{label}.png"
        contact_sheet(rows).save(sheet_path, optimize=True)
        clip_rows = [
            frames for caption, frames in rows if isinstance(caption, str) and caption != "moving mask"
        ]
        images = animated_grid(clip_rows)
        gif_path = out_dir / f"{label}.gif"
        images[0].save(gif_path, save_all=True, append_images=images[1:], duration=120, loop=0)
        written += [gif_path, sheet_path]
    return written

