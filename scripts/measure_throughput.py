"""Pairs/s of the harness next to the bare model forward, side by side in one process.

For a chosen submission and each pair protocol, prints the marginal seconds per pair of

- **bare**: the model's forward alone, built in this process, on random tensors of its
  input shape, in batches of ``2 x batch`` clips (the two clips of ``batch`` pairs), no hooks;
- **harness**: the ``measure pairs`` stage of ``benchmark run`` (loading or rendering the
  pairs in DataLoader workers, styling, model input, the batch through the channel to the
  model's own process - :mod:`benchmark.isolation.process` -, its forward with the layer probe
  there, the pooled features back, estimator),

taken as the difference between a ``--large``- and a ``--small``-pair run divided by the
difference in pairs (start-up costs cancel), and their ratio harness/bare in pairs/s
(1.0: the harness costs nothing beyond the forward).  The runs are repeated
``--repeats`` times, taking turns (bare, then each protocol's harness, at the small and
then the large size), and each run's fastest time is used: on a shared machine other
work only ever slows a run down.  The ratio of each repeat alone is printed too.

    python scripts/measure_throughput.py submissions/template-x3d-xs \\
        [--protocols true stylize] [--batch-size 16] [--workers 2] [--threads 2] \\
        [--small 48] [--large 144] [--repeats 5] [--device cpu] [--precision fp32]

Run it through ``/work/bin/cpuslot`` (``CPUSLOT_THREADS=2``) on a shared machine and state
the load (``uptime``) with the numbers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import fields
from operator import itemgetter
from pathlib import Path

import torch

from benchmark.measure.estimator import StaticDynamicEstimator
from benchmark.run.runner import RunContext, RunOptions, measure_pairs, prepare
from benchmark.submission.model import build_model

# A harness from before --precision (to measure it side by side) has no such run option;
# asked by the option, not by importing the module (an editable install of another
# checkout would provide a module this harness does not have).
if "precision" in {f.name for f in fields(RunOptions)}:
    from benchmark.measure.precision import with_precision
else:
    with_precision = None


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _run(work, pairs: int) -> float:
    """Seconds of ``work`` over ``pairs`` pairs."""
    work.pairs = pairs
    _sync(work.device)
    start = time.perf_counter()
    work()
    _sync(work.device)
    return time.perf_counter() - start


class Bare:
    """The model's forward alone on random tensors shaped like its input, ``2 x batch``
    clips per forward (``batch`` pairs), no hooks."""

    def __init__(self, ctx: RunContext, batch: int, precision: str) -> None:
        self.device, self.batch, self.pairs = ctx.device, batch, 0
        torch.manual_seed(ctx.options.seed)
        model = build_model(ctx.submission, ctx.device)  # here: the forward alone, no channel, no process
        self.model = model if with_precision is None else with_precision(model, precision, ctx.device)
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


def measure(args: argparse.Namespace, out: Path) -> dict[tuple[str, int], list[float]]:
    """Seconds of every run: (``bare`` or a protocol, pairs) -> one value per repeat.  The
    bare forward and the harness of every protocol take turns at each size."""
    if with_precision is None and args.precision != "fp32":
        raise SystemExit("this version of the harness has no --precision")
    extra = {} if with_precision is None else {"precision": args.precision}
    works = {}
    for protocol in args.protocols:
        options = RunOptions(pairs=args.large, batch_size=args.batch_size, device=args.device,
                             pair_protocol=protocol, workers=args.workers, bootstrap=args.bootstrap,
                             output=out / protocol, checkpoint_every=10**9, progress=False, **extra)
        ctx = prepare(args.submission, options)
        works.setdefault("bare", Bare(ctx, args.batch_size, args.precision))
        works[protocol] = Harness(ctx)
    try:
        for work in works.values():
            _run(work, args.batch_size)  # warm-up
        runs = {(name, pairs): [] for name in works for pairs in (args.small, args.large)}
        for _ in range(args.repeats):
            for pairs in (args.small, args.large):
                for name, work in works.items():
                    runs[name, pairs].append(_run(work, pairs))
    finally:
        for work in works.values():
            if isinstance(work, Harness):
                getattr(work.ctx.model, "close", lambda: None)()
    return runs


def per_pair(runs: dict, name: str, small: int, large: int, pick=min) -> float:
    """Marginal seconds per pair of ``name`` from the ``pick`` of each size's runs."""
    return (pick(runs[name, large]) - pick(runs[name, small])) / (large - small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submission", type=Path)
    parser.add_argument("--protocols", nargs="+", default=["true", "stylize"])
    parser.add_argument("--batch-size", type=int, default=16, help="pairs per batch")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the harness")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--small", type=int, default=48)
    parser.add_argument("--large", type=int, default=144)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{args.submission}: batch {args.batch_size} pairs, {args.workers} workers, "
          f"{torch.get_num_threads()} torch threads, device {args.device}, precision {args.precision}; "
          f"marginal s/pair between {args.small} and {args.large} pairs, fastest of {args.repeats} repeats")
    with tempfile.TemporaryDirectory() as out:
        runs = measure(args, Path(out))
    bare = per_pair(runs, "bare", args.small, args.large)
    print(f"bare forward: {1 / bare:.2f} pairs/s")
    print(f"{'protocol':<10}{'harness pairs/s':>16}{'harness/bare':>13}   each repeat alone")
    for protocol in args.protocols:
        harness = per_pair(runs, protocol, args.small, args.large)
        alone = [per_pair(runs, "bare", args.small, args.large, itemgetter(k))
                 / per_pair(runs, protocol, args.small, args.large, itemgetter(k)) for k in range(args.repeats)]
        print(f"{protocol:<10}{1 / harness:>16.2f}{bare / harness:>13.2f}   " + " ".join(f"{r:.2f}" for r in alone),
              flush=True)


if __name__ == "__main__":
    main()
