"""A sweep from plan to summary: expand the plan, skip the jobs whose result is done, run
the rest on the plan's executor, print what became of each job."""

from __future__ import annotations

from collections.abc import Callable

from benchmark.errors import BenchmarkError
from benchmark.sweep.keys import job_key, why_not_done
from benchmark.sweep.local import SweepInterrupted, run_local
from benchmark.sweep.plan import Job, SweepPlan, expand
from benchmark.sweep.report import Outcome, summary_table


def _local(plan: SweepPlan, jobs: list[Job], wait: bool) -> list[Outcome]:
    return run_local(jobs, plan.jobs, plan.log_dir, plan.run.threads)


def _submitit(plan: SweepPlan, jobs: list[Job], wait: bool) -> list[Outcome]:
    try:
        from benchmark.sweep.cluster import run_submitit
    except ImportError:
        raise BenchmarkError(f"--executor {plan.executor} needs submitit: pip install 'motion-bias-benchmark[cluster]' "
                             "(or pip install submitit).") from None
    return run_submitit(plan.executor, jobs, plan.jobs, plan.log_dir, plan.cluster, wait)


EXECUTORS: dict[str, Callable[[SweepPlan, list[Job], bool], list[Outcome]]] = {
    "local": _local, "submitit-local": _submitit, "debug": _submitit, "slurm": _submitit,
}


def triage(jobs: list[Job]) -> tuple[list[Job], dict[int, Outcome], dict[int, str]]:
    """(jobs to run, outcomes of those that need not run, why each job to run runs)."""
    todo: list[Job] = []
    settled: dict[int, Outcome] = {}
    reasons: dict[int, str] = {}
    for index, job in enumerate(jobs):
        try:
            key = job_key(job)
        except BenchmarkError as error:
            settled[index] = Outcome(job.label, "failed", None, str(error).splitlines()[0])
            continue
        why = why_not_done(job, key)
        if why is None:
            settled[index] = Outcome(job.label, "skipped", None, "result present, valid, same key")
        else:
            todo.append(job)
            reasons[index] = why
    return todo, settled, reasons


def run_sweep(plan: SweepPlan, dry_run: bool = False, wait: bool = True) -> tuple[list[Outcome], bool]:
    """Run ``plan``; print and return an outcome per job, and whether the sweep was interrupted."""
    expanded = expand(plan)
    for line in expanded.left_out:
        print(f"left out: {line}")
    if not expanded.jobs:
        raise BenchmarkError("sweep: the plan has no job (no submission declares the datasets asked for).")
    todo, settled, reasons = triage(expanded.jobs)
    print(f"{len(expanded.jobs)} jobs: {len(todo)} to run, {len(settled)} settled before running "
          f"(executor {plan.executor}, {plan.jobs} at once; logs in {plan.log_dir})", flush=True)
    if dry_run:
        outcomes = [settled.get(i) or Outcome(job.label, "to run", None, reasons[i])
                    for i, job in enumerate(expanded.jobs)]
        print(summary_table(outcomes))
        return outcomes, False
    interrupted = False
    try:
        ran = EXECUTORS[plan.executor](plan, todo, wait) if todo else []
    except SweepInterrupted as stop:
        ran, interrupted = stop.outcomes, True
    by_label = {outcome.label: outcome for outcome in ran}
    outcomes = [settled.get(i) or by_label[job.label] for i, job in enumerate(expanded.jobs)]
    print()
    print(summary_table(outcomes))
    return outcomes, interrupted
