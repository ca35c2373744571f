"""Pairs/s of the harness next to the bare model forward, side by side in one process.

For a chosen submission and each pair protocol, prints the marginal seconds per pair of

- **bare**: the model's forward alone on random tensors of its input shape, in batches of
  ``2 x batch`` clips (the two clips of ``batch`` pairs), no hooks;
- **harness**: the ``measure pairs`` stage of ``benchmark run`` (loading or rendering the
  pairs in DataLoader workers, styling, model input, forward with the layer probe, estimator),

taken as the difference between a ``--large``- and a ``--small``-pair run divided by the
difference in pairs (start-up costs cancel), repeated ``--repeats`` times interleaved
(bare small, harness small, bare large, harness large), medians reported; and their ratio
harness/bare in pairs/s (1.0: the harness costs nothing beyond the forward).

    python scripts/measure_throughput.py submissions/template-x3d-xs \\
        [--protocols true stylize] [--batch-size 16] [--workers 2] [--threads 2] \\
        [--small 48] [--large 144] [--repeats 3] [--device cpu] [--precision fp32]

Run it through ``/work/bin/cpuslot`` (``CPUSLOT_THREADS=2``) on a shared machine and state
the load (``uptime``) with the numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchmark.estimator import StaticDynamicEstimator
from benchmark.runner import RunContext, RunOptions, measure_pairs, prepare


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def random_input(ctx: RunContext, clips: int) -> torch.Tensor | list[torch.Tensor]:
    """Random tensors shaped like the model input of ``clips`` clips (one real pair gives
    the shape)."""
    pair = ctx.protocol(ctx.source, ctx.plan[0])
    example = ctx.task.model_input([pair.a], ctx.spec, [None])
    tensors = example if isinstance(example, list) else [example]
    made = [torch.randn(clips, *t.shape[1:], device=ctx.device) for t in tensors]
    return made if isinstance(example, list) else made[0]


def bare_seconds(ctx: RunContext, pairs: int, batch: int, inputs) -> float:
    """Seconds for the forward of ``pairs`` pairs in batches of ``batch`` pairs."""
    _sync(ctx.device)
    start = time.perf_counter()
    with torch.no_grad(), _autocast(ctx):
        for first in range(0, pairs, batch):
            n = min(batch, pairs - first)
            x = [t[: 2 * n] for t in inputs] if isinstance(inputs, list) else inputs[: 2 * n]
            ctx.model(x)
    _sync(ctx.device)
    return time.perf_counter() - start


def harness_seconds(ctx: RunContext, plan: list, pairs: int) -> float:
    """Seconds of the measure-pairs stage over the first ``pairs`` pairs of ``plan``."""
    ctx.plan, ctx.done, ctx.skipped = plan[:pairs], 0, []
    ctx.estimator = StaticDynamicEstimator(bootstrap=ctx.options.bootstrap, seed=ctx.options.seed)
    _sync(ctx.device)
    start = time.perf_counter()
    measure_pairs(ctx)
    _sync(ctx.device)
    return time.perf_counter() - start


def _autocast(ctx: RunContext):
    """The run's forward precision where the harness has one (a no-op otherwise)."""
    precision = getattr(ctx, "precision_context", None)
    return precision() if precision else _nullcontext()


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def measure(folder: Path, protocol: str, args: argparse.Namespace) -> dict[str, float]:
    """Marginal seconds per pair, bare and harness, for one protocol (medians)."""
    fields = {f.name for f in dataclasses.fields(RunOptions)}
    extra = {"precision": args.precision} if "precision" in fields else {}
    if args.precision != "fp32" and not extra:
        raise SystemExit("this version of the harness has no --precision")
    with tempfile.TemporaryDirectory() as out:
        options = RunOptions(pairs=args.large, batch_size=args.batch_size, device=args.device,
                             pair_protocol=protocol, workers=args.workers, bootstrap=args.bootstrap,
                             output=Path(out), checkpoint_every=10**9, progress=False, **extra)
        ctx = prepare(folder, options)
        ctx.model.eval()
        plan = list(ctx.plan)
        inputs = random_input(ctx, 2 * args.batch_size)
        bare_seconds(ctx, args.batch_size, args.batch_size, inputs)  # warm-up
        harness_seconds(ctx, plan, args.batch_size)
        bare, harness = [], []
        for _ in range(args.repeats):
            b_small = bare_seconds(ctx, args.small, args.batch_size, inputs)
            h_small = harness_seconds(ctx, plan, args.small)
            b_large = bare_seconds(ctx, args.large, args.batch_size, inputs)
            h_large = harness_seconds(ctx, plan, args.large)
            bare.append((b_large - b_small) / (args.large - args.small))
            harness.append((h_large - h_small) / (args.large - args.small))
    return {"bare": statistics.median(bare), "harness": statistics.median(harness),
            "ratio": statistics.median(b / h for b, h in zip(bare, harness, strict=True)),
            "ratios": [b / h for b, h in zip(bare, harness, strict=True)]}


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
    parser.add_argument("--precision", default="fp32")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{args.submission}: batch {args.batch_size} pairs, {args.workers} workers, "
          f"{torch.get_num_threads()} torch threads, device {args.device}, precision {args.precision}; "
          f"marginal s/pair between {args.small} and {args.large} pairs, median of {args.repeats}")
    print(f"{'protocol':<12}{'bare pairs/s':>14}{'harness pairs/s':>17}{'harness/bare':>14}  per repeat")
    for protocol in args.protocols:
        m = measure(args.submission, protocol, args)
        per = " ".join(f"{r:.2f}" for r in m["ratios"])
        print(f"{protocol:<12}{1 / m['bare']:>14.2f}{1 / m['harness']:>17.2f}{m['ratio']:>14.2f}  {per}",
              flush=True)


if __name__ == "__main__":
    main()
