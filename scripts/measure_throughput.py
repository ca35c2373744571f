"""Pairs/s of the harness next to the bare model forward, side by side in one process.

For a chosen submission and each pair protocol, prints the marginal seconds per pair of

- **bare**: the model's forward alone on random tensors of its input shape, in batches of
  ``2 x batch`` clips (the two clips of ``batch`` pairs), no hooks;
- **harness**: the ``measure pairs`` stage of ``benchmark run`` (loading or rendering the
  pairs in DataLoader workers, styling, model input, forward with the layer probe, estimator),

taken as the difference between a ``--large``- and a ``--small``-pair run divided by the
difference in pairs (start-up costs cancel), repeated ``--repeats`` times interleaved
(bare small, harness small, bare large, harness large), medians reported; and their ratio
harness/bare in pairs/s (1.0: the harness costs nothing beyond the forward).  The CPU
seconds per pair (this process and its DataLoader workers) are printed too: on a shared
machine their ratio is the steadier number.

    python scripts/measure_throughput.py submissions/template-x3d-xs \\
        [--protocols true stylize] [--batch-size 16] [--workers 2] [--threads 2] \\
        [--small 48] [--large 144] [--repeats 3] [--device cpu] [--precision fp32]

Run it through ``/work/bin/cpuslot`` (``CPUSLOT_THREADS=2``) on a shared machine and state
the load (``uptime``) with the numbers.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchmark.estimator import StaticDynamicEstimator
from benchmark.runner import RunContext, RunOptions, measure_pairs, prepare

try:
    from benchmark.precision import with_precision
except ImportError:  # a harness from before --precision (to measure it side by side)
    with_precision = None


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children (the DataLoader workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``work()``."""
    _sync(work.device)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    work()
    _sync(work.device)
    return time.perf_counter() - wall, _cpu_seconds() - cpu


class Bare:
    """The model's forward alone on random tensors shaped like its input, ``2 x batch``
    clips per forward (``batch`` pairs), no hooks."""

    def __init__(self, ctx: RunContext, batch: int, precision: str) -> None:
        self.device, self.batch, self.pairs = ctx.device, batch, 0
        self.model = ctx.model if with_precision is None else with_precision(ctx.model, precision, ctx.device)
        first = ctx.protocol(ctx.source, ctx.plan[0]).a  # its shape; styles change no shape
        example = ctx.task.model_input([first], ctx.spec, [None])
        tensors = example if isinstance(example, list) else [example]
        made = [torch.randn(2 * batch, *t.shape[1:], device=ctx.device) for t in tensors]
        self.inputs = made if isinstance(example, list) else made[0]

    def __call__(self) -> None:
        with torch.no_grad():
            for first in range(0, self.pairs, self.batch):
                n = 2 * min(self.batch, self.pairs - first)
                self.model([t[:n] for t in self.inputs] if isinstance(self.inputs, list) else self.inputs[:n])


class Harness:
    """The measure-pairs stage of ``benchmark run`` over the first ``pairs`` pairs."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx, self.plan, self.device, self.pairs = ctx, list(ctx.plan), ctx.device, 0

    def __call__(self) -> None:
        ctx = self.ctx
        ctx.plan, ctx.done, ctx.skipped = self.plan[: self.pairs], 0, []
        ctx.estimator = StaticDynamicEstimator(bootstrap=ctx.options.bootstrap, seed=ctx.options.seed)
        measure_pairs(ctx)


def _run(work, pairs: int) -> tuple[float, float]:
    work.pairs = pairs
    return _timed(work)


def measure(folder: Path, protocol: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Marginal (wall, CPU) seconds per pair of the bare forward and of the harness, one
    value per repeat."""
    if with_precision is None and args.precision != "fp32":
        raise SystemExit("this version of the harness has no --precision")
    extra = {} if with_precision is None else {"precision": args.precision}
    with tempfile.TemporaryDirectory() as out:
        options = RunOptions(pairs=args.large, batch_size=args.batch_size, device=args.device,
                             pair_protocol=protocol, workers=args.workers, bootstrap=args.bootstrap,
                             output=Path(out), checkpoint_every=10**9, progress=False, **extra)
        ctx = prepare(folder, options)
        ctx.model.eval()
        bare, harness = Bare(ctx, args.batch_size, args.precision), Harness(ctx)
        _run(bare, args.batch_size), _run(harness, args.batch_size)  # warm-up
        out: dict[str, list[float]] = {k: [] for k in ("bare", "harness", "bare_cpu", "harness_cpu")}
        span = args.large - args.small
        for _ in range(args.repeats):
            b_small, h_small = _run(bare, args.small), _run(harness, args.small)
            b_large, h_large = _run(bare, args.large), _run(harness, args.large)
            out["bare"].append((b_large[0] - b_small[0]) / span)
            out["harness"].append((h_large[0] - h_small[0]) / span)
            out["bare_cpu"].append((b_large[1] - b_small[1]) / span)
            out["harness_cpu"].append((h_large[1] - h_small[1]) / span)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submission", type=Path)
    parser.add_argument("--protocols", nargs="+", default=["true", "stylize"])
    parser.add_argument("--batch-size", type=int, default=16, help="pairs per batch")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the harness")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--small", type=int, default=48)
    parser.add_argument("--large", type=int, default=144)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{args.submission}: batch {args.batch_size} pairs, {args.workers} workers, "
          f"{torch.get_num_threads()} torch threads, device {args.device}, precision {args.precision}; "
          f"marginal s/pair between {args.small} and {args.large} pairs, median of {args.repeats} repeats")
    print(f"{'protocol':<10}{'bare pairs/s':>13}{'harness pairs/s':>16}{'harness/bare':>13}"
          f"{'CPU s/pair bare':>17}{'harness':>9}{'ratio':>7}   per-repeat ratios")
    for protocol in args.protocols:
        m = measure(args.submission, protocol, args)
        med = {k: statistics.median(v) for k, v in m.items()}
        ratios = [b / h for b, h in zip(m["bare"], m["harness"], strict=True)]
        print(f"{protocol:<10}{1 / med['bare']:>13.2f}{1 / med['harness']:>16.2f}"
              f"{statistics.median(ratios):>13.2f}{med['bare_cpu']:>17.3f}{med['harness_cpu']:>9.3f}"
              f"{med['bare_cpu'] / med['harness_cpu']:>7.2f}   {' '.join(f'{r:.2f}' for r in ratios)}",
              flush=True)


if __name__ == "__main__":
    main()
