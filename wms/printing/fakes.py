"""A pretend Zebra on 127.0.0.1: a real TCP listener that records each job's bytes.

For the tests, the bench and for trying the print worker without a printer. It can be switched
off and on again on the same port (a printer that is off refuses connections), and it can stall:
accept a connection and stop reading, as a paused printer out of labels does.
"""
from __future__ import annotations

import socket
import threading
import time


class FakePrinter:
    def __init__(self, port: int = 0, *, stall: bool = False, receive_buffer: int | None = None) -> None:
        self.port = port
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

    def _receive(self, connection: socket.socket) -> None:
        with connection:
            while self._stall.is_set():
                time.sleep(0.01)
            chunks = []
            try:
                while data := connection.recv(65536):
                    chunks.append(data)
            except OSError:
                pass
            with self._lock:
                self._open.remove(connection)
                if chunks:
                    self.jobs.append(b"".join(chunks))
                    self.arrivals.append(time.perf_counter())
                    self._lock.notify_all()
