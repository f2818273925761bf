"""Getting label bytes to a printer: one `send(url, payload)` for every kind of printer.

- `tcp://host[:port]`: raw ZPL to a Zebra on the LAN (port 9100 by default).
- `cups://queue`: a raw CUPS queue, through `lpr -P queue -o raw`.
- `file:///absolute/dir`: one file per job; the development default.

Every failure is a PrinterError whose message tells the person at the
printer what to check.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from wms.errors import DomainError

__all__ = ["PrinterError", "send"]

log = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 9100
# CUPS queue names: printable characters except space, tab, /, \, quotes and #.
_QUEUE_RE = re.compile(r"[^\s/\\'\"#-][^\s/\\'\"#]{0,126}")


class PrinterError(DomainError):
    """A label could not be handed to the printer. The message says what to check."""

    status = 503  # the printer, not the request, is the problem


def send(url: str, payload: bytes, *, timeout: float = 5.0) -> None:
    """Send one print job. Raises PrinterError if the printer did not take it."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes (encode ZPL as UTF-8), got {type(payload).__name__}")
    if not payload:
        raise PrinterError("Nothing to print: the job is empty")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    parts = _split(url)
    if parts.scheme == "tcp":
        _send_tcp(parts, url, bytes(payload), timeout)
    elif parts.scheme == "cups":
        _send_cups(parts, url, bytes(payload), timeout)
    else:
        _send_file(parts, url, bytes(payload))


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or "://" not in url:
        raise PrinterError(
            f"Printer address {url!r} is not a URL: use tcp://host:9100, cups://queue or file:///dir"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "cups", "file"):
        raise PrinterError(
            f"Printer address {url!r} has an unknown scheme {parts.scheme!r}: use tcp://, cups:// or file://"
        )
    return parts


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


# --- tcp:// ------------------------------------------------------------------


def _tcp_address(parts: SplitResult, url: str) -> tuple[str, int]:
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise PrinterError(
            f"Printer address {url!r} should be only tcp://host:port (e.g. tcp://10.0.0.5:9100)"
        )
    try:
        port = parts.port or DEFAULT_TCP_PORT
    except ValueError:
        raise PrinterError(
            f"Printer address {url!r} has an invalid port: use 1-65535, usually 9100"
        ) from None
    if not parts.hostname:
        raise PrinterError(f"Printer address {url!r} has no host: use tcp://10.0.0.5:9100")
    return parts.hostname, port


def _send_tcp(parts: SplitResult, url: str, payload: bytes, timeout: float) -> None:
    host, port = _tcp_address(parts, url)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    started = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        raise PrinterError(f"Printer {where} did not answer within {_seconds(timeout)}: is it on?") from None
    except ConnectionRefusedError:
        raise PrinterError(
            f"Printer {where} refused the connection: is the port right (Zebra uses 9100) "
            "and raw printing enabled?"
        ) from None
    except socket.gaierror:
        raise PrinterError(f"Printer host {host!r} is unknown: check the printer's address") from None
    except OSError as exc:
        raise PrinterError(
            f"Printer {where} cannot be reached ({exc.strerror or exc}): is it on the network?"
        ) from None
    with sock:
        try:
            # Since Python 3.5 the timeout bounds the whole sendall, not each chunk.
            sock.settimeout(timeout)
            sock.sendall(payload)
            # Half-close: the printer sees the end of the job, and the kernel
            # still delivers whatever is buffered before the socket closes.
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise PrinterError(
                f"Printer {where} stopped taking data for {_seconds(timeout)}: "
                "is it paused, out of labels or showing an error?"
            ) from None
        except OSError as exc:
            raise PrinterError(
                f"Printer {where} dropped the connection ({exc.strerror or exc}): try again"
            ) from None
    log.info("sent %d bytes to %s in %.3f s", len(payload), where, time.monotonic() - started)


# --- cups:// -----------------------------------------------------------------


def _send_cups(parts: SplitResult, url: str, payload: bytes, timeout: float) -> None:
    # The zebra package runs `lpr` the same way but never looks at its exit
    # status, so a job for a missing queue would vanish silently; we run lpr
    # ourselves and check.
    queue = unquote(parts.netloc)
    if parts.path not in ("", "/") or parts.query or parts.fragment or not _QUEUE_RE.fullmatch(queue):
        raise PrinterError(
            f"Printer address {url!r} should be cups://QUEUE with a CUPS queue name (e.g. cups://zebra1)"
        )
    command = ["lpr", "-P", queue, "-o", "raw"]
    try:
        result = subprocess.run(command, input=payload, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise PrinterError(
            "lpr is not installed: install the CUPS client (Debian package cups-client)"
        ) from None
    except subprocess.TimeoutExpired:
        raise PrinterError(
            f"CUPS did not take the job for queue {queue!r} within {_seconds(timeout)}"
        ) from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise PrinterError(f"CUPS refused the job for queue {queue!r}: {detail}")
    log.info("queued %d bytes on CUPS queue %s", len(payload), queue)


# --- file:// -----------------------------------------------------------------


def _send_file(parts: SplitResult, url: str, payload: bytes) -> None:
    if (
        parts.netloc not in ("", "localhost")
        or not parts.path.startswith("/")
        or parts.query
        or parts.fragment
    ):
        raise PrinterError(f"Printer address {url!r} should be file:///absolute/directory (three slashes)")
    directory = Path(unquote(parts.path))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Sortable by time, unique across processes; a reader sees a job only once it is complete.
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.zpl"
        fd, temp_path = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_path, directory / name)
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PrinterError(f"Cannot write the label to {directory}: {exc.strerror or exc}") from None
    log.info("wrote %d bytes to %s", len(payload), directory / name)
