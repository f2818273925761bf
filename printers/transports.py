"""Getting label bytes to a printer: one `send(url, payload)` for every kind of printer.

- `tcp://host[:port]`: raw ZPL to a Zebra on the LAN (port 9100 by default). A label counts as handed
  over only once the printer has answered a host status query (`~HS`) twice on the same connection: before
  the label (paper out, head open, paused or no answer: nothing is sent, the job waits and may be sent again)
  and after it (the answer comes once the printer has read everything before it; no answer: it may have
  printed). A listener that accepts and closes, or never reads, is no printer.
- `cups://queue`: a raw CUPS queue, through `lp -d queue -o raw`; the queue's state is read from CUPS
  (`lpstat -p`) before (a stopped queue keeps the job waiting) and the job's own state after (`lpstat -W
  not-completed`): a job CUPS holds or stopped is not "printed".
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

__all__ = ["HostStatus", "PrinterError", "parse_host_status", "send"]

log = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 9100
# CUPS queue names: printable characters except space, tab, /, \, quotes and #.
_QUEUE_RE = re.compile(r"[^\s/\\'\"#-][^\s/\\'\"#]{0,126}")


class PrinterError(DomainError):
    """A label could not be handed to the printer. The message says what to check."""

    status = 503  # the printer, not the request, is the problem


# --- the Zebra host status (~HS) ---------------------------------------------

HOST_STATUS_QUERY = b"~HS"
_STX, _ETX = b"\x02", b"\x03"


class HostStatus:
    """A printer's answer to ~HS (ZPL II Programming Guide, ~HS): three strings, each <STX>...<ETX><CR><LF>.

    String 1 `aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`: b paper out, c paused, eee formats in the receive buffer,
    f buffer full. String 2 `mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`: o head up (open), p ribbon out.
    String 3 `xxxx,y`: password, static RAM.
    """

    def __init__(self, paper_out: bool, paused: bool, head_open: bool, ribbon_out: bool = False,
                 buffer_full: bool = False) -> None:
        self.paper_out, self.paused, self.head_open = paper_out, paused, head_open
        self.ribbon_out, self.buffer_full = ribbon_out, buffer_full

    def problem(self) -> str | None:
        """What keeps the printer from printing, in words for the person at the printer, or None."""
        problems = [words for flag, words in (
            (self.paper_out, "is out of labels (paper out)"), (self.head_open, "has its head open"),
            (self.ribbon_out, "is out of ribbon"), (self.paused, "is paused"),
            (self.buffer_full, "has a full receive buffer")) if flag]
        return " and ".join(problems) or None

    def __repr__(self) -> str:
        return f"<HostStatus {self.problem() or 'ready'}>"


def parse_host_status(data: bytes) -> HostStatus | None:
    """The three ~HS strings parsed, or None when `data` does not hold a whole, well-formed answer."""
    strings = []
    rest = data
    while len(strings) < 3:
        start, end = rest.find(_STX), rest.find(_ETX)
        if start < 0 or end < start:
            return None
        strings.append(rest[start + 1:end].decode("ascii", "replace").split(","))
        rest = rest[end + 1:]
    first, second = strings[0], strings[1]
    if len(first) < 6 or len(second) < 4:
        return None

    def flag(fields: list[str], index: int) -> bool:
        return fields[index].strip() == "1"

    return HostStatus(paper_out=flag(first, 1), paused=flag(first, 2), head_open=flag(second, 2),
                      ribbon_out=flag(second, 3), buffer_full=flag(first, 5))


def _read_host_status(sock: socket.socket, deadline: float) -> HostStatus | None:
    """Read one ~HS answer until the deadline; None when the printer closed or said nothing whole."""
    data = b""
    while data.count(_ETX) < 3:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except (TimeoutError, OSError):
            return None
        if not chunk:
            return None
        data += chunk
        if len(data) > 4096:  # no printer answers this much to ~HS
            return None
    return parse_host_status(data)


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
        # 1. Before the label: is it a printer, and can it print? Nothing of the label is sent otherwise.
        try:
            sock.settimeout(timeout)
            sock.sendall(HOST_STATUS_QUERY)
        except OSError:
            raise PrinterError(f"Printer {where} did not answer the status query (~HS): is it a Zebra, "
                               "and is it on?") from None
        before = _read_host_status(sock, time.monotonic() + timeout)
        if before is None:
            raise PrinterError(f"Printer {where} did not answer the status query (~HS) within "
                               f"{_seconds(timeout)}: is it on, and is it a ZPL printer?")
        if before.problem():
            raise PrinterError(f"Printer {where} {before.problem()}: the label waits until it is fixed")
        # 2. The label, then the query again: its answer comes once the printer has read the whole label.
        try:
            # Since Python 3.5 the timeout bounds the whole sendall, not each chunk.
            sock.settimeout(timeout)
            sock.sendall(payload + HOST_STATUS_QUERY)
        except TimeoutError:
            raise PrinterError(
                f"Printer {where} stopped taking data for {_seconds(timeout)}: "
                "is it paused, out of labels or showing an error?"
            ) from None
        except OSError as exc:
            raise PrinterError(
                f"Printer {where} dropped the connection ({exc.strerror or exc}): try again"
            ) from None
        after = _read_host_status(sock, time.monotonic() + timeout)
        if after is None:
            raise PrinterError(f"Printer {where} took the label but did not confirm it (~HS) within "
                               f"{_seconds(timeout)}")
        try:
            sock.shutdown(socket.SHUT_WR)  # the printer sees the end of the job
        except OSError:
            pass
    if after.problem():
        log.warning("printer %s %s after taking a label: it prints once that is fixed", where, after.problem())
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
    started = time.monotonic()
    enabled, reason = _cups_queue_state(queue, timeout)
    if enabled is False:
        raise PrinterError(f"CUPS queue {queue!r} is stopped ({reason or 'disabled'}): the label waits until "
                           f"it is started again (cupsenable {queue})")
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
    _wait_for_cups(queue, started + timeout, timeout)
    log.info("queued %d bytes on CUPS queue %s", len(payload), queue)


def _lpstat(*args: str, timeout: float) -> str | None:
    """lpstat's output, or None when CUPS cannot say (no lpstat, no scheduler, unknown queue)."""
    try:
        result = subprocess.run(["lpstat", *args], capture_output=True, timeout=max(timeout, 0.5), check=False,
                                env={**os.environ, "LC_ALL": "C"})
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else None


def _cups_queue_state(queue: str, timeout: float) -> tuple[bool | None, str]:
    """(enabled, reason) from `lpstat -p QUEUE`: False with CUPS's reason when the queue is stopped, None when
    CUPS cannot tell."""
    text = _lpstat("-p", queue, timeout=timeout)
    if text is None:
        return None, ""
    if "disabled" not in text.split("\n", 1)[0]:
        return True, ""
    lines = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    return False, (lines[0] if lines else "")


def _wait_for_cups(queue: str, deadline: float, timeout: float) -> None:
    """Read the job's state from CUPS until it leaves the queue or the time is up. A queue that stopped with
    the label in it (the printer failed) holds the label: may print once restarted, so never resent."""
    while True:
        pending = _lpstat("-o", queue, timeout=timeout)
        if not pending or not pending.strip():
            return  # printed (completed), or CUPS cannot say
        enabled, reason = _cups_queue_state(queue, timeout)
        if enabled is False:
            raise PrinterError(f"CUPS holds the label: queue {queue!r} stopped ({reason or 'disabled'}); "
                               f"check the printer, then start the queue (cupsenable {queue})")
        if time.monotonic() >= deadline:
            log.info("CUPS queue %s is still printing the label", queue)
            return  # CUPS has it and is printing: counts as sent
        time.sleep(0.1)


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
