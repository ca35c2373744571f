"""The leaderboard site in a real headless Chromium: load it from disk, sort, filter, take a
screenshot, and check what the page shows.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them
when missing) and selenium (the ``test`` extra).  Without them the test fails saying how
to install them: it is never skipped.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from benchmark.board.markdown import write_leaderboard
from tests.fixtures import browser

DATA = Path(__file__).resolve().parent / "data" / "leaderboard"
TRUE_PAIRS = "action-recognition-synthetic-motion-true"  # the section's id


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("board")
    shutil.copytree(DATA / "submissions", root / "submissions")
    _, problems = write_leaderboard(root / "submissions", root / "leaderboard.md", site=root / "site")
    assert problems == []
    return root / "site"


@pytest.fixture(scope="module")
def driver():
    why = browser.missing()
    if why:
        pytest.fail(why, pytrace=False)
    with browser.chromium() as chromium:
        yield chromium


def open_page(driver, page: Path, fragment: str = "", fresh: bool = True) -> None:
    """Load ``page`` (``fresh``: from a blank page, else a same-page navigation when only
    the fragment changes)."""
    if fresh:
        driver.get("about:blank")
    driver.get(page.resolve().as_uri() + fragment)
    assert driver.execute_script("return document.readyState") == "complete"


def visible_rows(driver, section: str, kind: str = "metric") -> list[str]:
    """The submissions of the shown rows of one table, top to bottom."""
    return driver.execute_script(
        "var table = document.querySelector('#' + arguments[0] + ' table[data-kind=' + arguments[1] + ']');"
        "if (!table || table.hidden) { return []; }"
        "return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; })"
        "  .map(function (r) { return r.getAttribute('data-submission'); });", section, kind)


def visible_sections(driver) -> list[str]:
    return driver.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll('section.board-section'),"
        " function (s) { return !s.hidden; }).map(function (s) { return s.id; });")


def click_header(driver, section: str, header: str, kind: str = "metric") -> None:
    from selenium.webdriver.common.by import By

    table = driver.find_element(By.CSS_SELECTOR, f"#{section} table[data-kind={kind}]")
    [button] = [b for b in table.find_elements(By.CSS_SELECTOR, "thead th button") if b.text == header]
    button.click()


def select(driver, field: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", f"filter-{field}")).select_by_value(value)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_page_loads_sorts_filters_and_shows_what_it_should(driver, site, tmp_path):
    open_page(driver, site / "index.html")
    assert driver.title == "Leaderboard"
    assert len(visible_sections(driver)) == 5
    assert driver.find_element("id", "shown").text == "8 results shown"
    # ranked by top1: alpha 0.820, beta 0.780, then delta without a value
    assert visible_rows(driver, TRUE_PAIRS) == ["alpha-3d", "beta-2d", "delta-no-metric"]

    click_header(driver, TRUE_PAIRS, "top1 [95% CI]")  # ascending; a missing value stays last
    assert visible_rows(driver, TRUE_PAIRS) == ["beta-2d", "alpha-3d", "delta-no-metric"]
    click_header(driver, TRUE_PAIRS, "top1 [95% CI]")  # descending
    assert visible_rows(driver, TRUE_PAIRS) == ["alpha-3d", "beta-2d", "delta-no-metric"]
    click_header(driver, TRUE_PAIRS, "submission")
    assert visible_rows(driver, TRUE_PAIRS) == ["alpha-3d", "beta-2d", "delta-no-metric"]
    click_header(driver, TRUE_PAIRS, "submission")
    assert visible_rows(driver, TRUE_PAIRS) == ["delta-no-metric", "beta-2d", "alpha-3d"]
    click_header(driver, TRUE_PAIRS, "dynamic share [95% CI]", kind="share")  # 0.21 < 0.60 < 0.62
    assert visible_rows(driver, TRUE_PAIRS, "share") == ["beta-2d", "delta-no-metric", "alpha-3d"]

    select(driver, "provenance", "template")  # only the template is left, in its own table
    assert visible_sections(driver) == [TRUE_PAIRS]
    assert visible_rows(driver, TRUE_PAIRS, "template") == ["gamma-template"]
    assert visible_rows(driver, TRUE_PAIRS) == []
    assert driver.execute_script("return location.hash") == "#provenance=template"

    driver.find_element("id", "filter-reset").click()
    select(driver, "dataset", "diving48")
    assert visible_sections(driver) == ["action-recognition-diving48-stylize", "action-recognition-diving48-prestylized"]
    select(driver, "protocol", "prestylized")
    assert visible_sections(driver) == ["action-recognition-diving48-prestylized"]
    assert driver.find_element("id", "shown").text == "1 result shown"

    driver.find_element("id", "filter-reset").click()
    driver.find_element("id", "filter-text").send_keys("beta")
    assert visible_sections(driver) == [TRUE_PAIRS, "action-recognition-synthetic-motion-stylize"]
    assert visible_rows(driver, TRUE_PAIRS) == ["beta-2d"]
    driver.find_element("id", "filter-reset").click()

    shot = browser.full_page_screenshot(driver, tmp_path / "board.png")
    width, height = png_size(shot)
    assert width == 1440 and height > 1000  # the whole board, at desktop width
    assert not [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_a_filtered_view_can_be_linked(driver, site):
    open_page(driver, site / "index.html", "#provenance=reported")
    assert driver.find_element("id", "filter-provenance").get_attribute("value") == "reported"
    assert visible_sections(driver) == ["action-recognition-diving48-prestylized",
                                        "action-recognition-kinetics400-prestylized"]
    open_page(driver, site / "index.html", "#dataset=kinetics400", fresh=False)  # the address changes
    assert visible_sections(driver) == ["action-recognition-kinetics400-prestylized"]
    assert driver.find_element("id", "filter-provenance").get_attribute("value") == ""
    open_page(driver, site / "index.html", "#dataset=<img src=x onerror=alert(1)>")  # unknown: ignored
    assert driver.find_element("id", "filter-dataset").get_attribute("value") == ""
    assert len(visible_sections(driver)) == 5


def test_a_submission_page_links_back_and_shows_its_plots(driver, site):
    from selenium.webdriver.common.by import By

    open_page(driver, site / "index.html")
    driver.find_element(By.CSS_SELECTOR, f"#{TRUE_PAIRS} table[data-kind=metric] a[href='s/alpha-3d.html']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "alpha-3d"
    loaded = driver.execute_script("return Array.prototype.map.call(document.images,"
                                   " function (i) { return i.complete && i.naturalWidth > 0; })")
    assert loaded == [True, True]  # both results' plots
    layers = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "table tbody tr td:first-child")]
    assert layers == ["stem", "res3", "stem", "res2", "res3"]  # diving48 then synthetic-motion, per layer
    driver.find_element(By.LINK_TEXT, "← leaderboard").click()
    assert driver.title == "Leaderboard"
