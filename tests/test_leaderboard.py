"""The leaderboard: golden markdown, sections per protocol, rank ranges, plots, isolation from
submission code, CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.api.intervals import wilson_estimate
from benchmark.board.markdown import check_leaderboard, render, write_leaderboard
from benchmark.board.ranking import rank_ranges
from benchmark.board.rows import PROTOCOL_READING
from benchmark.pairs.protocols import PAIR_PROTOCOLS

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "leaderboard"


def golden() -> str:
    return render(DATA / "submissions", DATA)


def rows_of(markdown: str, heading: str, table: int = 0) -> list[list[str]]:
    """Cells of the ``table``-th table under ``## heading`` (header and rule skipped)."""
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    tables = [block for block in section.split("\n\n") if block.startswith("| #")]
    lines = tables[table].splitlines()[2:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_golden_markdown_is_byte_identical():
    first, second = golden(), golden()
    assert first == second
    assert first == (DATA / "expected.md").read_text(encoding="utf-8")


def names(rows: list[list[str]]) -> list[str]:
    return [row[1].split("]")[0].lstrip("[") for row in rows]


def test_sections_per_dataset_and_protocol_dynamically_biased_datasets_first():
    """The order comes from each task's declared dataset bias, then the name, then the
    protocol; the same model's true and stylize results are never in one table."""
    headings = [line for line in golden().splitlines() if line.startswith("## ")]
    assert headings == [
        "## action_recognition · diving48 · stylize pairs",
        "## action_recognition · diving48 · prestylized pairs",
        "## action_recognition · synthetic-motion · true pairs",
        "## action_recognition · synthetic-motion · stylize pairs",
        "## action_recognition · kinetics400 · prestylized pairs",
    ]
    assert names(rows_of(golden(), "action_recognition · synthetic-motion · stylize pairs")) == ["beta-2d"]
    assert "beta-2d" in names(rows_of(golden(), "action_recognition · synthetic-motion · true pairs"))


def test_every_section_says_how_to_read_it():
    markdown = golden()
    sections = markdown.split("\n## ")[1:]
    assert sections and all("\n*How to read.* " in section for section in sections)
    stylize = markdown.split("## action_recognition · diving48 · stylize pairs\n", 1)[1].split("\n## ")[0]
    assert "real video" in stylize and "dynamically biased" in stylize and PROTOCOL_READING["stylize"] in stylize


def test_every_registered_protocol_has_a_reading():
    assert set(PROTOCOL_READING) == set(PAIR_PROTOCOLS.names())


def test_overlapping_accuracy_intervals_give_a_range_of_ranks():
    # alpha 0.82 and beta 0.78 on 200 clips: Wilson intervals overlap -> each could be 1st or 2nd.
    rows = rows_of(golden(), "action_recognition · synthetic-motion · true pairs")
    ranks = dict(zip(names(rows), (row[0] for row in rows), strict=True))
    assert ranks == {"alpha-3d": "1–2", "beta-2d": "1–2", "delta-no-metric": "—"}
    alpha = next(row for row in rows if "alpha-3d" in row[1])
    assert alpha[4] == "0.820 [0.761, 0.867]"


def test_overlapping_share_intervals_give_a_range_of_ranks():
    rows = rows_of(golden(), "action_recognition · synthetic-motion · true pairs", table=1)
    assert [(row[0], name) for row, name in zip(rows, names(rows), strict=True)] == [
        ("1–2", "alpha-3d"), ("1–2", "delta-no-metric"), ("3", "beta-2d")]


def test_templates_are_listed_apart_and_never_ranked():
    templates = rows_of(golden(), "action_recognition · synthetic-motion · true pairs", table=2)
    assert [(row[0], name, row[2]) for row, name in zip(templates, names(templates), strict=True)] == [
        ("—", "gamma-template", "template")]


def test_missing_values_are_dashes_never_zero():
    delta = next(row for row in rows_of(golden(), "action_recognition · synthetic-motion · true pairs")
                 if "delta-no-metric" in row[1])
    assert delta[4:7] == ["—", "—", "—"]  # top1, shuffled, drop
    assert delta[11:13] == ["—", "—"]  # parameters, FLOPs
    assert delta[14] == "—"  # trained on


def test_model_metadata_parameters_flops_input_and_training_data():
    alpha = next(row for row in rows_of(golden(), "action_recognition · synthetic-motion · true pairs")
                 if "alpha-3d" in row[1])
    assert alpha[11:15] == ["1.2 M", "2.3 G", "8×48²", "synthetic-motion"]
    beta = next(row for row in rows_of(golden(), "action_recognition · synthetic-motion · true pairs")
                if "beta-2d" in row[1])
    assert beta[14] == "ImageNet-1k, then synthetic-motion"


def test_reported_rows_show_provenance_an_approximate_share_and_the_citation():
    markdown = golden()
    [reported] = rows_of(markdown, "action_recognition · diving48 · prestylized pairs")
    assert reported[2] == "reported"
    assert reported[9] == "≈0.405"  # 23.1 / (23.1 + 34.0)
    assert "`reported-paper`: Doe et al." in markdown


def ranks(intervals: list[tuple[float, float]]) -> list[str]:
    return [str(r) for r in rank_ranges(intervals)]


def test_rank_ranges_hand_made_cases():
    """best = 1 + #intervals entirely above; worst = #intervals not entirely below (itself included)."""
    assert ranks([]) == []
    assert ranks([(0.5, 0.6)]) == ["1"]
    # disjoint intervals: certain places
    assert ranks([(0.8, 0.9), (0.5, 0.6), (0.1, 0.2)]) == ["1", "2", "3"]
    # the first two overlap: each is 1st or 2nd; the third is below both
    assert ranks([(0.8, 0.9), (0.85, 0.95), (0.5, 0.6)]) == ["1–2", "1–2", "3"]
    # a chain: 0.7-0.81 overlaps both neighbours, whose ends do not overlap each other
    assert ranks([(0.8, 0.9), (0.7, 0.81), (0.6, 0.71), (0.1, 0.2)]) == ["1–2", "1–3", "2–3", "4"]
    # a wide interval spans everybody; the narrow ones still order among themselves
    assert ranks([(0.85, 0.9), (0.1, 0.95), (0.5, 0.55)]) == ["1–2", "1–3", "2–3"]
    # closed intervals: touching ones overlap; points tie only when equal
    assert ranks([(0.6, 0.7), (0.5, 0.6)]) == ["1–2", "1–2"]
    assert ranks([(0.7, 0.7), (0.7, 0.7), (0.6, 0.6)]) == ["1–2", "1–2", "3"]
    assert ranks([(0.7, 0.7), (0.69, 0.69)]) == ["1", "2"]


def test_rank_ranges_always_hold_the_rank_by_value():
    """Whatever the intervals, a row's place in the value order lies in its range."""
    import random

    rng = random.Random(0)
    for _ in range(200):
        values = [rng.random() for _ in range(rng.randint(1, 8))]
        intervals = [(v - rng.random() * 0.2, v + rng.random() * 0.2) for v in values]
        order = sorted(range(len(values)), key=lambda i: -values[i])
        found = rank_ranges(intervals)
        for place, i in enumerate(order, start=1):
            assert found[i].best <= place <= found[i].worst


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson_estimate(0.5, 100).interval
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    assert wilson_estimate(1.0, 10).high == pytest.approx(1.0) and wilson_estimate(0.0, 10).low == 0.0


def copy_fixtures(target: Path, *names: str) -> Path:
    """A copy of some fixture submissions (plots are written next to their results)."""
    for name in names:
        shutil.copytree(DATA / "submissions" / name, target / "submissions" / name)
    return target / "submissions"


def test_plots_are_written_next_to_results_and_byte_stable(tmp_path):
    submissions = copy_fixtures(tmp_path, "alpha-3d", "reported-paper")
    board = tmp_path / "leaderboard.md"
    write_leaderboard(submissions, board)
    plots = sorted(tmp_path.rglob("*.png"))
    assert plots == sorted([
        tmp_path / "docs/leaderboard/action_recognition.png",
        submissions / "alpha-3d/results/synthetic-motion__true.png",
        submissions / "alpha-3d/results/diving48__stylize.png",
        submissions / "reported-paper/results/diving48__prestylized.png",
        submissions / "reported-paper/results/kinetics400__prestylized.png",
    ])
    first = {path: path.read_bytes() for path in plots}
    write_leaderboard(submissions, board)
    assert {path: path.read_bytes() for path in plots} == first
    assert "[plot](submissions/alpha-3d/results/synthetic-motion__true.png)" in board.read_text(encoding="utf-8")


def test_check_compares_only_the_markdown(tmp_path):
    shutil.copytree(DATA / "submissions", tmp_path / "submissions")
    board = tmp_path / "leaderboard.md"
    write_leaderboard(tmp_path / "submissions", board, plots=False)
    assert check_leaderboard(tmp_path / "submissions", board) is None
    (tmp_path / "submissions/beta-2d/results/synthetic-motion__true.png").write_bytes(b"other")
    assert check_leaderboard(tmp_path / "submissions", board) is None
    board.write_text(board.read_text(encoding="utf-8").replace("0.820", "0.900"), encoding="utf-8")
    assert "stale" in check_leaderboard(tmp_path / "submissions", board)


def test_rendering_imports_neither_torch_nor_submission_code(tmp_path):
    """Only the tasks' light declarations (``tasks.<task>.spec``) are read, never task code."""
    copy_fixtures(tmp_path, "reported-paper")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from benchmark.board.markdown import write_leaderboard\n"
        f"write_leaderboard(Path({str(tmp_path / 'submissions')!r}), Path({str(tmp_path / 'lb.md')!r}))\n"
        "declarations = {'tasks'} | {f'tasks.{t}' for t in ('action_recognition', 'avos', 'vis')}\n"
        "declarations |= {f'{d}.spec' for d in declarations}\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'benchmark.submission.model'))\n"
        "          or (m.startswith('tasks') and m not in declarations)]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "lb.md").is_file()


def test_the_checked_in_reported_entries_carry_the_published_figures():
    markdown = render(REPO / "submissions", REPO)
    rows = rows_of(markdown, "action_recognition · ssv2 · prestylized pairs")
    ssv2 = dict(zip(names(rows), rows, strict=True))
    slow = ssv2["reported-kowal2022-slowonly-r50"]
    assert (slow[2], slow[7], slow[8]) == ("reported", "30.7", "28.2")  # static %, dynamic %
    assert "arxiv.org/abs/2206.02846" in markdown
