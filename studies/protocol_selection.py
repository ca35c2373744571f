"""The pre-registered selection of protocol v3 (docs/protocol_v3.md §3) from the development
half's measurements (``studies.protocol_search --out runs/v3/dev.jsonl``).

    python -m studies.protocol_selection runs/v3/dev.jsonl

Prints, per candidate, Kendall τ-b and mean |candidate − true| at the middle and the last
layer, each frame-only model's |Δ| at the last layer, whether it passes the rule's first
step, and the chosen candidate.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from studies.validity_models import FRAME_ONLY

MAX_MEAN_ABS = 0.08
MAX_FRAME_ONLY_ABS = 0.05
TIE = 0.02


def key_layers(layers: list[str]) -> dict[str, str]:
    """``middle`` and ``last`` of a model's declared layers (index ⌊L/2⌋ and the last)."""
    return {"middle": layers[len(layers) // 2], "last": layers[-1]}



@dataclass
class Scored:
    candidate: str
    tau: dict[str, float]
    mean_abs: dict[str, float]
    frame_only_abs: dict[str, float]

    @property
    def passes(self) -> bool:
        return (all(v <= MAX_MEAN_ABS for v in self.mean_abs.values())
                and all(v <= MAX_FRAME_ONLY_ABS for v in self.frame_only_abs.values()))

    @property
    def worst_tau(self) -> float:
        return min(self.tau.values())


def read(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """submission -> protocol -> {middle, last} share (the last line of a submission wins)."""
    out = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        shares = {}
        for protocol, per_layer in row["shares"].items():
            names = key_layers(list(per_layer))
            shares[protocol] = {k: per_layer[v] for k, v in names.items()}
        out[row["submission"]] = shares
    return out


def score(table: dict[str, dict[str, dict[str, float]]]) -> list[Scored]:
    """Every candidate measured on every model of ``table``, scored against ``true``."""
    models = sorted(table)
    candidates = [c for c in table[models[0]] if c != "true" and all(c in table[m] for m in models)]
    out = []
    for candidate in candidates:
        tau, mean_abs = {}, {}
        for layer in ("middle", "last"):
            truth = np.array([table[m]["true"][layer] for m in models])
            other = np.array([table[m][candidate][layer] for m in models])
            tau[layer] = float(stats.kendalltau(truth, other).statistic)
            mean_abs[layer] = float(np.abs(other - truth).mean())
        frame_only = {m: abs(table[m][candidate]["last"] - table[m]["true"]["last"])
                      for m in models if m in FRAME_ONLY}
        out.append(Scored(candidate, tau, mean_abs, frame_only))
    return out


def choose(scored: list[Scored]) -> tuple[Scored, bool]:
    """The rule of docs/protocol_v3.md §3: (chosen, whether it passed step 1)."""
    passing = [s for s in scored if s.passes]
    pool = passing or scored
    best = max(s.worst_tau for s in pool)
    tied = [s for s in pool if s.worst_tau >= best - TIE]
    return min(tied, key=lambda s: max(s.mean_abs.values())), bool(passing)


def markdown(scored: list[Scored], models: int) -> str:
    lines = ["| candidate | τ middle | τ last | mean \\|Δ\\| middle | mean \\|Δ\\| last | "
             "frame-only \\|Δ\\| last (max) | step 1 |", "|---" * 7 + "|"]
    for s in sorted(scored, key=lambda s: -s.worst_tau):
        worst_frame = max(s.frame_only_abs.values()) if s.frame_only_abs else float("nan")
        lines.append(f"| `{s.candidate}` | {s.tau['middle']:.2f} | {s.tau['last']:.2f} | "
                     f"{s.mean_abs['middle']:.3f} | {s.mean_abs['last']:.3f} | {worst_frame:.3f} | "
                     f"{'pass' if s.passes else 'fail'} |")
    return "\n".join(lines) + f"\n\n({models} models)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measurements", type=Path)
    args = parser.parse_args(argv)
    table = read(args.measurements)
    scored = score(table)
    print(markdown(scored, len(table)))
    chosen, passed = choose(scored)
    print(f"\nchosen: {chosen.candidate} ({'passes step 1' if passed else 'nothing passed step 1'})")


if __name__ == "__main__":
    main()
