"""Screenshots of the leaderboard web site at desktop width, for docs/img/.

    python -m benchmark leaderboard --html /tmp/site
    python -m scripts.site_screenshots /tmp/site --out docs/img     (from the repository root)

Writes ``site-index.png`` (the top of the board: filters, legend, summary plots, the first
section), ``site-filtered.png`` (the view of ``#task=action_recognition&dataset=synthetic-motion``,
sorted by the dynamic share), and ``site-submission.png`` (a submission's page).  Needs
Chromium and chromedriver (tests/fixtures/browser.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.fixtures.browser import chromium, missing

REPO = Path(__file__).resolve().parents[1]

WIDTH = 1440


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a folder written by `leaderboard --html`")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    parser.add_argument("--submission", default="c3d-synthetic", help="whose page to show")
    parser.add_argument("--height", type=int, default=1100)
    args = parser.parse_args(argv)
    why = missing()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    index = (args.site / "index.html").resolve().as_uri()
    args.out.mkdir(parents=True, exist_ok=True)
    with chromium(WIDTH, args.height) as driver:
        driver.get(index)
        driver.save_screenshot(str(args.out / "site-index.png"))
        driver.get("about:blank")
        driver.get(index + "#task=action_recognition&dataset=synthetic-motion")
        share = driver.execute_script(
            "var t = document.querySelector('section.board-section:not([hidden]) table[data-kind=share]');"
            "var section = t.closest('section'); section.scrollIntoView(); window.scrollBy(0, -70);"
            "var b = Array.prototype.filter.call(t.querySelectorAll('th button'),"
            " function (b) { return b.textContent.indexOf('dynamic share') === 0; })[0]; b.click(); b.click();"
            "return t.closest('section').id;")
        driver.save_screenshot(str(args.out / "site-filtered.png"))
        driver.get((args.site / "s" / f"{args.submission}.html").resolve().as_uri())
        driver.save_screenshot(str(args.out / "site-submission.png"))
    print(f"wrote {args.out}/site-index.png, site-filtered.png ({share}), site-submission.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
