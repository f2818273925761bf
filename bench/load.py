"""Handheld load through HTTP against the production server on PostgreSQL, and the raw floor in the same run.

    python bench/scale.py build --database wms_scale          # once: the warehouse (users w0..w63 on it)
    python bench/load.py --database wms_scale                  # starts gunicorn -c gunicorn.conf.py on 127.0.0.1
    python bench/load.py --database wms_scale --clients 1,4 --seconds 5 --workers 4

Each simulated handheld is a thread with its own keep-alive HTTP connection and its own worker login (the real
badge + PIN screens, with the CSRF token the page carries). It scans "What's here?" (a bin, a product GTIN or a
GS1 DataMatrix of a lot, in turn) as fast as the server answers, for `--seconds` or `--max-scans` at each level of
concurrency, whichever comes first; only 127.0.0.1 is ever contacted.

The raw floor: the SQL statements the same scans run (captured once in-process with SQLAlchemy's
`before_cursor_execute`), replayed by plain psycopg in as many threads, one connection each, for as long. The
ratio HTTP / raw says how much of the throughput the Python around the SQL keeps.
"""
import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, WMS_BIND=f"127.0.0.1:{port}", WMS_WORKERS=str(workers), SECRET_KEY="bench-load",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1/{database}")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start")


class Handheld:
    """One handheld: a keep-alive connection, its session cookie and CSRF token."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "en", "HX-Request": "true"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrf_token": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        found = re.search(r'name="csrf_token" value="([^"]+)"', text) or re.search(r'"X-CSRFToken": "([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return response.status, text

    def login(self, n: int) -> None:
        self.send("GET", "/hh/login")
        self.send("POST", "/hh/login", {"scan": f"BADGE-{n}"})
        status, _text = self.send("POST", "/hh/login", {"badge": f"BADGE-{n}", "pin": "1234"})
        status, text = self.send("GET", "/hh/stock/here")
        if status != 200 or 'hx-post="/hh/stock/here"' not in text:
            raise SystemExit(f"login of BADGE-{n} failed: {status}")


def scans_from(database: str, n: int) -> list[str]:
    import psycopg

    from wms import gs1

    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn:
        count = conn.execute("SELECT max(id) FROM stock_items").fetchone()[0]
        ids = random.Random(3).sample(range(1, count + 1), n)
        rows = conn.execute(
            "SELECT l.code, b.code, lots.code, lots.expires_on FROM stock_items s JOIN locations l ON l.id = "
            "s.location_id JOIN product_barcodes b ON b.product_id = s.product_id AND b.kind = 'gtin' "
            "LEFT JOIN lots ON lots.id = s.lot_id WHERE s.id = ANY(%s)", (ids,)).fetchall()
    scans = []
    for i, (bin_code, gtin, lot, expires) in enumerate(rows):
        scans.append((bin_code, gtin, "]d2" + gs1.element_string(gtin=gtin, expires_on=expires, lot=lot,
                                                                  serial="SN1", separator="|") if lot else gtin)[i % 3])
    return scans


def capture_sql(database: str, scans: list[str]) -> list[list[tuple[str, object]]]:
    """The statements each scan runs in the app (the same code the server runs), to replay them raw."""
    import tempfile

    from sqlalchemy import event

    from tests.conftest import make_app
    from wms.extensions import db

    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1/{database}", tempfile.mkdtemp())
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/hh/login", data={"badge": "BADGE-63", "pin": "1234"}, headers={"HX-Request": "true"})
    client.post("/hh/stock/here", data={"scan": scans[0]}, headers={"HX-Request": "true"})  # warm the caches
    with app.app_context():
        engine = db.engine
    captured: list[list[tuple[str, object]]] = []
    current: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        current.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    for scan in scans:
        current = []
        response = client.post("/hh/stock/here", data={"scan": scan}, headers={"HX-Request": "true"})
        assert response.status_code == 200, (scan, response.status_code)
        captured.append(current)
    event.remove(engine, "before_cursor_execute", keep)
    return captured


def summary(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(int(len(samples) * 0.99) - 1, 0)]


def http_level(port: int, clients: int, scans: list[str], seconds: float, max_scans: int):
    handhelds = [Handheld(port) for _ in range(clients)]
    for n, handheld in enumerate(handhelds):
        handheld.login(n)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = [0.0]
    budget = threading.Semaphore(max_scans)
    barrier = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        handheld, k = handhelds[i], i * 7
        barrier.wait()
        while time.perf_counter() < stop_at[0] and budget.acquire(blocking=False):
            t = time.perf_counter()
            status, _text = handheld.send("POST", "/hh/stock/here", {"scan": scans[k % len(scans)]})
            latencies[i].append((time.perf_counter() - t) * 1000)
            errors[i] += status != 200
            k += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [x for per in latencies for x in per]
    return len(every) / elapsed, *summary(every), sum(errors)


def raw_level(database: str, clients: int, captured, seconds: float, max_scans: int) -> float:
    import psycopg

    connections = [psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") for _ in range(clients)]
    done = [0] * clients
    stop_at = [0.0]
    budget = threading.Semaphore(max_scans)
    barrier = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        conn, k = connections[i], i * 7
        barrier.wait()
        while time.perf_counter() < stop_at[0] and budget.acquire(blocking=False):
            with conn.cursor() as cur:
                for statement, parameters in captured[k % len(captured)]:
                    cur.execute(statement, parameters or None)
                    if cur.description:
                        cur.fetchall()
            conn.commit()
            done[i] += 1
            k += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for conn in connections:
        conn.close()
    return sum(done) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="wms_scale")
    parser.add_argument("--clients", default="1,4,16,32")
    parser.add_argument("--seconds", type=float, default=10.0, help="per level of concurrency")
    parser.add_argument("--max-scans", type=int, default=20_000, help="per level: a bound on the requests sent")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn processes")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    if max(levels) > 64:
        raise SystemExit("at most 64 clients (the users w0..w63 of bench/scale.py)")
    scans = scans_from(args.database, 300)
    captured = capture_sql(args.database, scans)
    statements = statistics.mean(len(c) for c in captured)
    port = free_port()
    server = start_server(args.database, port, args.workers)
    try:
        print(f"What's here? through HTTP, gunicorn with {args.workers} workers on 127.0.0.1, PostgreSQL "
              f"{args.database}; {statements:.1f} SQL statements per scan; load before: {os.getloadavg()[0]:.1f}")
        print("| clients | scans/s | p50 ms | p99 ms | errors | raw floor scans/s | HTTP / raw |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for clients in levels:
            rate, p50, p99, errors = http_level(port, clients, scans, args.seconds, args.max_scans)
            raw = raw_level(args.database, clients, captured, args.seconds, args.max_scans)
            print(f"| {clients} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {raw:.0f} | {rate / raw:.0%} |",
                  flush=True)
        print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
