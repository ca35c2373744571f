"""Train a reference two-stream AVOS model on the synthetic AVOS world and write it as a
submission (weights, sha256 pin, and the folder itself when it does not exist yet).

    python -m tasks.avos.train --cross reciprocal --gated --fusion gated \\
        --submission submissions/avos-reciprocal-gated-gatedfusion

Frames (RGB + colour-coded Farneback flow to the next frame + mask) of train clips of
synthetic-avos, a quarter of them from the camouflage world by default (trained on plain
clips only, models learn to need the object's look and score J ~ 0 under camouflage), are
rendered once at the manifest's input size; the loss is binary cross-entropy plus soft Dice.  Deterministic
for a given seed, thread count and torch build.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from safetensors.torch import save_file
from torch import nn

from benchmark.api.model_spec import InputSpec
from benchmark.hashing import sha256_file
from benchmark.submission.manifest import MANIFEST_NAME, read_manifest
from tasks.avos.datasets import SyntheticAvosSource
from tasks.avos.inputs import model_input
from tasks.avos.metrics import region_similarity
from tasks.avos.models import CROSS_CONNECTIONS, FUSIONS, TwoStreamAvos

DEFAULT_INPUT = {"frames": 1, "size": 64, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
DATASETS = ["synthetic-avos", "synthetic-avos-camouflage", "davis2016", "moca"]
MODEL_PY = '''"""Reference two-stream AVOS model (tasks.avos.models.TwoStreamAvos); options in model_args."""

from tasks.avos.models import TwoStreamAvos


def build(**model_args):
    return TwoStreamAvos(**model_args)
'''


def frame_indices(steps: int, per_clip: int) -> np.ndarray:
    """``per_clip`` frame indices spread evenly over ``0 .. steps - 1``."""
    per_clip = min(per_clip, steps)
    return np.unique(np.round(np.linspace(0, steps - 1, per_clip)).astype(int))


def render_samples(source: SyntheticAvosSource, clips: range, per_clip: int, spec: InputSpec) -> list:
    """``per_clip`` evenly spread frame samples of each clip index in ``clips``."""
    steps = source.world.frames - 1
    return [source.sample(clip * steps + int(t), size=spec.size)
            for clip in clips for t in frame_indices(steps, per_clip)]


def to_tensors(samples: list, spec: InputSpec) -> tuple[list[torch.Tensor], torch.Tensor]:
    """``(inputs [rgb, flow], masks (N, 1, S, S) float)``."""
    masks = torch.from_numpy(np.stack([s.mask for s in samples])).float()[:, None]
    return model_input(samples, spec), masks


def training_frames(clips: int, camouflage_fraction: float, per_clip: int, spec: InputSpec):
    """Frames of ``clips`` train clips: the first ones from synthetic-avos, the next
    ``round(camouflage_fraction * clips)`` (other clip indices) from the camouflage world."""
    camouflaged = round(camouflage_fraction * clips)
    plain = clips - camouflaged
    samples = render_samples(SyntheticAvosSource("synthetic-avos", "train"), range(plain), per_clip, spec)
    samples += render_samples(SyntheticAvosSource("synthetic-avos-camouflage", "train"),
                              range(plain, clips), per_clip, spec)
    return to_tensors(samples, spec)


def segmentation_loss(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice (the object covers few pixels)."""
    bce = F.binary_cross_entropy_with_logits(logits, masks)
    p = torch.sigmoid(logits)
    inter = (p * masks).flatten(1).sum(1)
    dice = 1 - (2 * inter + 1) / (p.flatten(1).sum(1) + masks.flatten(1).sum(1) + 1)
    return bce + dice.mean()


@torch.no_grad()
def mean_j(model: nn.Module, inputs: list[torch.Tensor], masks: torch.Tensor, batch_size: int = 64) -> float:
    """Mean region similarity J over frames."""
    model.eval()
    scores = []
    for start in range(0, masks.shape[0], batch_size):
        logits = model([x[start:start + batch_size] for x in inputs])
        for pred, truth in zip(logits[:, 0] > 0, masks[start:start + batch_size, 0] > 0.5, strict=True):
            scores.append(region_similarity(pred.numpy(), truth.numpy()))
    return float(np.mean(scores))


def ensure_submission(folder: Path, model_args: dict, description: str) -> InputSpec:
    """Create the submission folder (model.py + manifest) if missing; check an existing
    manifest's model_args; return its input spec."""
    manifest = folder / MANIFEST_NAME
    if manifest.is_file():
        existing = read_manifest(manifest)
        if existing.model_args != model_args:
            raise SystemExit(f"{manifest}: model_args {existing.model_args} differ from the options "
                             f"given {model_args}; pass matching options or edit the manifest.")
        return existing.input
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(MODEL_PY)
    widths = len(model_args["widths"])
    layers = {f"{stream}.stage{k}": f"{stream}.stage{k}"
              for stream in ("appearance", "motion", "fusion") for k in range(1, widths + 1)}
    fields = {
        "name": folder.resolve().name,
        "task": "avos",
        "description": description,
        "model": "model.py:build",
        "model_args": model_args,
        "weights": {"path": "weights.safetensors", "sha256": "0" * 64},
        "layers": layers,
        "input": DEFAULT_INPUT,
        "datasets": DATASETS,
        "license": "Apache-2.0",
    }
    manifest.write_text(yaml.safe_dump(fields, sort_keys=False, default_flow_style=None, width=120))
    return read_manifest(manifest).input


def write_weights(model: nn.Module, folder: Path) -> str:
    """Save the weights and pin their sha256 in the manifest; returns the digest."""
    weights = folder / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    digest = sha256_file(weights)
    manifest = folder / MANIFEST_NAME
    manifest.write_text(re.sub(r"sha256: ['\"]?[0-9a-f]{64}['\"]?", f"sha256: '{digest}'", manifest.read_text()))
    return digest


def train(args: argparse.Namespace) -> dict[str, float]:
    """Train one configuration; returns validation J on both synthetic worlds."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model_args = {"cross": args.cross, "gated": args.gated, "fusion": args.fusion, "widths": args.widths}
    command = (f"python -m tasks.avos.train --cross {args.cross}{' --gated' if args.gated else ''} "
               f"--fusion {args.fusion} --submission {args.submission}")
    description = (f"Two-stream AVOS reference (cross={args.cross}, gated={args.gated}, fusion={args.fusion}) "
                   f"trained on synthetic-avos with {args.camouflage_fraction:.0%} camouflaged clips. Reproduce: {command}")
    spec = ensure_submission(args.submission, model_args, description)
    started = time.perf_counter()
    inputs, masks = training_frames(args.train_clips, args.camouflage_fraction, args.frames_per_clip, spec)
    val = {name: to_tensors(render_samples(SyntheticAvosSource(name, "val"), range(args.val_clips), 4, spec), spec)
           for name in ("synthetic-avos", "synthetic-avos-camouflage")}
    print(f"rendered {masks.shape[0]} training frames in {time.perf_counter() - started:.0f} s", flush=True)
    model = TwoStreamAvos(**model_args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * -(-masks.shape[0] // args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps, pct_start=0.2)
    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(masks.shape[0]))
        begun, total = time.perf_counter(), 0.0
        for start in range(0, len(order), args.batch_size):
            idx = order[start:start + args.batch_size]
            loss = segmentation_loss(model([x[idx] for x in inputs]), masks[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(idx)
        scores = {name: mean_j(model, *data) for name, data in val.items()}
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(order):.3f}  val J "
              + "  ".join(f"{k} {v:.3f}" for k, v in scores.items())
              + f"  ({time.perf_counter() - begun:.0f} s)", flush=True)
    digest = write_weights(model, args.submission)
    print(f"wrote {args.submission / 'weights.safetensors'} (sha256 {digest}) "
          f"after {time.perf_counter() - started:.0f} s")
    return scores


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cross", choices=CROSS_CONNECTIONS, default="none")
    parser.add_argument("--gated", action="store_true", help="gate the cross connections")
    parser.add_argument("--fusion", choices=FUSIONS, default="concat")
    parser.add_argument("--widths", type=lambda s: [int(w) for w in s.split(",")], default=[16, 32, 64, 128])
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--camouflage-fraction", type=float, default=0.25,
                        help="share of training clips from the camouflage world (0: synthetic-avos only)")
    parser.add_argument("--train-clips", type=int, default=400)
    parser.add_argument("--frames-per-clip", type=int, default=8)
    parser.add_argument("--val-clips", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy machine)")
    return parser


def main(argv: list[str] | None = None) -> None:
    train(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()
