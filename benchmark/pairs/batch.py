"""A batch of pairs, as the DataLoader workers hand it over, to the model input on the
model's device.

The pair protocols (:mod:`benchmark.pairs.protocols`) run in the workers: they load or render the
items, cut them to the frames the model sees and leave styling to the main process,
which then, per batch (:func:`render_pairs`):

1. stacks the frames of the batch by (pending style, shape) and moves each stack to the
   model's device in one copy (from pinned memory, non-blocking, on CUDA);
2. renders each stack in its style there, the whole batch's clips of one style at once
   (:func:`benchmark.pairs.styles.style_uint8`; every clip styled on its own statistics, so
   a clip's pixels depend on nothing else in the batch - up to float rounding of batched
   kernels, see ``docs/METHOD.md`` §1 "Styles");
3. puts the frames back into the items (:meth:`~benchmark.api.task.Task.with_frames`).

A static pair's second clip takes the first clip's styled frames: its two style ids are
equal and the task's static partner keeps the frames.  :func:`pair_input` then builds
the model input of the batch (every first clip, then every second clip) where the
frames are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.transforms import Frames, stack_frames, to_device
from benchmark.pairs.protocols import PairClips
from benchmark.pairs.styles import style_uint8

Slot = tuple[int, str]  # (pair index in the batch, "a" or "b")


def upload(frames: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``frames`` on ``device``: a CPU tensor goes to a GPU from pinned memory, non-blocking."""
    if frames.device == device:
        return frames
    if device.type == "cuda" and frames.device.type == "cpu":
        return frames.pin_memory().to(device, non_blocking=True)
    return frames.to(device)


def _frames_to_render(task, pairs: Sequence[PairClips]) -> dict[Slot, tuple[int | None, Frames]]:
    """Each clip whose frames must be moved or styled: its style (None for none) and frames."""
    jobs = {}
    for k, pair in enumerate(pairs):
        style_a, style_b = pair.styles or (None, None)
        jobs[k, "a"] = (style_a, task.frames_of(pair.a))
        if pair.styles is None or style_b != style_a:  # equal styles: b takes a's frames
            jobs[k, "b"] = (style_b, task.frames_of(pair.b))
    return jobs


def render_pairs(task, pairs: Sequence[PairClips], device: str | torch.device) -> list[PairClips]:
    """The pairs with their frames on ``device`` and their pending styles rendered there
    (see the module docstring); on the CPU, pairs without pending styles stay as they are."""
    device = torch.device(device)
    if device.type == "cpu" and all(pair.styles is None for pair in pairs):
        return list(pairs)
    jobs = _frames_to_render(task, pairs)
    groups: dict[tuple[int | None, tuple[int, ...]], list[Slot]] = {}
    for slot, (style, frames) in jobs.items():
        groups.setdefault((style, tuple(frames.shape)), []).append(slot)
    rendered: dict[Slot, torch.Tensor] = {}
    for (style, _), slots in groups.items():
        batch = upload(stack_frames([jobs[slot][1] for slot in slots]), device)
        if style is not None:
            batch = style_uint8(batch, style)
        rendered.update(zip(slots, batch.unbind(0), strict=True))
    return [
        PairClips(task.with_frames(pair.a, rendered[k, "a"]),
                  task.with_frames(pair.b, rendered.get((k, "b"), rendered[k, "a"])),
                  pair.shuffle_b)
        for k, pair in enumerate(pairs)
    ]


def pair_input(task, pairs: Sequence[PairClips], input: InputSpec, device: str | torch.device) -> Any:
    """The model input of a batch of pairs on ``device``: every first clip, then every
    second clip (its static-pair frame shuffle applied)."""
    pairs = render_pairs(task, pairs, device)
    items = [pair.a for pair in pairs] + [pair.b for pair in pairs]
    seeds = [None] * len(pairs) + [pair.shuffle_b for pair in pairs]
    return to_device(task.model_input(items, input, seeds), device)
