"""Reproduce the published SlowOnly / FastOnly table (Kowal et al., CVPR 2022; docs/METHOD.md §8).

Given the datasets in their published layouts and a checkpoint per (model, dataset), for
each pair it:

1. copies the model's template (``submissions/template-slow-r50``,
   ``submissions/template-fastonly-r50``) into ``<out>/submissions/kowal2022-<model>-<dataset>``,
   with the dataset's number of classes (read from its annotation files);
2. imports the checkpoint (``benchmark import-weights``: ``torch.load(weights_only=True)``,
   pytorchvideo's ``model_state`` entry or a plain state dict, pinned by sha256);
3. runs the benchmark on the dataset (``benchmark run``; pairs from our procedural styles,
   or from a pre-stylised copy given with ``--styled DATASET=ROOT``), writing the result into
   the submission's ``results/`` (an existing result is reused unless ``--rerun``), so
   ``benchmark validate`` and the leaderboard can read the folder as any submission;
4. prints our last-stage dynamic / static percentages and relative accuracy drop with
   shuffled frames beside the published ones, read from the reported entries
   ``submissions/reported-kowal2022-*`` (and writes the table to ``<out>/comparison.md``).

Checkpoints: pytorchvideo's model zoo publishes Slow R50 (``SLOW_8x8_R50.pyth``) for
Kinetics-400 and SSv2; no zoo publishes FastOnly or Diving48 models, so those are
checkpoints of the same architectures trained elsewhere (the keys of pytorchvideo's
``create_resnet``).  The published Kinetics row probes the Kinetics model with stylised
*ActivityNet* clips; without ``--styled kinetics400=ROOT`` our Kinetics pairs are Kinetics-400
validation clips in our styles, a different probe set (the table says which).

Example (one GPU)::

    python scripts/reproduce_kowal2022.py \\
        --data kinetics400=/data/kinetics400 --data diving48=/data/Diving48 --data ssv2=/data/ssv2 \\
        --checkpoint slowonly:kinetics400=SLOW_8x8_R50.pyth --checkpoint slowonly:ssv2=SSV2_SLOW_8x8_R50.pyth \\
        --checkpoint slowonly:diving48=slowonly_diving48.pyth --checkpoint fastonly:diving48=fastonly_diving48.pyth \\
        --device cuda --pairs 2000

``--model-arg``, ``--frames``, ``--size`` and ``--sampling-rate`` change the architecture or
its input: they exist for tests and smoke runs on tiny checkpoints (tests/test_reproduce_kowal2022.py);
a published checkpoint fits only the unchanged models.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmark.argtypes import device, non_negative_int, positive_int  # noqa: E402
from benchmark.board.ranking import metric_estimate  # noqa: E402
from benchmark.board.rows import fmt_estimate, shuffled_drop  # noqa: E402
from benchmark.errors import BenchmarkError  # noqa: E402
from benchmark.results.schema import Result, read_result, result_file_name  # noqa: E402
from benchmark.run.runner import RunOptions, run  # noqa: E402
from benchmark.submission.import_weights import import_weights  # noqa: E402
from benchmark.submission.manifest import MANIFEST_NAME  # noqa: E402
from benchmark.submission.manifest_edit import set_fields  # noqa: E402

TASK = "action_recognition"
DATASETS = ("kinetics400", "diving48", "ssv2")
SUBMISSIONS = REPO / "submissions"


@dataclass(frozen=True)
class Model:
    """A model of the published table: the template it is built from and its reported entry."""

    template: str
    reported: str
    label: str


MODELS = {
    "slowonly": Model("template-slow-r50", "reported-kowal2022-slowonly-r50", "SlowOnly R50"),
    "fastonly": Model("template-fastonly-r50", "reported-kowal2022-fastonly", "FastOnly"),
}


@dataclass(frozen=True)
class Job:
    model: str
    dataset: str
    checkpoint: Path

    @property
    def name(self) -> str:
        return f"kowal2022-{self.model}-{self.dataset}"


# --------------------------------------------------------------------------- arguments


def _assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key, value


def _dataset_path(text: str) -> tuple[str, Path]:
    dataset, value = _assignment(text)
    if dataset not in DATASETS:
        raise argparse.ArgumentTypeError(f"{dataset!r} is not one of {', '.join(DATASETS)}")
    return dataset, Path(value)


def _checkpoint(text: str) -> tuple[str, str, Path]:
    key, value = _assignment(text)
    model, _, dataset = key.partition(":")
    if model not in MODELS or dataset not in DATASETS:
        raise argparse.ArgumentTypeError(f"{key!r}: expected MODEL:DATASET with MODEL one of {', '.join(MODELS)} "
                                         f"and DATASET one of {', '.join(DATASETS)}")
    return model, dataset, Path(value)


def _model_arg(text: str) -> tuple[str, str, object]:
    key, value = _assignment(text)
    model, _, name = key.partition(":")
    if model not in MODELS or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{key!r}: expected MODEL:ARGUMENT with MODEL one of {', '.join(MODELS)}")
    return model, name, yaml.safe_load(value)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=_dataset_path, action="append", default=[], metavar="DATASET=ROOT",
                   help="a dataset in its published layout (kinetics400, diving48, ssv2; repeatable)")
    p.add_argument("--checkpoint", type=_checkpoint, action="append", default=[], metavar="MODEL:DATASET=FILE",
                   help="a checkpoint of MODEL (slowonly, fastonly) trained on DATASET (repeatable)")
    p.add_argument("--styled", type=_dataset_path, action="append", default=[], metavar="DATASET=ROOT",
                   help="a pre-stylised copy (style_<k>/<video>/<frame>.jpg) to take the pairs from")
    p.add_argument("--out", type=Path, default=Path("runs/kowal2022"), help="working folder (default runs/kowal2022)")
    p.add_argument("--rerun", action="store_true", help="measure again even where a result exists")
    run_options = p.add_argument_group("the runs (as `benchmark run`)")
    run_options.add_argument("--pairs", type=positive_int, default=1000)
    run_options.add_argument("--bootstrap", type=non_negative_int, default=200)
    run_options.add_argument("--eval-clips", type=positive_int, help="evaluate on the first N clips")
    run_options.add_argument("--batch-size", type=positive_int, default=16)
    run_options.add_argument("--device", type=device, default="cpu")
    run_options.add_argument("--workers", type=non_negative_int, default=0)
    run_options.add_argument("--threads", type=positive_int)
    shrink = p.add_argument_group("shrinking (tests and smoke runs only: published checkpoints fit only the "
                                  "unchanged models)")
    shrink.add_argument("--model-arg", type=_model_arg, action="append", default=[], metavar="MODEL:ARG=VALUE",
                        help="an extra model argument, e.g. slowonly:stem_dim_out=8")
    shrink.add_argument("--frames", type=positive_int, help="frames per clip instead of the model's")
    shrink.add_argument("--size", type=positive_int, help="crop size instead of the model's")
    shrink.add_argument("--sampling-rate", type=positive_int, help="frame stride instead of the model's")
    return p


# --------------------------------------------------------------------------- the steps


def dataset_classes(dataset: str, root: Path) -> int:
    """The number of classes of ``dataset`` as its annotation files at ``root`` list them."""
    from benchmark.api.model_spec import InputSpec
    from benchmark.api.tasks import get_task

    task = get_task(TASK)
    declared = task.spec.dataset(dataset)
    source = task.open_source(declared, declared.eval_split, root, InputSpec(frames=1, size=32),
                              task.spec.options())
    return source.num_classes


def make_submission(job: Job, classes: int, args: argparse.Namespace) -> Path:
    """A fresh copy of the model's template for ``job`` (name, dataset, classes, overrides)."""
    model = MODELS[job.model]
    folder = args.out / "submissions" / job.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    template = SUBMISSIONS / model.template
    shutil.copy2(template / "model.py", folder / "model.py")
    manifest = yaml.safe_load((template / MANIFEST_NAME).read_text())
    model_args = {**manifest["model_args"], "num_classes": classes,
                  **{name: value for m, name, value in args.model_arg if m == job.model}}
    given = {"frames": args.frames, "size": args.size, "sampling_rate": args.sampling_rate}
    inputs = {**manifest["input"], **{k: v for k, v in given.items() if v is not None}}
    fields = {"name": job.name, "model_args": model_args, "input": inputs, "datasets": [job.dataset],
              "description": f"{model.label} trained on {job.dataset} ({job.checkpoint.name}), for the "
                             "reproduction of Kowal et al., CVPR 2022 (scripts/reproduce_kowal2022.py)."}
    text, _ = set_fields((template / MANIFEST_NAME).read_text(), fields)
    (folder / MANIFEST_NAME).write_text(text)
    return folder


def measure(job: Job, root: Path, args: argparse.Namespace) -> Result:
    """Import the checkpoint and run the benchmark (or reuse the result already there)."""
    styled = dict(args.styled).get(job.dataset)
    protocol = f"prestylized:{styled}" if styled else "stylize"
    existing = args.out / "submissions" / job.name / "results" / result_file_name(job.dataset, protocol)
    if existing.is_file() and not args.rerun:
        print(f"{job.name}: reusing {existing}")
        return read_result(existing)
    folder = make_submission(job, dataset_classes(job.dataset, root), args)
    import_weights(job.checkpoint, folder, training_data=[f"{job.dataset} train ({job.checkpoint.name})"])
    options = RunOptions(dataset=job.dataset, data_root=root, pair_protocol=protocol, pairs=args.pairs,
                         bootstrap=args.bootstrap, eval_clips=args.eval_clips, batch_size=args.batch_size,
                         device=args.device, workers=args.workers, update_results=True,
                         progress=sys.stderr.isatty())
    result, path = run(folder, options)
    print(f"{job.name}: wrote {path}")
    return result


# --------------------------------------------------------------------------- the table


def published(model: str, dataset: str) -> Result:
    folder = SUBMISSIONS / MODELS[model].reported / "results"
    [path] = sorted(folder.glob(f"{dataset}__*.json"))
    return read_result(path)


def _percents(result: Result) -> str:
    last = result.last_layer.percent
    return f"{last['dynamic']:.1f} / {last['static']:.1f}"


def _drop(result: Result) -> str:
    drop = shuffled_drop(result, "top1")
    return "—" if drop is None else f"{100 * drop:+.0f} %"


def comparison(rows: list[tuple[Job, Result]]) -> str:
    """Our numbers beside the published ones, one line per (model, dataset)."""
    table = []
    for job, ours in rows:
        paper = published(job.model, job.dataset)
        table.append([
            MODELS[job.model].label, job.dataset,
            f"{ours.pair_protocol.split(':', 1)[0]} ({ours.dataset.name})", paper.pair_protocol,
            f"{ours.last_layer.name}: {_percents(ours)}", f"{paper.last_layer.name}: {_percents(paper)}",
            _drop(ours), "≈" + _drop(paper),
            fmt_estimate(metric_estimate(ours, "top1")),
        ])
    headers = ["model", "trained on", "our pairs", "published pairs", "ours: dynamic / static %",
               "published: dynamic / static %", "ours: top1 drop (shuffled)", "published drop", "our top1"]
    return tabulate(table, headers=headers, tablefmt="github", disable_numparse=True)


def jobs_of(args: argparse.Namespace) -> list[Job]:
    data = dict(args.data)
    jobs = [Job(model, dataset, path) for model, dataset, path in args.checkpoint]
    missing = sorted({job.dataset for job in jobs} - set(data))
    if missing:
        raise BenchmarkError(f"no --data for {', '.join(missing)}: give --data DATASET=ROOT for every checkpoint's "
                             "dataset.")
    if not jobs:
        raise BenchmarkError("nothing to reproduce: give at least one --checkpoint MODEL:DATASET=FILE.")
    order = {name: k for k, name in enumerate(MODELS)} | {name: k for k, name in enumerate(DATASETS)}
    return sorted(jobs, key=lambda job: (order[job.model], order[job.dataset]))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        jobs = jobs_of(args)
        data = dict(args.data)
        rows = [(job, measure(job, data[job.dataset], args)) for job in jobs]
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = comparison(rows)
    note = ("Published: last stage, percent of units (CVPR 2022 project page); drop read off a figure (≈). "
            "The published Kinetics row took its pairs from stylised ActivityNet.")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "comparison.md").write_text(text + "\n\n" + note + "\n", encoding="utf-8")
    print(text)
    print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
