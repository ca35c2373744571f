"""Clips/s of a real dataset's reader: decoding (PyAV), frame sampling, resizing and
cropping for a submission's input, as ``benchmark run`` loads clips, with each number
of DataLoader workers.

    python scripts/measure_decode.py submissions/template-x3d-xs --dataset diving48 \\
        --data-root /data/Diving48 [--split test] [--workers 0 2] [--batch-size 4] [--repeats 3]

Every pass reads every clip of the split once (``--limit`` keeps the first N); the best
of ``--repeats`` passes is reported (the machine's other work only slows a pass down).
To try it without the dataset, write a fixture in the published layout first::

    python -c "from tests.fixtures.action_datasets import write_diving48_fixture as w; \\
        w('/tmp/d48', n_videos=32, frames=96, size=(176, 320))"
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from benchmark.api.tasks import get_task
from benchmark.data.clips import LoadedItems, iterate_loaded
from benchmark.submission.manifest import load_submission


def clips_per_second(source, workers: int, batch_size: int) -> float:
    """Clips/s of one pass over ``source``."""
    items = LoadedItems(range(len(source)), source.clip, source.clip_id)
    start = time.perf_counter()
    loaded = sum(len(batch) for batch, _ in iterate_loaded(items, batch_size, workers, "fail", None))
    return loaded / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submission", type=Path, help="its manifest's input (frames, size, sampling rate)")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--split", help="default: the dataset's pair split")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--batch-size", type=int, default=4, help="clips per batch (a worker loads whole batches)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    manifest = load_submission(args.submission).manifest
    task = get_task(manifest.task)
    dataset = task.spec.dataset(args.dataset)
    source = task.open_source(dataset, args.split or dataset.pair_split, args.data_root, manifest.input,
                              task.spec.options(), limit=args.limit)
    shape = tuple(source.clip(0).shape)
    print(f"{args.dataset} {source.split} via {args.data_root}: {len(source)} clips of {shape} "
          f"(input of {manifest.name}); best of {args.repeats} passes")
    for workers in args.workers:
        best = max(clips_per_second(source, workers, args.batch_size) for _ in range(args.repeats))
        print(f"  {workers} workers: {best:.1f} clips/s", flush=True)


if __name__ == "__main__":
    main()
