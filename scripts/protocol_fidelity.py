"""Compare pair protocols on the same submissions: per-layer dynamic share, true vs stylize.

    python scripts/protocol_fidelity.py submissions/frame2d-synthetic submissions/c3d-synthetic

Reads ``results/<dataset>__true.json`` and ``results/<dataset>__stylize.json`` of each
submission (run them first with ``--pair-protocol true`` / ``stylize``) and prints a
markdown table, plus whether the models are ordered the same way at every layer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.results.schema import read_result


def _share(layer) -> str:
    s = layer.dynamic_share
    return f"{s.value:.3f} [{s.low:.3f}, {s.high:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument("--dataset", default="synthetic-motion")
    args = parser.parse_args()
    results = {
        (folder.name, protocol): read_result(folder / "results" / f"{args.dataset}__{protocol}.json")
        for folder in args.submissions
        for protocol in ("true", "stylize")
    }
    names = [folder.name for folder in args.submissions]
    layers = [layer.name for layer in results[(names[0], "true")].layers]
    print("| layer | " + " | ".join(f"{n} true | {n} stylize" for n in names) + " |")
    print("|---|" + "---|---|" * len(names))
    agree = ties = 0
    for i, layer in enumerate(layers):
        cells = [_share(results[(n, p)].layers[i]) for n in names for p in ("true", "stylize")]
        print(f"| {layer} | " + " | ".join(cells) + " |")
        order = {p: sorted(names, key=lambda n: results[(n, p)].layers[i].dynamic_share.value)
                 for p in ("true", "stylize")}
        if order["true"] == order["stylize"]:
            agree += 1
        elif _overlap([results[(n, "stylize")].layers[i].dynamic_share for n in names]):
            ties += 1  # stylize pairs cannot separate the models at this layer
    print(f"\nmodel order (by dynamic share) agrees between protocols at {agree}/{len(layers)} layers; "
          f"at {ties} more the stylize intervals overlap (a tie); "
          f"{len(layers) - agree - ties} contradict")


def _overlap(shares) -> bool:
    return max(s.low for s in shares) <= min(s.high for s in shares)


if __name__ == "__main__":
    main()
