"""Cluster executors on submitit (``pip install 'motion-bias-benchmark[cluster]'``):
``slurm`` (sbatch job arrays), ``submitit-local`` (its LocalExecutor: the same job
machinery as on Slurm, in local processes) and ``debug`` (its DebugExecutor: in this process).

Each job is a :class:`RunCommand`: ``python -m benchmark run ... --resume`` (``torchrun``
when a job has more than one GPU) in a child process whose output goes to submitit's log of
the job.  On preemption or time-out submitit calls :meth:`RunCommand.checkpoint`: the child
gets SIGTERM, saves the run's checkpoint, and the job is requeued; the requeued job resumes
from that checkpoint (``--resume``).  Why submitit and not Ray: docs/sweeps.md.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import submitit
from submitit.helpers import Checkpointable, DelayedSubmission

from benchmark.errors import BenchmarkError
from benchmark.sweep.local import SweepInterrupted, child_env
from benchmark.sweep.plan import ClusterSettings, Job
from benchmark.sweep.report import Outcome, first_error


class RunCommand(Checkpointable):
    """One job: the benchmark command, resumed after preemption."""

    def __init__(self, argv: list[str], threads: int | None, gpus: int = 0) -> None:
        self.argv, self.threads, self.gpus = list(argv), threads, gpus
        self._child: subprocess.Popen | None = None

    def command(self) -> list[str]:
        """The command line: ``torchrun`` (one process per GPU) when the job has several GPUs."""
        if self.gpus > 1:
            return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
                    str(self.gpus), "-m", "benchmark", *self.argv]
        return [sys.executable, "-m", "benchmark", *self.argv]

    def __call__(self) -> int:
        sys.stdout.flush()
        self._child = subprocess.Popen(self.command(), env=child_env(self.threads), stdin=subprocess.DEVNULL)
        code = self._child.wait()
        if code != 0:
            raise RuntimeError(f"python -m benchmark {self.argv[0]} exited with {code}; see the error above")
        return code

    def checkpoint(self, *args, **kwargs) -> DelayedSubmission:
        """Preempted or timed out: the run saves its checkpoint (SIGTERM); requeue a fresh
        command, which resumes from it."""
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=90)
            except subprocess.TimeoutExpired:
                child.kill()
        return DelayedSubmission(RunCommand(self.argv, self.threads, self.gpus))

    def __getstate__(self) -> dict:
        return {"argv": self.argv, "threads": self.threads, "gpus": self.gpus, "_child": None}


def make_executor(kind: str, folder: Path, cluster: ClusterSettings) -> submitit.Executor:
    """The submitit executor of ``kind`` (slurm, submitit-local, debug) writing logs under ``folder``."""
    folder = Path(folder) / "%j"
    if kind == "debug":
        return submitit.DebugExecutor(folder)
    if kind == "submitit-local":
        executor = submitit.LocalExecutor(folder, max_num_timeout=cluster.max_requeues)
        executor.update_parameters(timeout_min=cluster.time_min, gpus_per_node=cluster.gpus_per_job)
        return executor
    try:
        executor = submitit.SlurmExecutor(folder, max_num_timeout=cluster.max_requeues)
    except RuntimeError as error:  # no srun here
        raise BenchmarkError(f"--executor slurm: {error} Run the sweep on a machine of the cluster (a login "
                             "node), or use --executor local.") from None
    optional = {"partition": cluster.partition, "account": cluster.account, "qos": cluster.qos,
                "mem": f"{cluster.mem_gb}GB" if cluster.mem_gb else None}
    executor.update_parameters(
        job_name="benchmark-sweep", time=cluster.time_min, cpus_per_task=cluster.cpus_per_job,
        gpus_per_node=cluster.gpus_per_job or None, ntasks_per_node=1, array_parallelism=cluster.array_parallelism,
        setup=list(cluster.setup), signal_delay_s=120,
        **{key: value for key, value in optional.items() if value is not None})
    return executor


def threads_of(kind: str, cluster: ClusterSettings, parallel: int) -> int:
    """Torch threads of a job: its CPUs on Slurm, the local CPUs shared out otherwise."""
    from benchmark.sweep.local import threads_per_job

    return cluster.cpus_per_job if kind == "slurm" else threads_per_job(parallel)


def run_submitit(kind: str, jobs: list[Job], parallel: int, log_dir: Path, cluster: ClusterSettings,
                 wait: bool = True) -> list[Outcome]:
    """Run ``jobs`` on submitit.  Slurm gets one job array (``array_parallelism`` at once);
    the local executors keep ``parallel`` jobs in flight.  Without ``wait`` (Slurm) the jobs
    are submitted and left running: the next ``sweep`` skips the ones that finished."""
    executor = make_executor(kind, log_dir / "submitit", cluster)
    threads = threads_of(kind, cluster, parallel)
    commands = [RunCommand(job.argv(threads), threads, cluster.gpus_per_job) for job in jobs]
    if kind == "slurm":
        with executor.batch():
            handles = [executor.submit(command) for command in commands]
        print(f"submitted {len(handles)} jobs as Slurm array {handles[0].job_id.split('_')[0] if handles else '-'}; "
              f"logs under {log_dir / 'submitit'}", flush=True)
        if not wait:
            return [Outcome(job.label, "submitted", None, f"job {h.job_id}; log {h.paths.stdout}")
                    for job, h in zip(jobs, handles, strict=True)]
        return _collect(jobs, dict(enumerate(handles)), [], executor, parallel)
    return _collect(jobs, {}, list(enumerate(commands)), executor, 1 if kind == "debug" else parallel)


def _collect(jobs: list[Job], running: dict, waiting: list, executor, parallel: int) -> list[Outcome]:
    outcomes: dict[int, Outcome] = {}
    started: dict[int, float] = {}
    try:
        while waiting or running:
            while waiting and len(running) < parallel:
                index, command = waiting.pop(0)
                running[index] = executor.submit(command)
                started[index] = time.perf_counter()
            for index, handle in list(running.items()):
                if isinstance(handle, submitit.DebugJob):
                    handle.results()  # the debug executor runs the job when asked for its result (errors kept)
                elif not handle.done():
                    continue
                del running[index]
                outcomes[index] = _outcome(jobs[index], handle, time.perf_counter() - started.get(index, 0.0))
                print(f"[{len(outcomes)}/{len(jobs)}] {outcomes[index].status} {jobs[index].label}", flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        for index, handle in running.items():
            outcomes[index] = Outcome(jobs[index].label, "interrupted", None,
                                      f"job {handle.job_id} left running; rerun the sweep to collect it")
        for index, _ in waiting:
            outcomes[index] = Outcome(jobs[index].label, "interrupted", None, "not submitted")
        raise SweepInterrupted([outcomes[i] for i in range(len(jobs))]) from None
    return [outcomes[i] for i in range(len(jobs))]


def _outcome(job: Job, handle, seconds: float) -> Outcome:
    try:
        handle.results()
    except Exception as error:  # noqa: BLE001 - submitit's FailedJobError or the job's own exception
        text = "\n".join(filter(None, [handle.stderr() or "", handle.stdout() or "", str(error)]))
        return Outcome(job.label, "failed", seconds, f"{first_error(text)} (log: {handle.paths.stderr})")
    if not job.result_path.is_file():
        return Outcome(job.label, "failed", seconds, f"no result at {job.result_path}")
    return Outcome(job.label, "done", seconds, str(job.result_path))
