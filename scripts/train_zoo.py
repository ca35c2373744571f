"""Build, train and measure the model zoo (docs/zoo.md): one command for all of it.

    python scripts/train_zoo.py                       # every entry: write, train, measure
    python scripts/train_zoo.py --only zoo-tsm-motion --only zoo-r3d-motion
    python scripts/train_zoo.py --skip-train          # re-measure the committed weights
    python scripts/train_zoo.py --summary             # only print the table

Each entry is a submission folder ``submissions/zoo-<arch>-<world>/`` (manifest, model.py,
weights).  Training writes the weights and pins their sha256 in the manifest; measuring runs
``python -m benchmark run --update-results`` with true and with stylize pairs (1000 pairs, one thread).
Training records (seconds, val/test top1) go to ``runs/zoo/<name>.json``.  Run it on an
otherwise idle core (``/work/bin/cpuslot`` on the shared machine): trainings are sequential.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmark.results.schema import read_result  # noqa: E402
from tasks.action_recognition.zoo import ZOO  # noqa: E402
from tasks.synthetic import get_world  # noqa: E402

WORLD_SHORT = {"synthetic-motion": "motion", "synthetic-appearance": "appearance",
               "synthetic-conflict": "conflict"}
PROTOCOLS = ("true", "stylize")
PAIRS = 1000
RECORDS = ROOT / "runs" / "zoo"


@dataclass(frozen=True)
class Entry:
    """One zoo submission: an architecture trained on a world with a recipe."""

    arch: str
    world: str
    epochs: int = 15
    train_clips: int = 2000
    lr: float = 3e-3

    @property
    def name(self) -> str:
        return f"zoo-{self.arch}-{WORLD_SHORT[self.world]}"

    @property
    def folder(self) -> Path:
        return ROOT / "submissions" / self.name

    def config(self):
        """The training configuration (:class:`tasks.action_recognition.train.TrainConfig`)."""
        from tasks.action_recognition.train import TrainConfig

        return TrainConfig(self.arch, self.world, epochs=self.epochs, lr=self.lr,
                           train_clips=self.train_clips, weights_dtype="float16")

    def train_command(self) -> str:
        return self.config().command(f"submissions/{self.name}")


ENTRIES: tuple[Entry, ...] = (
    *(Entry(arch, "synthetic-motion") for arch in ZOO),
    Entry("tsm", "synthetic-appearance"),
    Entry("r3d", "synthetic-appearance"),
    Entry("tsm", "synthetic-conflict"),
    Entry("two-stream", "synthetic-conflict"),
    Entry("r3d", "synthetic-conflict"),
    Entry("slowfast", "synthetic-conflict"),
    Entry("timesformer", "synthetic-conflict"),
)
"""The zoo: every architecture on synthetic-motion, some on the static-biased worlds."""

FRAMES, SIZE = 8, 48


def manifest_text(entry: Entry) -> str:
    """The submission.yaml of ``entry`` (weights pinned to zeros until training)."""
    cls = ZOO[entry.arch]
    design = " ".join((cls.__doc__ or entry.arch).split()).split(". ")[0].rstrip(".")
    layers = ", ".join(f"{name}: {module}" for name, module in cls.LAYERS.items())
    pathways = ", pathways: [4, 1]" if entry.arch == "slowfast" else ""
    num_classes = get_world(entry.world).num_classes
    description = (f"Zoo ({cls.__name__}): {design}; trained on {entry.world}. "
                   f"Reproduce: {entry.train_command()}")
    return "\n".join([
        f"name: {entry.name}",
        "task: action_recognition",
        f"description: {json.dumps(description)}",
        "model: model.py:build",
        f"model_args: {{num_classes: {num_classes}}}",
        f'weights: {{path: weights.safetensors, sha256: "{"0" * 64}"}}',
        f"layers: {{{layers}}}",
        f"input: {{frames: {FRAMES}, size: {SIZE}{pathways}, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}}",
        f"datasets: [{entry.world}]",
        f"training_data: [{entry.world}]",
        "license: Apache-2.0",
        "",
    ])


def model_text(entry: Entry) -> str:
    cls = ZOO[entry.arch]
    num_classes = get_world(entry.world).num_classes
    return (f'"""Zoo submission: {cls.__name__} trained on {entry.world} (docs/zoo.md)."""\n\n'
            f"from tasks.action_recognition.zoo import {cls.__name__}\n\n\n"
            f"def build(num_classes: int = {num_classes}):\n"
            f"    return {cls.__name__}(num_classes=num_classes)\n")


def write_submission(entry: Entry) -> None:
    """Write the manifest and model.py of ``entry`` (an existing weights pin is kept)."""
    entry.folder.mkdir(parents=True, exist_ok=True)
    manifest, text = entry.folder / "submission.yaml", manifest_text(entry)
    if manifest.is_file():
        pinned = re.search(r'sha256: "([0-9a-f]{64})"', manifest.read_text())
        if pinned:
            text = text.replace("0" * 64, pinned.group(1))
    manifest.write_text(text)
    (entry.folder / "model.py").write_text(model_text(entry))


def train(entry: Entry) -> dict:
    from tasks.action_recognition.train import train as train_model

    write_submission(entry)
    scores = train_model(entry.config(), entry.folder)
    record = {k: scores[k] for k in ("val_top1", "test_top1", "train_s")} | {"command": entry.train_command()}
    RECORDS.mkdir(parents=True, exist_ok=True)
    (RECORDS / f"{entry.name}.json").write_text(json.dumps(record, indent=1))
    return record


def measure(entry: Entry) -> None:
    for protocol in PROTOCOLS:
        subprocess.run(
            [sys.executable, "-m", "benchmark", "run", str(entry.folder.relative_to(ROOT)), "--threads", "1",
             "--pairs", str(PAIRS), "--pair-protocol", protocol, "--no-progress", "--update-results"],
            cwd=ROOT, check=True,
        )


def summary(entries: list[Entry]) -> str:
    """Markdown table: training record and dynamic share at the middle and last layer."""
    head = ("| submission | train s | val top1 | test top1 | true middle | true last | "
            "stylize middle | stylize last |")
    lines = [head, "|---" * 8 + "|"]
    for entry in entries:
        path = RECORDS / f"{entry.name}.json"
        record = json.loads(path.read_text()) if path.is_file() else {}
        cells = [entry.name, f"{record['train_s']:.0f}" if record else "—"]
        cells += [f"{record[k]:.3f}" if k in record else "—" for k in ("val_top1", "test_top1")]
        for protocol in PROTOCOLS:
            result_path = entry.folder / "results" / f"{entry.world}__{protocol}.json"
            shares = {}
            if result_path.is_file():
                shares = {layer.name: layer.dynamic_share for layer in read_result(result_path).layers}
            cells += [f"{shares[k].value:.3f}" if k in shares else "—" for k in ("middle", "last")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=[e.name for e in ENTRIES],
                        help="this entry only (repeatable)")
    parser.add_argument("--skip-train", action="store_true", help="keep the committed weights")
    parser.add_argument("--skip-measure", action="store_true")
    parser.add_argument("--summary", action="store_true", help="only print the table")
    parser.add_argument("--write-only", action="store_true",
                        help="only (re)write the manifests and model.py files, keeping the weights pins")
    args = parser.parse_args(argv)
    entries = [e for e in ENTRIES if not args.only or e.name in args.only]
    if args.write_only:
        for entry in entries:
            write_submission(entry)
        return
    if not args.summary:
        for entry in entries:
            if not args.skip_train:
                print(f"== {entry.name}: {entry.train_command()}", flush=True)
                train(entry)
            if not args.skip_measure:
                measure(entry)
    print(summary(entries))


if __name__ == "__main__":
    main()
