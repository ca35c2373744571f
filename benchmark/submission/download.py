"""Weights by URL: https only, a timeout, a size cap, verified against their sha256 while
they stream, and cached by that sha256 (``<cache>/<sha256>/<file name>``).

Nothing unverified ever reaches the cache: the download goes to a temporary file that is
renamed into place only when its size and sha256 are right.  A redirect to anything but
https is refused, so a pinned https URL cannot be bent into ``http://`` or ``file://``.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from benchmark.errors import WeightsError

#: Seconds a connection or a read may stall before the download is abandoned.
TIMEOUT_S = 60.0
#: Largest weights file downloaded (the largest video backbones are under 2 GiB).
MAX_BYTES = 8 * 2**30
_CHUNK = 1 << 20


def check_https(url: str, where: str) -> None:
    """Refuse a URL that is not https (``http://`` can be altered on the way, ``file://``
    reads the machine's own files)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme != "https":
        raise WeightsError(f"{where}: {url!r} is not an https URL ({scheme or 'no'} scheme); weights are "
                           "downloaded over https only. Host the file on an https server, or put it in the "
                           "submission folder and use 'path'.")


def cache_name(url: str) -> str:
    """A safe file name for the download (its suffix tells safetensors from torch.save)."""
    name = Path(urllib.parse.urlsplit(url).path).name
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")[:100]
    return name or "weights.bin"


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_https(newurl, f"redirect from {req.full_url}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # No FileHandler, FTPHandler or DataHandler: https (and the refused redirects) only.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPSHandler(), _HttpsOnlyRedirects(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    return opener


def stream_verified(response: BinaryIO, target: Path, sha256: str, max_bytes: int, where: str) -> None:
    """Copy ``response`` into ``target`` while hashing; refuse more than ``max_bytes`` or a
    sha256 other than the pin (``target`` is removed then)."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "wb") as out:
            while block := response.read(_CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise WeightsError(f"{where}: the download exceeds {max_bytes / 2**30:.1f} GiB, the size cap "
                                       "of weights; nothing was kept.")
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != sha256:
            raise WeightsError(f"{where}: the downloaded file has sha256 {digest.hexdigest()}, but the manifest "
                               f"pins {sha256}; nothing was kept. Check the URL and the pin.")
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def fetch_pinned(url: str, sha256: str, cache_dir: Path, where: str, timeout: float = TIMEOUT_S,
                 max_bytes: int = MAX_BYTES, opener: urllib.request.OpenerDirector | None = None) -> Path:
    """The cached file of ``url`` whose sha256 is ``sha256``, downloaded if needed."""
    check_https(url, where)
    path = Path(cache_dir) / sha256 / cache_name(url)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with (opener or _opener()).open(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise WeightsError(f"{where}: {url} announces {int(length) / 2**30:.1f} GiB, above the "
                                   f"{max_bytes / 2**30:.1f} GiB size cap of weights.")
            stream_verified(response, tmp, sha256, max_bytes, where)
    except (OSError, urllib.error.URLError, TimeoutError, ValueError) as error:
        tmp.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise WeightsError(f"{where}: could not download {url} (timeout {timeout:g} s): {reason}. "
                           "Check the URL and the network, then rerun.") from None
    os.replace(tmp, path)
    return path
