"""The leaderboard: golden markdown, interval ranks, plots, isolation from submission code, CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.intervals import wilson_estimate
from benchmark.leaderboard import check_leaderboard, render, write_leaderboard
from benchmark.ranking import interval_ranks

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


def test_dynamically_biased_datasets_come_first():
    """The order comes from each task's declared dataset bias, then the name."""
    headings = [line for line in golden().splitlines() if line.startswith("## ")]
    assert headings == [
        "## action_recognition · diving48",
        "## action_recognition · synthetic-motion",
        "## action_recognition · kinetics400",
    ]


def test_overlapping_accuracy_intervals_share_a_rank():
    # alpha 0.82 and beta 0.78 on 200 clips: Wilson intervals overlap -> both rank 1.
    rows = rows_of(golden(), "action_recognition · synthetic-motion")
    ranks = {row[1].split("]")[0].lstrip("["): row[0] for row in rows}
    assert ranks == {"alpha-3d": "1", "beta-2d": "1", "delta-no-metric": "—"}
    alpha = next(row for row in rows if "alpha-3d" in row[1])
    assert alpha[4] == "0.820 [0.761, 0.867]"


def test_overlapping_share_intervals_share_a_rank():
    rows = rows_of(golden(), "action_recognition · synthetic-motion", table=1)
    assert [(row[0], row[1].split("]")[0].lstrip("[")) for row in rows] == [
        ("1", "alpha-3d"), ("1", "delta-no-metric"), ("3", "beta-2d")]


def test_templates_are_listed_apart_and_never_ranked():
    templates = rows_of(golden(), "action_recognition · synthetic-motion", table=2)
    assert [(row[0], row[1].split("]")[0].lstrip("["), row[2]) for row in templates] == [
        ("—", "gamma-template", "template")]


def test_missing_values_are_dashes_never_zero():
    delta = next(row for row in rows_of(golden(), "action_recognition · synthetic-motion")
                 if "delta-no-metric" in row[1])
    assert delta[4:7] == ["—", "—", "—"]  # top1, shuffled, drop
    assert delta[11] == "—"  # parameters


def test_reported_rows_show_provenance_an_approximate_share_and_the_citation():
    markdown = golden()
    reported = next(row for row in rows_of(markdown, "action_recognition · diving48")
                    if "reported-paper" in row[1])
    assert reported[2] == "reported"
    assert reported[9] == "≈0.405"  # 23.1 / (23.1 + 34.0)
    assert "`reported-paper`: Doe et al." in markdown


def test_interval_ranks_examples():
    assert interval_ranks([(0.8, 0.9), (0.85, 0.95), (0.5, 0.6)]) == [1, 1, 3]
    assert interval_ranks([(0.7, 0.7), (0.7, 0.7), (0.6, 0.6)]) == [1, 1, 3]  # exact ties only
    assert interval_ranks([(0.7, 0.7), (0.69, 0.69)]) == [1, 2]
    # A chain of overlaps is one tie group, even where its ends do not overlap.
    assert interval_ranks([(0.8, 0.9), (0.7, 0.81), (0.6, 0.71), (0.1, 0.2)]) == [1, 1, 1, 4]
    assert interval_ranks([]) == []


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
        "from benchmark.leaderboard import write_leaderboard\n"
        f"write_leaderboard(Path({str(tmp_path / 'submissions')!r}), Path({str(tmp_path / 'lb.md')!r}))\n"
        "declarations = {'tasks'} | {f'tasks.{t}' for t in ('action_recognition', 'avos', 'vis')}\n"
        "declarations |= {f'{d}.spec' for d in declarations}\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'benchmark.submission'))\n"
        "          or (m.startswith('tasks') and m not in declarations)]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "lb.md").is_file()


def test_the_checked_in_reported_entries_carry_the_published_figures():
    markdown = render(REPO / "submissions", REPO)
    ssv2 = {row[1].split("]")[0].lstrip("["): row for row in rows_of(markdown, "action_recognition · ssv2")}
    slow = ssv2["reported-kowal2022-slowonly-r50"]
    assert (slow[2], slow[7], slow[8]) == ("reported", "30.7", "28.2")  # static %, dynamic %
    assert "arxiv.org/abs/2206.02846" in markdown
