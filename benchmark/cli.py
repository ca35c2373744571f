"""Command line: ``python -m benchmark {run,curve,sweep,validate,reproduce,changed,leaderboard,import-weights,list,worlds,styles}``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmark.api.run_options import add_flags as add_recorded_flags
from benchmark.api.run_options import recorded
from benchmark.argtypes import (
    device,
    export_file,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from benchmark.errors import BenchmarkError
from benchmark.pairs.catalog import grammar as protocol_grammar
from benchmark.run.safeguards import DEFAULT_MEMORY_LIMIT_GIB, Terminated, interrupt_on_sigterm

EPILOG = """examples:
  python -m benchmark run submissions/c3d-synthetic            # synthetic default, CPU; writes runs/c3d-synthetic/
  python -m benchmark run submissions/my-model --update-results   # ...into submissions/my-model/results/
  python -m benchmark run submissions/my-model --dataset diving48 --data-root /data/Diving48 --device cuda
  python -m benchmark curve submissions/my-model --checkpoints runs/my-model/   # bias over training
  python -m benchmark sweep --submissions 'submissions/zoo-*' --protocols true stylize --jobs 2   # many runs
  python -m benchmark validate submissions/my-model            # no submission code imported
  python -m benchmark validate submissions/my-model --base origin/main   # ...and no result removed
  python -m benchmark leaderboard                              # rewrite leaderboard.md
  python -m benchmark leaderboard --check                      # fail if leaderboard.md is stale
  python -m benchmark leaderboard --html site --export results.csv   # ...and the web site, a CSV of every result
  python -m benchmark import-weights SLOW_8x8_R50.pyth --submission submissions/my-slow-r50
  python -m benchmark reproduce submissions/c3d-synthetic/results/synthetic-motion__true.json
  python -m benchmark reproduce submissions/c3d-synthetic --threads 1 --tolerance 1e-6   # all its synthetic results
  python -m benchmark changed --base origin/main               # submission folders a branch changes
  python -m benchmark list                                     # tasks, datasets, submissions
  python -m benchmark worlds --out previews/                   # look at the synthetic worlds
  python -m benchmark styles --out previews/                   # a clip in every style
"""


def _run_options(args: argparse.Namespace):
    """The :class:`~benchmark.run.runner.RunOptions` of the ``run`` flags (also ``curve``'s)."""
    from benchmark.run.runner import RunOptions

    _set_threads(args.threads)
    return RunOptions(
        dataset=args.dataset,
        data_root=args.data_root,
        split=args.split,
        **recorded(args),
        device=args.device,
        pair_protocol=args.pair_protocol,
        task_options=tuple(args.task_option or ()),
        workers=args.workers,
        resume=args.resume,
        restart=args.restart,
        on_bad_video=args.on_bad_video,
        output=args.output,
        update_results=args.update_results,
        force=args.force,
        memory_limit_gib=args.memory_limit,
        progress=not args.no_progress,
    )


def _run(args: argparse.Namespace) -> int:
    from benchmark.run.runner import format_table, run

    result, path = run(args.submission, _run_options(args))
    if result is None:  # a non-zero rank under torchrun: rank 0 reports
        return 0
    print(f"\n{result.submission} on {result.dataset.name} ({result.pair_protocol} pairs, "
          f"{sum(v for k, v in result.pairs.items() if k in ('dynamic', 'static'))} pairs)")
    print(format_table(result))
    print(f"\nwrote {path}")
    return 0


def _curve(args: argparse.Namespace) -> int:
    from benchmark.run.curves import measure_curve

    curve, path = measure_curve(args.submission, _run_options(args), args.checkpoints)
    print(f"\n{curve.submission} on {curve.dataset.name} ({curve.pair_protocol} pairs): "
          f"{len(curve.points)} checkpoints")
    metric = curve.main_metric
    for point in curve.points:
        shares = "  ".join(f"{layer.name} {layer.dynamic_share.value:.3f}" for layer in point.layers
                           if layer.dynamic_share is not None)
        score = point.metrics.get(metric)
        print(f"  step {point.step:>7}: dynamic share {shares}"
              + (f"  {metric} {score:.3f}" if score is not None else ""))
    settled = {name: curve.settling_fraction(name) for name in curve.layer_names()}
    print("settled (fraction of training after which the share stays in the final interval): "
          + "  ".join(f"{k} {v:.2f}" if v is not None else f"{k} -" for k, v in settled.items()))
    print(f"\nwrote {path}")
    return 0


def _check_each(items, check, ok: str) -> int:
    """Run ``check(item)`` for every item; print its problems (exit 1) or ``ok``."""
    status = 0
    for item in items:
        problems = check(item)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            status = 1
        else:
            print(f"{item}: {ok}")
    return status


def _validate(args: argparse.Namespace) -> int:
    from benchmark.validate.submission import fingerprint_index, validate_submission

    indexes: dict = {}  # read every parent folder's results once, however many folders are validated

    def check(folder: Path) -> list[str]:
        parent = folder.parent
        if parent not in indexes:
            indexes[parent] = fingerprint_index(parent)
        return validate_submission(folder, base=args.base, index=indexes[parent])

    return _check_each(args.submission, check,
                       "manifest and result files are valid")


def _reproduce(args: argparse.Namespace) -> int:
    from benchmark.run.reproduce import reproduce, reproducible_results

    paths = [path for given in args.result for path in reproducible_results(given)]
    if not paths:
        print(f"{', '.join(map(str, args.result))}: no result on a synthetic dataset to reproduce")
    if args.jobs > 1:  # independent reruns at once, through the sweep's executor
        from benchmark.sweep.reproductions import reproduce_all

        found = reproduce_all(paths, args.tolerance, args.jobs, args.threads)
        return _check_each(paths, found.__getitem__, f"reproduced (tolerance {args.tolerance:g})")
    return _check_each(paths, lambda path: [f"{path}: {d}" for d in reproduce(path, args.tolerance, args.threads)],
                       f"reproduced (tolerance {args.tolerance:g})")


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def _changed(args: argparse.Namespace) -> int:
    from benchmark.validate.changes import changed_outside, changed_submissions, is_runnable

    end = "\0" if args.null else "\n"
    if args.outside:
        outside = changed_outside(args.base, args.submissions)
        for path in outside:
            sys.stdout.write(path + end)
        if outside and changed_submissions(args.base, args.submissions):
            print(f"error: this change touches a submission and {len(outside)} path(s) outside "
                  f"{args.submissions}/ (e.g. {outside[0]!r}); a submission pull request changes only its "
                  "folder: send the rest as its own pull request.", file=sys.stderr)
            return 1
        return 0
    for folder in changed_submissions(args.base, args.submissions):
        if not args.runnable or is_runnable(folder):
            if not args.null and ("\n" in folder.as_posix() or not folder.as_posix().isprintable()):
                print(f"warning: {folder.as_posix()!r} holds a character a line cannot; read with -z",
                      file=sys.stderr)
            sys.stdout.write(folder.as_posix() + end)
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from benchmark.board.markdown import check_leaderboard, write_leaderboard

    if not args.submissions.is_dir():
        raise BenchmarkError(f"--submissions {args.submissions}: no such folder; give the folder that holds "
                             "the submission folders (default: submissions).")
    if args.output.is_dir():
        raise BenchmarkError(f"--output {args.output}: a folder; give the markdown file to write, e.g. "
                             f"{args.output / 'leaderboard.md'}.")
    if args.check:
        if args.html or args.export:
            raise BenchmarkError("--check compares leaderboard.md only; run --html/--export without --check.")
        stale = check_leaderboard(args.submissions, args.output)
        if stale:
            print(stale, file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    path, skipped = write_leaderboard(args.submissions, args.output, plots=not args.no_plots, site=args.html,
                                      exports=tuple(args.export or ()))
    for problem in skipped:
        print(f"error: skipped: {problem}", file=sys.stderr)
    written = [str(path)] + ([] if args.no_plots else ["its plots"])
    written += [f"the site {args.html}/index.html"] if args.html else []
    written += [str(export) for export in args.export or ()]
    print(f"wrote {', '.join(written)}" + (f"; {len(skipped)} bad result file(s) left out" if skipped else ""))
    return 1 if skipped else 0


def _import_weights(args: argparse.Namespace) -> int:
    from benchmark.submission.import_weights import import_weights, report

    imported = import_weights(args.checkpoint, args.submission, key=args.key, output=args.output,
                              drop_unexpected=args.drop_unexpected, training_data=args.training_data)
    print(report(imported, args.checkpoint, args.submission))
    return 0


def _list(args: argparse.Namespace) -> int:
    from benchmark.api.tasks import get_spec, task_names
    from benchmark.submission.manifest import discover_submissions

    print("tasks, their datasets and options (--task-option KEY=VALUE):")
    for name in task_names():
        spec = get_spec(name)
        print(f"  {name}: {spec.description}")
        print(f"    main metric: {spec.main_metric.name}; perturbations: {', '.join(spec.perturbations)}")
        for dataset in spec.datasets:
            kind = "synthetic" if dataset.synthetic else "real, needs --data-root"
            print(f"    dataset {dataset.name} ({kind}; bias: {dataset.bias}; pairs on "
                  f"{dataset.pair_split}, metric on {dataset.eval_split}, per {dataset.unit}): {dataset.description}")
        for info in spec.options.declared():
            print(f"    option {info.describe()}")
    print("submissions:")
    for folder in discover_submissions(args.submissions):
        print(f"  {folder}")
    return 0


def _worlds(args: argparse.Namespace) -> int:
    from benchmark.data.world_preview import write_previews

    paths = write_previews(args.out, args.world or None, clips_per_world=args.clips, seed=args.seed)
    for path in paths:
        print(f"wrote {path}")
    return 0


def _styles(args: argparse.Namespace) -> int:
    from benchmark.pairs.preview import write_style_preview

    if args.video:
        from benchmark.data.video import read_clip

        clip = read_clip(args.video, args.video.stem, num_frames=16)
    else:
        from benchmark.api.tasks import default_world, get_world

        world = get_world(args.world or default_world(), size=96)
        clip = world.render(world.spec("val", args.index))
    path = write_style_preview(args.out, clip, args.which, args.frames)
    print(f"wrote {path}")
    return 0


def _add_run_flags(run: argparse.ArgumentParser) -> None:
    """The flags of ``run`` (shared by ``curve``)."""
    run.add_argument("submission", type=Path, help="submission folder (holds submission.yaml)")
    run.add_argument("--dataset", help="dataset name (default: the manifest's first dataset)")
    run.add_argument("--data-root", type=Path, help="root of a real dataset in its published layout")
    run.add_argument("--split", help="split to measure on (default: the dataset's evaluation split)")
    add_recorded_flags(run)  # --pairs, --seed, --bootstrap, --batch-size, --eval-clips, --precision
    run.add_argument("--device", type=device, default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    run.add_argument("--pair-protocol",
                     help=f"{protocol_grammar()} (default: true on synthetic data, else stylize)")
    run.add_argument("--task-option", action="append", metavar="KEY=VALUE",
                     help="a task option, e.g. flow.method=dis for AVOS (repeatable; `list` shows them)")
    run.add_argument("--workers", type=non_negative_int, default=0, help="DataLoader workers for decoding")
    run.add_argument("--threads", type=positive_int, help="CPU threads for torch (e.g. 1 on a busy machine)")
    run.add_argument("--resume", action="store_true", help="continue an interrupted run from its checkpoint")
    run.add_argument("--restart", action="store_true", help="discard an interrupted run's checkpoint and start over")
    run.add_argument("--on-bad-video", choices=("skip", "fail"), default="fail",
                     help="skip (count and list) or fail on a missing/undecodable video")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, help="results folder (default: runs/<submission>/)")
    where.add_argument("--update-results", action="store_true",
                       help="write into <submission>/results/, replacing its result for this dataset and protocol")
    run.add_argument("--force", action="store_true",
                     help="replace a result measured with more pairs (or an unreadable one)")
    run.add_argument("--memory-limit", type=positive_float, default=DEFAULT_MEMORY_LIMIT_GIB, metavar="GIB",
                     help=f"refuse an estimator needing more memory (default {DEFAULT_MEMORY_LIMIT_GIB:g} GiB)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="Does your video model understand motion? Static vs dynamic information "
        "per layer (Kowal et al., CVPR 2022 / TPAMI 2024) and accuracy on dynamically biased data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="measure a submission (e.g. run submissions/c3d-synthetic)",
                         epilog="example: python -m benchmark run submissions/c3d-synthetic --pairs 2000",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_run_flags(run)
    run.set_defaults(func=_run)

    curve = sub.add_parser(
        "curve", help="measure a training run's checkpoints, one curve file (e.g. curve submissions/x "
        "--checkpoints runs/x/checkpoints)",
        epilog="example: python -m benchmark curve submissions/curve-c3d-motion --checkpoints "
        "runs/curve-c3d-motion --pairs 500 --threads 1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    curve.add_argument("--checkpoints", required=True, metavar="DIR|GLOB",
                       help="a folder of checkpoints (*.safetensors, *.pt) or a glob, e.g. 'runs/x/step-*.safetensors'")
    _add_run_flags(curve)
    curve.set_defaults(func=_curve)

    from benchmark.sweep.command import add_sweep_parser

    add_sweep_parser(sub)

    validate = sub.add_parser("validate", help="check a manifest and its result files (e.g. validate submissions/c3d-synthetic)")
    validate.add_argument("submission", type=Path, nargs="+", help="submission folder(s)")
    validate.add_argument("--base", metavar="REF",
                          help="git ref to compare with: a result file present there may not be removed")
    validate.set_defaults(func=_validate)

    again = sub.add_parser("reproduce", help="rerun result files with their recorded options and compare "
                           "(e.g. reproduce submissions/c3d-synthetic/results/synthetic-motion__true.json)")
    again.add_argument("result", type=Path, nargs="+",
                       help="result file(s) under <submission>/results/, or submission folder(s): all their "
                       "results on synthetic datasets")
    again.add_argument("--tolerance", type=non_negative_float, default=0.0,
                       help="allowed relative (or absolute) difference of each number (default 0: exact)")
    again.add_argument("--threads", type=positive_int, help="CPU threads for torch")
    again.add_argument("--jobs", type=positive_int, default=1,
                       help="reruns at once, each in its own process (default 1; docs/sweeps.md)")
    again.set_defaults(func=_reproduce)

    changed = sub.add_parser("changed", help="submission folders changed since a git ref (e.g. changed --base origin/main)")
    changed.add_argument("--base", metavar="REF", required=True, help="git ref to compare with")
    changed.add_argument("--submissions", type=Path, default=Path("submissions"))
    changed.add_argument("--outside", action="store_true",
                         help="list every changed path outside --submissions instead (exit 1 when submissions "
                         "changed too)")
    changed.add_argument("--runnable", action="store_true",
                         help="only existing folders that are not 'reported' entries (what CI smoke-runs)")
    changed.add_argument("-z", "--null", action="store_true",
                         help="end each folder with NUL instead of a newline (any folder name survives)")
    changed.set_defaults(func=_changed)

    board = sub.add_parser("leaderboard", help="write leaderboard.md from result files (e.g. leaderboard --check)")
    board.add_argument("--check", action="store_true", help="exit non-zero if the file is stale")
    board.add_argument("--submissions", type=Path, default=Path("submissions"))
    board.add_argument("--output", type=Path, default=Path("leaderboard.md"))
    board.add_argument("--no-plots", action="store_true", help="write only the markdown")
    board.add_argument("--html", type=Path, metavar="DIR",
                       help="also write the static web site there (index.html, a page per submission, plots, "
                       "results.csv/json)")
    board.add_argument("--export", type=export_file, action="append", metavar="FILE",
                       help="also write every result, one row per layer, as FILE.csv or FILE.json (repeatable)")
    board.set_defaults(func=_leaderboard)

    weights = sub.add_parser(
        "import-weights", help="a published checkpoint (.pyth, .pth, .pt, .safetensors) into a submission's pinned "
        "weights (e.g. import-weights SLOW_8x8_R50.pyth --submission submissions/my-slow-r50)",
        epilog="Loads with torch.load(weights_only=True) (a pickle that needs code is refused), maps the keys onto "
        "the model that submission.yaml builds (wrapper prefixes such as 'module.' handled; missing, unexpected and "
        "mis-shaped keys reported), writes weights.safetensors, pins its sha256 in submission.yaml and clears "
        "'template'. Imports the submission's model.py.")
    weights.add_argument("checkpoint", type=Path, help="the checkpoint file")
    weights.add_argument("--submission", type=Path, required=True, help="submission folder (holds submission.yaml)")
    weights.add_argument("--key", help="the checkpoint entry holding the state dict (default: the file itself, else "
                         "the first of model_state, state_dict, model, ...)")
    weights.add_argument("--output", default="weights.safetensors",
                         help="weights file name in the submission folder (default weights.safetensors)")
    weights.add_argument("--drop-unexpected", action="store_true",
                         help="leave out checkpoint tensors the model does not have (listed) instead of refusing")
    weights.add_argument("--training-data", action="append", metavar="TEXT",
                         help="also set the manifest's training_data (repeatable), e.g. 'Kinetics-400 train'")
    weights.set_defaults(func=_import_weights)

    listing = sub.add_parser("list", help="tasks, datasets and submissions (e.g. list)")
    listing.add_argument("--submissions", type=Path, default=Path("submissions"))
    listing.set_defaults(func=_list)

    worlds = sub.add_parser("worlds", help="write sample clips of the synthetic worlds (e.g. worlds --out previews)")
    worlds.add_argument("--out", type=Path, default=Path("previews"))
    worlds.add_argument("--world", action="append", help="world name (repeatable; default all)")
    worlds.add_argument("--clips", type=positive_int, default=8)
    worlds.add_argument("--seed", type=non_negative_int, default=0)
    worlds.set_defaults(func=_worlds)

    styles = sub.add_parser("styles", help="a clip in every procedural style, as one image (e.g. styles --out previews)")
    styles.add_argument("--out", type=Path, default=Path("previews"))
    styles.add_argument("--video", type=Path, help="a video file (default: a synthetic clip)")
    styles.add_argument("--world", help="synthetic world to draw the clip from (default: the first world of the first task)")
    styles.add_argument("--index", type=non_negative_int, default=0, help="clip index in the world's val split")
    styles.add_argument("--which", choices=("all", "default"), default="all")
    styles.add_argument("--frames", type=positive_int, default=6)
    styles.set_defaults(func=_styles)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with interrupt_on_sigterm():  # every command: temporary files are removed on SIGTERM as on Ctrl-C
            return args.func(args)
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:  # progress was saved; the runner said how to resume
        return 143 if isinstance(interrupt, Terminated) else 130


if __name__ == "__main__":
    sys.exit(main())
