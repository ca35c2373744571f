"""The submission manifest, ``submissions/<name>/submission.yaml``: schema and loader.

Validating a manifest never imports submission code.  Every error names the file and the
field and says what to fix.

Two kinds of manifest share the file name: a runnable one (:class:`Manifest`: model code,
pinned weights, probed layers) and a *reported* one (:class:`ReportedManifest`, marked
``provenance: reported``): published figures with their citation, no code and no weights,
never run by the harness.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from benchmark.api.model_spec import InputSpec, LayerSpec, ModulePath, Strict
from benchmark.errors import ManifestError

MANIFEST_NAME = "submission.yaml"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
#: A submission's name (its folder's) and a probed layer's name (both shown on the
#: leaderboard); a module path: :data:`benchmark.api.model_spec.MODULE_PATTERN`.
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
LAYER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SHA256 = Annotated[str, Field(pattern=SHA256_PATTERN)]
LayerName = Annotated[str, Field(pattern=LAYER_PATTERN)]
#: At most this many entries of ``training_data``, each at most this long.
TRAINING_DATA_ENTRIES = 8
TRAINING_DATA_CHARS = 120


def _as_list(value: object) -> object:
    """One free-text entry may be given as a plain string."""
    return [value] if isinstance(value, str) else value


def _printable_entries(entries: list[str] | None) -> list[str] | None:
    for entry in entries or ():
        if not entry.strip() or not entry.isprintable():
            raise ValueError(f"{entry[:40]!r}: each entry is one printable line of text (no control characters)")
    return entries


#: What the model was trained on, shown on the leaderboard: dataset names or free text,
#: e.g. ``[synthetic-motion]`` or ``"Kinetics-400 train (pytorchvideo model zoo)"``.
TrainingData = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=TRAINING_DATA_CHARS)]] | None,
    BeforeValidator(_as_list),
    AfterValidator(_printable_entries),
    Field(default=None, max_length=TRAINING_DATA_ENTRIES),
]


class WeightsSpec(Strict):
    """Pinned weights: a file inside the submission folder or a URL, always with sha256."""

    path: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, pattern=r"^https://[^\s]+$", max_length=2000)
    sha256: SHA256

    @model_validator(mode="after")
    def _one_source(self) -> WeightsSpec:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of 'path' or 'url' (and always 'sha256')")
        return self


class Manifest(Strict):
    """A submission: what to build, what to load, what to probe, and on which data."""

    name: str = Field(pattern=NAME_PATTERN)
    task: str
    model: str = Field(pattern=r"^[\w./-]+\.py:[A-Za-z_]\w*$")
    model_args: dict = Field(default_factory=dict)
    weights: WeightsSpec | None = None
    layers: dict[LayerName, ModulePath | LayerSpec]
    input: InputSpec
    datasets: list[str] = Field(min_length=1)
    template: bool = False
    training_data: TrainingData = None
    description: str | None = None
    paper: str | None = None
    license: str | None = None

    @field_validator("layers")
    @classmethod
    def _non_empty_layers(cls, layers: dict) -> dict:
        if not layers:
            raise ValueError("declare at least one layer to probe (name: module.path)")
        return layers

    @model_validator(mode="after")
    def _weights_unless_template(self) -> Manifest:
        if self.weights is None and not self.template:
            raise ValueError(
                "'weights' is required (path or url, with sha256); only a submission marked "
                "'template: true' may run with randomly initialised weights"
            )
        return self

    def layer_specs(self) -> dict[str, LayerSpec]:
        """Layers in declaration order, every entry as a :class:`LayerSpec`."""
        return {
            name: spec if isinstance(spec, LayerSpec) else LayerSpec(module=spec)
            for name, spec in self.layers.items()
        }

    @property
    def model_file(self) -> str:
        return self.model.split(":", 1)[0]

    @property
    def model_callable(self) -> str:
        return self.model.split(":", 1)[1]


class ReportedManifest(Strict):
    """Figures published elsewhere (``provenance: reported``): a citation, no model, never run.

    Its result files carry ``provenance: "reported"`` and may hold only what the source
    published (e.g. per-layer ``percent`` without intervals).
    """

    name: str = Field(pattern=NAME_PATTERN)
    task: str
    provenance: Literal["reported"]
    citation: str = Field(min_length=1, max_length=400, pattern=r"^[^\x00-\x1f\x7f]+$")
    paper: str | None = None
    datasets: list[str] = Field(min_length=1)
    training_data: TrainingData = None
    description: str | None = None
    license: str | None = None


class Submission:
    """A submission folder and its validated manifest (no code imported)."""

    def __init__(self, folder: Path, manifest: Manifest | ReportedManifest):
        self.folder = folder
        self.manifest = manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def reported(self) -> bool:
        """True for published figures (``provenance: reported``): nothing to run."""
        return isinstance(self.manifest, ReportedManifest)

    def require_runnable(self) -> None:
        """Raise a clear error for a reported submission, which ``benchmark run`` must refuse."""
        if self.reported:
            raise ManifestError(
                f"{self.folder / MANIFEST_NAME}: field 'provenance': this submission is "
                "'reported' (figures published elsewhere, with a citation); it has no model "
                "to run. Use `python -m benchmark validate` to check its result files."
            )

    @property
    def results_dir(self) -> Path:
        return self.folder / "results"

    def inside(self, relative: str, field: str) -> Path:
        """Resolve ``relative`` in the submission folder; refuse paths that escape it."""
        root = self.folder.resolve()
        path = (root / relative).resolve()
        if root != path and root not in path.parents:
            raise ManifestError(
                f"{self.folder / MANIFEST_NAME}: field '{field}': path {relative!r} leaves the "
                "submission folder; every file a submission uses must be inside it."
            )
        return path


def _format_validation_error(file: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see README 'Adding a submission')"
        elif item["type"] == "missing":
            message = "required field is missing"
        lines.append(f"field '{loc}': {message}")
    return f"{file}: invalid submission manifest. " + "; ".join(lines) + "."


def read_manifest(file: str | Path) -> Manifest | ReportedManifest:
    """Parse and schema-validate a manifest file (referenced files are not checked).

    A manifest with ``provenance: reported`` is read as a :class:`ReportedManifest`.
    """
    file = Path(file)
    if not file.is_file():
        raise ManifestError(
            f"{file}: missing. A submission folder needs a {MANIFEST_NAME} manifest "
            "(see README 'Adding a submission')."
        )
    return parse_manifest(file.read_text(), file)


def parse_manifest(text: str, file: Path) -> Manifest | ReportedManifest:
    """Parse and schema-validate manifest ``text`` (errors name ``file``)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ManifestError(f"{file}: not valid YAML{where}: {error}.") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{file}: expected a mapping of fields at the top level.")
    schema = ReportedManifest if raw.get("provenance") == "reported" else Manifest
    try:
        return schema.model_validate(raw)
    except ValidationError as error:
        raise ManifestError(_format_validation_error(file, error)) from None


def load_submission(folder: str | Path) -> Submission:
    """Read and validate ``<folder>/submission.yaml``; check referenced files exist."""
    folder = Path(folder)
    file = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a submission folder (no such directory).")
    manifest = read_manifest(file)
    submission = Submission(folder, manifest)
    if not submission.reported:
        _check_files(submission, file)
    if manifest.name != folder.resolve().name:
        raise ManifestError(
            f"{file}: field 'name': {manifest.name!r} must equal the folder name "
            f"{folder.resolve().name!r}."
        )
    return submission


def _check_files(submission: Submission, file: Path) -> None:
    manifest = submission.manifest
    model_path = submission.inside(manifest.model_file, "model")
    if not model_path.is_file():
        raise ManifestError(f"{file}: field 'model': file {manifest.model_file!r} does not exist.")
    if manifest.weights is not None and manifest.weights.path is not None:
        weights_path = submission.inside(manifest.weights.path, "weights.path")
        if not weights_path.is_file():
            raise ManifestError(
                f"{file}: field 'weights.path': file {manifest.weights.path!r} does not exist."
            )


def discover_submissions(root: str | Path = "submissions") -> list[Path]:
    """Submission folders under ``root`` (those holding a manifest), sorted by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST_NAME).is_file())


_SLUG = re.compile(r"[^a-z0-9._-]+")


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return _SLUG.sub("-", text.lower()).strip("-")
