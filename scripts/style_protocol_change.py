"""How much styled pixels moved from pair protocol version 1 to 2 (docs/METHOD.md §1).

Version 1 styled every frame a source gave, then kept the frames the model sees; version 2
keeps the model's frames first and styles only those, batched (:mod:`benchmark.pairs.batch`),
so the styles that normalise with clip statistics now take them over the model's frames.
On the same ``stylize`` pairs of ``synthetic-motion`` (16 rendered frames) this prints,
per style and number of model frames, how many uint8 values differ and by how much; and
for clips that already have exactly the model's frames (what real-video readers give)
whether anything differs at all.

    git worktree add /tmp/protocol1 453fa41     # any checkout of protocol version 1
    python scripts/style_protocol_change.py --old-checkout /tmp/protocol1 [--pairs 256]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.tasks import get_task
from benchmark.api.transforms import temporal_subsample
from benchmark.pairs.batch import render_pairs
from benchmark.pairs.protocols import parse_protocol, plan_pairs
from benchmark.pairs.styles import style_names, style_uint8
from tasks.synthetic.source import WorldSource


def old_styles(checkout: Path):
    """``benchmark/pairs/styles.py`` of the old checkout, as a module of its own."""
    spec = importlib.util.spec_from_file_location("protocol1_styles", checkout / "benchmark" / "styles.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def old_style_frames(old, frames: np.ndarray, style: int) -> np.ndarray:
    """Version 1's ``pairs.style_frames``: every frame given, styled."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float().div_(255.0)
    y = old.apply_style(x, style)
    return y.clamp_(0, 1).mul_(255.0).round_().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-checkout", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--frames", type=int, nargs="+", default=[8, 4], help="frames the model sees")
    args = parser.parse_args()
    torch.set_num_threads(1)
    old = old_styles(args.old_checkout)
    task = get_task("action_recognition")
    source = WorldSource("synthetic-motion", "val")
    plan = plan_pairs(args.pairs, len(source), seed=0)
    for frames in args.frames:
        protocol = parse_protocol("stylize", task, InputSpec(frames=frames, size=48))
        pending = [protocol(source, spec) for spec in plan]
        counts: dict[int, list[int]] = {}  # style -> [values, differing, max, sum of |diff|]
        for spec, before, after in zip(plan, pending, render_pairs(task, pending, "cpu"), strict=True):
            clip = source.clip(spec.item)
            for style, styled in zip(before.styles, (after.a, after.b), strict=True):
                was = temporal_subsample(old_style_frames(old, clip, style), frames).astype(np.int16)
                diff = np.abs(np.asarray(styled, dtype=np.int16) - was)
                c = counts.setdefault(style, [0, 0, 0, 0])
                c[0] += diff.size
                c[1] += int((diff > 0).sum())
                c[2] = max(c[2], int(diff.max()))
                c[3] += int(diff.sum())
        print(f"{frames} of {clip.shape[0]} frames seen, {args.pairs} pairs:")
        for style, (values, differing, largest, total) in sorted(counts.items()):
            print(f"  {style_names()[style]:<14} mean |diff| {total / values:.3f} levels, "
                  f"{differing / values:.1%} of values differ, max {largest}")
    clips = np.stack([source.clip(i)[: args.frames[-1]] for i in range(16)])
    for style in sorted(counts):
        was = np.stack([old_style_frames(old, clip, style) for clip in clips])
        now = style_uint8(torch.from_numpy(clips), style).numpy()
        print(f"clips of exactly the model's frames, {style_names()[style]}: "
              f"{int((was != now).sum())} of {was.size} values differ")


if __name__ == "__main__":
    main()
