"""``benchmark run`` on real video in a published layout (Diving48 V2, tiny fixture)."""

from __future__ import annotations

import pytest

from benchmark.cli import main
from benchmark.results.schema import read_result, result_files
from tests.conftest import write_tiny_submission
from tests.fixtures.action_datasets import write_diving48_fixture


@pytest.fixture
def diving48_submission(tmp_path):
    return write_tiny_submission(tmp_path / "submissions", num_classes=48, datasets="[diving48]")


def test_run_on_diving48_with_stylized_pairs(tmp_path, diving48_submission, capsys):
    root = tmp_path / "Diving48"
    write_diving48_fixture(root, n_videos=8, frames=16)
    code = main(["run", str(diving48_submission), "--dataset", "diving48", "--data-root", str(root),
                 "--pairs", "16", "--batch-size", "4", "--bootstrap", "20", "--no-progress", "--update-results"])
    assert code == 0, capsys.readouterr().err
    [path] = result_files(diving48_submission)
    result = read_result(path)
    assert result.pair_protocol == "stylize"
    assert result.dataset.name == "diving48" and result.dataset.split == "test"
    assert result.dataset.num_items == 4
    assert sum(result.last_layer.pairs.values()) == 16
    assert "top1" in result.metrics


def test_bad_videos_fail_or_are_skipped_and_counted(tmp_path, diving48_submission, capsys):
    root = tmp_path / "Diving48"
    fixture = write_diving48_fixture(root, n_videos=8, frames=16, broken={"dive003xYz_00003": "garbage"})
    args = ["run", str(diving48_submission), "--dataset", "diving48", "--data-root", str(root),
            "--pairs", "16", "--batch-size", "4", "--bootstrap", "20", "--no-progress", "--update-results"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "dive003xYz_00003" in err and "--on-bad-video skip" in err

    assert main([*args, "--on-bad-video", "skip", "--resume"]) == 0
    result = read_result(result_files(diving48_submission)[0])
    assert result.skipped_clips == ["dive003xYz_00003"]
    assert result.pairs["skipped"] > 0
    assert sum(result.last_layer.pairs.values()) + result.pairs["skipped"] == 16
    assert fixture.broken


def test_real_dataset_without_data_root_says_what_to_do(diving48_submission, capsys):
    assert main(["run", str(diving48_submission), "--dataset", "diving48", "--no-progress"]) != 0
    assert "--data-root" in capsys.readouterr().err


def test_run_with_prestylized_pairs(tmp_path, diving48_submission):
    from tests.fixtures.prestylized import write_prestylized_fixture

    root = tmp_path / "Diving48"
    fixture = write_diving48_fixture(root, n_videos=8, frames=16)
    styled = tmp_path / "Diving48-styled"
    write_prestylized_fixture(styled, videos=tuple(fixture.splits["test"]), styles=3, frames=12, size=(40, 48))
    args = ["run", str(diving48_submission), "--dataset", "diving48", "--data-root", str(root),
            "--pair-protocol", f"prestylized:{styled}", "--pairs", "12", "--batch-size", "4",
            "--bootstrap", "20", "--no-progress", "--update-results"]
    assert main(args) == 0
    result = read_result(diving48_submission / "results" / "diving48__prestylized.json")
    assert result.pair_protocol == f"prestylized:{styled}"
    assert sum(result.last_layer.pairs.values()) == 12


def test_prestylized_copy_missing_a_video_names_it(tmp_path, diving48_submission, capsys):
    from tests.fixtures.prestylized import write_prestylized_fixture

    root = tmp_path / "Diving48"
    fixture = write_diving48_fixture(root, n_videos=4, frames=16)
    styled = tmp_path / "styled"
    write_prestylized_fixture(styled, videos=tuple(fixture.splits["test"][:1]), styles=2, frames=8)
    args = ["run", str(diving48_submission), "--dataset", "diving48", "--data-root", str(root),
            "--pair-protocol", f"prestylized:{styled}", "--pairs", "8", "--no-progress"]
    assert main(args) != 0
    assert fixture.splits["test"][1] in capsys.readouterr().err
