"""Train a reference model on a synthetic world and write it as a submission's weights.

    python -m tasks.action_recognition.train --arch c3d --world synthetic-motion \\
        --submission submissions/c3d-synthetic

Deterministic for a given seed and torch build (single-threaded data, seeded init and
order).  Writes ``weights.safetensors`` and updates ``weights.sha256`` in the manifest; the
training configuration (:class:`TrainConfig`) is recorded in the file's safetensors
metadata (``training``, with ``step``, ``epoch`` and ``total_steps``).

Options:

- ``--checkpoint-dir DIR --checkpoint-every N``: also save the weights at step 0, every
  ``N`` optimiser steps and at the end, as ``DIR/step-<step>.safetensors`` with the same
  metadata, listed with their sha256 in ``DIR/SHA256SUMS`` (``sha256sum -c`` format).
  ``python -m benchmark curve`` measures them (docs/METHOD.md §5, training dynamics).
- ``--static-dropout LAYER`` (and ``--sd-p``, ``--sd-rule``, ...): StaticDropout
  (docs/METHOD.md §6, :mod:`tasks.action_recognition.static_dropout`) at that layer.
- ``--weights-dtype float16``: store the floating-point tensors in half precision (half the
  file; the reported accuracies are those of the weights as written).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from benchmark.api.model_spec import InputSpec
from benchmark.api.transforms import clips_to_input as model_input
from benchmark.hashing import sha256_file
from benchmark.submission.manifest import MANIFEST_NAME, read_manifest
from tasks.action_recognition.models import ARCHITECTURES
from tasks.action_recognition.sources import WorldSource
from tasks.action_recognition.static_dropout import (
    SELECTION_RULES,
    StaticDropoutConfig,
    StaticDropoutSchedule,
)

CHECKPOINT_SUMS = "SHA256SUMS"
WEIGHT_DTYPES = {"float32": torch.float32, "float16": torch.float16}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained weights (with the submission's input spec)."""

    arch: str
    world: str = "synthetic-motion"
    epochs: int = 12
    batch_size: int = 32
    lr: float = 3e-3
    seed: int = 0
    train_clips: int | None = None
    widths: tuple[int, ...] | None = None  # None: the architecture's default widths
    static_dropout: StaticDropoutConfig | None = None
    weights_dtype: str = "float32"  # dtype of the stored floating-point tensors

    def recorded(self) -> dict:
        """JSON-ready form (stored in the weights' metadata)."""
        out = asdict(self)
        out["widths"] = list(self.widths) if self.widths else None
        return out

    def command(self, submission: str | Path) -> str:
        """The command line that trains exactly this configuration."""
        parts = [f"python -m tasks.action_recognition.train --arch {self.arch} --world {self.world}",
                 f"--submission {Path(submission).as_posix()} --epochs {self.epochs} --batch-size {self.batch_size}",
                 f"--lr {self.lr:g} --seed {self.seed}"]
        if self.train_clips is not None:
            parts.append(f"--train-clips {self.train_clips}")
        if self.widths:
            parts.append("--widths " + ",".join(str(w) for w in self.widths))
        sd = self.static_dropout
        if sd is not None:
            parts.append(f"--static-dropout {sd.layer} --sd-p {sd.p:g} --sd-rule {sd.rule} "
                         f"--sd-threshold {sd.threshold:g} --sd-start {sd.start} --sd-every {sd.every} "
                         f"--sd-pairs {sd.pairs} --sd-protocol {sd.protocol}")
        if self.weights_dtype != "float32":
            parts.append(f"--weights-dtype {self.weights_dtype}")
        return " ".join(parts)

    def build_model(self, num_classes: int) -> nn.Module:
        extra = {"widths": tuple(self.widths)} if self.widths else {}
        return ARCHITECTURES[self.arch](num_classes=num_classes, **extra)


@dataclass
class Checkpointer:
    """Saves the weights every ``every`` optimiser steps (and at steps 0 and the last) to
    ``directory``, with the training metadata, and lists them in ``SHA256SUMS``."""

    directory: Path | None
    every: int
    config: TrainConfig
    total_steps: int
    steps_per_epoch: int
    saved: list[tuple[int, Path]] = field(default_factory=list)

    def metadata(self, step: int) -> dict[str, str]:
        return {"training": json.dumps(self.config.recorded(), sort_keys=True), "step": str(step),
                "epoch": f"{step / self.steps_per_epoch:.6g}", "total_steps": str(self.total_steps)}

    def due(self, step: int) -> bool:
        return self.directory is not None and (step == 0 or step == self.total_steps
                                               or (self.every > 0 and step % self.every == 0))

    def save(self, model: nn.Module, step: int, path: Path | None = None) -> Path:
        """Write the weights at ``step`` (to ``path``, default the checkpoint folder)."""
        if path is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"step-{step:06d}.safetensors"
        dtype = WEIGHT_DTYPES[self.config.weights_dtype]
        tensors = {k: (v.to(dtype) if v.is_floating_point() else v).detach().contiguous().clone()
                   for k, v in model.state_dict().items()}
        tmp = path.with_name(f".{path.name}.tmp")
        save_file(tensors, str(tmp), metadata=self.metadata(step))
        tmp.replace(path)
        if path.parent == self.directory:
            self.saved.append((step, path))
            lines = [f"{sha256_file(p)}  {p.name}\n" for _, p in self.saved]
            (self.directory / CHECKPOINT_SUMS).write_text("".join(lines))
        return path


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


def _static_dropout(config: TrainConfig, model: nn.Module, spec: InputSpec) -> StaticDropoutSchedule | None:
    if config.static_dropout is None:
        return None
    from benchmark.api.tasks import get_task

    task = get_task("action_recognition")
    source = WorldSource(config.world, "train", limit=config.train_clips)  # pairs of the training split
    return StaticDropoutSchedule(config.static_dropout, model, task, source, spec, seed=config.seed)


def train(config: TrainConfig, submission: Path, checkpoint_dir: Path | None = None,
          checkpoint_every: int = 0) -> dict:
    """Train ``config`` with the submission's input spec and write its weights; returns the
    val and test accuracies of the weights as written, the training seconds, the StaticDropout
    selections and the checkpoints written."""
    torch.manual_seed(config.seed)
    began = time.perf_counter()
    spec = read_manifest(submission / MANIFEST_NAME).input
    train_source, val_source = WorldSource(config.world, "train"), WorldSource(config.world, "val")
    clips, labels = render_split(train_source, config.train_clips)
    val_clips, val_labels = render_split(val_source)
    model = config.build_model(train_source.num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    steps_per_epoch = -(-len(clips) // config.batch_size)
    steps = config.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)
    checkpoints = Checkpointer(checkpoint_dir, checkpoint_every, config, steps, steps_per_epoch)
    dropout = _static_dropout(config, model, spec)
    rng = np.random.default_rng(config.seed)
    loss_fn = nn.CrossEntropyLoss()
    step = 0
    if checkpoints.due(step):
        checkpoints.save(model, step)
    with dropout if dropout is not None else nullcontext():
        for epoch in range(config.epochs):
            started, total = time.perf_counter(), 0.0
            if dropout is not None and (entry := dropout.on_epoch_start(epoch)) is not None:
                print(f"  StaticDropout at {config.static_dropout.layer}: {entry['selected']}/{entry['units']} "
                      f"channels selected ({config.static_dropout.rule})", flush=True)
            model.train()
            order = rng.permutation(len(clips))
            for start in range(0, len(order), config.batch_size):
                idx = order[start:start + config.batch_size]
                x = model_input([clips[i] for i in idx], spec)
                loss = loss_fn(model(x), labels[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(idx)
                step += 1
                if checkpoints.due(step):
                    checkpoints.save(model, step)
            val = accuracy(model, val_clips, val_labels, spec)
            print(f"epoch {epoch + 1}/{config.epochs}: loss {total / len(order):.3f}  val top1 {val:.3f}  "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    model.eval()
    if config.weights_dtype != "float32":  # evaluate what is written
        dtype = WEIGHT_DTYPES[config.weights_dtype]
        model.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v
                               for k, v in model.state_dict().items()})
    train_s = time.perf_counter() - began
    weights = submission / "weights.safetensors"
    if checkpoints.saved and checkpoints.saved[-1][0] == step:
        shutil.copyfile(checkpoints.saved[-1][1], weights)  # the same bytes: the same sha256
    else:
        checkpoints.save(model, step, weights)
    digest = sha256_file(weights)
    manifest = submission / MANIFEST_NAME
    text = re.sub(r"sha256: \"?[0-9a-f]{64}\"?", f'sha256: "{digest}"', manifest.read_text())
    manifest.write_text(text)
    print(f"wrote {weights} (sha256 {digest}); trained in {train_s:.0f} s")
    test_clips, test_labels = render_split(WorldSource(config.world, "test"))
    scores = {"val_top1": accuracy(model, val_clips, val_labels, spec),
              "test_top1": accuracy(model, test_clips, test_labels, spec)}
    print("  ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)
    return {**scores, "train_s": round(train_s, 1), "steps": step,
            "static_dropout": dropout.history if dropout is not None else None,
            "checkpoints": [p.name for _, p in checkpoints.saved]}


def _widths(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--widths {text}: expected comma-separated integers, e.g. 8,16,32,64") from None


def build_parser() -> argparse.ArgumentParser:
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
    parser.add_argument("--widths", type=_widths, default=None, help="channels per stage, e.g. 8,16,32,64")
    saving = parser.add_argument_group("checkpoints (training dynamics)")
    saving.add_argument("--checkpoint-dir", type=Path, help="save checkpoints here")
    saving.add_argument("--checkpoint-every", type=int, default=0, metavar="STEPS",
                        help="save every STEPS optimiser steps (and at the first and last step)")
    sd = parser.add_argument_group("StaticDropout (docs/METHOD.md §6)")
    sd.add_argument("--static-dropout", metavar="LAYER", help="module path whose static channels are dropped")
    defaults = StaticDropoutConfig(layer="-")
    sd.add_argument("--sd-p", type=float, default=defaults.p, help="drop probability of a selected channel")
    sd.add_argument("--sd-rule", choices=SELECTION_RULES.names(), default=defaults.rule, help="selection rule")
    sd.add_argument("--sd-threshold", type=float, default=defaults.threshold, help="threshold t of the rule")
    sd.add_argument("--sd-start", type=int, default=defaults.start, help="first epoch (0-based) with dropout")
    sd.add_argument("--sd-every", type=int, default=defaults.every, help="re-select every K epochs")
    sd.add_argument("--sd-pairs", type=int, default=defaults.pairs, help="training pairs per unit analysis")
    sd.add_argument("--sd-protocol", default=defaults.protocol, help="pair protocol of the unit analysis")
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    static_dropout = None
    if args.static_dropout:
        static_dropout = StaticDropoutConfig(args.static_dropout, args.sd_p, args.sd_rule, args.sd_threshold,
                                             args.sd_start, args.sd_every, args.sd_pairs, args.sd_protocol)
    return TrainConfig(args.arch, args.world, args.epochs, args.batch_size, args.lr, args.seed,
                       args.train_clips, args.widths, static_dropout, args.weights_dtype)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    train(config_from_args(args), args.submission, args.checkpoint_dir, args.checkpoint_every)


if __name__ == "__main__":
    main()
