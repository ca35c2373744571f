"""A submission's model in its own process, as the harness sees it (docs/architecture.md,
"Security model").

:class:`ModelProcess` starts ``python -m benchmark.isolation.worker`` confined as
:mod:`benchmark.isolation.sandbox` allows, and talks to it through :mod:`benchmark.isolation.channel`: it
sends model inputs and receives the declared layers' pooled features, the task outputs,
FLOPs and the parameter count - plain numbers and tensors, every one checked here (names,
dtypes, shapes, NaN, size).  The harness process never imports submission code; a model
process that crashes, exits, hangs or answers out of contract is one
:class:`ModelProcessError` naming the submission, and no result is written.  Calling the
object runs the model's forward (``model(x)``), so a task's ``evaluate`` takes it where it
took the model.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

from benchmark import errors
from benchmark.errors import BenchmarkError
from benchmark.isolation import channel, sandbox
from benchmark.isolation.channel import Buffer, ChannelClosed, ChannelError, ChannelTimeout
from benchmark.isolation.worker import (
    DONE,
    ERROR,
    FEATURES,
    FLOPS,
    LOAD,
    NUMBER,
    OUTPUT,
    QUIT,
    READY,
    TREE,
)
from benchmark.submission.manifest import Submission

START_TIMEOUT_S = 900.0  # importing, building and loading the weights
CALL_TIMEOUT_S = 1800.0  # one batch through the model
OUTPUT_LIMIT_BYTES = 1 << 30  # what one answer may hold (the output buffer, allocated as written)
INPUT_BYTES = 1 << 24  # the input buffer to start with; it grows with the batches
# Errors of the harness's own kinds that the model process may report (building, probing).
KNOWN_ERRORS = {cls.__name__: cls for cls in (errors.ManifestError, errors.WeightsError, errors.LayerError,
                                               errors.ModelOutputError)}


class ModelProcessError(BenchmarkError):
    """The model process crashed, exited, hung, or answered out of contract."""


def _printable(text: str) -> str:
    """Text from the model process with control characters (terminal escapes) made visible."""
    return "".join(c if c == "\n" or c.isprintable() else "?" for c in text)


class ModelProcess:
    """The submission's model in its own process; ``start()`` it, call it, ``close()`` it
    (or use ``with``)."""

    def __init__(self, submission: Submission, weights: Path | None, device: str, precision: str, seed: int,
                 threads: int | None = None) -> None:
        self.submission = submission
        self.weights = weights
        self.device = device
        self.precision = precision
        self.seed = seed
        self.threads = threads or torch.get_num_threads()
        self.layers = list(submission.manifest.layer_specs())
        self.parameters = 0
        self.writable_mounts: list[str] = []
        self.process: subprocess.Popen | None = None

    # ------------------------------------------------------------------ life cycle

    def start(self) -> ModelProcess:
        """Start the process and wait until it built the model (its errors raised here)."""
        self.workdir = Path(tempfile.mkdtemp(prefix="motion-bench-model-"))
        request_read, self.request = os.pipe()
        self.response, response_write = os.pipe()
        input_fd = channel.new_buffer(INPUT_BYTES, growable=True)
        output_fd = channel.new_buffer(OUTPUT_LIMIT_BYTES, growable=False)
        self.inputs, self.outputs = Buffer(input_fd, writable=True), Buffer(output_fd, writable=True)
        import benchmark

        root = str(Path(benchmark.__file__).resolve().parents[1])
        python_path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        argv = [sys.executable, "-s", "-m", "benchmark.isolation.worker", str(self.submission.folder.resolve()),
                "--device", self.device, "--precision", self.precision, "--seed", str(self.seed),
                "--threads", str(self.threads), "--fds", *map(str, (request_read, response_write, input_fd, output_fd))]
        if self.weights is not None:
            argv += ["--weights", str(Path(self.weights).resolve())]
        if sandbox.namespaces_available():
            argv.append("--read-only")
        fds = (request_read, response_write, input_fd, output_fd)
        try:
            self.process = subprocess.Popen(sandbox.command(argv), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                            stdout=2, stderr=2, pass_fds=fds, start_new_session=True,
                                            env=sandbox.environment(self.workdir, python_path))
        finally:
            os.close(request_read)
            os.close(response_write)
        op, payload = self._receive("building its model", START_TIMEOUT_S)
        if op != READY or len(payload) < 8:
            self._broken(f"answered operation {op} to the start", "building its model")
        (self.parameters,) = struct.unpack_from("<Q", payload)
        self.writable_mounts = [m for m in payload[8:].decode(errors="replace").split(",") if m]
        return self

    def close(self) -> None:
        """Stop the process (and everything it started) and remove its folder."""
        if self.process is None:
            return
        try:
            channel.send(self.request, QUIT)
            self.process.wait(timeout=10)
        except (OSError, ChannelError, subprocess.TimeoutExpired):
            pass
        self._kill()
        for fd in (self.request, self.response):
            os.close(fd)
        for buffer in (self.inputs, self.outputs):
            buffer.close()
            os.close(buffer.fd)
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.process = None

    def _kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - at interpreter exit the modules may be gone
            pass

    def __enter__(self) -> ModelProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def eval(self) -> ModelProcess:
        """The model is always in eval mode (kept so a task's ``model.eval()`` works)."""
        return self

    def __call__(self, inputs: Any) -> Any:
        """The model's output for ``inputs`` (tensors only), on the harness's device."""
        outputs = self._tree(self._request(OUTPUT, b"", inputs, "running its forward"), "running its forward")
        for key, tensor in _items(outputs):
            if tensor.is_floating_point() and bool(torch.isnan(tensor).any()):
                self._broken(f"returned NaN in its output{f' {key!r}' if key else ''}", "running its forward")
        return _on(outputs, self.device)

    def features(self, inputs: Any, clips: int) -> dict[str, torch.Tensor]:
        """The declared layers' pooled features of one forward pass over ``clips`` clips:
        ``{layer: (clips, C) float32}``, every value finite."""
        doing = "pooling its layers"
        found = self._tree(self._request(FEATURES, struct.pack("<I", clips), inputs, doing), doing)
        if not isinstance(found, dict) or list(found) != self.layers:
            self._broken(f"returned features of {sorted(found) if isinstance(found, dict) else type(found).__name__}"
                         f", not of its declared layers {self.layers}", doing)
        for name, x in found.items():
            if x.dtype != torch.float32 or x.ndim != 2 or x.shape[0] != clips:
                self._broken(f"returned layer {name!r} as {x.dtype} of shape {list(x.shape)}, not float32 "
                             f"({clips}, C)", doing)
            if not bool(torch.isfinite(x).all()):
                self._broken(f"returned non-finite (NaN or infinite) features for layer {name!r}", doing)
        return _on(found, self.device)

    def flops(self, inputs: Any) -> int | None:
        """FLOPs of one forward pass over ``inputs`` (counted in the model process)."""
        op, payload = self._send_and_receive(FLOPS, b"", inputs, "counting its FLOPs")
        if op != NUMBER or len(payload) != 8:
            self._broken(f"answered operation {op} to a FLOP count", "counting its FLOPs")
        (count,) = struct.unpack("<q", payload)
        if count < 0:
            self._broken(f"counted {count} FLOPs", "counting its FLOPs")
        return count

    def load(self, path: Path) -> None:
        """Load a checkpoint the harness verified into the model (``benchmark curve``)."""
        op, _ = self._send_and_receive(LOAD, str(Path(path).resolve()).encode(), None, f"loading {path.name}")
        if op != DONE:
            self._broken(f"answered operation {op} to loading a checkpoint", f"loading {path.name}")

    # ------------------------------------------------------------------ the channel

    def _request(self, op: int, prefix: bytes, inputs: Any, doing: str) -> bytes:
        answer, payload = self._send_and_receive(op, prefix, inputs, doing)
        if answer != TREE:
            self._broken(f"answered operation {answer}, not tensors", doing)
        return payload

    def _send_and_receive(self, op: int, prefix: bytes, inputs: Any, doing: str) -> tuple[int, bytes]:
        if self.process is None:
            raise ModelProcessError(f"Submission {self.submission.name}: its model process is not running.")
        payload = prefix
        if inputs is not None:
            self.inputs.grow(channel.tree_bytes(inputs))
            payload += channel.write_tree(inputs, self.inputs)
        try:
            channel.send(self.request, op, payload)
        except OSError:
            pass  # it exited: the answer says how
        return self._receive(doing, CALL_TIMEOUT_S)

    def _receive(self, doing: str, timeout: float) -> tuple[int, bytes]:
        try:
            op, payload = channel.receive(self.response, timeout)
        except ChannelTimeout:
            self._kill()
            raise ModelProcessError(
                f"Submission {self.submission.name}: its model process gave no answer within {timeout:.0f} s while "
                f"{doing}; it was stopped. A model that hangs gets no result.") from None
        except ChannelClosed:
            status = self.process.wait(timeout=30)
            how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
            raise ModelProcessError(
                f"Submission {self.submission.name}: its model process {how} while {doing}. A model.py that "
                "exits or crashes gets no result; run it on its own to see why.") from None
        except ChannelError as error:
            self._broken(f"broke the channel's format ({error})", doing)
        if op == ERROR:
            raise self._error(payload, doing)
        return op, payload

    def _tree(self, header: bytes, doing: str) -> Any:
        try:
            return channel.read_tree(header, self.outputs)
        except ChannelError as error:
            self._broken(f"answered out of contract ({error})", doing)

    def _error(self, payload: bytes, doing: str) -> BenchmarkError:
        try:
            (length,) = struct.unpack_from("<H", payload)
            kind = payload[2:2 + length].decode()
            message = _printable(payload[2 + length:].decode(errors="replace"))
        except (struct.error, UnicodeDecodeError):
            kind, message = "?", "an unreadable error"
        if kind in KNOWN_ERRORS:
            return KNOWN_ERRORS[kind](f"Submission {self.submission.name}: {message}")
        return ModelProcessError(f"Submission {self.submission.name}: its model raised {_printable(kind)} while "
                                 f"{doing}: {message}")

    def _broken(self, what: str, doing: str) -> None:
        self._kill()
        raise ModelProcessError(f"Submission {self.submission.name}: its model process {what} while {doing}; it was "
                                "stopped and no result is written.")


def _items(tree: Any) -> list[tuple[str, torch.Tensor]]:
    if isinstance(tree, torch.Tensor):
        return [("", tree)]
    if isinstance(tree, dict):
        return list(tree.items())
    return [(str(i), t) for i, t in enumerate(tree)]


def _on(tree: Any, device: str) -> Any:
    """A tree of tensors (tensor, list, tuple or dict) on ``device``, its kind kept."""
    if torch.device(device).type == "cpu":
        return tree
    if isinstance(tree, torch.Tensor):
        return tree.to(device, non_blocking=True)
    if isinstance(tree, dict):
        return {k: v.to(device, non_blocking=True) for k, v in tree.items()}
    return type(tree)(t.to(device, non_blocking=True) for t in tree)
