"""Cost per frame of appearance banks on the CPU, side by side (issue 23: the cost of a candidate).

    python -m studies.appearance_cost --bank neural:multistyle26:0,5,19 --bank styles:0,1,2,3 \
        --size 64 --size 160 --threads 1

Every round renders one ``--frames``-frame clip of random pixels in every member of every bank
at every size (banks interleaved within a round, so a loaded machine slows them alike), and
the median over ``--rounds`` rounds of the seconds per frame is reported, with its ratio to
the first bank (the baseline; on a shared machine only ratios are comparable across runs).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from benchmark.pairs.appearance import parse_appearance_bank


def measure(banks: Sequence[str], sizes: Sequence[int], frames: int = 8, rounds: int = 5) -> dict:
    """``{bank: {size: {"ms_per_frame", "ratio_to_baseline"}}}``, the first bank the baseline."""
    parsed = [parse_appearance_bank(text) for text in banks]
    clips = {s: torch.rand(frames, 3, s, s, generator=torch.Generator().manual_seed(s)) for s in sizes}
    for bank in parsed:  # warm up (sessions, caches)
        bank.apply(clips[sizes[0]][:1], 0)
    times = {(b.text, s): [] for b in parsed for s in sizes}
    for _ in range(rounds):
        for s in sizes:
            for bank in parsed:
                started = time.perf_counter()
                for member in range(len(bank)):
                    bank.apply(clips[s], member)
                times[bank.text, s].append((time.perf_counter() - started) / (frames * len(bank)))
    out: dict = {}
    for bank in parsed:
        out[bank.text] = {}
        for s in sizes:
            ms = 1000 * float(np.median(times[bank.text, s]))
            base = 1000 * float(np.median(times[parsed[0].text, s]))
            out[bank.text][str(s)] = {"ms_per_frame": ms, "ratio_to_baseline": ms / base}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bank", action="append", required=True, help="an appearance bank (the first is the baseline)")
    parser.add_argument("--size", type=int, action="append", help="frame side in pixels (default 64 and 160)")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    res = measure(args.bank, args.size or [64, 160], args.frames, args.rounds)
    for text, row in res.items():
        print(text + ": " + ", ".join(f"{s}x{s} {v['ms_per_frame']:.2f} ms/frame ({v['ratio_to_baseline']:.1f}x)"
                                      for s, v in row.items()))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"threads": args.threads, "frames": args.frames, "rounds": args.rounds,
                                        "banks": res}, indent=1) + "\n")


if __name__ == "__main__":
    main()
