"""scripts/reproduce_kowal2022.py end to end on fixtures.

Real: the dataset layouts (tests/fixtures/action_datasets.py writes Diving48 V2, SSv2 and
Kinetics-400 trees with real encoded videos), the checkpoint files (pytorchvideo's model-zoo
layout, ``{"model_state": ..., "epoch": ..., "cfg": ...}`` in a ``.pyth``), the
architectures (SlowOnly from ``pytorchvideo.models.hub.resnet.slow_r50``; FastOnly from
``pytorchvideo.models.resnet.create_resnet`` with the fast pathway's kernels), the import,
the runs and the published numbers (the reported entries).  Shrunk, to keep it fast: the
widths (``stem_dim_out`` 4 instead of 64 for SlowOnly, 2 instead of 8 for FastOnly), the
input (4 frames of 32 px), the videos (8 per dataset, 24 frames of 48x64 px) and the runs
(12 pairs, no bootstrap, 4 evaluation clips).  The weights are random: the numbers say
nothing about the models, only that the recipe computes and compares them.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from benchmark.results.schema import read_result
from benchmark.validate.submission import validate_submission
from tests.fixtures.action_datasets import (
    write_diving48_fixture,
    write_kinetics_fixture,
    write_ssv2_fixture,
)
from tests.fixtures.scripts import load_script as load_named_script

REPO = Path(__file__).resolve().parents[1]
WIDTH = {"slowonly": 4, "fastonly": 2}


def load_script():
    return load_named_script("reproduce_kowal2022")


def zoo_checkpoint(path: Path, model: str, classes: int, seed: int) -> Path:
    """A ``.pyth`` in pytorchvideo's model-zoo layout of the (narrowed) architecture."""
    from pytorchvideo.models.hub.resnet import slow_r50
    from pytorchvideo.models.resnet import create_resnet

    torch.manual_seed(seed)
    if model == "slowonly":
        network = slow_r50(pretrained=False, stem_dim_out=WIDTH[model], model_num_class=classes)
    else:  # SlowFast's fast pathway alone, from pytorchvideo's ResNet builder
        network = create_resnet(model_depth=50, model_num_class=classes, stem_dim_out=WIDTH[model],
                                stem_conv_kernel_size=(5, 7, 7), stage_conv_a_kernel_size=((3, 1, 1),) * 4,
                                stage1_pool=None, head_pool=nn.AdaptiveAvgPool3d, head_output_size=(1, 1, 1))
    torch.save({"epoch": 100, "model_state": network.state_dict(), "cfg": "MODEL:\n  ARCH: slow\n"}, path)
    return path


def test_the_recipe_imports_runs_and_compares_every_model_and_dataset(tmp_path, capsys, one_torch_thread):
    script = load_script()
    fixtures = {
        "kinetics400": write_kinetics_fixture(tmp_path / "kinetics400", n_videos=8),
        "diving48": write_diving48_fixture(tmp_path / "Diving48", n_videos=8),
        "ssv2": write_ssv2_fixture(tmp_path / "ssv2", n_videos=8),
    }
    args = [f"--data={name}={fixture.root}" for name, fixture in fixtures.items()]
    for seed, (model, dataset) in enumerate((m, d) for m in ("slowonly", "fastonly") for d in fixtures):
        classes = len(fixtures[dataset].class_names)
        checkpoint = zoo_checkpoint(tmp_path / f"{model}_{dataset}.pyth", model, classes, seed)
        args.append(f"--checkpoint={model}:{dataset}={checkpoint}")
    shrink = ["--model-arg", "slowonly:stem_dim_out=4", "--model-arg", "fastonly:stem_dim_out=2",
              "--frames", "4", "--size", "32", "--sampling-rate", "2"]
    out = tmp_path / "out"
    runs = ["--pairs", "12", "--bootstrap", "0", "--eval-clips", "4", "--batch-size", "4", "--out", str(out)]
    assert script.main(args + shrink + runs) == 0
    printed = capsys.readouterr().out
    table = [line for line in printed.splitlines() if line.startswith("| SlowOnly") or line.startswith("| FastOnly")]
    assert len(table) == 6
    published = {  # docs/METHOD.md §8: dynamic / static
        ("SlowOnly R50", "kinetics400"): "21.4 / 38.4", ("SlowOnly R50", "diving48"): "23.1 / 34.0",
        ("SlowOnly R50", "ssv2"): "28.2 / 30.7", ("FastOnly", "kinetics400"): "27.3 / 30.9",
        ("FastOnly", "diving48"): "23.8 / 27.3", ("FastOnly", "ssv2"): "31.6 / 21.9",
    }
    for line in table:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[5] == f"res5: {published[(cells[0], cells[1])]}"
        name = f"kowal2022-{'slowonly' if 'Slow' in cells[0] else 'fastonly'}-{cells[1]}"
        ours = read_result(out / "submissions" / name / "results" / f"{cells[1]}__stylize.json")
        last = ours.last_layer.percent
        assert cells[4] == f"res5: {last['dynamic']:.1f} / {last['static']:.1f}"
        assert cells[2] == f"stylize ({cells[1]})" and ours.provenance == "submitted"
        assert ours.flops and ours.eval_count == 4
    assert (out / "comparison.md").read_text().startswith("| model")
    folders = sorted((out / "submissions").iterdir())
    assert len(folders) == 6
    for folder in folders:
        assert validate_submission(folder) == [], folder  # imported, pinned, measured: valid

    # a second call reuses the results instead of measuring again
    assert script.main(args + shrink + runs) == 0
    assert printed.count("wrote") == 6 and capsys.readouterr().out.count("reusing") == 6


def test_a_checkpoint_without_its_dataset_is_one_clear_error(tmp_path, capsys):
    script = load_script()
    assert script.main(["--checkpoint", f"slowonly:ssv2={tmp_path / 'x.pyth'}", "--out", str(tmp_path)]) == 2
    assert "no --data for ssv2" in capsys.readouterr().err
