"""A pretend Zebra on 127.0.0.1: a real TCP listener that records each job's bytes and answers the host
status query (~HS) as a Zebra does (three <STX>...<ETX> strings; see printers.transports.HostStatus).

For the tests, the bench and for trying the print worker without a printer. It can be switched
off and on again on the same port (a printer that is off refuses connections), and it can stall:
accept a connection and stop reading, as a paused printer out of labels does (`stall_after_status`: once it
has answered the first ~HS, as one that jams mid-job). `paper_out`, `head_open`, `paused` set the flags its
answer carries; `answers=False` makes it a listener that takes bytes and never answers.
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time


class FakePrinter:
    def __init__(self, port: int = 0, *, stall: bool = False, receive_buffer: int | None = None,
                 answers: bool = True, paper_out: bool = False, head_open: bool = False, paused: bool = False,
                 stall_after_status: bool = False) -> None:
        self.port = port
        self.answers = answers
        self.paper_out, self.head_open, self.paused = paper_out, head_open, paused
        self.stall_after_status = stall_after_status
        self.status_queries = 0
        self.jobs: list[bytes] = []
        self.arrivals: list[float] = []  # time.perf_counter() when each job was complete
        self.connections = 0
        self._stall = threading.Event()
        if stall:
            self._stall.set()
        self._receive_buffer = receive_buffer
        self._lock = threading.Condition()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []

    # --- life -----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @staticmethod
    def free_port() -> int:
        """A port nothing listens on (a printer that is off)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def start(self) -> FakePrinter:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._receive_buffer:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._receive_buffer)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Switch the printer off: refuse new connections and drop open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        self._stall.clear()
        with self._lock:
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    def __enter__(self) -> FakePrinter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- behaviour ------------------------------------------------------------------------------------

    def host_status(self) -> bytes:
        """The three ~HS strings with this printer's flags (paper out, paused; head up)."""
        first = f"030,{int(self.paper_out)},{int(self.paused)},1245,000,0,0,0,000,0,0,0"
        second = f"001,0,{int(self.head_open)},0,0,2,4,0,00000000,1,000"
        return b"".join(b"\x02" + text.encode() + b"\x03\r\n" for text in (first, second, "1234,0"))

    def stall(self) -> None:
        self._stall.set()

    def resume(self) -> None:
        self._stall.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """True once `count` jobs have arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(connection)
            thread = threading.Thread(target=self._receive, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _answer_status(self, connection: socket.socket) -> None:
        with self._lock:
            self.status_queries += 1
        if self.answers:
            connection.sendall(self.host_status())
        if self.stall_after_status:  # once: after a resume it reads on
            self.stall_after_status = False
            self._stall.set()

    def _receive(self, connection: socket.socket) -> None:
        with connection:
            while self._stall.is_set():
                time.sleep(0.01)
            chunks = []
            pending = b""  # the end of the last read when it may be the start of "~HS"
            try:
                while data := connection.recv(65536):
                    if not pending and b"~" not in data:  # the usual case: label bytes only
                        chunks.append(data)
                        continue
                    pending += data
                    while (at := pending.find(b"~HS")) >= 0:  # a tilde command is answered at once
                        chunks.append(pending[:at])
                        pending = pending[at + 3:]
                        self._answer_status(connection)
                    keep = 2 if pending.endswith(b"~H") else 1 if pending.endswith(b"~") else 0
                    chunks.append(pending[:len(pending) - keep])
                    pending = pending[len(pending) - keep:]
                    while self._stall.is_set():
                        time.sleep(0.01)
            except OSError:
                pass
            chunks.append(pending)
            with self._lock:
                if connection in self._open:
                    self._open.remove(connection)
                job = b"".join(chunks)
                if job:
                    self.jobs.append(job)
                    self.arrivals.append(time.perf_counter())
                    self._lock.notify_all()


@contextlib.contextmanager
def silent_printer():
    """A printer that is off without refusing: a listener that never accepts, its backlog filled, so that a new
    connection's SYN is dropped and connecting times out. Yields its port, or None where the kernel keeps
    accepting connections (it cannot be simulated there)."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(16):
            filler = socket.socket()
            filler.settimeout(0.2)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            port = None
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
