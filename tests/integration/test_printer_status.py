"""Issue 11 item 14: a label counts as printed only once the printer has answered the host status query
(~HS). Real listeners on 127.0.0.1: one that closes at once, one that never reads, one that answers paper out
(and head open, paused), and a healthy one."""
import socket
import threading

import pytest

from printers.transports import PrinterError, parse_host_status, send
from tests.integration.test_printing_queue import LOCATION, add_printer, drain, job
from wms.extensions import db
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import JobStatus

LABEL = b"^XA^FO20,20^FDHELLO^FS^XZ"


class _Listener:
    """A listener that accepts and closes at once, or accepts and never reads; counts the label bytes it
    was able to see."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _run(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "close":
                connection.close()
            else:
                self.held.append(connection)  # never read

    def close(self):
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def quick(app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_PRINT_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "WMS_PRINT_BACKOFF_FIRST", 60)


@pytest.mark.parametrize("mode", ["close", "never-reads"])
def test_a_listener_that_is_no_printer_keeps_the_job_waiting(ctx, quick, mode):
    listener = _Listener(mode)
    try:
        add_printer(listener.url)
        job_id = services.queue_label("location", LOCATION, station="dock")
        db.session.commit()
        waiting = job(job_id)
        assert waiting.status == JobStatus.QUEUED and waiting.sent_at is None
        assert "did not answer the status query (~HS)" in waiting.last_error
        assert drain().count == 0  # waits its backoff, then is tried again (nothing of it was sent)
    finally:
        listener.close()


@pytest.mark.parametrize("flag, words", [("paper_out", "out of labels (paper out)"),
                                         ("head_open", "has its head open"), ("paused", "is paused")])
def test_paper_out_head_open_or_paused_keep_the_job_waiting_with_the_reason(ctx, quick, flag, words):
    with FakePrinter(**{flag: True}) as printer:
        add_printer(printer.url)
        job_id = services.queue_label("location", LOCATION, station="dock")
        db.session.commit()
        waiting = job(job_id)
        assert waiting.status == JobStatus.QUEUED and words in waiting.last_error
        assert printer.jobs == []  # not a byte of the label reached it
        assert printer.status_queries == 1
        setattr(printer, flag, False)  # someone loads labels / closes the head / presses pause
        services.retry(job_id)  # the person at the desk asks for it now rather than at the next attempt
        done = job(job_id)
        assert done.status == JobStatus.SENT
        assert printer.wait_for(1) and len(printer.jobs) == 1


def test_the_desk_shows_why_a_job_waits(app, users, auth, client, quick):
    with app.app_context(), FakePrinter(paper_out=True) as printer:
        add_printer(printer.url)
        job_id = services.queue_label("location", LOCATION, station="dock")
        db.session.commit()
        db.session.remove()
        auth.login("supervisor")
        page = client.get(f"/desk/printing/jobs/{job_id}").get_data(as_text=True)
        assert "out of labels (paper out)" in page


def test_a_healthy_printer_answers_twice_and_the_job_counts_as_sent(ctx, quick):
    with FakePrinter() as printer:
        add_printer(printer.url)
        job_id = services.queue_label("location", LOCATION, station="dock")
        db.session.commit()
        assert job(job_id).status == JobStatus.SENT
        assert printer.wait_for(1) and b"~HS" not in printer.jobs[0]
        assert printer.status_queries == 2  # before the label and after it


def test_a_printer_that_takes_the_label_and_never_confirms_may_have_printed(ctx, quick):
    """Answers the first ~HS, reads the label, then says nothing: failed, for a person to check."""
    with FakePrinter() as printer:
        original = printer._answer_status
        answered = []

        def once(connection):
            if answered:
                printer.status_queries += 1
                return
            answered.append(1)
            original(connection)

        printer._answer_status = once
        add_printer(printer.url)
        job_id = services.queue_label("location", LOCATION, station="dock")
        db.session.commit()
        failed = job(job_id)
        assert failed.status == JobStatus.FAILED
        assert "did not confirm" in failed.last_error and "may have printed it" in failed.last_error


def test_transport_level_answers():
    with FakePrinter(head_open=True, paper_out=True) as printer:
        with pytest.raises(PrinterError, match="out of labels .* and has its head open"):
            send(printer.url, LABEL, timeout=1)
    with FakePrinter() as printer:
        send(printer.url, LABEL, timeout=1)
        assert printer.wait_for(1) and printer.jobs == [LABEL]


def test_parse_host_status_reads_the_manuals_three_strings():
    answer = (b"\x02030,1,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
              b"\x02001,0,1,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n")
    status = parse_host_status(answer)
    assert status.paper_out and status.head_open and not status.paused
    assert parse_host_status(answer[:-10]) is None
    assert parse_host_status(b"HTTP/1.1 400 Bad Request\r\n\r\n") is None
    ready = parse_host_status(answer.replace(b"030,1,", b"030,0,").replace(b"001,0,1,", b"001,0,0,"))
    assert ready.problem() is None
