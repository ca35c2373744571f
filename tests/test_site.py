"""The static web site (``leaderboard --html``): deterministic, self-contained, escaped,
one page per submission; read as files here (tests/test_browser.py drives it in Chromium)."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
from pathlib import Path

import pytest

from benchmark.board.markdown import write_leaderboard
from benchmark.board.rows import collect_results, curve_plot_path
from benchmark.board.site import MARKER, json_block, write_site
from benchmark.cli import main
from benchmark.errors import BenchmarkError

DATA = Path(__file__).resolve().parent / "data" / "leaderboard"


def board_copy(tmp_path: Path) -> Path:
    """A copy of the golden fixture submissions (plots are written next to their results)."""
    shutil.copytree(DATA / "submissions", tmp_path / "submissions")
    return tmp_path / "submissions"


def build_site(submissions: Path, site: Path) -> Path:
    _, problems = write_leaderboard(submissions, submissions.parent / "leaderboard.md", site=site)
    assert problems == []
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture board's site, built once with its plots (read-only for the tests)."""
    root = tmp_path_factory.mktemp("built")
    return build_site(board_copy(root), root / "site")


def quick_site(submissions: Path, site: Path) -> Path:
    """The site without plots (cheap: no matplotlib)."""
    write_site(collect_results(submissions), site, set(), summary_root=submissions.parent)
    return site


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Parsed(html.parser.HTMLParser):
    """Tags with attributes, and the raw text of <script> blocks."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None


def test_the_same_results_give_the_same_site_bytes(built, tmp_path):
    files = tree(built)
    assert files == tree(build_site(board_copy(tmp_path), tmp_path / "site"))
    assert {"index.html", "results.csv", "results.json", "plots/action_recognition.png", MARKER} <= set(files)
    assert {f"s/{name}.html" for name in ("alpha-3d", "beta-2d", "delta-no-metric", "gamma-template",
                                          "reported-paper")} <= set(files)
    build_site(tmp_path / "submissions", tmp_path / "site")  # rebuilt in place: still the same bytes
    assert tree(tmp_path / "site") == files


def test_the_site_is_self_contained(built):
    """No server, no CDN: every src/href is relative (or a cited https page), every file it
    names exists, CSS and script are inline."""
    site = built
    for page in [site / "index.html", *sorted((site / "s").glob("*.html"))]:
        parsed = Parsed(page.read_text(encoding="utf-8"))
        for tag, attrs in parsed.tags:
            assert tag != "link" and not (tag == "script" and "src" in attrs), (page, tag)
            for name in ("src", "href"):
                target = attrs.get(name)
                if target is None or target.startswith("https://example.org"):
                    continue
                assert "://" not in target and not target.startswith("//"), (page, target)
                assert (page.parent / target.split("#")[0]).resolve().is_file(), (page, target)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<style>" in index and "<script>" in index


def test_index_lists_every_section_and_row_with_its_data(built):
    site = built
    index = (site / "index.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="board-section" id="([^"]+)" data-task="([^"]+)" '
                          r'data-dataset="([^"]+)" data-protocol="([^"]+)">', index)
    assert [s[2:] for s in sections] == [("diving48", "stylize"), ("diving48", "prestylized"),
                                         ("synthetic-motion", "true"), ("synthetic-motion", "stylize"),
                                         ("kinetics400", "prestylized")]
    assert index.count('data-provenance="template"') == 1  # gamma, in its own table
    assert 'data-kind="template"' in index
    [(_, facets)] = [(a, t) for a, t in Parsed(index).scripts if a.get("type") == "application/json"]
    assert json.loads(facets) == {
        "dataset": ["diving48", "kinetics400", "synthetic-motion"],
        "protocol": ["prestylized", "stylize", "true"],
        "provenance": ["reported", "submitted", "template", "verified"],
        "task": ["action_recognition"],
    }
    assert "How to read." in index and "1–2" in index


def test_a_page_per_submission_with_metadata_layers_and_plots(built):
    site = built
    alpha = (site / "s" / "alpha-3d.html").read_text(encoding="utf-8")
    assert "<h1>alpha-3d</h1>" in alpha and "synthetic-motion · true pairs" in alpha and "diving48 · stylize" in alpha
    assert "net.res3" in alpha and "0.620 [0.580, 0.660]" in alpha  # the per-layer table
    assert "2.3 G" in alpha and "training data" in alpha
    assert 'src="alpha-3d/synthetic-motion__true.png"' in alpha
    assert (site / "s" / "alpha-3d" / "synthetic-motion__true.png").read_bytes()[:4] == b"\x89PNG"
    reported = (site / "s" / "reported-paper.html").read_text(encoding="utf-8")
    assert "Doe et al." in reported and "each dataset&#x27;s own training split" in reported


def test_a_training_curve_drawn_next_to_a_result_is_shown_on_its_page(tmp_path):
    submissions = board_copy(tmp_path)
    collected = collect_results(submissions)
    [row] = [r for r in collected.rows if r.path.name == "synthetic-motion__true.json" and "alpha" in str(r.path)]
    curve = curve_plot_path(row.path)
    curve.parent.mkdir()
    curve.write_bytes(b"\x89PNG curve")
    write_site(collected, tmp_path / "site", {curve}, summary_root=tmp_path)
    page = (tmp_path / "site" / "s" / "alpha-3d.html").read_text(encoding="utf-8")
    assert 'src="alpha-3d/synthetic-motion__true-curve.png"' in page
    assert (tmp_path / "site" / "s" / "alpha-3d" / "synthetic-motion__true-curve.png").read_bytes() == b"\x89PNG curve"
    # a PNG that this command did not draw (a file a submission ships) is never copied
    write_site(collected, tmp_path / "other", set(), summary_root=tmp_path)
    assert "curve" not in (tmp_path / "other" / "s" / "alpha-3d.html").read_text(encoding="utf-8")
    assert not list((tmp_path / "other").rglob("*.png"))


ATTACK = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'"


def test_every_text_is_escaped_and_no_string_becomes_script(tmp_path):
    submissions = board_copy(tmp_path)
    manifest = submissions / "alpha-3d" / "submission.yaml"
    text = manifest.read_text().replace("training_data: [synthetic-motion]\n", "")
    manifest.write_text(text + f"training_data: {json.dumps(ATTACK)}\ndescription: {json.dumps(ATTACK)}\n"
                               "paper: \"javascript:alert(3)\"\nlicense: \"<b>MIT</b>\"\n")
    site = quick_site(submissions, tmp_path / "site")
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "onerror=alert" not in text.replace("onerror=alert(2)&gt;", ""), page
        assert 'href="javascript:' not in text and "<b>MIT" not in text
        parsed = Parsed(text)
        assert [tag for tag, attrs in parsed.tags if tag == "img" and "onerror" in attrs] == []
        # the only scripts: the inline sorter/filter and the JSON data block
        assert len([a for a, _ in parsed.scripts]) <= 2
    alpha = (site / "s" / "alpha-3d.html").read_text(encoding="utf-8")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in alpha  # shown as text


def test_json_blocks_cannot_be_closed_by_their_strings():
    block = json_block("data", {"text": ATTACK, "comment": "<!-- x"})
    body = block.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert "</" not in body and "<!--" not in body
    assert json.loads(body) == {"text": ATTACK, "comment": "<!-- x"}


def test_the_site_never_mixes_into_another_folder_or_writes_through_links(tmp_path, capsys):
    submissions = board_copy(tmp_path)
    other = tmp_path / "home"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(BenchmarkError, match="no .leaderboard-site"):
        quick_site(submissions, other)
    assert main(["leaderboard", "--submissions", str(submissions), "--output", str(tmp_path / "lb.md"),
                 "--html", str(other)]) == 2
    assert (other / "notes.txt").read_text() == "mine" and not (other / "index.html").exists()

    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "linked").symlink_to(target)
    with pytest.raises(BenchmarkError, match="symbolic link"):
        quick_site(submissions, tmp_path / "linked")
    assert not list(target.iterdir())


def test_files_of_a_previous_build_that_are_gone_are_removed(tmp_path):
    submissions = board_copy(tmp_path)
    site = quick_site(submissions, tmp_path / "site")
    assert (site / "s" / "beta-2d.html").is_file()
    shutil.rmtree(submissions / "beta-2d")
    quick_site(submissions, site)
    assert not (site / "s" / "beta-2d.html").exists()
    assert not list((site / "s").glob("beta-2d/*.png"))
    assert "beta-2d" not in (site / MARKER).read_text()


def test_the_cli_refuses_a_site_without_plots_or_with_check(tmp_path, capsys):
    submissions = board_copy(tmp_path)
    out = ["--submissions", str(submissions), "--output", str(tmp_path / "lb.md")]
    assert main(["leaderboard", *out, "--no-plots", "--html", str(tmp_path / "site2")]) == 2
    assert "plots" in capsys.readouterr().err
    assert main(["leaderboard", *out, "--check", "--html", str(tmp_path / "site3")]) == 2
    assert "--check compares leaderboard.md only" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in ("site2", "site3"))
