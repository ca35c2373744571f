"""Protocol scores of reference models on real camera footage, beside their synthetic-world
scores (docs/protocol_v3.md): the real-video protocols run where they are meant to run.

    python -m studies.real_footage_scores --videos /path/to/footage \
        submissions/c3d-synthetic submissions/frame2d-synthetic --pairs 300

The footage (never committed) is laid out as a Diving48 dataset (``rgb/<video>.mp4`` and
one annotation entry per window of ``--window`` frames, label 0: only the pairs matter, the
accuracy of a model trained on a synthetic world is meaningless there), each submission is
copied to a scratch folder whose manifest also declares ``diving48``, and
``python -m benchmark run`` measures it under each ``--protocol`` with ``--data-root`` on
that folder.  Prints, per submission and protocol, the dynamic share at the middle and the
last layer, with the same submission's committed ``true`` and ``stylize`` scores on its
synthetic world.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmark.data.video import probe_video
from benchmark.results.schema import read_result
from benchmark.submission.manifest import read_manifest
from studies.appearance_motion import video_files

ROOT = Path(__file__).resolve().parents[1]


def write_dataset(videos: list[Path], root: Path, window: int, classes: int) -> int:
    """The Diving48 layout of ``videos`` under ``root``: every ``window`` frames an entry; a
    vocabulary of ``classes`` placeholder classes (the model's own count: the harness refuses
    a model whose outputs do not match the dataset's classes)."""
    (root / "rgb").mkdir(parents=True)
    entries = []
    for video in videos:
        original = root / f"{video.stem}{video.suffix}"
        shutil.copyfile(video, original)
        frames = probe_video(video, video.stem).num_frames
        for start in range(0, frames - window + 1, window):
            name = f"{video.stem}_{start:06d}"  # one clip id per window: a link to the same file
            (root / "rgb" / f"{name}.mp4").hardlink_to(original)  # PyAV reads the container, not the suffix
            entries.append({"vid_name": name, "label": 0, "start_frame": start, "end_frame": start + window - 1})
    (root / "Diving48_V2_test.json").write_text(json.dumps(entries))
    (root / "Diving48_V2_train.json").write_text(json.dumps(entries[:1]))
    (root / "Diving48_vocab.json").write_text(json.dumps([["a", "b", "c", "d"]] * classes))
    return len(entries)


def scratch_copy(submission: Path, into: Path) -> Path:
    """A copy of ``submission`` (no results) whose manifest also declares ``diving48``."""
    copy = into / submission.name
    shutil.copytree(submission, copy, ignore=shutil.ignore_patterns("results", "__pycache__"))
    manifest = copy / "submission.yaml"
    text = manifest.read_text()
    manifest.write_text(text.replace("datasets: [", "datasets: [diving48, ", 1))
    return copy


def key_shares(path: Path) -> tuple[float, float]:
    layers = read_result(path).layers
    return layers[len(layers) // 2].dynamic_share.value, layers[-1].dynamic_share.value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument("--videos", type=Path, action="append", required=True)
    parser.add_argument("--protocol", action="append", help="default: stylize and kowal2022")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--window", type=int, default=64, help="frames per annotated window")
    args = parser.parse_args(argv)
    protocols = args.protocol or ["stylize", "kowal2022"]
    with tempfile.TemporaryDirectory() as tmp:
        print("| submission | protocol | real footage: middle | last | synthetic world: middle | last |")
        print("|---|---|---|---|---|---|")
        for submission in args.submissions:
            copy = scratch_copy(submission, Path(tmp))
            data = Path(tmp) / "footage" / submission.name
            classes = int(read_manifest(copy / "submission.yaml").model_args["num_classes"])
            count = write_dataset(video_files(args.videos), data, args.window, classes)
            world = read_result(next((submission / "results").glob("*__true.json"))).dataset.name
            for protocol in protocols:
                out = Path(tmp) / "runs" / submission.name / protocol
                subprocess.run([sys.executable, "-m", "benchmark", "run", str(copy), "--dataset", "diving48",
                                "--data-root", str(data), "--pair-protocol", protocol, "--pairs", str(args.pairs),
                                "--eval-clips", "10", "--threads", "1", "--no-progress", "--output", str(out)],
                               cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
                real = key_shares(out / f"diving48__{protocol}.json")
                synthetic = key_shares(submission / "results" / f"{world}__{protocol}.json")
                print(f"| {submission.name} | `{protocol}` | {real[0]:.3f} | {real[1]:.3f} | "
                      f"{synthetic[0]:.3f} | {synthetic[1]:.3f} |", flush=True)
        print(f"\n{count} windows of {args.window} frames from {len(video_files(args.videos))} videos, "
              f"{args.pairs} pairs per run")


if __name__ == "__main__":
    main()
