"""`benchmark sweep`: the plan, the skip key, the local and submitit executors, the Slurm script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.errors import BenchmarkError
from benchmark.results.schema import read_result
from benchmark.run.reproduce import compare
from benchmark.sweep.keys import RESULT_KEY_FIELDS, job_key, why_not_done
from benchmark.sweep.plan import Job, expand, parse_plan
from benchmark.sweep.report import first_error
from benchmark.sweep.run import run_sweep
from tests.conftest import write_tiny_submission

REPO = Path(__file__).resolve().parents[1]
RUN = {"pairs": 24, "bootstrap": 20, "batch_size": 8, "eval_clips": 12, "threads": 1}
DATASETS = ["synthetic-appearance", "synthetic-conflict"]


@pytest.fixture
def tiny_pair(tmp_path: Path) -> Path:
    """Two tiny submissions declaring two synthetic datasets."""
    root = tmp_path / "submissions"
    for name in ("tiny-a", "tiny-b"):
        write_tiny_submission(root, name, num_classes=12, datasets=f"[{', '.join(DATASETS)}]")
    return root


def _plan(root: Path, tmp_path: Path, **fields):
    data = {"submissions": [str(root / "tiny-*")], "datasets": DATASETS, "protocols": [True, "stylize"],
            "run": dict(RUN), "output": str(tmp_path / "out")}
    return parse_plan(data | fields)


def _by_hand(job: Job, output: Path) -> Path:
    """The same run started by hand with `benchmark run`."""
    argv = [arg for arg in job.argv(1) if arg != "--resume"]
    argv[argv.index("--output") + 1] = str(output)
    assert main(argv) == 0
    return output / job.result_path.name


# --------------------------------------------------------------------------- the plan


def test_plan_names_each_bad_field():
    with pytest.raises(BenchmarkError) as caught:
        parse_plan({"submissions": ["x"], "run": {"pairs": 0, "colour": 1}, "executor": "cloud", "jobs": "two"})
    text = str(caught.value)
    for field in ("'run.pairs'", "'run.colour'", "'executor'", "'jobs'"):
        assert field in text
    with pytest.raises(BenchmarkError, match="a plan is a mapping"):
        parse_plan(["submissions"])


def test_plan_file_and_flags(tmp_path: Path, tiny_pair: Path, capsys):
    plan = tmp_path / "sweep.yaml"
    plan.write_text(f"submissions: ['{tiny_pair}/tiny-a']\nprotocols: [true]\nrun: {{pairs: 0}}\n")
    assert main(["sweep", str(plan), "--dry-run"]) == 2
    assert "field 'run.pairs'" in capsys.readouterr().err
    # a flag overrides the file's field; the job list names every combination
    assert main(["sweep", str(plan), "--pairs", "24", "--output", str(tmp_path / "o"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "tiny-a/synthetic-appearance__true" in out and "tiny-a/synthetic-conflict__true" in out
    assert "2 jobs: 2 to run" in out
    assert main(["sweep", "--submissions", str(tmp_path / "nothing-*"), "--dry-run"]) == 2
    assert "matches no folder" in capsys.readouterr().err


def test_expand_leaves_out_undeclared(tmp_path: Path, tiny_pair: Path):
    write_tiny_submission(tiny_pair, "tiny-c", num_classes=12, datasets="[synthetic-appearance]")
    expanded = expand(_plan(tiny_pair, tmp_path))
    assert len(expanded.jobs) == 3 * 2 * 2 - 2
    assert expanded.left_out == ["tiny-c: does not declare synthetic-conflict"]
    assert {job.protocol for job in expanded.jobs} == {"true", "stylize"}


def test_job_key_is_the_checkpoint_key(tmp_path: Path, tiny_pair: Path):
    """The skip key equals the resume checkpoint's key, field by field, without building the model."""
    from benchmark.run.runner import open_run

    job = expand(_plan(tiny_pair, tmp_path)).jobs[1]
    ctx = open_run(job.submission, _run_options(job))
    wanted = ctx.key
    have = job_key(job)
    assert set(RESULT_KEY_FIELDS) <= set(wanted)
    for field in RESULT_KEY_FIELDS:
        expected = wanted[field]
        if field == "input":
            import json

            expected = json.dumps(json.loads(expected), sort_keys=True)
        assert have[field] == expected, field


def _run_options(job: Job):
    from benchmark.run.runner import RunOptions

    run = job.run
    return RunOptions(dataset=job.dataset, pair_protocol=job.protocol, pairs=run.pairs, bootstrap=run.bootstrap,
                      batch_size=run.batch_size, eval_clips=run.eval_clips, output=job.output, progress=False)


def test_first_error_line():
    assert first_error("loading\nerror: field 'x': bad.\nmore") == "field 'x': bad."
    assert first_error("Traceback\n  File x\nValueError: boom\n") == "ValueError: boom"
    assert first_error("") == "(no output)"


# --------------------------------------------------------------------------- end to end, local processes


@pytest.mark.slow
def test_sweep_equals_hand_runs_and_skips_what_is_done(tmp_path: Path, tiny_pair: Path):
    plan = _plan(tiny_pair, tmp_path, jobs=2)
    outcomes, interrupted = run_sweep(plan)
    assert not interrupted
    assert [o.status for o in outcomes] == ["done"] * 8, outcomes
    jobs = expand(plan).jobs
    for job in jobs[:2]:  # two of them started by hand: identical numbers
        by_hand = read_result(_by_hand(job, tmp_path / "hand" / job.name))
        assert compare(read_result(job.result_path), by_hand) == []
    # again: everything skipped; one result of another key (fewer pairs) and one broken file run again
    changed = job_key(jobs[0]) | {"pairs": 999}
    assert "pairs" in why_not_done(jobs[0], changed)
    jobs[3].result_path.write_text("{")
    before = jobs[1].result_path.stat().st_mtime_ns
    outcomes, _ = run_sweep(plan)
    assert [o.status for o in outcomes].count("skipped") == 7
    assert outcomes[3].status == "failed" and "--force" in outcomes[3].detail  # as `run` refuses it
    outcomes, _ = run_sweep(plan.model_copy(update={"force": True}))
    assert outcomes[3].status == "done" and [o.status for o in outcomes].count("skipped") == 7
    assert jobs[1].result_path.stat().st_mtime_ns == before


@pytest.mark.slow
def test_failed_job_reports_its_first_error_line(tmp_path: Path, tiny_pair: Path):
    (tiny_pair / "tiny-b" / "weights.safetensors").write_bytes(b"not the pinned weights")
    outcomes, _ = run_sweep(_plan(tiny_pair, tmp_path, datasets=DATASETS[:1], protocols=[True]))
    assert [o.status for o in outcomes] == ["done", "failed"]
    assert "sha256" in outcomes[1].detail and "log:" in outcomes[1].detail


@pytest.mark.slow
def test_interrupted_sweep_finishes_only_the_missing_jobs(tmp_path: Path, tiny_pair: Path):
    plan = tmp_path / "sweep.yaml"
    plan.write_text(f"submissions: ['{tiny_pair}/tiny-*']\ndatasets: {DATASETS[:1]}\nprotocols: [true, stylize]\n"
                    f"run: {{pairs: 24, bootstrap: 20, batch_size: 8, eval_clips: 12, threads: 1}}\n"
                    f"output: {tmp_path / 'out'}\njobs: 1\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    sweep = subprocess.Popen([sys.executable, "-m", "benchmark", "sweep", str(plan)], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = tmp_path / "out"
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/*.json"))) < 2 and time.monotonic() < deadline and sweep.poll() is None:
        time.sleep(0.1)
    sweep.send_signal(signal.SIGTERM)
    text = sweep.communicate(timeout=300)[0]
    assert sweep.returncode == 130, text
    finished = {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")}
    assert 2 <= len(finished) < 4, text
    assert "interrupted" in text
    again = subprocess.run([sys.executable, "-m", "benchmark", "sweep", str(plan)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(finished)} skipped" in again.stdout and f"{4 - len(finished)} done" in again.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in finished.items())  # the finished ones were not rerun
    assert len(list(out.glob("*/*.json"))) == 4


# --------------------------------------------------------------------------- submitit


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["submitit-local", "debug"])
def test_submitit_executors_equal_local_processes(tmp_path: Path, tiny_pair: Path, executor: str):
    pytest.importorskip("submitit")
    fields = dict(datasets=DATASETS[:1], protocols=["stylize"], submissions=[str(tiny_pair / "tiny-a")])
    local = _plan(tiny_pair, tmp_path / "local", **fields)
    other = _plan(tiny_pair, tmp_path / executor, executor=executor, jobs=2, **fields)
    assert [o.status for o in run_sweep(local)[0]] == ["done"]
    assert [o.status for o in run_sweep(other)[0]] == ["done"]
    [a], [b] = expand(local).jobs, expand(other).jobs
    assert compare(read_result(a.result_path), read_result(b.result_path)) == []
    if executor == "submitit-local":  # a log per job, written by submitit
        assert list((other.log_dir / "submitit").glob("*/*_0_log.out"))


@pytest.mark.slow
def test_preempted_job_is_requeued_and_resumes(tmp_path: Path, tiny_pair: Path):
    """What submitit does on preemption: `checkpoint()` stops the run (it saves its checkpoint),
    the requeued command resumes from it, and the result equals an uninterrupted run."""
    pytest.importorskip("submitit")
    from benchmark.sweep.cluster import RunCommand

    plan = _plan(tiny_pair, tmp_path, datasets=DATASETS[:1], protocols=[True],
                 submissions=[str(tiny_pair / "tiny-a")], run=dict(RUN, pairs=1200, batch_size=4))
    [job] = expand(plan).jobs
    command = RunCommand(job.argv(1), 1)
    failure: list[BaseException] = []

    def first_attempt():
        try:
            command()
        except RuntimeError as error:  # stopped by the preemption: exit 143
            failure.append(error)

    thread = threading.Thread(target=first_attempt)
    thread.start()
    lock = job.output / ".partial" / (job.result_path.name + ".ckpt.pt.lock")
    deadline = time.monotonic() + 120
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    requeued = command.checkpoint()
    thread.join(timeout=120)
    assert failure and not job.result_path.exists(), "the run finished before it could be preempted"
    assert (job.output / ".partial" / (job.result_path.name + ".ckpt.pt")).is_file()
    assert requeued.function.argv == command.argv and "--resume" in requeued.function.argv
    requeued.function()
    by_hand = read_result(_by_hand(job, tmp_path / "hand"))
    assert compare(read_result(job.result_path), by_hand) == []


def test_slurm_array_script(tmp_path: Path, tiny_pair: Path, monkeypatch):
    """The sbatch script submitit writes for the sweep, submitted to a stand-in `sbatch`."""
    pytest.importorskip("submitit")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(f"#!/bin/sh\ncp \"$1\" {tmp_path}/submitted.sh\necho 'Submitted batch job 4242'\n")
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")  # submitit looks for it before it submits
    for tool in ("sbatch", "srun"):
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    cluster = {"partition": "gpu", "account": "lab", "gpus_per_job": 1, "cpus_per_job": 8, "mem_gb": 32,
               "time_min": 90, "array_parallelism": 3, "setup": ["source .venv/bin/activate"]}
    plan = _plan(tiny_pair, tmp_path, executor="slurm", cluster=cluster, run=dict(RUN, device="cuda", threads=None))
    outcomes, _ = run_sweep(plan, wait=False)
    assert [o.status for o in outcomes] == ["submitted"] * 8
    assert outcomes[0].detail.startswith("job 4242_0")
    script = (tmp_path / "submitted.sh").read_text()
    for line in ("#SBATCH --partition=gpu", "#SBATCH --account=lab", "#SBATCH --gpus-per-node=1",
                 "#SBATCH --cpus-per-task=8", "#SBATCH --mem=32GB", "#SBATCH --time=90", "#SBATCH --array=0-7%3",
                 "#SBATCH --signal=USR2@120", "source .venv/bin/activate", "submitit.core._submit"):
        assert line in script, line
    # each array task runs the job's own command: the pickled RunCommand names its run
    import pickle

    tasks = sorted((plan.log_dir / "submitit").glob("*/4242_*_submitted.pkl"))
    assert len(tasks) == 8
    first = pickle.loads(tasks[0].read_bytes()).function
    assert first.argv[:2] == ["run", str(tiny_pair.resolve() / "tiny-a")] and "--resume" in first.argv
    assert first.argv[first.argv.index("--threads") + 1] == "8" and "cuda" in first.argv


# --------------------------------------------------------------------------- reproduce --jobs


@pytest.mark.slow
def test_parallel_reproductions_find_what_serial_ones_find(tmp_path: Path, tiny_pair: Path, capsys):
    """`reproduce --jobs 2` (CI's reproduce job) reruns through the sweep's executor: an honest
    result reproduces, an edited number is named."""
    import json

    for name in ("tiny-a", "tiny-b"):
        assert main(["run", str(tiny_pair / name), "--dataset", DATASETS[0], "--pairs", "24", "--bootstrap", "20",
                     "--batch-size", "8", "--eval-clips", "12", "--threads", "1", "--update-results",
                     "--no-progress"]) == 0
    edited = tiny_pair / "tiny-b" / "results" / f"{DATASETS[0]}__true.json"
    data = json.loads(edited.read_text())
    data["metrics"]["top1"] = round(data["metrics"]["top1"] + 0.01, 6)
    edited.write_text(json.dumps(data))
    capsys.readouterr()
    code = main(["reproduce", str(tiny_pair / "tiny-a"), str(tiny_pair / "tiny-b"), "--jobs", "2", "--threads", "1",
                 "--tolerance", "1e-6"])
    captured = capsys.readouterr()
    assert code == 1
    assert "tiny-a/results/synthetic-appearance__true.json: reproduced" in captured.out
    assert "metrics.top1: committed" in captured.err and "tiny-b" in captured.err
