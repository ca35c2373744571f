"""The model process: the only process that imports a submission's code (``python -m
benchmark.isolation.worker``, started by :class:`benchmark.isolation.process.ModelProcess`).

It confines itself where it can (:func:`benchmark.isolation.sandbox.enter_read_only`), builds the
model with the weights the harness verified, attaches the layer probe, and then answers
requests from the channel (:mod:`benchmark.isolation.channel`): features (the declared layers pooled
in one forward pass), outputs (the task's), FLOPs of one forward, a checkpoint's weights to
load.  Whatever it sends is plain numbers and tensors; the harness checks them.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

# Operations, harness -> model process
FEATURES, OUTPUT, FLOPS, LOAD, QUIT = 1, 2, 3, 4, 5
# and model process -> harness
READY, TREE, NUMBER, DONE, ERROR = 10, 11, 12, 13, 14
MAX_ERROR = 4000  # characters of an error message


def error_payload(error: BaseException) -> bytes:
    """An error as ``kind`` and message (both UTF-8, the message capped)."""
    kind = type(error).__name__.encode()[:64]
    return struct.pack("<H", len(kind)) + kind + str(error)[:MAX_ERROR].encode(errors="replace")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmark.isolation.worker")
    parser.add_argument("submission", type=Path)
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--fds", type=int, nargs=4, required=True, metavar=("REQUEST", "RESPONSE", "IN", "OUT"))
    parser.add_argument("--read-only", action="store_true", help="remount everything read-only but the cwd")
    return parser


class Server:
    """The built model, its probe and the channel's two buffers."""

    def __init__(self, args: argparse.Namespace) -> None:
        import torch

        from benchmark.isolation.channel import Buffer
        from benchmark.measure.precision import with_precision
        from benchmark.measure.probe import LayerProbe
        from benchmark.submission.manifest import load_submission
        from benchmark.submission.model import build_model_with

        self.request, self.response, inputs, outputs = args.fds
        self.inputs, self.outputs = Buffer(inputs, writable=True), Buffer(outputs, writable=True)
        self.device = args.device
        submission = load_submission(args.submission)
        torch.manual_seed(args.seed)  # random weights (templates) and any model randomness: reproducible
        self.model = build_model_with(submission, args.weights, args.device)
        self.probe = LayerProbe(self.model, submission.manifest.layer_specs())  # fails fast on a wrong name
        self.forward = with_precision(self.model, args.precision, args.device)

    def _input(self, header: bytes):
        from benchmark.api.transforms import to_device
        from benchmark.isolation.channel import read_tree

        return to_device(read_tree(header, self.inputs), self.device)

    def answer(self, op: int, payload: bytes) -> tuple[int, bytes]:
        """The reply to one request."""
        import torch

        from benchmark.isolation.channel import write_tree

        if op == FEATURES:
            (clips,) = struct.unpack_from("<I", payload)
            with torch.no_grad(), self.probe:
                self.forward(self._input(payload[4:]))
                return TREE, write_tree(self.probe.pop(batch_size=clips), self.outputs)
        if op == OUTPUT:
            with torch.no_grad():
                return TREE, write_tree(self.forward(self._input(payload)), self.outputs)
        if op == FLOPS:
            from benchmark.measure.flops import count_flops

            return NUMBER, struct.pack("<q", count_flops(self.model.eval(), self._input(payload)))
        if op == LOAD:
            self.load(Path(payload.decode()))
            return DONE, b""
        raise ValueError(f"unknown operation {op}")

    def load(self, path: Path) -> None:
        """Load a checkpoint's tensors into the model (strictly)."""
        from benchmark.errors import WeightsError
        from benchmark.submission.model import load_state_dict

        try:
            self.model.load_state_dict(load_state_dict(path), strict=True)
        except RuntimeError as error:
            detail = " ".join(line.strip() for line in str(error).splitlines()[1:4])
            raise WeightsError(f"{path}: does not match the submission's model: {detail}") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from benchmark.isolation.sandbox import enter_read_only

    writable = enter_read_only(Path.cwd()) if args.read_only else []
    import torch

    from benchmark.isolation.channel import ChannelClosed, receive, send

    torch.set_num_threads(args.threads)
    request, response = args.fds[:2]
    try:
        server = Server(args)
    except BaseException as error:  # noqa: BLE001 - every failure of the submission's code goes back as text
        send(response, ERROR, error_payload(error))
        return 1
    parameters = sum(p.numel() for p in server.model.parameters())
    send(response, READY, struct.pack("<Q", parameters) + ",".join(writable).encode()[:1000])
    while True:
        try:
            op, payload = receive(request)
        except ChannelClosed:
            return 0
        if op == QUIT:
            return 0
        try:
            send(response, *server.answer(op, payload))
        except Exception as error:  # noqa: BLE001 - goes back to the harness as an error message
            send(response, ERROR, error_payload(error))


if __name__ == "__main__":
    sys.stdout = sys.stderr  # the model's prints never mix with anything
    sys.exit(main())
