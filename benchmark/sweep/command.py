"""``python -m benchmark sweep [PLAN] [flags]``: plan, skip what is done, run the rest, report."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.argtypes import device, non_negative_int, positive_int
from benchmark.errors import BenchmarkError

EXAMPLES = """examples:
  python -m benchmark sweep sweep.yaml                          # the plan in sweep.yaml (docs/sweeps.md)
  python -m benchmark sweep --submissions 'submissions/zoo-*' --protocols true stylize --pairs 500 --jobs 2
  python -m benchmark sweep sweep.yaml --dry-run                # which jobs would run, which are done
  python -m benchmark sweep sweep.yaml --executor slurm --partition gpu --gpus-per-job 1 --no-wait
"""

# flag -> (section of the plan or None for the top level, field)
PLAN_FLAGS = {
    "submissions": (None, "submissions"), "datasets": (None, "datasets"), "protocols": (None, "protocols"),
    "checkpoints": (None, "checkpoints"), "output": (None, "output"), "logs": (None, "logs"),
    "executor": (None, "executor"), "jobs": (None, "jobs"), "force": (None, "force"),
    "pairs": ("run", "pairs"), "seed": ("run", "seed"), "bootstrap": ("run", "bootstrap"),
    "batch_size": ("run", "batch_size"), "eval_clips": ("run", "eval_clips"), "precision": ("run", "precision"),
    "device": ("run", "device"), "workers": ("run", "workers"), "threads": ("run", "threads"),
    "task_option": ("run", "task_options"),
    "partition": ("cluster", "partition"), "account": ("cluster", "account"), "qos": ("cluster", "qos"),
    "gpus_per_job": ("cluster", "gpus_per_job"), "cpus_per_job": ("cluster", "cpus_per_job"),
    "mem_gb": ("cluster", "mem_gb"), "time_min": ("cluster", "time_min"),
    "array_parallelism": ("cluster", "array_parallelism"), "max_requeues": ("cluster", "max_requeues"),
}


def add_sweep_parser(sub) -> None:
    """The ``sweep`` subcommand of :func:`benchmark.cli.build_parser`."""
    sweep = sub.add_parser("sweep", help="many runs: submissions x datasets x protocols (x checkpoints), finished "
                           "ones skipped (e.g. sweep sweep.yaml --jobs 2)", epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("plan", nargs="?", type=Path, help="a YAML plan (docs/sweeps.md); flags override its fields")
    what = sweep.add_argument_group("what to run")
    what.add_argument("--submissions", nargs="+", metavar="GLOB", help="submission folders or globs")
    what.add_argument("--datasets", nargs="+", metavar="NAME", help="default: each submission's declared datasets")
    what.add_argument("--protocols", nargs="+", metavar="PROTOCOL", help="default: each dataset's default protocol")
    what.add_argument("--checkpoints", metavar="DIR|GLOB",
                      help="measure these checkpoints (a curve per job); {submission} is replaced by its name")
    how = sweep.add_argument_group("run options (as for `run`)")
    how.add_argument("--pairs", type=positive_int)
    how.add_argument("--seed", type=non_negative_int)
    how.add_argument("--bootstrap", type=non_negative_int)
    how.add_argument("--batch-size", type=positive_int)
    how.add_argument("--eval-clips", type=positive_int)
    how.add_argument("--precision", choices=("fp32", "bf16", "fp16"))
    how.add_argument("--device", type=device)
    how.add_argument("--workers", type=non_negative_int)
    how.add_argument("--threads", type=positive_int, help="torch threads per job (default: the CPUs shared out)")
    how.add_argument("--task-option", action="append", metavar="KEY=VALUE")
    where = sweep.add_argument_group("where and on what")
    where.add_argument("--output", metavar="DIR", help="results go to DIR/<submission>/ (default runs/sweep)")
    where.add_argument("--logs", metavar="DIR", help="a log per job (default OUTPUT/.sweep-logs)")
    where.add_argument("--executor", choices=("local", "submitit-local", "debug", "slurm"),
                       help="local processes (default), or submitit's local, debug or Slurm executor")
    where.add_argument("--jobs", type=positive_int, help="jobs at once on this machine (default 1)")
    where.add_argument("--force", action="store_true", default=None,
                       help="replace results measured with more pairs, or unreadable ones (as run --force)")
    where.add_argument("--dry-run", action="store_true", help="list the jobs and what is done; run nothing")
    where.add_argument("--no-wait", action="store_true", help="slurm: submit and return (rerun to collect)")
    cluster = sweep.add_argument_group("cluster (submitit)")
    cluster.add_argument("--partition")
    cluster.add_argument("--account")
    cluster.add_argument("--qos")
    cluster.add_argument("--gpus-per-job", type=non_negative_int)
    cluster.add_argument("--cpus-per-job", type=positive_int)
    cluster.add_argument("--mem-gb", type=positive_int)
    cluster.add_argument("--time-min", type=positive_int)
    cluster.add_argument("--array-parallelism", type=positive_int)
    cluster.add_argument("--max-requeues", type=non_negative_int)
    sweep.set_defaults(func=sweep_command)


def plan_from(args: argparse.Namespace):
    """The plan file's fields with the flags given on top, validated."""
    from benchmark.sweep.plan import load_plan, parse_plan

    data = load_plan(args.plan) if args.plan else {}
    if not isinstance(data, dict):
        return parse_plan(data, str(args.plan))
    for flag, (section, name) in PLAN_FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            target = data if section is None else data.setdefault(section, {})
            if not isinstance(target, dict):
                raise BenchmarkError(f"{args.plan}: field {section!r} must be a mapping of fields.")
            target[name] = value
    if not data.get("submissions"):
        raise BenchmarkError("sweep: no submissions; give a plan file with 'submissions' or --submissions GLOB.")
    return parse_plan(data, str(args.plan) if args.plan else "command line")


def sweep_command(args: argparse.Namespace) -> int:
    from benchmark.sweep.run import run_sweep

    plan = plan_from(args)
    outcomes, interrupted = run_sweep(plan, dry_run=args.dry_run, wait=not args.no_wait)
    if interrupted:
        return 130
    return 1 if any(o.status == "failed" for o in outcomes) else 0

