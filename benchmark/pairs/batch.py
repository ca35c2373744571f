"""A batch of pairs, as the DataLoader workers hand it over, to the model input on the
model's device.

The pair protocols (:mod:`benchmark.pairs.protocols`) run in the workers: they load or render the
items, cut them to the frames the model sees and leave styling to the main process,
which then, per batch (:func:`render_pairs`):

1. stacks the frames of the batch by (pending look: appearance bank and member, shape)
   and moves each stack to the model's device in one copy (from pinned memory,
   non-blocking, on CUDA);
2. renders each stack in its look there, the whole batch's clips of one look at once
   (:meth:`benchmark.pairs.appearance.AppearanceBank.render`; every clip rendered on its own
   statistics, so a clip's pixels depend on nothing else in the batch - up to float
   rounding of batched kernels, see ``docs/METHOD.md`` §1 "Styles");
3. puts the frames back into the items (:meth:`~benchmark.api.task.Task.with_frames`).

A static pair's second clip takes the first clip's rendered frames when both are shown
alike and hold the same frames (a static partner that keeps the frames: a permutation
seed, a jittered flow image); a partner with other frames (a frozen clip) is rendered on
its own.  :func:`pair_input` then builds
the model input of the batch (every first clip, then every second clip) where the
frames are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.transforms import Frames, stack_frames, to_device
from benchmark.pairs.appearance import parse_appearance_bank
from benchmark.pairs.protocols import PairClips

Slot = tuple[int, str]  # (pair index in the batch, "a" or "b")


def upload(frames: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``frames`` on ``device``: a CPU tensor goes to a GPU from pinned memory, non-blocking."""
    if frames.device == device:
        return frames
    if device.type == "cuda" and frames.device.type == "cpu":
        return frames.pin_memory().to(device, non_blocking=True)
    return frames.to(device)


Look = tuple[str, int] | None  # (appearance bank, member), None: shown as it is


def _same_frames(a: Frames, b: Frames) -> bool:
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    return bool((a == b).all()) if isinstance(a, torch.Tensor) else bool(np.array_equal(a, b))


def _frames_to_render(task, pairs: Sequence[PairClips]) -> dict[Slot, tuple[Look, Frames]]:
    """Each clip whose frames must be moved or rendered: its look and frames."""
    jobs = {}
    for k, pair in enumerate(pairs):
        look_a = look_b = None
        if pair.styles is not None:
            look_a, look_b = (pair.bank, pair.styles[0]), (pair.bank, pair.styles[1])
        frames_a, frames_b = task.frames_of(pair.a), task.frames_of(pair.b)
        jobs[k, "a"] = (look_a, frames_a)
        # b takes a's rendered frames when it is shown alike and holds the same frames
        if pair.styles is None or look_b != look_a or not _same_frames(frames_a, frames_b):
            jobs[k, "b"] = (look_b, frames_b)
    return jobs


def render_pairs(task, pairs: Sequence[PairClips], device: str | torch.device) -> list[PairClips]:
    """The pairs with their frames on ``device`` and their pending styles rendered there
    (see the module docstring); on the CPU, pairs without pending styles stay as they are."""
    device = torch.device(device)
    if device.type == "cpu" and all(pair.styles is None for pair in pairs):
        return list(pairs)
    jobs = _frames_to_render(task, pairs)
    groups: dict[tuple[Look, tuple[int, ...]], list[Slot]] = {}
    for slot, (style, frames) in jobs.items():
        groups.setdefault((style, tuple(frames.shape)), []).append(slot)
    rendered: dict[Slot, torch.Tensor] = {}
    for (style, _), slots in groups.items():
        batch = upload(stack_frames([jobs[slot][1] for slot in slots]), device)
        if style is not None:
            bank, member = style
            batch = parse_appearance_bank(bank).render(batch, member)
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
