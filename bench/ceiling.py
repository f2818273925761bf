"""The ceiling of the stack: requests a second that gunicorn and Flask serve on this machine with nothing of the
product in them, beside What's here? itself and the raw floor of its SQL, in the same run.

    python bench/scale.py build --database wms_lscale          # once (bench/load.py's database)
    python bench/ceiling.py --database wms_lscale --clients 1,4,16 --seconds 10

Issue 16 asks What's here? through HTTP for ≥ 40 % of the raw floor (its SQL statements replayed by psycopg in as
many threads). This says how much of the floor the stack keeps before any of the product's code runs. Four
measures at each level of concurrency, one after the other, by the same keep-alive clients as bench/load.py
(127.0.0.1 only), each POSTing the form a handheld posts:
- bare: gunicorn (sync workers, 2 × cores, as gunicorn.conf.py) and a Flask view answering a constant fragment
  of What's here?'s size (bench/ceiling_app.py);
- sql: the same, the view first running the What's here? statements the product ran for that scan (captured
  in-process) with psycopg — no ORM, login, session, CSRF or template;
- product: What's here? in the product (`gunicorn -c gunicorn.conf.py wsgi:app` and `wms worker`, real logins);
- raw: the captured statements replayed by psycopg in as many threads (bench/load.py's raw floor).
CPU ms a request of the server's processes (from /proc) is printed for the first three.
"""
import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

import load  # bench/load.py: its clients, server, capture and raw floor

ROOT = load.ROOT


def start_ceiling(database: str, port: int, workers: int, sql_file: str, size: int) -> subprocess.Popen:
    env = dict(os.environ, CEILING_SQL=sql_file, CEILING_BYTES=str(size),
               CEILING_DATABASE=f"postgresql://postgres@127.0.0.1/{database}")
    log = open(load.SERVER_LOG, "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync", "--keep-alive", "5",
         "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT / "bench"), "ceiling_app:app"],
        env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if load.Handheld(port).send("POST", "/bare", {"scan": "x"})[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the ceiling server did not start")


def post_level(port: int, path: str, clients: int, scans: list[str], seconds: float, server_pids: set[int],
               database: str) -> tuple[float, float, float]:
    """Requests a second, p99 ms and the server's CPU ms a request, `clients` keep-alive clients POSTing for
    `seconds`."""
    handhelds = [load.Handheld(port) for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]

    def one(i: int, k: int) -> None:
        t = time.perf_counter()
        status, _text = handhelds[i].send("POST", path, {"scan": scans[k % len(scans)], "k": str(k)})
        latencies[i].append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")

    elapsed, (before, after) = load.together(clients, seconds, 1_000_000, one,
                                             lambda: load.cpu_seconds(server_pids, database))
    done = sum(len(per) for per in latencies)
    cpu = load.cpu_per_scan(before, after, done)
    return done / elapsed, load.summary([x for per in latencies for x in per])[1], cpu["server"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="wms_lscale")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--bytes", type=int, default=3000, help="the constant answer's size (What's here? ~3 KB)")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    if max(levels) > 64:
        raise SystemExit("at most 64 clients (the users w0..w63 of bench/scale.py)")
    work = load.Work(load.scans_from(args.database, 300), [], "here")
    captured = load.capture_sql(args.database, work, 60)
    sql_file = os.path.join(tempfile.mkdtemp(), "ceiling.pickle")
    with open(sql_file, "wb") as f:
        pickle.dump([[(s, p) for s, p, _many in statements] for _kind, statements in captured], f)
    scans = work.scans[:60]
    print(f"What's here? through HTTP against the stack alone, {args.workers} sync gunicorn workers, PostgreSQL "
          f"{args.database}, {statistics.mean(len(c) for _k, c in captured):.1f} statements a scan; load before: "
          f"{os.getloadavg()[0]:.1f}; Python speed reference: 3M additions in {load.python_speed():.0f} ms")
    print("| clients | bare Flask req/s (server CPU ms) | Flask + SQL req/s (CPU ms) | product req/s (CPU ms) "
          "| raw floor scans/s | bare / raw | Flask + SQL / raw | product / raw |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    port = load.free_port()
    ceiling = start_ceiling(args.database, port, args.workers, sql_file, args.bytes)
    try:
        post_level(port, "/sql", 2 * args.workers, scans, 2, {ceiling.pid}, args.database)  # warm every worker
        for clients in levels:
            bare = post_level(port, "/bare", clients, scans, args.seconds, {ceiling.pid}, args.database)
            sql = post_level(port, "/sql", clients, scans, args.seconds, {ceiling.pid}, args.database)
            rows.append([clients, bare, sql])
    finally:
        ceiling.terminate()
        ceiling.wait(timeout=30)
    port = load.free_port()
    server, worker = load.start_server(args.database, port, args.workers)
    try:
        load.http_level(port, 2 * args.workers, work, [], {}, 3, 20_000)  # warm every worker's templates
        for row in rows:
            clients = row[0]
            rate, *_rest, (before, after) = load.http_level(
                port, clients, work, [], {}, args.seconds, 20_000,
                lambda: load.cpu_seconds({server.pid, worker.pid}, args.database))
            product_scans = _rest[-1]
            cpu = load.cpu_per_scan(before, after, product_scans)["server"]
            raw = load.raw_level(args.database, clients, captured, args.seconds, 20_000)
            (bare_rate, _bp99, bare_cpu), (sql_rate, _sp99, sql_cpu) = row[1], row[2]
            print(f"| {clients} | {bare_rate:.0f} ({bare_cpu:.2f}) | {sql_rate:.0f} ({sql_cpu:.2f}) "
                  f"| {rate:.0f} ({cpu:.2f}) | {raw:.0f} | {bare_rate / raw:.0%} | {sql_rate / raw:.0%} "
                  f"| {rate / raw:.0%} |", flush=True)
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
