"""The leaderboard as a static web site (``leaderboard --html DIR``): no server, no CDN.

Same rows, sections, ranks and columns as ``leaderboard.md`` (:mod:`benchmark.board.rows`),
written as plain files: ``index.html`` (every section's tables, sortable by any column
and filterable by task, dataset, pair protocol, provenance and free text; the summary
plots), one page per submission under ``s/`` (its manifest's metadata, and for each result
a per-layer table, its plot and, when one was drawn, its training curve), the plots, and
``results.csv`` / ``results.json`` (:mod:`benchmark.board.export`).  Deterministic: the same
result files give the same bytes.  CSS and JavaScript are inline.

Everything shown comes from untrusted files, so every text is HTML-escaped (attributes
too), links are relative paths built here or ``https://`` URLs, file names in the site
are slugs, and the only data the script reads is JSON in a
``<script type="application/json">`` block with ``<`` escaped - no string from a result
ever becomes JavaScript.  Only plots this command just drew are copied (never a file a
submission ships), and nothing is written through a symbolic link.  A folder that is not
empty must hold this module's marker file (``.leaderboard-site``, the list of files of the
previous build), so a wrong ``--html`` never mixes the site into another folder; files of
the previous build that are gone from this one are removed.
"""

from __future__ import annotations

import html
import json
import posixpath
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from benchmark.board.ranking import dynamic_share, metric_estimate
from benchmark.board.rows import (
    MISSING,
    Cell,
    Collected,
    Column,
    Placed,
    Row,
    Section,
    Table,
    citations,
    curve_plot_path,
    fmt,
    fmt_estimate,
    fmt_flops,
    fmt_input,
    fmt_parameters,
    result_plot_path,
    sections,
    summary_plot_path,
    tables,
)
from benchmark.errors import BenchmarkError
from benchmark.files import write_atomic, write_text_atomic
from benchmark.pairs.catalog import listed
from benchmark.results.schema import PROVENANCE
from benchmark.submission.manifest import Manifest, slug

MARKER = ".leaderboard-site"
PAGES = "s"  # the submission pages' folder
PLOTS = "plots"  # the summary plots' folder
FACETS = ("task", "dataset", "protocol", "provenance")
TEXT_CHARS = 400  # longest free text shown (a description, a citation)
CELL_CHARS = 120


# --------------------------------------------------------------------------- escaping


def esc(text: object, limit: int = CELL_CHARS) -> str:
    """``text`` as HTML text or attribute value: one line of printable characters, at most
    ``limit`` of them, every special character an entity (quotes included)."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def href(path: str) -> str:
    """A relative link, percent-encoded and escaped for an attribute."""
    return html.escape(urllib.parse.quote(path, safe="/._-"), quote=True)


def external_link(url: str | None, limit: int = TEXT_CHARS) -> str:
    """An ``https://`` URL as a link (any other scheme, e.g. ``javascript:``, as text)."""
    if not url:
        return MISSING
    if url.startswith("https://") and url.isprintable() and " " not in url and len(url) <= 2000:
        return f'<a href="{html.escape(url, quote=True)}" rel="nofollow noopener">{esc(url, limit)}</a>'
    return esc(url, limit)


def json_block(element_id: str, data: object) -> str:
    """``data`` as JSON inside ``<script type="application/json">``: ``<``, ``>`` and ``&``
    are ``\\u`` escapes (valid JSON, the same strings), so neither ``</script>`` nor
    ``<!--`` can occur in the block, whatever the strings hold."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


# --------------------------------------------------------------------------- files


class SiteFiles:
    """The files of one build, written under ``root`` and remembered for the marker."""

    def __init__(self, root: Path):
        self.root = root
        self.written: list[str] = []

    def text(self, relative: str, text: str) -> None:
        write_text_atomic(self.root / relative, text, self.root)
        self.written.append(relative)

    def copy(self, relative: str, source: Path) -> None:
        data = source.read_bytes()
        write_atomic(self.root / relative, lambda handle: handle.write(data), self.root)
        self.written.append(relative)


def _previous_build(root: Path) -> list[str]:
    """The files the previous build listed in the marker; refuses a folder that is not a
    site (not empty, no marker) or a linked one."""
    if root.is_symlink():
        raise BenchmarkError(f"{root}: a symbolic link; the site is never written through links.")
    if not root.exists():
        return []
    if not root.is_dir():
        raise BenchmarkError(f"--html {root}: not a folder.")
    marker = root / MARKER
    if marker.is_file() and not marker.is_symlink():
        return [line for line in marker.read_text(encoding="utf-8").splitlines() if line]
    if any(root.iterdir()):
        raise BenchmarkError(f"--html {root}: the folder holds other files and no {MARKER} (the mark of a "
                             "leaderboard site); choose a new or empty folder.")
    return []


def _remove_stale(root: Path, previous: Iterable[str], current: set[str]) -> None:
    """Remove the previous build's files that this build did not write (inside ``root``
    only; a link is removed itself, never followed)."""
    base = root.resolve()
    for relative in previous:
        path = root / relative
        if relative in current or ".." in Path(relative).parts or Path(relative).is_absolute():
            continue
        folder = path.parent.resolve()
        if (path.is_file() or path.is_symlink()) and (folder == base or base in folder.parents):
            path.unlink()


# --------------------------------------------------------------------------- the site


class Site:
    """Where each row's page and plots go in the site (slugs, never raw names)."""

    def __init__(self, collected: Collected, plots: set[Path]):
        self.assets: dict[tuple[Path, str], str] = {}  # (source plot, kind) -> site path
        self.summaries: set[str] = set()  # the summary plots copied (site paths)
        used: set[str] = set()
        for row in sorted(collected.rows, key=lambda r: (r.result.submission, r.path.name)):
            base = f"{PAGES}/{row.result.submission}/{slug(row.path.stem) or 'result'}"
            for kind, source, suffix in (("plot", result_plot_path(row.path), ""),
                                         ("curve", curve_plot_path(row.path), "-curve")):
                if source not in plots:
                    continue
                name, k = f"{base}{suffix}.png", 1
                while name in used:  # two result names with one slug
                    k += 1
                    name = f"{base}-{k}{suffix}.png"
                used.add(name)
                self.assets[(source, kind)] = name

    @staticmethod
    def page(submission: str) -> str:
        """The submission's page (its name is a checked submission name: [a-z0-9._-])."""
        return f"{PAGES}/{submission}.html"

    def plot(self, row: Row, kind: str = "plot") -> str | None:
        source = result_plot_path(row.path) if kind == "plot" else curve_plot_path(row.path)
        return self.assets.get((source, kind))


def _from(page: str, target: str) -> str:
    """``target`` (a site path) as a link from ``page`` (a site path)."""
    return href(posixpath.relpath(target, posixpath.dirname(page) or "."))


CSS = """
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --head: #f3f5f9; --accent: #2557a7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1600px; }
h1 { font-size: 1.6rem; margin: 0 0 .4rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .3rem; }
a { color: var(--accent); }
.lead, .how, .muted { color: var(--muted); } .how { max-width: 75rem; margin: .2rem 0 .8rem; }
nav.filters { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line);
              padding: .6rem 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: center; }
nav.filters label { display: flex; gap: .4rem; align-items: center; font-weight: 600; }
nav.filters select, nav.filters input { font: inherit; padding: .15rem .3rem; }
#shown { color: var(--muted); margin-left: auto; }
table { border-collapse: collapse; margin: .3rem 0 1rem; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .45rem; text-align: left; white-space: nowrap; }
th { background: var(--head); white-space: normal; vertical-align: bottom; max-width: 9rem; }
.scroll { overflow-x: auto; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
button.more { margin: .3rem 0 .8rem; font: inherit; cursor: pointer; }
th[aria-sort=ascending] button::after { content: " \\25B2"; } th[aria-sort=descending] button::after { content: " \\25BC"; }
td.num, th.num { text-align: right; }
tr.template td { color: var(--muted); }
.prov { border-radius: 3px; padding: 0 .35rem; font-size: .85em; }
.prov-verified { background: #dff3e4; } .prov-submitted { background: #e3ecfa; }
.prov-reported { background: #fbefd9; } .prov-template { background: #eceef2; }
figure { margin: .5rem 0 1.5rem; } figure img { max-width: 100%; border: 1px solid var(--line); }
.summary { display: flex; flex-wrap: wrap; gap: 1rem; }
.summary figure { flex: 1 1 30rem; max-width: 48rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
details { margin: .6rem 0; } details ul { margin: .3rem 0; }
code { font-size: .92em; }
"""

# Sorting and filtering.  Reads only the DOM (text and data-* attributes) and the JSON
# facets block; builds options with `new Option` (text, never markup).
SCRIPT = """
(function () {
  "use strict";
  var facets = JSON.parse(document.getElementById("board-facets").textContent);
  var FIELDS = ["task", "dataset", "protocol", "provenance"];
  var controls = {};
  FIELDS.forEach(function (field) {
    var select = document.getElementById("filter-" + field);
    facets[field].forEach(function (value) { select.add(new Option(value, value)); });
    controls[field] = select;
  });
  var text = document.getElementById("filter-text");

  function sortValue(cell, numeric) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null || raw === "") { return null; }
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }
  function sortTable(table, index, header) {
    var numeric = header.classList.contains("num");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortValue(a.cells[index], numeric), y = sortValue(b.cells[index], numeric);
      if (x === null || y === null) { return (x === null) - (y === null); }  // missing values last
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    applyFilters();  // the first page of the new order
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.board"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = header.querySelector("button");
      if (button) { button.addEventListener("click", function () { sortTable(table, index, header); }); }
    });
  });

  function wanted() {
    var state = {};
    FIELDS.forEach(function (field) { state[field] = controls[field].value; });
    state.text = text.value.trim().toLowerCase();
    return state;
  }
  // Pages: a table shows its first PAGE matching rows and a button for the next ones, so a
  // board of 10,000 results stays usable; search, filters and sort always see every row.
  var PAGE = 100;
  function pager(table) {
    var holder = table.parentNode;
    var button = holder.nextElementSibling;
    if (!button || !button.classList.contains("more")) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "more";
      button.addEventListener("click", function () { table.limit = (table.limit || PAGE) + PAGE; applyFilters(); });
      holder.parentNode.insertBefore(button, holder.nextSibling);
    }
    return button;
  }
  function applyFilters() {
    var state = wanted(), shown = 0;
    Array.prototype.forEach.call(document.querySelectorAll("section.board-section"), function (section) {
      var sectionMatches = ["task", "dataset", "protocol"].every(function (field) {
        return !state[field] || section.getAttribute("data-" + field) === state[field];
      });
      var visibleRows = 0;
      Array.prototype.forEach.call(section.querySelectorAll("table.board"), function (table) {
        var visible = 0, limit = table.limit || PAGE;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          if (row.search === undefined) { row.search = row.textContent.toLowerCase(); }
          var show = sectionMatches && (!state.provenance || row.getAttribute("data-provenance") === state.provenance)
            && (!state.text || row.search.indexOf(state.text) !== -1);
          row.hidden = !show || visible >= limit;
          if (show) { visible += 1; if (table.getAttribute("data-kind") !== "share") { shown += 1; } }
        });
        table.hidden = visible === 0;
        var more = visible > limit ? pager(table) : table.parentNode.nextElementSibling;
        if (more && more.classList.contains("more")) {
          more.hidden = visible <= limit;
          more.textContent = "show " + Math.min(PAGE, visible - limit) + " more (" + limit + " of " + visible + " shown)";
        }
        visibleRows += visible;
      });
      section.hidden = visibleRows === 0;
    });
    document.getElementById("shown").textContent = shown + " result" + (shown === 1 ? "" : "s") + " shown";
    var params = new URLSearchParams();
    FIELDS.forEach(function (field) { if (state[field]) { params.set(field, state[field]); } });
    if (text.value.trim()) { params.set("q", text.value.trim()); }
    var hash = params.toString();
    if (history.replaceState) { history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search); }
  }
  function readHash() {  // the filters a link carries, e.g. #provenance=verified&dataset=<name>
    var given = new URLSearchParams(location.hash.replace(/^#/, ""));
    FIELDS.forEach(function (field) {
      var value = given.get(field);
      controls[field].value = value !== null && facets[field].indexOf(value) !== -1 ? value : "";
    });
    text.value = given.get("q") || "";
    applyFilters();
  }
  function resetPages() {
    Array.prototype.forEach.call(document.querySelectorAll("table.board"), function (table) { table.limit = PAGE; });
  }
  FIELDS.forEach(function (field) { controls[field].addEventListener("change", function () { resetPages(); applyFilters(); }); });
  window.addEventListener("hashchange", readHash);
  text.addEventListener("input", function () { resetPages(); applyFilters(); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    FIELDS.forEach(function (field) { controls[field].value = ""; });
    text.value = "";
    applyFilters();
  });
  readHash();
})();
"""


def _document(title: str, body: str, script: str = "") -> str:
    css_and_head = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                    f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                    f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n")
    return css_and_head + f"<body>\n{body}\n{script}</body>\n</html>\n"


_NUM = ' class="num"'


def _cell_html(page: str, site: Site, column: Column, placed: Placed, value: Cell) -> str:
    classes = _NUM if column.numeric else ""
    sort = "" if value.sort is None else esc(value.sort, 200)
    if value.kind == "submission":
        content = f'<a href="{_from(page, site.page(placed.row.result.submission))}">{esc(value.text)}</a>'
    elif value.kind == "plot":
        links = [(kind, site.plot(placed.row, kind)) for kind in ("plot", "curve")]
        content = " · ".join(f'<a href="{_from(page, target)}">{kind}</a>' for kind, target in links if target)
        content = content or MISSING
    elif value.kind == "provenance":
        content = f'<span class="prov prov-{esc(value.text)}">{esc(value.text)}</span>'
    else:
        content = esc(value.text)
    return f'<td{classes} data-sort="{sort}">{content}</td>'


def table_html(table: Table, page: str, site: Site) -> str:
    headers = "".join(
        f'<th scope="col"{_NUM if column.numeric else ""} aria-sort="none">'
        f'<button type="button">{esc(column.header)}</button></th>' for column in table.columns)
    body = []
    for placed, values in table.cells():
        row = placed.row
        template = ' class="template"' if row.result.provenance == "template" else ""
        cells = "".join(_cell_html(page, site, column, placed, value)
                        for column, value in zip(table.columns, values, strict=True))
        body.append(f'<tr{template} data-provenance="{esc(row.result.provenance)}" '
                    f'data-submission="{esc(row.result.submission)}">{cells}</tr>')
    return (f'<div class="scroll"><table class="board" data-kind="{table.kind}"><caption>{esc(table.caption)}</caption>\n'
            f"<thead><tr>{headers}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>")


def section_html(section: Section, site: Site) -> str:
    page = "index.html"
    attributes = " ".join(f'data-{name}="{esc(value)}"' for name, value in
                          (("task", section.task), ("dataset", section.dataset), ("protocol", section.protocol)))
    parts = [f'<section class="board-section" id="{esc(section.anchor)}" {attributes}>',
             f"<h2>{esc(section.title)}</h2>",
             f'<p class="how"><strong>How to read.</strong> {esc(section.how_to_read(), 2000)}</p>']
    parts += [table_html(table, page, site) for table in tables(section)]
    cited = citations(section.rows)
    if cited:
        items = "".join(f"<li>{esc(', '.join(names), 400)}: {esc(citation, TEXT_CHARS)}</li>"
                        for citation, names in cited.items())
        parts.append(f"<p>Reported rows cite:</p><ul>{items}</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _facets(every: list[Section]) -> dict[str, list[str]]:
    values: dict[str, set[str]] = defaultdict(set)
    for section in every:
        values["task"].add(section.task)
        values["dataset"].add(section.dataset)
        values["protocol"].add(section.protocol)
        for row in section.rows + section.templates:
            values["provenance"].add(row.result.provenance)
    return {field: sorted(values[field]) for field in FACETS}


LEGEND = """<details><summary>How to read the board</summary><ul>
<li><strong>Sections</strong>: one per task, dataset and pair protocol. Rows measured on different pairs
({protocols}) are on different scales and never ranked together.</li>
<li><strong>main metric [95% CI]</strong>: top-1 accuracy (Wilson interval over the evaluated clips), J&amp;F or AP
(bootstrap interval over sequences or videos) on clean data; <strong>shuffled</strong>: the same with the frames
shuffled, <strong>drop</strong> its relative change.</li>
<li><strong>static % / dynamic %</strong>: units of the last probed layer encoding each factor; <strong>dynamic
share</strong> = p_dyn / (p_dyn + p_stat) with its 95 % bootstrap interval (0.5 = balanced; ≈: approximated from
published percentages).</li>
<li><strong>#</strong>: the range of ranks a row can take given the 95 % intervals - best = 1 + the rows whose
interval lies entirely above its own, worst = the rows whose interval does not lie entirely below its own (itself
included). Rows without the value are listed last, unranked; templates (random weights) are never ranked.</li>
<li><strong>FLOPs/clip</strong>: one forward pass on one clip of the declared input (torch's flop counter; a
multiply-add = 2). A missing value is shown as —, never as zero.</li>
</ul><p>Provenance:</p><ul>{provenance}</ul></details>"""


def index_html(every: list[Section], site: Site) -> str:
    provenance = "".join(f"<li><code>{esc(name)}</code>: {esc(meaning, TEXT_CHARS)}.</li>"
                         for name, meaning in PROVENANCE.items())
    selects = "".join(f'<label>{field} <select id="filter-{field}"><option value="">all</option></select></label>'
                      for field in FACETS)
    tasks = sorted({section.task for section in every})
    figures = "".join(
        f'<figure><img src="{href(f"{PLOTS}/{task}.png")}" alt="{esc(task)}: main metric against dynamic share" '
        f'loading="lazy"><figcaption>{esc(task)}: main metric against dynamic share (bars: 95 % intervals)'
        "</figcaption></figure>" for task in tasks if f"{PLOTS}/{task}.png" in site.summaries)
    body = [
        "<header><h1>Leaderboard: how much do video models rely on motion?</h1>",
        '<p class="lead">Static and dynamic information per layer (Kowal et al., CVPR 2022 / TPAMI 2024) and '
        "accuracy on dynamically biased data. Generated by <code>python -m benchmark leaderboard --html</code> "
        'from the result files alone. Every result as a table: <a href="results.csv">results.csv</a>, '
        '<a href="results.json">results.json</a>.</p></header>',
        f'<nav class="filters" aria-label="filters">{selects}<label>search <input id="filter-text" type="search" '
        'placeholder="submission, layer, ..."></label><button type="button" id="filter-reset">show all</button>'
        '<span id="shown"></span></nav>',
        LEGEND.format(provenance=provenance, protocols=listed("<code>", "</code>")),
        f'<div class="summary">{figures}</div>' if figures else "",
    ]
    body += [section_html(section, site) for section in every] or ['<p>No result files yet.</p>']
    script = json_block("board-facets", _facets(every)) + f"\n<script>{SCRIPT}</script>\n"
    return _document("Leaderboard", "\n".join(part for part in body if part), script)


# --------------------------------------------------------------------------- submission pages


def _meta(items: list[tuple[str, str]]) -> str:
    return '<dl class="meta">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _manifest_items(row: Row) -> list[tuple[str, str]]:
    """The manifest's metadata as (label, HTML) pairs."""
    manifest, result = row.manifest, row.result
    items = [("task", esc(result.task)), ("training data", esc(", ".join(row.training_data) or MISSING, TEXT_CHARS))]
    if manifest is None:
        return items
    items.append(("description", esc(manifest.description or MISSING, TEXT_CHARS * 2)))
    items.append(("paper", external_link(manifest.paper)))
    items.append(("license", esc(manifest.license or MISSING)))
    if isinstance(manifest, Manifest):
        spec = manifest.input
        items.append(("model", f"<code>{esc(manifest.model)}</code> with "
                               f"<code>{esc(json.dumps(manifest.model_args, sort_keys=True), TEXT_CHARS)}</code>"))
        weights = manifest.weights
        items.append(("weights", MISSING + " (random: a template)" if weights is None else
                      f"{external_link(weights.url) if weights.url else esc(weights.path)} · sha256 "
                      f"<code>{esc(weights.sha256)}</code>"))
        pathways = f", pathways {esc(spec.pathways)}" if spec.pathways else ""
        rate = f", sampling rate {spec.sampling_rate}" if spec.sampling_rate else ""
        items.append(("input", f"{spec.frames} frames × {spec.size}² px{rate}{pathways}; mean {esc(list(spec.mean))}, "
                               f"std {esc(list(spec.std))}"))
        layers = ", ".join(f"{esc(name)} (<code>{esc(layer.module)}</code>)"
                           for name, layer in manifest.layer_specs().items())
        items.append(("probed layers", layers))
    else:
        items.append(("citation", esc(manifest.citation, TEXT_CHARS)))
    items.append(("datasets declared", esc(", ".join(manifest.datasets), TEXT_CHARS)))
    return items


def _result_items(row: Row) -> list[tuple[str, str]]:
    result = row.result
    metric = result.main_metric
    items = [("provenance", f'<span class="prov prov-{esc(result.provenance)}">{esc(result.provenance)}</span>'),
             ("pairs", esc(result.pair_protocol))]
    if metric:
        items.append((metric, esc(fmt_estimate(metric_estimate(result, metric)))))
    for key in sorted(result.metrics):
        if key != metric:
            items.append((key, esc(fmt(result.metrics[key]))))
    if result.eval_count is not None:
        items.append(("evaluated on", esc(f"{result.eval_count} {result.eval_unit or 'unit'}s")))
    counted = {k: v for k, v in result.pairs.items() if k in ("dynamic", "static", "skipped")}
    if counted:
        items.append(("pairs measured", esc(", ".join(f"{k} {v}" for k, v in sorted(counted.items())))))
    items.append(("parameters · FLOPs/clip · input", esc(f"{fmt_parameters(result.parameters)} · "
                                                          f"{fmt_flops(result.flops)} · {fmt_input(result.input)}")))
    if result.run_options is not None:
        options = result.run_options.model_dump(exclude_none=True)
        items.append(("run options", esc(", ".join(f"{k} {v}" for k, v in sorted(options.items())))))
    if result.task_options:
        items.append(("task options", esc(json.dumps(result.task_options, sort_keys=True), TEXT_CHARS)))
    if result.environment is not None:
        items.append(("environment", esc(", ".join(f"{v}" for v in result.environment.model_dump().values() if v),
                                         TEXT_CHARS)))
    if result.citation:
        items.append(("citation", esc(result.citation, TEXT_CHARS)))
    return items


LAYER_HEADERS = ("layer", "module", "units", "static %", "dynamic %", "residual %", "dynamic share [95% CI]",
                 "joint / dynamic / static / neither units %")


def layer_table(row: Row) -> str:
    lines = []
    for layer in row.result.layers:
        classes = layer.unit_classes or {}
        units = " / ".join(f"{classes[k]:.1f}" for k in ("joint", "dynamic", "static", "neither")
                           if k in classes) or MISSING
        cells = [esc(layer.name), f"<code>{esc(layer.module or MISSING)}</code>",
                 esc(MISSING if layer.units is None else layer.units)]
        cells += [esc(fmt(layer.percent.get(k), 1)) for k in ("static", "dynamic", "residual")]
        cells += [esc(fmt_estimate(dynamic_share(layer))), esc(units)]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    headers = "".join(f'<th scope="col">{esc(h)}</th>' for h in LAYER_HEADERS)
    return (f"<table><caption>Per layer</caption><thead><tr>{headers}</tr></thead><tbody>"
            + "".join(lines) + "</tbody></table>")


def submission_html(name: str, rows: list[Row], site: Site) -> str:
    page = site.page(name)
    body = [f'<p><a href="{_from(page, "index.html")}">← leaderboard</a></p>',
            f"<h1>{esc(name)}</h1>", _meta(_manifest_items(rows[0]))]
    for row in rows:
        result = row.result
        body.append(f"<h2>{esc(result.dataset.name)} · {esc(result.pair_protocol)} pairs</h2>")
        body.append(_meta(_result_items(row)))
        body.append(layer_table(row))
        for kind, caption in (("plot", "units per factor and dynamic share per layer; unit classes"),
                              ("curve", "over training: dynamic share per layer and the metric per checkpoint")):
            target = site.plot(row, kind)
            if target:
                body.append(f'<figure><img src="{_from(page, target)}" alt="{esc(kind)}" loading="lazy">'
                            f"<figcaption>{esc(caption)}</figcaption></figure>")
    return _document(f"{name} · leaderboard", "\n".join(body))


# --------------------------------------------------------------------------- writing


def write_site(collected: Collected, root: Path, plots: set[Path], summary_root: Path) -> Path:
    """Write the site under ``root`` from the shown rows; ``plots`` are the plot files this
    command drew (only those are copied), the summary plots under ``summary_root``."""
    from benchmark.board.export import export_csv, export_json

    root = Path(root)
    previous = _previous_build(root)
    every = sections(collected.rows)
    site = Site(collected, plots)
    files = SiteFiles(root)
    for task in sorted({section.task for section in every}):
        source = summary_plot_path(summary_root, task)
        if source in plots:
            files.copy(f"{PLOTS}/{task}.png", source)
            site.summaries.add(f"{PLOTS}/{task}.png")
    for (source, _), target in sorted(site.assets.items(), key=lambda item: item[1]):
        files.copy(target, source)
    by_submission: dict[str, list[Row]] = defaultdict(list)
    for row in collected.rows:
        by_submission[row.result.submission].append(row)
    for name, rows in sorted(by_submission.items()):
        files.text(site.page(name), submission_html(name, sorted(rows, key=lambda r: r.path.name), site))
    files.text("index.html", index_html(every, site))
    files.text("results.csv", export_csv(collected))
    files.text("results.json", export_json(collected))
    files.text(MARKER, "\n".join(sorted(files.written + [MARKER])) + "\n")
    _remove_stale(root, previous, set(files.written) | {MARKER})
    return root / "index.html"
