"""Does StaticDropout help on dynamically biased data?  (docs/static_dropout.md)

    python scripts/static_dropout_study.py tune      # grid on the validation split (seed 0)
    python scripts/static_dropout_study.py final     # chosen config vs baseline, 3 seeds, 2 worlds
    python scripts/static_dropout_study.py summary   # the tables

``tune`` trains the 3D reference (scripts/small_references.py) on ``synthetic-conflict``
(appearance matches the label in 90 % of training clips) with each StaticDropout setting of
the grid and without, and scores each on the *validation* split rendered with appearance
independent of the label (the world's ``correlation`` set to 1/12, chance level; the test
split is never looked at).  The best validation top1 wins.

``final`` trains the winner and the baseline with seeds 0, 1, 2 on ``synthetic-conflict``
and on ``synthetic-motion`` (same recipe, same seeds) and measures each with
``python -m benchmark run`` (true pairs, 1000 pairs on val; top1 on the 300 test clips).
Seed 0 goes to ``submissions/`` (with 21 checkpoints and a curve), the other seeds to
``runs/static_dropout/``.  ``summary`` prints test top1 (Wilson 95 % intervals) and the
last layer's dynamic share (bootstrap 95 % intervals) per seed, their mean and spread.
Run it through ``/work/bin/cpuslot`` on the shared machine (one thread).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bias_over_training import CURVE_PAIRS, checkpoint_dir  # noqa: E402
from small_references import (  # noqa: E402
    ROOT,
    RUNS,
    benchmark,
    config,
    load_record,
    save_record,
    train_submission,
    write_submission,
)

from benchmark.results.schema import read_result  # noqa: E402
from tasks.action_recognition.sources import WorldSource  # noqa: E402
from tasks.action_recognition.static_dropout import StaticDropoutConfig  # noqa: E402
from tasks.action_recognition.train import accuracy, render_split  # noqa: E402

STUDY = RUNS / "static_dropout"
TUNE_WORLD = "synthetic-conflict"
WORLDS = ("synthetic-conflict", "synthetic-motion")
SEEDS = (0, 1, 2)
GRID = [StaticDropoutConfig(layer, p, rule, start=1, every=1, pairs=256)
        for layer, p, rule in itertools.product(("res3", "res4", "res5"), (0.5, 0.9), ("static", "most-static"))]
SUMMARY = "3D ResNet at half width (8-64 channels), 8x32x32"


def tag(sd: StaticDropoutConfig | None) -> str:
    return "baseline" if sd is None else f"{sd.layer}-p{sd.p:g}-{sd.rule}"


def validation_top1(folder: Path, cfg) -> dict[str, float]:
    """Top1 of the trained weights on the validation split, appearance independent of the
    label (``unbiased``) and as in training (``biased``)."""
    import torch

    from benchmark.submission.manifest import read_manifest
    from benchmark.submission.model import load_state_dict

    spec = read_manifest(folder / "submission.yaml").input
    model = cfg.build_model(WorldSource(cfg.world, "val").num_classes)
    model.load_state_dict(load_state_dict(folder / "weights.safetensors"))
    torch.set_num_threads(1)
    scores = {}
    for name, options in (("unbiased", {"correlation": 1 / 12}), ("biased", {})):
        clips, labels = render_split(WorldSource(cfg.world, "val", **options))
        scores[name] = accuracy(model, clips, labels, spec)
    return scores


def tune() -> None:
    for sd in [None, *GRID]:
        name = tag(sd)
        record_path = STUDY / "tune" / f"{name}.json"
        if load_record(record_path):
            continue
        cfg = config("c3d", TUNE_WORLD, static_dropout=sd)
        folder = STUDY / "tune" / name
        write_submission(folder, f"tune-{name}", cfg, SUMMARY)
        record = train_submission(folder, cfg)
        record["val_top1"] = validation_top1(folder, cfg)
        print(f"== {name}: val top1 unbiased {record['val_top1']['unbiased']:.3f} "
              f"biased {record['val_top1']['biased']:.3f} ({record['train_s']:.0f} s)", flush=True)
        save_record(record_path, record)


def chosen() -> StaticDropoutConfig:
    """The grid setting with the best unbiased validation top1."""
    scored = []
    for sd in GRID:
        record = load_record(STUDY / "tune" / f"{tag(sd)}.json")
        if record is None:
            raise SystemExit(f"run `tune` first: no record for {tag(sd)}")
        scored.append((record["val_top1"]["unbiased"], tag(sd), sd))
    return max(scored, key=lambda s: (s[0], s[1]))[2]


def entry_name(world: str, static_dropout: bool) -> str:
    return f"c3d-small-{world.removeprefix('synthetic-')}" + ("-staticdropout" if static_dropout else "")


def entry_folder(name: str, seed: int) -> Path:
    return ROOT / "submissions" / name if seed == 0 else STUDY / "final" / f"{name}-seed{seed}"


def final() -> None:
    sd = chosen()
    print(f"chosen on validation: {tag(sd)}", flush=True)
    for world, seed, with_sd in itertools.product(WORLDS, SEEDS, (False, True)):
        name = entry_name(world, with_sd)
        folder = entry_folder(name, seed)
        record_path = STUDY / "final" / f"{name}-seed{seed}.json"
        if load_record(record_path) and (folder / "results" / f"{world}__true.json").is_file():
            continue
        cfg = config("c3d", world, seed=seed, static_dropout=sd if with_sd else None)
        write_submission(folder, name if seed == 0 else f"{name}-seed{seed}", cfg, SUMMARY)
        checkpoints = checkpoint_dir(name) if seed == 0 else None
        record = train_submission(folder, cfg, checkpoints)
        save_record(record_path, record)
        relative = folder.relative_to(ROOT).as_posix()
        if checkpoints is not None:
            benchmark("curve", relative, "--checkpoints", str(checkpoints.relative_to(ROOT)), "--pairs", str(CURVE_PAIRS))
        benchmark("run", relative)


def _interval(estimate) -> str:
    return f"{estimate.value:.3f} [{estimate.low:.3f}, {estimate.high:.3f}]"


def _mean_spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def summary() -> str:
    lines = ["| world | model | seed | test top1 [95% CI] | last-layer dynamic share [95% CI] | shuffled top1 |",
             "|---|---|---|---|---|---|"]
    means = []
    per_seed: dict[tuple[str, bool], dict[int, tuple[float, float]]] = {}
    for world, with_sd in itertools.product(WORLDS, (False, True)):
        name = entry_name(world, with_sd)
        values = per_seed.setdefault((world, with_sd), {})
        for seed in SEEDS:
            path = entry_folder(name, seed) / "results" / f"{world}__true.json"
            if not path.is_file():
                continue
            result = read_result(path)
            top1 = result.metric_intervals["top1"]
            share = result.last_layer.dynamic_share
            values[seed] = (top1.value, share.value)
            lines.append(f"| {world} | {name} | {seed} | {_interval(top1)} | {_interval(share)} | "
                         f"{result.metrics['top1_shuffled']:.3f} |")
        if values:
            means.append(f"| {world} | {'StaticDropout' if with_sd else 'baseline'} | {len(values)} | "
                         f"{_mean_spread([v[0] for v in values.values()])} | "
                         f"{_mean_spread([v[1] for v in values.values()])} |")
        if with_sd and values:
            base = per_seed[(world, False)]
            seeds = sorted(set(base) & set(values))
            if seeds:
                means.append(f"| {world} | difference (same seed) | {len(seeds)} | "
                             f"{_mean_spread([values[k][0] - base[k][0] for k in seeds])} | "
                             f"{_mean_spread([values[k][1] - base[k][1] for k in seeds])} |")
    table = "\n".join(lines)
    head = ["| world | model | seeds | test top1, mean ± sd | last-layer dynamic share, mean ± sd |",
            "|---|---|---|---|---|"]
    tuning = ["| StaticDropout setting | val top1 (appearance independent) | val top1 (biased, as in training) | train s |",
              "|---|---|---|---|"]
    for sd in [None, *GRID]:
        record = load_record(STUDY / "tune" / f"{tag(sd)}.json")
        if record:
            tuning.append(f"| {tag(sd)} | {record['val_top1']['unbiased']:.3f} | {record['val_top1']['biased']:.3f} | "
                          f"{record['train_s']:.0f} |")
    return "\n\n".join(["\n".join(tuning), "\n".join(head + means), table])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=("tune", "final", "summary"))
    args = parser.parse_args(argv)
    if args.phase == "tune":
        tune()
    elif args.phase == "final":
        final()
    print(summary())


if __name__ == "__main__":
    main()

