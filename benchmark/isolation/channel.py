"""The channel between the harness and a submission's model process (docs/architecture.md,
"Security model").

Two pipes carry small framed messages; two shared buffers carry the tensors.  Nothing is
pickled: a message is a fixed ``struct`` frame (operation, length) and its payload; a batch
of tensors - the model input, the pooled features, the task outputs - is a flat *tree*
(one tensor, or a list, tuple or dict of tensors) written as raw bytes into a buffer and
described by a header of plain fields (kind, keys, dtype code, shape, offset).  The side
that reads a header checks every field against the buffer before it reads a byte, and
copies the tensors out, so that nothing the other side writes later changes them.

The buffers are anonymous shared memory (``memfd`` on Linux, sealed so that the model side
cannot shrink them under the harness; an unlinked temporary file elsewhere), passed to the
model process as file descriptors.
"""

from __future__ import annotations

import math
import mmap
import os
import select
import struct
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

DTYPES: dict[int, torch.dtype] = {
    1: torch.float32, 2: torch.float64, 3: torch.float16, 4: torch.bfloat16, 5: torch.int64,
    6: torch.int32, 7: torch.int16, 8: torch.int8, 9: torch.uint8, 10: torch.bool,
}
CODES = {dtype: code for code, dtype in DTYPES.items()}
TENSOR, LIST, TUPLE, DICT = 0, 1, 2, 3
KINDS = {list: LIST, tuple: TUPLE}
MAX_ENTRIES = 256  # tensors in one tree
MAX_KEY = 128  # bytes of a dict key
MAX_NDIM = 8
MAX_MESSAGE = 1 << 20  # bytes of one message's payload
ALIGN = 64
FRAME = struct.Struct("<BI")  # operation, payload length
ENTRY = struct.Struct("<BBQ")  # dtype code, ndim, offset
TREE = struct.Struct("<BH")  # kind, entries


class ChannelError(Exception):
    """A message or a tree that breaks the channel's format (what and where)."""


class ChannelTimeout(ChannelError):
    """No message arrived in time."""


class ChannelClosed(ChannelError):
    """The other side closed its end (it exited or crashed)."""


# --------------------------------------------------------------------------- shared buffers


def new_buffer(size: int, growable: bool) -> int:
    """A file descriptor of ``size`` bytes of anonymous shared memory; sealed against
    shrinking (and, unless ``growable``, growing) where the OS has seals."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("motion-bench", os.MFD_CLOEXEC | getattr(os, "MFD_ALLOW_SEALING", 0))
        os.ftruncate(fd, size)
        seals = getattr(__import__("fcntl"), "F_SEAL_SHRINK", None)
        if seals is not None:
            import fcntl

            wanted = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL | (0 if growable else fcntl.F_SEAL_GROW)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, wanted)
        return fd
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - unlinked at once; the descriptor is what is kept
    fd = os.dup(handle.fileno())
    handle.close()
    os.ftruncate(fd, size)
    return fd


class Buffer:
    """A memory mapping of a shared buffer, remapped when the buffer grew."""

    def __init__(self, fd: int, writable: bool) -> None:
        self.fd = fd
        self.writable = writable
        self.map: mmap.mmap | None = None
        self.refresh()

    @property
    def size(self) -> int:
        return len(self.map) if self.map is not None else 0

    def refresh(self) -> None:
        """Map the buffer's current size."""
        size = os.fstat(self.fd).st_size
        if self.map is not None and len(self.map) == size:
            return
        if self.map is not None:
            self.map.close()
        access = mmap.ACCESS_WRITE if self.writable else mmap.ACCESS_READ
        self.map = mmap.mmap(self.fd, size, access=access) if size else None

    def grow(self, size: int) -> None:
        """Make the buffer at least ``size`` bytes (the harness grows its input buffer)."""
        if size > self.size:
            os.ftruncate(self.fd, max(size, 2 * self.size))
            self.refresh()

    def close(self) -> None:
        if self.map is not None:
            self.map.close()
            self.map = None


# --------------------------------------------------------------------------- trees of tensors


@dataclass(frozen=True)
class Entry:
    key: str
    dtype: torch.dtype
    shape: tuple[int, ...]
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * torch.empty((), dtype=self.dtype).element_size()


def _entries(tree: Any) -> tuple[int, list[tuple[str, torch.Tensor]]]:
    if isinstance(tree, torch.Tensor):
        return TENSOR, [("", tree)]
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        items = [("", x) for x in tree]
        kind = KINDS[tuple if isinstance(tree, tuple) else list]
    elif isinstance(tree, Mapping):
        items = [(str(k), v) for k, v in tree.items() if isinstance(v, torch.Tensor)]  # other values dropped
        kind = DICT
    else:
        raise ChannelError(f"a {type(tree).__name__}, not a tensor or a list, tuple or dict of tensors")
    bad = [type(v).__name__ for _, v in items if not isinstance(v, torch.Tensor)]
    if bad:
        raise ChannelError(f"a {type(tree).__name__} holding a {bad[0]}; only tensors can be sent")
    return kind, items


def tree_bytes(tree: Any) -> int:
    """Bytes ``tree`` takes in a buffer (aligned)."""
    return sum(-(-t.numel() * t.element_size() // ALIGN) * ALIGN for _, t in _entries(tree)[1])


def write_tree(tree: Any, buffer: Buffer) -> bytes:
    """Copy the tensors of ``tree`` into ``buffer`` (from offset 0) and return its header;
    a :class:`ChannelError` when it does not fit or is not a tree of tensors."""
    kind, items = _entries(tree)
    if len(items) > MAX_ENTRIES:
        raise ChannelError(f"{len(items)} tensors; at most {MAX_ENTRIES} can be sent at once")
    need = tree_bytes(tree)
    if need > buffer.size:
        raise ChannelError(f"{need} bytes of tensors; the shared buffer holds {buffer.size}")
    header, offset = [TREE.pack(kind, len(items))], 0
    for key, tensor in items:
        if tensor.dtype not in CODES:
            raise ChannelError(f"a tensor of dtype {tensor.dtype}; supported: {', '.join(map(str, CODES))}")
        if tensor.ndim > MAX_NDIM:
            raise ChannelError(f"a tensor of {tensor.ndim} dimensions; at most {MAX_NDIM}")
        name = key.encode()[:MAX_KEY]
        header += [struct.pack("<H", len(name)), name, ENTRY.pack(CODES[tensor.dtype], tensor.ndim, offset),
                   struct.pack(f"<{tensor.ndim}Q", *tensor.shape)]
        nbytes = tensor.numel() * tensor.element_size()
        if nbytes:
            view = torch.frombuffer(buffer.map, dtype=torch.uint8, count=nbytes, offset=offset)
            view.copy_(tensor.detach().contiguous().reshape(-1).view(torch.uint8))
        offset += -(-nbytes // ALIGN) * ALIGN
    return b"".join(header)


def read_header(header: bytes, size: int) -> tuple[int, list[Entry]]:
    """The kind and entries of a tree header, every field checked against a buffer of
    ``size`` bytes; a :class:`ChannelError` naming the first bad field."""
    if len(header) < TREE.size:
        raise ChannelError("a tree header shorter than its fixed part")
    kind, count = TREE.unpack_from(header)
    if kind not in (TENSOR, LIST, TUPLE, DICT) or count > MAX_ENTRIES or (kind == TENSOR and count != 1):
        raise ChannelError(f"a tree of kind {kind} with {count} tensors")
    at, entries = TREE.size, []
    for _ in range(count):
        try:
            (length,) = struct.unpack_from("<H", header, at)
            if length > MAX_KEY:
                raise ChannelError(f"a key of {length} bytes")
            key = header[at + 2:at + 2 + length].decode()
            at += 2 + length
            code, ndim, offset = ENTRY.unpack_from(header, at)
            at += ENTRY.size
            if code not in DTYPES or ndim > MAX_NDIM:
                raise ChannelError(f"tensor {key!r}: dtype code {code}, {ndim} dimensions")
            shape = struct.unpack_from(f"<{ndim}Q", header, at)
            at += 8 * ndim
        except (struct.error, UnicodeDecodeError) as error:
            raise ChannelError(f"a truncated or undecodable tree header ({error})") from None
        entry = Entry(key, DTYPES[code], tuple(shape), offset)
        if any(d > size for d in shape) or offset > size or entry.nbytes > size - offset:
            raise ChannelError(f"tensor {key!r} of shape {list(shape)} at offset {offset} lies outside the "
                               f"{size}-byte shared buffer")
        entries.append(entry)
    if at != len(header):
        raise ChannelError(f"{len(header) - at} bytes after the last tensor of a tree header")
    if kind == DICT and len({e.key for e in entries}) != len(entries):
        raise ChannelError("a dict with a key twice")
    return kind, entries


def read_tree(header: bytes, buffer: Buffer) -> Any:
    """The tree a header describes, its tensors copied out of ``buffer``."""
    buffer.refresh()
    kind, entries = read_header(header, buffer.size)
    tensors = []
    for entry in entries:
        raw = (torch.frombuffer(buffer.map, dtype=torch.uint8, count=entry.nbytes, offset=entry.offset)
               if entry.nbytes else torch.empty(0, dtype=torch.uint8))
        tensors.append(raw.clone().view(entry.dtype).reshape(entry.shape))
    if kind == TENSOR:
        return tensors[0]
    if kind == DICT:
        return {e.key: t for e, t in zip(entries, tensors, strict=True)}
    return tensors if kind == LIST else tuple(tensors)


# --------------------------------------------------------------------------- framed messages


def send(fd: int, op: int, payload: bytes = b"") -> None:
    """Write one message (operation and payload) to ``fd``."""
    if len(payload) > MAX_MESSAGE:
        raise ChannelError(f"a message of {len(payload)} bytes; at most {MAX_MESSAGE}")
    data = memoryview(FRAME.pack(op, len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise ChannelTimeout("no answer in time")
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            raise ChannelClosed("the other end closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, timeout: float | None = None) -> tuple[int, bytes]:
    """One message from ``fd``: its operation and payload (bounded; within ``timeout`` s)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    op, length = FRAME.unpack(_read_exactly(fd, FRAME.size, deadline))
    if length > MAX_MESSAGE:
        raise ChannelError(f"a message announcing {length} bytes; at most {MAX_MESSAGE}")
    return op, _read_exactly(fd, length, deadline)
