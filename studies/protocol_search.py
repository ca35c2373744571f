"""Candidate real-video pair protocols, measured against true pairs in one pass per model.

The development tool of the protocol-v3 study (docs/validity.md): for one submission of a
synthetic world it plans ``pairs`` pairs, and for every pair builds the true pair and the
pair each candidate protocol would build from the same item, runs all of them through the
model with the harness's own probe and estimator, and returns each candidate's dynamic share
per layer.  A candidate is ``<appearance bank>+<static partner>``:

- appearance banks (dynamic pairs take two different members; a static pair one member):
  ``styles:0,1,2,3`` (procedural styles of :mod:`benchmark.pairs.styles`, the v2 default),
  ``hue:K`` (K luminance-keeping hue rotations), ``hue:K:c`` (and chroma scaled by
  members drawn in ``[c, 1/c]``), ``blend:ids:alpha`` (styles mixed with the clip at
  strength ``alpha``), ``tone:K:beta`` (hue rotation plus a luminance tone curve of
  strength ``beta``), and others registered in :mod:`benchmark.pairs.appearance`;
- static partners: ``shuffle`` (v2: frames permuted), ``frozen`` (one frame repeated),
  ``reverse`` (frames reversed).

    python -m studies.protocol_search submissions/zoo-r3d-motion --pairs 600 \
        --candidate hue:4+frozen --candidate styles:0,1,2,3+shuffle
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from benchmark.measure.factors import STATIC
from benchmark.pairs.appearance import parse_appearance_bank
from benchmark.pairs.batch import pair_input
from benchmark.pairs.protocols import PairClips, PairSpec, choose_styles
from benchmark.run.runner import RunOptions, new_estimator, open_run

LAYERS = ("stem", "early", "middle", "late", "last")


class Candidate:
    """``<bank>+<partner>``: how a candidate protocol builds a pair from an item's frames."""

    def __init__(self, text: str) -> None:
        bank, _, partner = text.partition("+")
        self.text = text
        self.bank = parse_appearance_bank(bank)
        self.partner = partner or "shuffle"
        if self.partner not in ("shuffle", "frozen", "reverse"):
            raise SystemExit(f"--candidate {text}: unknown static partner {self.partner!r} "
                             "(shuffle, frozen or reverse)")

    @staticmethod
    def partners(task) -> dict:
        """The static partners a candidate can name: the task's own (``shuffle``: the papers',
        ``frozen``: protocol v3's) and ``reverse`` (the frames in reverse order)."""
        return {"shuffle": task.static_partner, "frozen": task.motionless_partner,
                "reverse": lambda frames, rng: (np.ascontiguousarray(frames[::-1]), None)}

    def pair(self, frames: np.ndarray, spec: PairSpec, task) -> PairClips:
        """The pair the harness's protocol would build from ``frames`` for ``spec`` (same
        members, same static partner draws), rendered."""
        first, second, rng = choose_styles(len(self.bank), spec)
        a = self.bank.render(frames, first)
        if spec.factor == STATIC:
            partner, shuffle = self.partners(task)[self.partner](frames, rng)
            return PairClips(a, self.bank.render(partner, first), shuffle)
        return PairClips(a, self.bank.render(frames, second), None)


def measure(folder: str | Path, candidates: Sequence[str], pairs: int = 600, seed: int = 0,
            batch: int = 32, split: str | None = None) -> dict[str, dict[str, float]]:
    """Dynamic share per layer of ``true`` and of every candidate on the same planned pairs."""
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(pairs=pairs, seed=seed, pair_protocol="true", bootstrap=0,
                             output=Path(tmp), progress=False, split=split)
        ctx = open_run(folder, options)
    cands = [Candidate(text) for text in candidates]
    estimators = {"true": new_estimator(options)} | {c.text: new_estimator(options) for c in cands}
    source, task, input = ctx.source, ctx.task, ctx.submission.manifest.input
    seen = ctx.protocol.seen
    try:
        for start in range(0, len(ctx.plan), batch):
            specs = ctx.plan[start:start + batch]
            built: dict[str, list[PairClips]] = {"true": []} | {c.text: [] for c in cands}
            for spec in specs:
                a, b = source.true_pair(spec.item, spec.factor, spec.seed)
                built["true"].append(PairClips(seen(a), seen(b)))
                frames = seen(source.clip(spec.item))
                for c in cands:
                    built[c.text].append(c.pair(frames, spec, task))
            factors = [s.factor for s in specs]
            ids = [s.pair_id for s in specs]
            n = len(specs)
            for name, clips in built.items():
                # the submission's model runs in its own process (benchmark.isolation)
                features = ctx.model.features(pair_input(task, clips, input, "cpu"), 2 * n)
                estimators[name].update({k: v[:n] for k, v in features.items()},
                                        {k: v[n:] for k, v in features.items()}, factors, ids)
    finally:
        ctx.model.close()
    out = {}
    for name, estimator in estimators.items():
        out[name] = {layer: estimator.layer_scores(layer).dynamic_share.value
                     for layer in estimator.layers}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="+")
    parser.add_argument("--candidate", action="append", required=True)
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="append one JSON line per submission here")
    args = parser.parse_args(argv)
    for folder in args.submissions:
        shares = measure(folder, args.candidate, args.pairs, args.seed)
        line = {"submission": Path(folder).name, "pairs": args.pairs, "seed": args.seed, "shares": shares}
        if args.out:
            with args.out.open("a") as fh:
                fh.write(json.dumps(line) + "\n")
        print(Path(folder).name, {k: {layer: round(v, 3) for layer, v in s.items()} for k, s in shares.items()},
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
