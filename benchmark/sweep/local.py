"""The default executor: ``python -m benchmark run ...`` child processes, ``--jobs N`` at a
time, the machine's CPUs shared out between them (``--threads`` and the BLAS/OpenMP thread
variables of each child), a log per job.

Ctrl-C or SIGTERM stops the sweep: every running child gets one SIGTERM and saves its
checkpoint (``benchmark run`` does so on SIGTERM), so the next ``sweep`` resumes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmark.run.safeguards import interrupt_on_sigterm
from benchmark.sweep.plan import Job
from benchmark.sweep.report import Outcome, first_error_in

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cpu_count() -> int:
    """CPUs this process may use (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_per_job(jobs: int, cpus: int | None = None) -> int:
    """Torch threads for each of ``jobs`` concurrent runs: the CPUs shared out, at least one."""
    return max(1, (cpus or cpu_count()) // max(1, jobs))


def child_env(threads: int | None) -> dict[str, str]:
    """The environment of a job: this harness first on the path, thread variables set."""
    import benchmark

    harness = str(Path(benchmark.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [harness, os.environ.get("PYTHONPATH")])))
    if threads:
        env |= {name: str(threads) for name in THREAD_VARIABLES}
    return env


def log_path(log_dir: Path, job: Job) -> Path:
    """``<logs>/<submission>/<dataset>__<protocol>.log``."""
    return Path(log_dir) / f"{job.label}.log"


def run_local(jobs: list[Job], parallel: int, log_dir: Path, threads: int | None = None) -> list[Outcome]:
    """Run ``jobs``, ``parallel`` at a time; an outcome per job, in the order given."""
    threads = threads or threads_per_job(min(parallel, len(jobs)) or 1)
    outcomes: dict[int, Outcome] = {}
    running: dict[int, tuple[subprocess.Popen, float]] = {}
    waiting = list(range(len(jobs)))
    try:
        with interrupt_on_sigterm():
            while waiting or running:
                while waiting and len(running) < parallel:
                    index = waiting.pop(0)
                    running[index] = (_start(jobs[index], log_dir, threads), time.perf_counter())
                    print(f"[{len(outcomes) + len(running)}/{len(jobs)}] started {jobs[index].label}", flush=True)
                for index, (child, started) in list(running.items()):
                    if child.poll() is None:
                        continue
                    del running[index]
                    outcomes[index] = _finished(jobs[index], child.returncode, time.perf_counter() - started, log_dir)
                    print(f"[{len(outcomes)}/{len(jobs)}] {outcomes[index].status} {jobs[index].label}", flush=True)
                time.sleep(0.2)
    except KeyboardInterrupt:
        _stop(running, jobs, outcomes, log_dir)
        for index in waiting:
            outcomes[index] = Outcome(jobs[index].label, "interrupted", None, "not started")
        raise SweepInterrupted([outcomes[i] for i in range(len(jobs))]) from None
    return [outcomes[i] for i in range(len(jobs))]


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped; ``outcomes`` says what had finished."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


def _start(job: Job, log_dir: Path, threads: int) -> subprocess.Popen:
    log = log_path(log_dir, job)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as handle:  # the child holds its own descriptor
        return subprocess.Popen([sys.executable, "-m", "benchmark", *job.argv(threads)], stdout=handle,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=child_env(threads),
                                start_new_session=True)  # Ctrl-C reaches the sweep; it signals each child once


def _finished(job: Job, code: int, seconds: float, log_dir: Path) -> Outcome:
    log = log_path(log_dir, job)
    if code == 0 and job.result_path.is_file():
        return Outcome(job.label, "done", seconds, str(job.result_path))
    return Outcome(job.label, "failed", seconds, f"exit {code}: {first_error_in(log)} (log: {log})")


def _stop(running: dict[int, tuple[subprocess.Popen, float]], jobs: list[Job], outcomes: dict[int, Outcome],
          log_dir: Path, grace_s: float = 120.0) -> None:
    """SIGTERM every running child once and wait for it to save its checkpoint."""
    for child, _ in running.values():
        child.send_signal(signal.SIGTERM)
    for index, (child, started) in running.items():
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.returncode == 0 and jobs[index].result_path.is_file():
            outcomes[index] = _finished(jobs[index], 0, time.perf_counter() - started, log_dir)
        else:
            outcomes[index] = Outcome(jobs[index].label, "interrupted", time.perf_counter() - started,
                                      "checkpoint saved; rerun the sweep to resume it")
