"""A sweep's plan and its jobs: submissions x datasets x pair protocols (x checkpoints).

A plan is a small YAML file (docs/sweeps.md), command-line globs, or both (the flags
override the file).  :func:`expand` turns it into :class:`Job` s - one ``benchmark run``
(or, with ``checkpoints``, one ``benchmark curve``) each - reading only the manifests:
no submission code is imported while planning.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from benchmark.api.tasks import find_dataset
from benchmark.errors import BenchmarkError
from benchmark.results.schema import CURVES_DIR, result_file_name
from benchmark.submission.manifest import MANIFEST_NAME, load_submission

EXECUTORS = ("local", "submitit-local", "debug", "slurm")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunSettings(_Strict):
    """The ``benchmark run`` options every job of the sweep gets."""

    pairs: int = Field(default=1000, ge=1)
    seed: int = Field(default=0, ge=0)
    bootstrap: int = Field(default=200, ge=0)
    batch_size: int = Field(default=16, ge=1)
    eval_clips: int | None = Field(default=None, ge=1)
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    device: str = "cpu"
    workers: int = Field(default=0, ge=0)
    threads: int | None = Field(default=None, ge=1)  # default: the CPUs shared out between the jobs
    data_root: dict[str, str] = Field(default_factory=dict)  # dataset name -> its root (real data)
    task_options: list[str] = Field(default_factory=list)  # KEY=VALUE, as --task-option

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        from benchmark.argtypes import device

        try:
            return device(value)
        except Exception as error:  # noqa: BLE001 - argparse's message is the useful part
            raise ValueError(str(error)) from None


class ClusterSettings(_Strict):
    """Resources of one job on a cluster (submitit; ignored by the ``local`` executor)."""

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    gpus_per_job: int = Field(default=0, ge=0)  # > 1: torchrun inside the job, one process per GPU
    cpus_per_job: int = Field(default=2, ge=1)
    mem_gb: int | None = Field(default=None, ge=1)
    time_min: int = Field(default=60, ge=1)
    array_parallelism: int = Field(default=64, ge=1)  # jobs of the array running at once
    max_requeues: int = Field(default=3, ge=0)  # after preemption or time-out, resumed from the checkpoint
    setup: list[str] = Field(default_factory=list)  # shell lines before the job (e.g. activate a venv)


class SweepPlan(_Strict):
    """What to run (the YAML file's fields)."""

    submissions: list[str] = Field(min_length=1)  # folders or globs, e.g. submissions/zoo-*
    datasets: list[str] | None = None  # default: each submission's declared datasets
    protocols: list[str] | None = None  # default: each dataset's default protocol
    checkpoints: str | None = None  # a folder or glob; {submission} is the submission's name
    run: RunSettings = Field(default_factory=RunSettings)
    output: str = "runs/sweep"  # results go to OUTPUT/<submission>/
    logs: str | None = None  # default: OUTPUT/.sweep-logs
    executor: Literal["local", "submitit-local", "debug", "slurm"] = "local"
    jobs: int = Field(default=1, ge=1)  # at once, on this machine
    force: bool = False  # replace results measured with more pairs, or unreadable ones (run --force)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    @field_validator("protocols", mode="before")
    @classmethod
    def _yaml_true(cls, value):
        """YAML reads a bare ``true`` as a boolean: it names the ``true`` protocol here."""
        if isinstance(value, list):
            return ["true" if item is True else item for item in value]
        return value

    @property
    def log_dir(self) -> Path:
        return Path(self.logs) if self.logs else Path(self.output) / ".sweep-logs"


def _field_errors(error: ValidationError, where: str) -> str:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "(plan)"
        lines.append(f"{where}: field '{name}': {item['msg']}")
    return "\n".join(lines) + "\n(docs/sweeps.md lists the fields of a plan.)"


def parse_plan(data: object, where: str = "plan") -> SweepPlan:
    """A :class:`SweepPlan` from a mapping; every bad field is named in one error."""
    if not isinstance(data, dict):
        raise BenchmarkError(f"{where}: a plan is a mapping of fields (submissions, datasets, protocols, run, ...), "
                             f"not {type(data).__name__}. See docs/sweeps.md.")
    try:
        return SweepPlan.model_validate(data)
    except ValidationError as error:
        raise BenchmarkError(_field_errors(error, where)) from None


def load_plan(path: str | Path) -> dict:
    """The raw fields of a plan file (checked by :func:`parse_plan` once flags are merged)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise BenchmarkError(f"{path}: cannot read the plan ({error.strerror}).") from None
    except yaml.YAMLError as error:
        raise BenchmarkError(f"{path}: not valid YAML ({error}).") from None
    return data if data is not None else {}


@dataclass(frozen=True)
class Job:
    """One ``benchmark run`` (or ``curve``) of the sweep."""

    submission: Path
    name: str
    task: str
    dataset: str
    protocol: str | None  # None: the dataset's default
    run: RunSettings
    output: Path  # the folder the result goes to (OUTPUT/<submission>)
    checkpoints: str | None = None
    force: bool = False
    split: str | None = None  # None: the dataset's pair split

    @property
    def protocol_text(self) -> str:
        declared = find_dataset(self.task, self.dataset)
        return self.protocol or (declared.default_protocol if declared else "stylize")

    @property
    def result_path(self) -> Path:
        folder = self.output / CURVES_DIR if self.checkpoints else self.output
        return folder / result_file_name(self.dataset, self.protocol_text)

    @property
    def label(self) -> str:
        """``<submission>/<dataset>__<protocol>`` (also the stem of its log)."""
        return f"{self.name}/{self.result_path.stem}"

    def argv(self, threads: int | None) -> list[str]:
        """``python -m benchmark`` arguments of this job (always ``--resume``: an interrupted
        job continues from its checkpoint)."""
        run = self.run
        argv = ["curve" if self.checkpoints else "run", str(self.submission), "--dataset", self.dataset,
                "--pairs", str(run.pairs), "--seed", str(run.seed), "--bootstrap", str(run.bootstrap),
                "--batch-size", str(run.batch_size), "--precision", run.precision, "--device", run.device,
                "--workers", str(run.workers), "--output", str(self.output), "--resume", "--no-progress"]
        if self.protocol:
            argv += ["--pair-protocol", self.protocol]
        if self.checkpoints:
            argv += ["--checkpoints", self.checkpoints]
        if self.split:
            argv += ["--split", self.split]
        if run.eval_clips is not None:
            argv += ["--eval-clips", str(run.eval_clips)]
        if self.dataset in run.data_root:
            argv += ["--data-root", run.data_root[self.dataset]]
        for assignment in run.task_options:
            argv += ["--task-option", assignment]
        if self.force:
            argv.append("--force")
        if threads or run.threads:
            argv += ["--threads", str(run.threads or threads)]
        return argv


@dataclass
class Expanded:
    """The jobs of a plan and the combinations left out (a dataset a submission does not declare)."""

    jobs: list[Job] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def submission_folders(patterns: list[str]) -> list[Path]:
    """Folders holding a ``submission.yaml`` that the globs match, in order, each once."""
    folders: list[Path] = []
    for pattern in patterns:
        matched = sorted(Path(p) for p in glob.glob(pattern) if (Path(p) / MANIFEST_NAME).is_file())
        if not matched:
            raise BenchmarkError(f"plan field 'submissions': {pattern!r} matches no folder holding a "
                                 f"{MANIFEST_NAME}; give submission folders or globs such as 'submissions/zoo-*'.")
        folders += [folder for folder in matched if folder not in folders]
    return folders


def expand(plan: SweepPlan) -> Expanded:
    """Every job of ``plan``, by submission, dataset, protocol."""
    expanded = Expanded()
    for folder in submission_folders(plan.submissions):
        submission = load_submission(folder)
        manifest = submission.manifest
        if submission.reported:
            expanded.left_out.append(f"{manifest.name}: reported figures, nothing to run")
            continue
        datasets = plan.datasets or list(manifest.datasets)
        for dataset in datasets:
            if dataset not in manifest.datasets:
                expanded.left_out.append(f"{manifest.name}: does not declare {dataset}")
                continue
            checkpoints = plan.checkpoints.replace("{submission}", manifest.name) if plan.checkpoints else None
            for protocol in plan.protocols or [None]:
                expanded.jobs.append(Job(folder.resolve(), manifest.name, manifest.task, dataset, protocol,
                                         plan.run, Path(plan.output).resolve() / manifest.name, checkpoints,
                                         plan.force))
    return expanded
