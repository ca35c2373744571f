"""Show that the estimator's memory stays flat in the number of pairs (METHOD.md §5).

Feeds 1e3, 1e4 and 1e5 pairs (C = 2048 units, batches of 64, random float32 features made on
the fly, both factors mixed) into a fresh estimator each, and prints per N:

- the estimator's state size (sum of its tensors' nbytes): it must not depend on N;
- the peak of Python/numpy allocations during the run (tracemalloc; numpy reports to it);
- the process's resident memory now and the growth of its peak (``ru_maxrss``) over the
  baseline taken after a warm-up, which covers torch's own allocations too;
- the throughput.

    python scripts/measure_estimator_memory.py [--units 2048] [--batch 64] [--bootstrap 200]
        [--pairs 1000 10000 100000] [--threads N]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import torch

from benchmark.measure.estimator import StaticDynamicEstimator

MIB = 2**20


def rss_now() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def state_bytes(estimator: StaticDynamicEstimator) -> int:
    return sum(t.nbytes for state in estimator.layers.values() for t in state.values())


def run(n_pairs: int, units: int, batch: int, bootstrap: int, generator: torch.Generator):
    estimator = StaticDynamicEstimator(bootstrap=bootstrap)
    factors = torch.zeros(batch, dtype=torch.long)
    start = time.perf_counter()
    for first in range(0, n_pairs, batch):
        n = min(batch, n_pairs - first)
        a = torch.randn(n, units, generator=generator)
        b = 0.5 * a + torch.randn(n, units, generator=generator)
        factors = torch.randint(0, 2, (n,), generator=generator)
        estimator.update({"res5": a}, {"res5": b}, factors, np.arange(first, first + n))
    seconds = time.perf_counter() - start
    scores = estimator.layer_scores("res5")
    return estimator, scores, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--pairs", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (1 is steadier on a busy machine)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    generator = torch.Generator().manual_seed(0)
    run(4 * args.batch, args.units, args.batch, args.bootstrap, generator)  # warm-up
    baseline_peak, baseline_rss = peak_rss(), rss_now()
    print(
        f"C={args.units}, batch={args.batch}, bootstrap={args.bootstrap}, torch threads "
        f"{torch.get_num_threads()}; baseline RSS {baseline_rss / MIB:.1f} MiB after warm-up"
    )
    header = (
        f"{'pairs':>8} {'state MiB':>10} {'tracemalloc peak MiB':>21} {'RSS MiB':>8} "
        f"{'peak RSS growth MiB':>20} {'pairs/s':>9} {'dynamic share':>14}"
    )
    print(header)
    for n_pairs in args.pairs:
        tracemalloc.start()
        estimator, scores, seconds = run(n_pairs, args.units, args.batch, args.bootstrap, generator)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{n_pairs:>8} {state_bytes(estimator) / MIB:>10.2f} {traced_peak / MIB:>21.2f} "
            f"{rss_now() / MIB:>8.1f} {(peak_rss() - baseline_peak) / MIB:>20.1f} "
            f"{n_pairs / seconds:>9.0f} {scores.dynamic_share.value:>14.4f}",
            flush=True,
        )
        del estimator, scores  # the next N starts from the same baseline


if __name__ == "__main__":
    main()
