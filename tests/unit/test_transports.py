"""Transports against real sockets and processes on this machine (127.0.0.1 only)."""

import os
import socket
import socketserver
import stat
import threading
import time
from pathlib import Path

import pytest

from printers.transports import PrinterError, send
from wms.errors import DomainError
from wms.printing.fakes import silent_printer

LABEL = b"^XA^CI28^FO20,20^A0N,30,30^FH_^FDS_C3_A3o Paulo^FS^XZ\n"


HOST_STATUS = (b"\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02001,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
               b"\x021234,0\x03\r\n")


class _Recorder(socketserver.BaseRequestHandler):
    """Answers each ~HS as a ready Zebra and records the rest."""

    def handle(self):
        received = b""
        answered = 0
        while data := self.request.recv(65536):
            received += data
            while received.count(b"~HS") > answered:
                self.request.sendall(HOST_STATUS)
                answered += 1
        if received.startswith(b"~HS"):  # the query before the label
            received = received[3:]
        if received.endswith(b"~HS"):  # and the one after it
            received = received[:-3]
        with self.server.lock:
            self.server.jobs.append(received)
        self.server.done.set()


class _Printer(socketserver.ThreadingTCPServer):
    """A pretend Zebra: records what each connection sent until the sender half-closed."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.jobs: list[bytes] = []
        self.lock = threading.Lock()
        self.done = threading.Event()

    @property
    def url(self):
        return f"tcp://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def printer():
    server = _Printer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- tcp:// ----------------------------------------------------------------------


def test_tcp_delivers_the_exact_payload_once(printer):
    send(printer.url, LABEL)
    assert printer.done.wait(5)
    time.sleep(0.1)  # a duplicate connection would have arrived by now
    assert printer.jobs == [LABEL]


def test_tcp_delivers_a_large_job_whole(printer):
    # Random bytes, without the status query: a Zebra (and this pretend one) answers every ~HS in the stream,
    # so one inside the label would be answered too, and the extra answer would find the sender gone.
    payload = os.urandom(3_000_000).replace(b"~HS", b"~hs")
    send(printer.url, payload, timeout=10)
    assert printer.done.wait(10)
    assert printer.jobs == [payload]


def test_tcp_without_port_means_9100(monkeypatch):
    # Intercepted rather than tried: something on this machine might really listen on 9100.
    tried = []

    def refuse(address, timeout):
        tried.append((address, timeout))
        raise ConnectionRefusedError

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(PrinterError, match=r"127\.0\.0\.1:9100 refused"):
        send("tcp://127.0.0.1", LABEL, timeout=1)
    assert tried == [(("127.0.0.1", 9100), 1)]


def test_closed_port_fails_fast_with_a_clear_message():
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(PrinterError, match=rf"Printer 127\.0\.0\.1:{port} refused the connection"):
        send(f"tcp://127.0.0.1:{port}", LABEL)
    assert time.monotonic() - started < 1


def test_printer_that_never_answers_times_out():
    # Once a listener's backlog is full, new SYNs are dropped: what a switched-off printer looks like from here.
    with silent_printer() as port:
        if port is None:
            pytest.skip("the kernel kept accepting connections: cannot simulate a silent printer")
        started = time.monotonic()
        with pytest.raises(
            PrinterError, match=rf"Printer 127\.0\.0\.1:{port} did not answer within 0\.5 s: is it on\?"
        ):
            send(f"tcp://127.0.0.1:{port}", LABEL, timeout=0.5)
        assert time.monotonic() - started < 2


def test_printer_that_stops_reading_times_out():
    # A listener that accepts and then never reads: it never answers the status query, so not a byte of the
    # label is sent (the job waits and can be sent again safely).
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        accepted = []
        acceptor = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        acceptor.start()
        started = time.monotonic()
        try:
            with pytest.raises(
                PrinterError, match=rf"Printer 127\.0\.0\.1:{port} did not answer the status query \(~HS\) within 0\.5 s"
            ):
                send(f"tcp://127.0.0.1:{port}", b"^XA" + b"x" * 64_000_000 + b"^XZ", timeout=0.5)
            assert time.monotonic() - started < 3
        finally:
            acceptor.join(2)
            for connection, _ in accepted:
                connection.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("10.0.0.5:9100", "not a URL"),
        ("http://10.0.0.5:9100", "unknown scheme 'http'"),
        ("tcp://:9100", "has no host"),
        ("tcp://127.0.0.1:99999", "invalid port"),
        ("tcp://127.0.0.1:9100/queue", "should be only tcp://host:port"),
        ("cups://", "cups://QUEUE"),
        ("cups://zebra 1", "cups://QUEUE"),
        ("cups://zebra/1", "cups://QUEUE"),
        ("cups://-oraw", "cups://QUEUE"),
        ("file://labels-out", "file:///absolute/directory"),
    ],
)
def test_bad_urls_are_refused_with_a_hint(url, message):
    with pytest.raises(PrinterError, match=message):
        send(url, LABEL)


def test_empty_job_and_text_payload_are_refused(tmp_path):
    with pytest.raises(PrinterError, match="empty"):
        send(f"file://{tmp_path}", b"")
    with pytest.raises(TypeError, match="encode ZPL as UTF-8"):
        send(f"file://{tmp_path}", LABEL.decode())


# --- file:// ----------------------------------------------------------------------


def test_file_writes_one_complete_file_per_job(tmp_path):
    spool = tmp_path / "labels-out"
    send(f"file://{spool}", LABEL)
    send(f"file://{spool}", b"^XA^XZ")
    files = sorted(spool.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".zpl" for f in files)
    assert sorted(f.read_bytes() for f in files) == sorted([LABEL, b"^XA^XZ"])


def test_file_into_an_unwritable_place_is_a_printer_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(PrinterError, match="Cannot write the label"):
        send(f"file://{blocker}/spool", LABEL)


def test_file_leaves_no_partial_file_when_the_write_fails(tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(PrinterError, match="No space left on device"):
        send(f"file://{spool}", LABEL)
    assert list(spool.iterdir()) == []


# --- cups:// ----------------------------------------------------------------------


def _fake_lpr(bin_dir: Path, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    lpr = bin_dir / "lpr"
    lpr.write_text("#!/bin/sh\n" + script)
    lpr.chmod(lpr.stat().st_mode | stat.S_IXUSR)


def test_cups_hands_the_raw_job_to_lpr(tmp_path, monkeypatch):
    record = tmp_path / "record"
    _fake_lpr(tmp_path / "bin", f'printf "%s\\n" "$@" > {record}.args\ncat > {record}.job\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    send("cups://zebra_expedicao", LABEL)
    assert Path(f"{record}.args").read_text().split("\n")[:-1] == ["-P", "zebra_expedicao", "-o", "raw"]
    assert Path(f"{record}.job").read_bytes() == LABEL


def test_cups_failure_is_reported_not_swallowed(tmp_path, monkeypatch):
    # zebra's Zebra.output() would return normally here: it never reads lpr's exit status.
    _fake_lpr(
        tmp_path / "bin", 'cat > /dev/null\necho "lpr: The printer or class does not exist." >&2\nexit 1\n'
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    with pytest.raises(
        PrinterError,
        match="CUPS refused the job for queue 'zebra9': lpr: The printer or class does not exist",
    ):
        send("cups://zebra9", LABEL)


def test_cups_failure_without_a_message_gives_the_exit_status(tmp_path, monkeypatch):
    _fake_lpr(tmp_path / "bin", "exit 3\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    with pytest.raises(PrinterError, match="exit status 3"):
        send("cups://zebra9", LABEL)


def test_cups_that_hangs_times_out(tmp_path, monkeypatch):
    _fake_lpr(tmp_path / "bin", "exec sleep 30\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(PrinterError, match=r"within 0\.5 s"):
        send("cups://zebra9", LABEL, timeout=0.5)
    assert time.monotonic() - started < 3


def test_cups_without_lpr_installed(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PrinterError, match="lpr is not installed"):
        send("cups://zebra9", LABEL)


def test_printer_error_is_a_domain_error_with_the_printer_to_blame():
    assert issubclass(PrinterError, DomainError)
    assert PrinterError("off").status == 503
