"""The board at scale: `validate`, `leaderboard` (markdown), `--html` and `--export` over
100, 1,000 and 10,000 valid result files (tests/perf/board_data.py), each command timed in
its own process with its peak memory (ru_maxrss).

By default (``--benchmark-disable``, pyproject) only a 20-result board runs, once, plus
the check that costs grow linearly.  To measure (the README's table):

    BOARD_SIZES=100,1000,10000 pytest tests/perf --benchmark-enable -p no:cacheprovider
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.perf.board_data import REPO, write_board

SIZES = [int(n) for n in os.environ.get("BOARD_SIZES", "20").split(",")]
COMMANDS = {
    "validate": lambda root, out: ["validate", *sorted(str(p) for p in root.iterdir())],
    "leaderboard": lambda root, out: ["leaderboard", "--submissions", str(root), "--output", str(out / "board.md"),
                                      "--no-plots"],
    "html": lambda root, out: ["leaderboard", "--submissions", str(root), "--output", str(out / "board.md"),
                               "--html", str(out / "site")],  # the site shows the plots: they are drawn too
    "export": lambda root, out: ["leaderboard", "--submissions", str(root), "--output", str(out / "board.md"),
                                 "--no-plots", "--export", str(out / "results.csv")],
}


def measure(argv: list[str]) -> tuple[float, float, str]:
    """(seconds, peak resident MiB, output) of ``python -m benchmark ARGV`` in its own process."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "benchmark", *argv], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, output[-3000:]
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output


@pytest.fixture(scope="module")
def boards(tmp_path_factory) -> dict[int, Path]:
    made: dict[int, Path] = {}

    def board(count: int) -> Path:
        if count not in made:
            made[count] = write_board(tmp_path_factory.mktemp(f"board{count}"), count)
        return made[count]

    return board


@pytest.mark.benchmark(group="board")
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("count", SIZES)
def test_board_at_scale(benchmark, boards, tmp_path: Path, count: int, command: str):
    root = boards(count)
    argv = COMMANDS[command](root, tmp_path)
    seconds, peak, output = benchmark.pedantic(measure, args=(argv,), rounds=1, iterations=1)
    benchmark.extra_info.update(results=count, peak_mib=round(peak, 1), seconds=round(seconds, 2))
    print(f"\n{command} over {count} results: {seconds:.2f} s, peak {peak:.0f} MiB")
    if command == "validate":
        assert output.count("manifest and result files are valid") == len(list(root.iterdir()))
    else:
        rows = sum(1 for line in (tmp_path / "board.md").read_text().splitlines() if line.startswith("| "))
        assert rows > count  # every result has its row (plus the headings)


def test_validate_and_board_costs_grow_linearly(tmp_path: Path):
    """Four times the results cost at most ~4x (a quadratic step - e.g. every folder reading
    every other folder's results - would cost 16x): measured in one process, imports warm."""
    from benchmark.board.markdown import render
    from benchmark.cli import main

    small, large = write_board(tmp_path / "s", 60), write_board(tmp_path / "l", 240)
    # imports and the synthetic fingerprints (cached per dataset) warm for every dataset of both boards
    main(["validate", *[str(p) for p in sorted(large.iterdir())]])

    def cost(root: Path) -> float:
        started = time.perf_counter()
        assert main(["validate", *map(str, sorted(root.iterdir()))]) == 0
        render(root)
        return time.perf_counter() - started

    ratio = cost(large) / cost(small)
    assert ratio < 7, f"240 results cost {ratio:.1f}x the time of 60"


@pytest.mark.parametrize("count", SIZES)
def test_site_at_scale_in_chromium(boards, tmp_path: Path, count: int):
    """The site of the whole board in headless Chromium: it loads, a table shows its first page
    of 100 rows and a button for the next, search and sort see every row; times printed."""
    from selenium.webdriver.common.by import By

    from benchmark.board.rows import collect_results
    from benchmark.board.site import write_site
    from tests.fixtures import browser

    why = browser.missing()
    if why:
        pytest.fail(why, pytrace=False)
    collected = collect_results(boards(count))
    assert len(collected.rows) == count and not collected.problems
    index = write_site(collected, tmp_path / "site", set(), summary_root=tmp_path)
    with browser.chromium() as driver:
        started = time.perf_counter()
        driver.get(index.resolve().as_uri())
        assert driver.execute_script("return document.readyState") == "complete"
        loaded = time.perf_counter() - started
        # the largest table of the board: every row in the page, at most a page shown
        sizes = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('table.board[data-kind=metric]'), function (t) {"
            " return [t.closest('section').id, t.tBodies[0].rows.length,"
            " Array.prototype.filter.call(t.tBodies[0].rows, function (r) { return !r.hidden; }).length]; });")
        section, rows, shown = max(sizes, key=lambda item: item[1])
        assert shown == min(rows, 100)
        assert sum(item[1] for item in sizes) >= count * 0.5  # (template rows are in tables of their own)

        def visible(kind: str = "metric") -> list[str]:
            return driver.execute_script(
                "var t = document.querySelector('#' + arguments[0] + ' table[data-kind=' + arguments[1] + ']');"
                "return Array.prototype.filter.call(t.tBodies[0].rows, function (r) { return !r.hidden; })"
                ".map(function (r) { return r.getAttribute('data-submission'); });", section, kind)

        table = driver.find_element(By.CSS_SELECTOR, f"#{section} table[data-kind=metric]")
        if rows > 100:
            more = driver.find_element(By.CSS_SELECTOR, f"#{section} button.more")
            assert more.text == f"show {min(100, rows - 100)} more (100 of {rows} shown)"
            more.click()
            assert len(visible()) == min(rows, 200)
        # search: the last row of the table, wherever it is, is found
        last = driver.execute_script("var r = arguments[0].tBodies[0].rows; return r[r.length - 1]"
                                     ".getAttribute('data-submission');", table)
        started = time.perf_counter()
        driver.find_element("id", "filter-text").send_keys(last)
        searched = time.perf_counter() - started
        assert visible() == [last]
        driver.find_element("id", "filter-reset").click()
        # sort by submission: the first page is the alphabetically first rows of the whole table
        names = driver.execute_script("return Array.prototype.map.call(arguments[0].tBodies[0].rows,"
                                      " function (r) { return r.getAttribute('data-submission'); });", table)
        [button] = [b for b in table.find_elements(By.CSS_SELECTOR, "thead th button") if b.text == "submission"]
        started = time.perf_counter()
        button.click()
        sorted_in = time.perf_counter() - started
        assert visible() == sorted(names, key=str.lower)[:100]
    print(f"\nsite of {count} results ({rows} rows in its largest table): load {loaded:.2f} s, "
          f"search {searched:.2f} s, sort {sorted_in:.2f} s")
