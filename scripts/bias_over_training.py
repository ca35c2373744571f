"""Bias over training (docs/METHOD.md §5): train with checkpoints, measure every checkpoint.

    python scripts/bias_over_training.py                 # train, curve and run every entry
    python scripts/bias_over_training.py --only c3d-small-appearance
    python scripts/bias_over_training.py --summary       # only print the settling table

Each entry is a submission ``submissions/<name>/`` (recipe: scripts/small_references.py),
trained with a checkpoint every 63 of its 1260 optimiser steps (21 checkpoints, in
``runs/checkpoints/<name>/``), measured with ``python -m benchmark curve`` (true pairs,
500 pairs per checkpoint) and its final weights with ``python -m benchmark run``.  The
summary gives, per layer, the fraction of training after which the dynamic share enters
the final checkpoint's 95 % interval and stays there, for these entries and every other
submission with a curve (the 3D models on synthetic-motion and synthetic-conflict, with and
without StaticDropout, come from ``scripts/static_dropout_study.py final``).  Run it through
``/work/bin/cpuslot`` on the shared machine (one thread).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from small_references import (  # noqa: E402
    LAYERS,
    ROOT,
    RUNS,
    benchmark,
    config,
    save_record,
    train_submission,
    write_submission,
)

from benchmark.results.schema import curve_files, read_curve  # noqa: E402

CURVE_PAIRS = 500
ENTRIES = {
    "frame2d-small-motion": (config("frame2d", "synthetic-motion"),
                             "Frame-only 2D ResNet at half width (8-64 channels), 8x32x32"),
    "c3d-small-appearance": (config("c3d", "synthetic-appearance"),
                             "3D ResNet at half width (8-64 channels), 8x32x32"),
}


def checkpoint_dir(name: str) -> Path:
    return RUNS / "checkpoints" / name


def measure(name: str) -> None:
    """The curve over the checkpoints of ``name`` and the run of its final weights."""
    folder = f"submissions/{name}"
    benchmark("curve", folder, "--checkpoints", str(checkpoint_dir(name).relative_to(ROOT)),
              "--pairs", str(CURVE_PAIRS))
    benchmark("run", folder)


def produce(name: str, cfg, summary: str) -> None:
    folder = ROOT / "submissions" / name
    write_submission(folder, name, cfg, summary)
    record = train_submission(folder, cfg, checkpoint_dir(name))
    save_record(RUNS / "curves" / f"{name}.json", record)
    measure(name)


def settling_table(names: list[str]) -> str:
    """Markdown: per entry and layer, the settling fraction, the final share and the metric."""
    lines = ["| model | world | " + " | ".join(LAYERS) + " | top1 at 25 / 50 / 100 % |", "|---" * (len(LAYERS) + 3) + "|"]
    for name in names:
        for path in curve_files(ROOT / "submissions" / name):
            curve = read_curve(path)
            cells = []
            for layer in LAYERS:
                fraction = curve.settling_fraction(layer)
                final = next(x for x in curve.points[-1].layers if x.name == layer).dynamic_share
                cells.append(f"{fraction:.2f} ({final.value:.2f})" if fraction is not None else "—")
            top1 = []
            for target in (0.25, 0.5, 1.0):
                point = min(curve.points, key=lambda p, t=target: abs((p.fraction or 0) - t))
                top1.append(f"{point.metrics.get('top1', float('nan')):.2f}")
            lines.append(f"| {name} | {curve.dataset.name} | " + " | ".join(cells) + " | " + " / ".join(top1) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="this entry only (repeatable)")
    parser.add_argument("--measure-only", action="store_true", help="keep the checkpoints, measure again")
    parser.add_argument("--summary", action="store_true", help="only print the table")
    args = parser.parse_args(argv)
    names = args.only or list(ENTRIES)
    if not args.summary:
        for name in names:
            if args.measure_only:
                measure(name)
            else:
                produce(name, *ENTRIES[name])
    with_curves = sorted(folder.name for folder in (ROOT / "submissions").iterdir() if curve_files(folder))
    print(settling_table(sorted(set(names) | set(with_curves))))


if __name__ == "__main__":
    main()
