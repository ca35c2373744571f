"""Train a reference VIS model on the synthetic VIS world and write it as a submission's weights.

    python -m tasks.vis.train --submission submissions/vis-query-synthetic
    python -m tasks.vis.train --submission submissions/vis-perframe-synthetic

The model is ``tasks.vis.models.QueryVIS(**model_args)`` with the manifest's
``model_args`` (``temporal: false`` gives the per-frame baseline, trained with per-frame
matching); clips are the manifest's ``input`` frames sampled uniformly from the world's
16-frame clips, as the benchmark feeds them.  Deterministic for a given seed, thread count
and torch build.  Writes ``weights.safetensors`` and updates ``weights.sha256`` in the
manifest; prints the loss per epoch and the AP on validation clips at the end.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from benchmark.api.task import EvalOptions
from benchmark.api.transforms import clips_to_input as model_input
from benchmark.hashing import sha256_file
from benchmark.submission.manifest import MANIFEST_NAME, read_manifest
from tasks.vis.adapter import VisTask
from tasks.vis.losses import LossWeights, semantic_loss, set_loss
from tasks.vis.models import QueryVIS
from tasks.vis.samples import VisClip, uniform_indices
from tasks.vis.sources import VisWorldSource

Target = tuple[torch.Tensor, torch.Tensor]  # classes (G,), soft masks (G, T, h, w)


def render(source: VisWorldSource, count: int, frames: int) -> list[VisClip]:
    """The first ``count`` clips of ``source`` cut to ``frames`` uniformly sampled frames."""
    clips = []
    for index in range(min(count, len(source))):
        sample = source.sample(index)
        clips.append(sample.select(uniform_indices(sample.frames.shape[0], frames)))
    return clips


def clip_target(clip: VisClip, mask_size: tuple[int, int]) -> Target:
    """Classes (0-based) and masks area-averaged to the prediction grid of the visible instances."""
    visible = [i for i in clip.instances if i.masks.any()]
    if not visible:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, clip.frames.shape[0], *mask_size)
    masks = torch.from_numpy(np.stack([i.masks for i in visible])).float()
    return (torch.tensor([i.category_id - 1 for i in visible]),
            F.adaptive_avg_pool2d(masks, mask_size))


def with_semantic(losses: dict, outputs: dict, targets: list[Target], weights: LossWeights) -> dict:
    """``losses`` plus the per-pixel category loss (when weighted)."""
    if weights.semantic and "pred_semantic" in outputs:
        semantic = semantic_loss(outputs["pred_semantic"], targets)
        losses["total"] = losses["total"] + weights.semantic * semantic
        losses["semantic"] = semantic.detach()
    return losses


def video_loss(outputs: dict, targets: list[Target], weights: LossWeights) -> dict[str, torch.Tensor]:
    """Queries matched to whole tracks (reference model)."""
    masks = outputs["pred_masks"].flatten(2)
    losses = set_loss(outputs["pred_logits"], masks, [(c, m.flatten(1)) for c, m in targets], weights)
    return with_semantic(losses, outputs, targets, weights)


def frame_loss(outputs: dict, targets: list[Target], weights: LossWeights) -> dict[str, torch.Tensor]:
    """Queries matched to the instances of each frame on its own (per-frame baseline)."""
    logits = outputs["frame_logits"].flatten(0, 1)  # (B*T, N, K+1)
    masks = outputs["frame_masks"].transpose(1, 2).flatten(0, 1).flatten(2)  # (B*T, N, h*w)
    frame_targets = []
    for classes, track_masks in targets:
        for t in range(track_masks.shape[1]):
            present = track_masks[:, t].flatten(1).sum(1) > 0
            frame_targets.append((classes[present], track_masks[present, t].flatten(1)))
    return with_semantic(set_loss(logits, masks, frame_targets, weights), outputs, targets, weights)


@dataclass(frozen=True)
class Schedule:
    """The reference training recipe (docs/vis_results.md): AdamW with a one-cycle learning
    rate, gradient norm clipped, the set loss plus a per-pixel category loss."""

    epochs: int = 24
    batch_size: int = 16
    lr: float = 4e-3
    grad_clip: float = 5.0
    warmup: float = 0.1  # fraction of the steps the learning rate rises
    weights: LossWeights = LossWeights(semantic=2.0)


def train(submission: Path, schedule: Schedule, seed: int, train_clips: int, val_clips: int) -> dict[str, float]:
    """Train the submission's model; write its weights and pin their sha256; returns val AP."""
    torch.manual_seed(seed)
    manifest = read_manifest(submission / MANIFEST_NAME)
    spec = manifest.input
    model = QueryVIS(**manifest.model_args)
    started = time.perf_counter()
    clips = render(VisWorldSource("train"), train_clips, spec.frames)
    with torch.no_grad():
        mask_size = tuple(model(model_input([clips[0].frames], spec))["pred_masks"].shape[-2:])
    targets = [clip_target(c, mask_size) for c in clips]
    print(f"rendered {len(clips)} training clips ({time.perf_counter() - started:.0f} s)", flush=True)
    loss_of = video_loss if model.temporal else frame_loss
    optimizer = torch.optim.AdamW(model.parameters(), lr=schedule.lr, weight_decay=1e-4)
    batch_size = schedule.batch_size
    steps = schedule.epochs * -(-len(clips) // batch_size)
    lr_schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=schedule.lr, total_steps=steps, pct_start=schedule.warmup)
    rng = np.random.default_rng(seed)
    training_started = time.perf_counter()
    for epoch in range(schedule.epochs):
        model.train()
        order = rng.permutation(len(clips))
        started, totals = time.perf_counter(), {}
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            x = model_input([clips[i].frames for i in idx], spec)
            losses = loss_of(model(x), [targets[i] for i in idx], schedule.weights)
            optimizer.zero_grad()
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), schedule.grad_clip)
            optimizer.step()
            lr_schedule.step()
            for key, value in losses.items():
                totals[key] = totals.get(key, 0.0) + float(value.detach()) * len(idx)
        terms = "  ".join(f"{k} {v / len(order):.3f}" for k, v in totals.items())
        print(f"epoch {epoch + 1}/{schedule.epochs}: {terms}  ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"trained {steps} steps in {time.perf_counter() - training_started:.0f} s")
    model.eval()
    weights = submission / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    digest = sha256_file(weights)
    manifest_file = submission / MANIFEST_NAME
    manifest_file.write_text(re.sub(r"sha256: \"?[0-9a-f]{64}\"?", f'sha256: "{digest}"', manifest_file.read_text()))
    print(f"wrote {weights} (sha256 {digest})")
    metrics = VisTask().score(
        model, VisWorldSource("val", limit=val_clips), spec, EvalOptions(progress=False)
    )
    print("val " + "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if not k.endswith("rel_drop")))
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submission", type=Path, required=True)
    default = Schedule()
    parser.add_argument("--epochs", type=int, default=default.epochs)
    parser.add_argument("--batch-size", type=int, default=default.batch_size)
    parser.add_argument("--lr", type=float, default=default.lr, help="peak learning rate")
    parser.add_argument("--grad-clip", type=float, default=default.grad_clip, help="gradient norm limit")
    parser.add_argument("--semantic", type=float, default=default.weights.semantic,
                        help="weight of the per-pixel category loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-clips", type=int, default=2000)
    parser.add_argument("--val-clips", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    schedule = replace(default, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                       grad_clip=args.grad_clip, weights=replace(default.weights, semantic=args.semantic))
    train(args.submission, schedule, args.seed, args.train_clips, args.val_clips)


if __name__ == "__main__":
    main()
