"""The fusion / cross-connection design study (METHOD.md §7) as a markdown table, read from
the result files of the ``submissions/avos-*`` folders (nothing is run or imported).

    python -m benchmark run submissions/avos-none-concat --dataset synthetic-avos
    python -m benchmark run submissions/avos-none-concat --dataset synthetic-avos-camouflage
    ...
    python -m tasks.avos.study                # prints the table
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate

from benchmark.errors import BenchmarkError
from benchmark.results.schema import Result, read_result
from benchmark.submission.manifest import discover_submissions, read_manifest

DATASETS = ("synthetic-avos", "synthetic-avos-camouflage")
LAYER = "fusion.stage4"


def _result(folder: Path, dataset: str) -> Result | None:
    path = folder / "results" / f"{dataset}__true.json"
    try:
        return read_result(path) if path.is_file() else None
    except BenchmarkError:
        return None


def _share(result: Result | None) -> str:
    if result is None:
        return "—"
    layer = next((layer for layer in result.layers if layer.name == LAYER), result.last_layer)
    share = layer.dynamic_share
    if share is None:
        return "—"
    if share.low is None or share.high is None:
        return f"{share.value:.3f}"
    return f"{share.value:.3f} [{share.low:.3f}, {share.high:.3f}]"


def _metric(result: Result | None, key: str, percent: bool = False) -> str:
    if result is None or key not in result.metrics:
        return "—"
    value = result.metrics[key]
    if percent:
        return f"{100 * value:+.0f} %"
    interval = result.metric_intervals.get(key)
    if interval is None or interval.low is None or interval.high is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{interval.low:.3f}, {interval.high:.3f}]"


def study_rows(submissions: Path) -> list[list[str]]:
    """One row per AVOS submission: options, J&F per world and the MoCA metrics on the
    camouflage world (with bootstrap intervals over sequences), dynamic share of the last
    fusion layer per world, and the J&F drop without motion (flow shown as zero)."""
    rows = []
    for folder in discover_submissions(submissions):
        manifest = read_manifest(folder / "submission.yaml")
        if getattr(manifest, "task", None) != "avos" or not hasattr(manifest, "model_args"):
            continue
        args = manifest.model_args
        plain, camo = (_result(folder, d) for d in DATASETS)
        rows.append([
            f"`{manifest.name}`", args.get("cross", "none"), "yes" if args.get("gated") else "no",
            args.get("fusion", "concat"),
            _metric(plain, "jf_mean"), _metric(camo, "jf_mean"), _metric(camo, "miou"), _metric(camo, "sr_mean"),
            _share(plain), _share(camo),
            _metric(plain, "jf_mean_static_rel_drop", True), _metric(camo, "jf_mean_static_rel_drop", True),
        ])
    return rows


HEADERS = ["submission", "cross", "gated", "fusion", "J&F avos [95% CI]", "J&F camouflage [95% CI]",
           "MoCA mIoU camouflage [95% CI]", "MoCA mean success rate camouflage [95% CI]",
           f"dyn. share {LAYER} avos [95% CI]", f"dyn. share {LAYER} camouflage [95% CI]",
           "J&F drop, no motion (avos)", "J&F drop, no motion (camouflage)"]


def study_table(submissions: Path) -> str:
    return tabulate(study_rows(submissions), headers=HEADERS, tablefmt="github", disable_numparse=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=Path, default=Path("submissions"))
    print(study_table(parser.parse_args(argv).submissions))


if __name__ == "__main__":
    main()
