"""``benchmark import-weights CHECKPOINT --submission DIR``: a published checkpoint becomes
the submission's pinned weights.

1. **Read safely**: a ``.safetensors`` file, or a ``torch.save`` file through
   ``torch.load(weights_only=True)``; a pickle that needs code to load (a class, a
   function) is refused with an explanation, never unpickled.
2. **Pick the state dict**: the file itself when it is one (torchvision, timm), else the
   entry ``--key`` names, else the first of :data:`STATE_KEYS` that holds one (pytorchvideo's
   model zoo and PySlowFast: ``model_state``; Lightning and mmaction: ``state_dict``).
3. **Map it onto the submission's model** (built by its ``model.py`` with its
   ``model_args``, no weights): the key renaming that matches the most of the model's
   tensors - as is, without a wrapper's prefix (``module.`` of DataParallel,
   ``_orig_mod.`` of torch.compile, ``model.``, ...) and/or with the prefix every model key
   shares (e.g. ``backbone.`` of a timm backbone wrapped for video) - then every key
   missing, unexpected or of another shape is reported, with a hint when a classifier
   differs only in its number of classes.  Nothing is written unless every tensor of the
   model is matched (``num_batches_tracked`` counters, absent from old checkpoints, are
   taken from the model).
4. **Write and pin**: ``weights.safetensors`` in the submission (atomically, never through
   a link), its sha256 pinned in ``submission.yaml`` (other lines and comments kept:
   :mod:`benchmark.submission.manifest_edit`), ``template`` cleared; the model is then built through
   the ordinary path (:func:`benchmark.submission.model.build_model`: sha256 checked, strict
   load) to prove the submission loads.

This command imports the submission's ``model.py`` (like ``run``): use it on your own
submission.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import torch

from benchmark.errors import ManifestError, WeightsError
from benchmark.files import write_atomic
from benchmark.results.schema import result_files
from benchmark.submission.manifest import MANIFEST_NAME, Manifest, load_submission, parse_manifest
from benchmark.submission.manifest_edit import set_fields
from benchmark.submission.model import build_model, construct_model

#: Entries of a checkpoint that hold the model's state dict, tried in this order.
STATE_KEYS = ("model_state", "state_dict", "model", "module", "net", "weights")
#: Prefixes wrappers add to every key (DataParallel/DDP, torch.compile, Lightning and others).
WRAPPER_PREFIXES = ("module.", "_orig_mod.", "model.", "net.", "backbone.", "encoder.")
SHOWN = 8  # keys listed per kind of mismatch
COUNTER = "num_batches_tracked"


@dataclass
class Mapped:
    """The checkpoint's tensors renamed onto the model, and what does not fit."""

    state: dict[str, torch.Tensor]
    strip: str = ""
    add: str = ""
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)  # key, checkpoint, model
    counters: list[str] = field(default_factory=list)  # taken from the model

    @property
    def fits(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)


@dataclass
class Imported:
    """What one import did (for the command's report)."""

    weights: Path
    sha256: str
    entry: str | None
    entries: list[str]
    mapped: Mapped
    dropped: list[str]
    comments_kept: bool
    stale_results: list[Path]


# --------------------------------------------------------------------------- reading


def read_checkpoint(path: Path) -> object:
    """The checkpoint's content, loaded without running code from it."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such checkpoint file.")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as error:  # noqa: BLE001 - any safetensors failure is a bad file
            raise WeightsError(f"{path}: not a readable safetensors file ({type(error).__name__}: {error}).") from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        detail = next((line.strip() for line in str(error).splitlines() if "GLOBAL" in line or "global" in line),
                      str(error).strip().splitlines()[0] if str(error).strip() else "")
        raise WeightsError(
            f"{path}: this checkpoint pickles Python objects besides tensors ({detail[:300]}). Loading them would "
            "run code named in the file, so it is refused (torch.load(weights_only=True)). If you trust where it "
            "comes from, extract the tensors in a separate step, e.g. python -c \"import torch, safetensors.torch "
            f"as st; c = torch.load('{path.name}', weights_only=False); st.save_file(c['model_state'], "
            "'state.safetensors')\", and import state.safetensors."
        ) from None
    except Exception as error:  # noqa: BLE001 - zip, EOF and format errors alike
        size = path.stat().st_size
        raise WeightsError(f"{path}: not a readable torch.save or safetensors checkpoint ({size} bytes; "
                           f"{type(error).__name__}: {str(error).strip()[:200]}).") from None


def _is_state(value: object) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return f"a dict of {len(value)}"
    return type(value).__name__


def select_state(content: object, key: str | None, path: Path) -> tuple[dict[str, torch.Tensor], str | None]:
    """The state dict in ``content`` and the entry it came from (None: the file itself)."""
    if key is None and _is_state(content):
        return dict(content), None
    if not isinstance(content, dict):
        raise WeightsError(f"{path}: holds {_describe(content)}, not a state dict (name -> tensor) or a dict "
                           "holding one.")
    listing = ", ".join(f"{k!r} ({_describe(v)})" for k, v in list(content.items())[:12])
    if key is not None:
        if key not in content:
            raise WeightsError(f"{path}: no entry {key!r} (--key); its entries: {listing}.")
        if not _is_state(content[key]):
            raise WeightsError(f"{path}: entry {key!r} holds {_describe(content[key])}, not a state dict of "
                               f"tensors; its entries: {listing}.")
        return dict(content[key]), key
    for candidate in STATE_KEYS:
        if _is_state(content.get(candidate)):
            return dict(content[candidate]), candidate
    raise WeightsError(f"{path}: which entry holds the model's tensors? Its entries: {listing}. Name it with "
                       "--key (e.g. --key model_state).")


# --------------------------------------------------------------------------- mapping


def _shared_prefix(keys: list[str]) -> str:
    """The first dotted component every key starts with (``backbone.``), or ''."""
    firsts = {key.split(".", 1)[0] + "." for key in keys if "." in key}
    return firsts.pop() if len(firsts) == 1 and all("." in key for key in keys) else ""


def _renamed(state: dict[str, torch.Tensor], strip: str, add: str) -> dict[str, torch.Tensor]:
    return {add + (k[len(strip):] if strip and k.startswith(strip) else k): v for k, v in state.items()}


def map_state(state: dict[str, torch.Tensor], model_state: dict[str, torch.Tensor]) -> Mapped:
    """The renaming of ``state`` that matches the most of ``model_state``'s keys, and what
    still does not fit."""
    wanted = set(model_state)
    adds = [""] + [p for p in [_shared_prefix(list(model_state))] if p]
    best: Mapped | None = None
    best_hits = -1
    for strip in ("", *WRAPPER_PREFIXES):
        if strip and not any(k.startswith(strip) for k in state):
            continue
        for add in adds:
            renamed = _renamed(state, strip, add)
            hits = len(wanted & set(renamed))
            if hits > best_hits:
                best, best_hits = Mapped(renamed, strip, add), hits
    mapped = best
    for key in sorted(wanted - set(mapped.state)):
        if key.rsplit(".", 1)[-1] == COUNTER:
            mapped.state[key] = model_state[key].clone()
            mapped.counters.append(key)
        else:
            mapped.missing.append(key)
    mapped.unexpected = sorted(set(mapped.state) - wanted)
    mapped.mismatched = [(k, tuple(mapped.state[k].shape), tuple(model_state[k].shape))
                         for k in sorted(wanted & set(mapped.state))
                         if tuple(mapped.state[k].shape) != tuple(model_state[k].shape)]
    return mapped


def _listed(keys: list[str]) -> str:
    more = f", ... ({len(keys) - SHOWN} more)" if len(keys) > SHOWN else ""
    return ", ".join(keys[:SHOWN]) + more


def _class_hint(mismatched: list[tuple[str, tuple, tuple]]) -> str:
    """A hint when tensors differ only in their first dimension (a classifier's classes)."""
    classes = {ckpt[0] for _, ckpt, model in mismatched if len(ckpt) == len(model) and ckpt[1:] == model[1:]}
    if len(classes) == 1 and all(len(c) == len(m) and c[1:] == m[1:] for _, c, m in mismatched):
        return (f" The classifier differs only in its number of classes: the checkpoint has {classes.pop()}; set "
                "model_args.num_classes (or the factory's argument for it) in submission.yaml to match.")
    return ""


def mismatch_report(mapped: Mapped, checkpoint: Path, where: str) -> str:
    """Every key that does not fit, by kind, and what to do."""
    lines = [f"{checkpoint}: does not fit the model of {where}:"]
    if mapped.missing:
        lines.append(f"  in the model, not in the checkpoint ({len(mapped.missing)}): {_listed(mapped.missing)}")
    if mapped.unexpected:
        lines.append(f"  in the checkpoint, not in the model ({len(mapped.unexpected)}): "
                     f"{_listed(mapped.unexpected)}")
    if mapped.mismatched:
        shapes = [f"{k} (checkpoint {list(c)}, model {list(m)})" for k, c, m in mapped.mismatched]
        lines.append(f"  other shape ({len(shapes)}): {_listed(shapes)}")
    renaming = " and ".join(part for part in (
        f"without the prefix {mapped.strip!r}" if mapped.strip else "",
        f"with the prefix {mapped.add!r}" if mapped.add else "") if part) or "as they are"
    lines.append(f"  (checkpoint keys read {renaming}: the renaming that matched the most tensors.) Check that the "
                 "checkpoint is this architecture's and model_args fit it; --key picks another entry, "
                 "--drop-unexpected leaves out tensors the model does not have." + _class_hint(mapped.mismatched))
    return "\n".join(lines)


# --------------------------------------------------------------------------- writing


def _safetensors_bytes(state: dict[str, torch.Tensor]) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().to("cpu").contiguous().clone() for k, v in sorted(state.items())})


def import_weights(checkpoint: Path, folder: Path, key: str | None = None, output: str = "weights.safetensors",
                   drop_unexpected: bool = False, training_data: list[str] | None = None) -> Imported:
    """Import ``checkpoint`` into the submission at ``folder`` (see the module docstring)."""
    checkpoint, folder = Path(checkpoint), Path(folder)
    submission = load_submission(folder)
    submission.require_runnable()
    manifest_file = folder / MANIFEST_NAME
    if Path(output).name != output or not output.endswith(".safetensors"):
        raise WeightsError(f"--output {output}: a file name in the submission folder ending in .safetensors.")
    content = read_checkpoint(checkpoint)
    state, entry = select_state(content, key, checkpoint)
    entries = sorted(content) if isinstance(content, dict) and entry is not None else []
    model_state = construct_model(submission).state_dict()
    mapped = map_state(state, model_state)
    dropped = []
    if drop_unexpected and mapped.unexpected:
        dropped = mapped.unexpected
        for name in dropped:
            del mapped.state[name]
        mapped.unexpected = []
    manifest = submission.manifest
    if not mapped.fits:
        raise WeightsError(mismatch_report(mapped, checkpoint, f"{manifest_file} ({manifest.model} with "
                                                                f"model_args {manifest.model_args})"))
    data = _safetensors_bytes(mapped.state)
    sha256 = hashlib.sha256(data).hexdigest()
    fields: dict[str, object] = {"weights": {"path": output, "sha256": sha256}, "template": None}
    if training_data:
        fields["training_data"] = list(training_data)
    text, kept = set_fields(manifest_file.read_text(encoding="utf-8"), fields)
    updated = parse_manifest(text, manifest_file)  # checked before anything is written
    if not isinstance(updated, Manifest) or updated.weights is None or updated.weights.sha256 != sha256:
        raise ManifestError(f"{manifest_file}: the pin could not be set; nothing was written.")
    weights = folder / output
    write_atomic(weights, lambda handle: handle.write(data), folder)
    write_atomic(manifest_file, lambda handle: handle.write(text.encode("utf-8")), folder)
    build_model(load_submission(folder))  # the ordinary path: sha256 checked, strict load
    return Imported(weights, sha256, entry, entries, mapped, dropped, kept, list(result_files(folder)))


def report(imported: Imported, checkpoint: Path, folder: Path) -> str:
    """What the import did, in a few lines."""
    mapped = imported.mapped
    source = f"entry {imported.entry!r} (of {', '.join(imported.entries)})" if imported.entry else "the state dict"
    renaming = " and ".join(part for part in (
        f"prefix {mapped.strip!r} removed" if mapped.strip else "",
        f"prefix {mapped.add!r} added" if mapped.add else "") if part)
    lines = [f"read {checkpoint}: {source}, {len(mapped.state) - len(mapped.counters)} tensors"
             + (f"; {renaming}" if renaming else "")]
    if mapped.counters:
        lines.append(f"took {len(mapped.counters)} {COUNTER} counters from the model (absent from the checkpoint)")
    if imported.dropped:
        lines.append(f"left out {len(imported.dropped)} tensors the model does not have: {_listed(imported.dropped)}")
    lines.append(f"wrote {imported.weights} (sha256 {imported.sha256}) and pinned it in {folder / MANIFEST_NAME}"
                 " ('template' cleared)")
    if not imported.comments_kept:
        lines.append(f"note: {folder / MANIFEST_NAME} was rewritten as plain YAML (its layout could not be kept)")
    if imported.stale_results:
        lines.append(f"note: {len(imported.stale_results)} result file(s) in {folder / 'results'} were measured with "
                     "other weights: rerun them (benchmark run ... --update-results --force) or remove them")
    lines.append(f"next: python -m benchmark validate {folder}")
    return "\n".join(lines)
