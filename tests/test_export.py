"""``leaderboard --export results.csv|results.json``: every result, one row per layer, read
back and compared with the result files themselves."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from benchmark.board.export import COLUMNS, METRIC_PREFIX, export_csv, export_json
from benchmark.board.rows import collect_results
from benchmark.cli import main
from benchmark.results.schema import read_result, result_files

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "leaderboard"


@pytest.fixture
def submissions(tmp_path) -> Path:
    shutil.copytree(DATA / "submissions", tmp_path / "submissions")
    return tmp_path / "submissions"


def every_result(submissions: Path) -> dict[tuple[str, str, str, str], tuple]:
    """(submission, dataset, protocol, layer) -> (result, layer index) from the files."""
    found = {}
    for folder in sorted(submissions.iterdir()):
        for path in result_files(folder):
            result = read_result(path)
            for index, layer in enumerate(result.layers):
                found[(result.submission, result.dataset.name, result.pair_protocol, layer.name)] = (result, index)
    return found


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def test_the_csv_reads_back_to_every_result_and_layer(submissions, tmp_path):
    out = tmp_path / "results.csv"
    assert main(["leaderboard", "--submissions", str(submissions), "--output", str(tmp_path / "lb.md"),
                 "--no-plots", "--export", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = every_result(submissions)
    keys = [(r["submission"], r["dataset"], r["pair_protocol"], r["layer"]) for r in rows]
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))  # each exactly once
    for row in rows:
        result, index = expected[(row["submission"], row["dataset"], row["pair_protocol"], row["layer"])]
        layer = result.layers[index]
        assert int(row["layer_index"]) == index and row["module"] == (layer.module or "")
        assert row["is_last_layer"] == ("true" if index == len(result.layers) - 1 else "false")
        for factor in ("static", "dynamic", "residual"):
            assert number(row[f"{factor}_percent"]) == layer.percent[factor]
        if layer.dynamic_share is not None:  # measured: the file's own numbers, full precision
            share = layer.dynamic_share
            assert (number(row["dynamic_share"]), number(row["dynamic_share_low"]),
                    number(row["dynamic_share_high"])) == (share.value, share.low, share.high)
        for key, value in result.metrics.items():
            assert number(row[METRIC_PREFIX + key]) == value
        for key in set(row) - {METRIC_PREFIX + k for k in result.metrics}:
            if key.startswith(METRIC_PREFIX):
                assert row[key] == ""  # missing: empty, never zero
        assert row["provenance"] == result.provenance and number(row["flops"]) == result.flops
        assert row["result_file"] == f"{result.submission}/results/{result.file_name()}"


def test_ranks_and_model_metadata_are_exported(submissions):
    rows = list(csv.DictReader(export_csv(collect_results(submissions)).splitlines()))
    last = {(r["submission"], r["dataset"], r["pair_protocol"]): r for r in rows if r["is_last_layer"] == "true"}
    alpha = last[("alpha-3d", "synthetic-motion", "true")]
    assert (alpha["rank_best"], alpha["rank_worst"]) == ("1", "2")
    assert (alpha["training_data"], alpha["input_frames"], alpha["input_size"]) == ("synthetic-motion", "8", "48")
    template = last[("gamma-template", "synthetic-motion", "true")]
    assert template["rank_best"] == template["rank_worst"] == ""  # never ranked
    reported = last[("reported-paper", "diving48", "prestylized")]
    assert reported["dynamic_share_approximate"] == "true" and reported["dynamic_share_low"] == ""


def test_the_json_holds_the_same_rows_and_describes_its_columns(submissions):
    collected = collect_results(submissions)
    data = json.loads(export_json(collected))
    csv_rows = list(csv.DictReader(export_csv(collected).splitlines()))
    assert list(data["columns"]) == list(csv_rows[0])
    assert len(data["rows"]) == len(csv_rows)
    for record, row in zip(data["rows"], csv_rows, strict=True):
        assert record["layer"] == row["layer"] and record["submission"] == row["submission"]
        assert (record["main_value"] is None) == (row["main_value"] == "")
    assert data["columns"]["metrics.top1"] == "the task metric 'top1'"


def test_spreadsheet_formulas_in_text_are_defused(submissions):
    manifest = submissions / "beta-2d" / "submission.yaml"
    manifest.write_text(manifest.read_text().replace('"ImageNet-1k, then synthetic-motion"',
                                                     '"=HYPERLINK(\\"https://x\\")"'))
    rows = list(csv.DictReader(export_csv(collect_results(submissions)).splitlines()))
    beta = [r for r in rows if r["submission"] == "beta-2d"]
    assert beta and all(r["training_data"] == "'=HYPERLINK(\"https://x\")" for r in beta)
    assert any(r["shuffled_drop"].startswith("-") for r in rows)  # numbers are never touched


def test_every_column_is_documented():
    docs = (REPO / "docs" / "board.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_.<>]+)` \|", docs, re.MULTILINE))
    assert set(COLUMNS) | {"metrics.<key>"} == documented


def test_an_export_must_be_csv_or_json(submissions, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["leaderboard", "--submissions", str(submissions), "--export", str(tmp_path / "results.xlsx")])
    assert "must end in .csv or .json" in capsys.readouterr().err
