"""Train a reference model on a synthetic world and write it as a submission's weights.

    python -m tasks.action_recognition.train --arch c3d --world synthetic-motion \\
        --submission submissions/c3d-synthetic

Deterministic for a given seed and torch build (single-threaded data, seeded init and
order).  Writes ``weights.safetensors`` and updates ``weights.sha256`` in the manifest.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from benchmark.hashing import sha256_file
from benchmark.manifest import MANIFEST_NAME, read_manifest
from benchmark.transforms import clips_to_input as model_input
from tasks.action_recognition.models import ARCHITECTURES
from tasks.action_recognition.sources import WorldSource


def render_split(source: WorldSource, limit: int | None = None) -> tuple[list[np.ndarray], torch.Tensor]:
    count = len(source) if limit is None else min(limit, len(source))
    clips = [source.clip(i) for i in range(count)]
    labels = torch.tensor([source.label(i) for i in range(count)])
    return clips, labels


@torch.no_grad()
def accuracy(model: nn.Module, clips, labels, spec, batch_size: int = 64) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(clips), batch_size):
        x = model_input(clips[start:start + batch_size], spec)
        correct += int((model(x).argmax(1) == labels[start:start + batch_size]).sum())
    return correct / len(clips)


WEIGHT_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def train(
    arch: str, world: str, submission: Path, epochs: int, batch_size: int, lr: float,
    seed: int, train_clips: int | None, weights_dtype: str = "float32",
) -> dict[str, float]:
    """Train ``arch`` on ``world`` with the submission's input spec; returns the val and test
    accuracies of the weights as written (floating-point tensors stored as ``weights_dtype``)."""
    torch.manual_seed(seed)
    began = time.perf_counter()
    spec = read_manifest(submission / MANIFEST_NAME).input
    train_source, val_source = WorldSource(world, "train"), WorldSource(world, "val")
    clips, labels = render_split(train_source, train_clips)
    val_clips, val_labels = render_split(val_source)
    model = ARCHITECTURES[arch](num_classes=train_source.num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * -(-len(clips) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    rng = np.random.default_rng(seed)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(clips))
        started, total = time.perf_counter(), 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            x = model_input([clips[i] for i in idx], spec)
            loss = loss_fn(model(x), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        val = accuracy(model, val_clips, val_labels, spec)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(order):.3f}  val top1 {val:.3f}  "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    state = {k: v.to(WEIGHT_DTYPES[weights_dtype]) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    model.load_state_dict(state)  # evaluate what is written
    weights = submission / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, str(weights))
    digest = sha256_file(weights)
    manifest = submission / "submission.yaml"
    text = re.sub(r"sha256: \"?[0-9a-f]{64}\"?", f'sha256: "{digest}"', manifest.read_text())
    manifest.write_text(text)
    print(f"wrote {weights} (sha256 {digest}); trained in {time.perf_counter() - began:.0f} s")
    test_clips, test_labels = render_split(WorldSource(world, "test"))
    scores = {"val_top1": accuracy(model, val_clips, val_labels, spec),
              "test_top1": accuracy(model, test_clips, test_labels, spec)}
    print("  ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)
    return scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    parser.add_argument("--world", default="synthetic-motion")
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-clips", type=int, default=None)
    parser.add_argument("--weights-dtype", choices=sorted(WEIGHT_DTYPES), default="float32",
                        help="dtype of the stored floating-point tensors (float16 halves the file)")
    args = parser.parse_args(argv)
    train(args.arch, args.world, args.submission, args.epochs, args.batch_size, args.lr,
          args.seed, args.train_clips, args.weights_dtype)


if __name__ == "__main__":
    main()
