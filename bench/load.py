"""Handheld load through HTTP against the production server on PostgreSQL, and the raw floor in the same run.

    python bench/scale.py build --database wms_scale          # once: the warehouse (users w0..w63 on it)
    python bench/load.py --database wms_scale                  # starts gunicorn -c gunicorn.conf.py on 127.0.0.1
    python bench/load.py --database wms_scale --clients 1,4 --seconds 5 --workers 4

Each simulated handheld is a thread with its own keep-alive HTTP connection and its own worker login (the real
badge + PIN screens, with the CSRF token the page carries). It works as fast as the server answers, for `--seconds`
or `--max-scans` at each level of concurrency, whichever comes first; only 127.0.0.1 is ever contacted. The mix,
in turn: three "What's here?" scans (a bin, a product GTIN, a GS1 DataMatrix of a lot), then either one move of a
unit on the Move screen — four scans (from bin, the lot's DataMatrix, "1", to bin) each carrying the screen's
hidden fields as htmx does; the unit goes to a reserve bin and comes back the next time that move comes round —
or four scans of picking: each handheld walks a wave of its own (prepared before the run: orders of one or two
units, allocated FEFO and waved four orders a wave), reading the screen as a picker does: a tote for each order,
the location shown, the lot's DataMatrix (the first unit), the order's tote, and the staging location at the end.
Every post carries a scan id (as scan.js adds one). Every scan is a request and counts as one.

The raw floor: the SQL statements the same scans run (captured once in-process with SQLAlchemy's
`before_cursor_execute`), replayed by plain psycopg in as many threads, one connection each, for as long; a
move's four requests are replayed and then rolled back (its writes cost their statements but no commit, so the
floor is if anything flattered). The ratio HTTP / raw says how much of the throughput the Python around the SQL
keeps.
"""
import argparse
import html
import http.client
import itertools
import os
import queue
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
sys.path.insert(0, str(ROOT / "bench"))


SERVER_LOG = os.path.join(os.environ.get("TMPDIR", "/tmp"), "wms-bench-load-server.log")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: str, port: int, workers: int) -> tuple[subprocess.Popen, subprocess.Popen]:
    """The production pair on 127.0.0.1: gunicorn (`gunicorn -c gunicorn.conf.py wsgi:app`) and `wms worker`
    (it folds the stock summary the moves and picks add to, as in a warehouse)."""
    env = dict(os.environ, WMS_BIND=f"127.0.0.1:{port}", WMS_WORKERS=str(workers), SECRET_KEY="bench-load",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1/{database}")
    log = open(SERVER_LOG, "w")  # noqa: SIM115  (the server's errors, for a refusal that says 500)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=log, stderr=log)
    worker = subprocess.Popen([sys.executable, "-c", "from wms.cli import main; main()", "worker"], cwd=ROOT,
                              env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server, worker
        except OSError:
            time.sleep(0.3)
    server.terminate()
    worker.terminate()
    raise SystemExit("the server did not start")


def cpu_seconds(server_pids: set[int], database: str) -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by each process that serves this bench (Linux /proc): the server's (gunicorn, its
    workers and `wms worker`), PostgreSQL's backends of `database` and its own background processes, and this load
    generator — to say where a scan's time goes on the shared cores."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                name, rest = f.read().rsplit(")", 1)
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = rest.split()
        ppid, seconds = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if int(pid) in server_pids or ppid in server_pids:
            used[int(pid)] = ("server", seconds)
        elif name.endswith("(postgres"):
            backend = "127.0.0.1(" in command or "[local]" in command
            if not backend or f" {database} " in command:  # another database's backends are not ours
                used[int(pid)] = ("postgres", seconds)
    times = os.times()
    used[os.getpid()] = ("generator", times.user + times.system)
    return used


def cpu_per_scan(before: dict, after: dict, scans: int) -> dict[str, float]:
    """CPU ms per scan by part, from two `cpu_seconds` snapshots (a process that ended between them is lost)."""
    per = {"server": 0.0, "postgres": 0.0, "generator": 0.0}
    for pid, (part, seconds) in after.items():
        per[part] += seconds - before.get(pid, (part, 0.0))[1]
    return {part: used * 1000 / max(scans, 1) for part, used in per.items()}


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

    def move(self, source: str, what: str, target: str, scan_id: str, latencies: list[float]) -> int:
        """One unit from `source` to `target` on the Move screen; returns how many scans were refused."""
        errors, fields = 0, {}
        for scan in (source, what, "1", target):
            form = {**fields, "scan": scan}
            if scan is target:
                form["scan_id"] = scan_id
            t = time.perf_counter()
            status, text = self.send("POST", "/hh/stock/move", form)
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200:
                refused(status, scan, text)
                return errors + 1
            fields = hidden_fields(text)
        return errors


    def login(self, n: int) -> None:
        self.send("GET", "/hh/login")
        self.send("POST", "/hh/login", {"scan": f"BADGE-{n}"})
        status, _text = self.send("POST", "/hh/login", {"badge": f"BADGE-{n}", "pin": "1234"})
        status, text = self.send("GET", "/hh/stock/here")
        if status != 200 or 'hx-post="/hh/stock/here"' not in text:
            raise SystemExit(f"login of BADGE-{n} failed: {status}")


TOTES = itertools.count(1)  # tote codes, new for every bind of the run


class Picker:
    """One handheld's walk through its waves: the last screen, and which wave it is on."""

    def __init__(self, waves: "queue.SimpleQueue[int]", codes: dict[str, str], client: int):
        self.waves, self.codes, self.client = waves, codes, client
        self.wave_id: int | None = None
        self.screen = ""

    def next_scan(self) -> str | None:
        """What a picker enters on the screen shown: None when there is no wave left."""
        step = re.search(r'data-step="([a-z_]+)"', self.screen)
        step = step.group(1) if step else ""
        if step == "bind":
            return f"{SCAN_ID_PREFIX}T{os.getpid()}-{next(TOTES)}"
        if step == "finish":
            return "STAGE"
        if step == "location":
            return re.search(r'id="task-location">([^<]+)<', self.screen).group(1)
        if step in ("product", "lot", "quantity"):
            card = self.screen[self.screen.index('id="task"'):]
            sku = re.search(r"<strong>([^<]+)</strong>", card).group(1)
            lot = re.search(r"Lot <strong>([^<]+)</strong>", card)
            return self.codes[f"{sku}|{lot.group(1) if lot else ''}"]
        if step == "tote":
            return re.search(r"Tote (\S+) · slot", self.screen).group(1)
        return None

    def scan(self, handheld: "Handheld", scan_id: str, latencies: list[float]) -> int:
        """One pick scan (opening the next wave first when there is none or it is done); refused scans count."""
        for _ in range(3):
            scan = self.next_scan() if self.wave_id is not None else None
            if scan is not None:
                break
            try:
                self.wave_id = self.waves.get_nowait()
            except queue.Empty:
                self.wave_id = None
                return 0
            t = time.perf_counter()
            status, self.screen = handheld.send("GET", f"/hh/pick/waves/{self.wave_id}")
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200:
                return 1
        else:
            return 0
        t = time.perf_counter()
        status, screen = handheld.send("POST", f"/hh/pick/waves/{self.wave_id}",
                                       {**hidden_fields(self.screen), "scan": scan, "scan_id": scan_id})
        latencies.append((time.perf_counter() - t) * 1000)
        if status == 200:
            self.screen = screen
        else:
            refused(status, scan, screen)
        return int(status != 200)


def prepare_waves(database: str, count: int, per_wave: int = 4) -> tuple[list[int], dict[str, str]]:
    """`count` waves of `per_wave` orders of one line (1 or 2 units of a product in a pick face), released,
    allocated and waved through the services; and the scan of every (SKU, lot) they pick (its DataMatrix)."""
    import tempfile

    from scale import gtin_for
    from sqlalchemy import text

    from tests.conftest import make_app
    from wms import gs1
    from wms.extensions import db
    from wms.orders import services as orders
    from wms.picking import batch_allocation, waves

    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1/{database}", tempfile.mkdtemp())
    rng = random.Random(time.time_ns())
    address = {"street": "Av. Paulista", "number": "1000", "city": "São Paulo", "state": "SP", "cep": "01310-100"}
    with app.app_context():
        skus = list(db.session.execute(text(
            "SELECT DISTINCT p.sku FROM stock_items s JOIN locations l ON l.id = s.location_id "
            "AND l.kind = 'pick_face' AND NOT l.blocked JOIN products p ON p.id = s.product_id "
            "JOIN lots ON lots.id = s.lot_id AND lots.status = 'released' AND lots.expires_on > current_date + 120 "
            "WHERE s.quantity - s.reserved >= 10 LIMIT 2000")).scalars())
        ids = []
        for n in range(count * per_wave):
            data = {"channel": "site", "channel_order_id": f"LOAD-{time.time_ns()}-{n}", "payment_status": "paid",
                    "customer": {"name": f"Cliente {n}"}, "ship_to": address, "carrier": "correios",
                    "lines": [{"sku": rng.choice(skus), "quantity": rng.randint(1, 2), "unit_price_cents": 990}]}
            ids.append(orders.take_order(data)[0].id)
        db.session.commit()
        batch_allocation.allocate_orders(ids)
        db.session.commit()
        wave_ids = []
        for start in range(0, len(ids), per_wave):
            wave = waves.build_wave(order_ids=ids[start:start + per_wave], max_orders=per_wave, user_id=None)
            wave_ids.append(wave.id)
        db.session.commit()
        codes = {}
        for sku, lot, expires in db.session.execute(text(
                "SELECT DISTINCT p.sku, coalesce(lots.code, ''), lots.expires_on FROM pick_tasks t "
                "JOIN products p ON p.id = t.product_id LEFT JOIN lots ON lots.id = t.lot_id "
                "WHERE t.wave_id = ANY(:ids)"), {"ids": wave_ids}):
            gtin = gtin_for(int(sku[3:]))
            codes[f"{sku}|{lot}"] = "]d2" + gs1.element_string(gtin=gtin, expires_on=expires, lot=lot or None,
                                                              separator="|")
    return wave_ids, codes


_told = itertools.count()


def refused(status: int, scan: str, text: str) -> None:
    """The first few refusals, on stderr (a bench that hides its errors tells nothing)."""
    if next(_told) < 5:
        message = re.search(r'class="(?:error|bad)[^"]*"[^>]*>(.*?)<', text, re.S)
        print(f"refused {status}: {scan!r}: {message.group(1).strip() if message else text[:200]!r}",
              file=sys.stderr)


def hidden_fields(fragment: str) -> dict[str, str]:
    """The hidden inputs of the screen's scan form (what htmx would post with the next scan)."""
    form = re.search(r"<form[^>]*>(.*?)</form>", fragment, re.S)
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", form.group(1) if form else ""):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) not in ("csrf_token", "scan_id"):
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


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


def moves_from(database: str, n: int) -> list[tuple[str, str, str]]:
    """n moves of one unit: (from bin, the lot's GS1 DataMatrix, a reserve bin to put it in), from released,
    unexpired lots in unblocked bins holding at least 2 units."""
    import psycopg

    from wms import gs1

    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn:
        rows = conn.execute(
            "SELECT l.code, b.code, lots.code, lots.expires_on FROM stock_items s "
            "JOIN locations l ON l.id = s.location_id AND NOT l.blocked AND l.kind IN ('pick_face', 'reserve') "
            "JOIN product_barcodes b ON b.product_id = s.product_id AND b.kind = 'gtin' "
            "JOIN lots ON lots.id = s.lot_id AND lots.status = 'released' AND lots.expires_on > current_date + 30 "
            "WHERE s.quantity - s.reserved >= 2 AND s.id %% 97 = 5 ORDER BY s.id LIMIT %s", (n,)).fetchall()
        targets = [code for (code,) in conn.execute(
            "SELECT code FROM locations WHERE kind = 'reserve' AND NOT blocked AND active AND id %% 89 = 3 "
            "ORDER BY id LIMIT %s", (n,))]
    return [(bin_code, "]d2" + gs1.element_string(gtin=gtin, expires_on=expires, lot=lot, separator="|"), target)
            for (bin_code, gtin, lot, expires), target in zip(rows, targets, strict=False)]


class Work:
    """The mix every handheld walks through: three What's here? scans, then a move (there and, the next time
    round, back)."""

    def __init__(self, scans: list[str], moves: list[tuple[str, str, str]], mix: str = "full"):
        self.scans, self.moves, self.mix = scans, moves, mix
        self.trips = [0] * len(moves)
        self.lock = threading.Lock()
        self.ids = itertools.count()

    def operation(self, k: int):
        if self.mix == "here":
            return ("here", self.scans[k % len(self.scans)])
        if k % 8 == 7:
            return ("pick",)
        if k % 4 == 3 and self.moves:
            i = (k // 4) % len(self.moves)
            with self.lock:
                there = self.trips[i] % 2 == 0
                self.trips[i] += 1
            source, what, target = self.moves[i]
            return ("move", source, what, target) if there else ("move", target, what, source)
        return ("here", self.scans[k % len(self.scans)])

    def scan_id(self) -> str:
        return f"{SCAN_ID_PREFIX}{os.getpid()}-{time.time_ns()}-{next(self.ids)}"


SCAN_ID_PREFIX = "load-"


def fresh_scan_ids(parameters, fresh: dict[str, str], base: str):
    """The captured parameters with each scan id and tote code of the bench replaced by a fresh one (the same
    one for the same value within one replay): a replay must not repeat a committed row's unique key."""
    def swap(value):
        if isinstance(value, str) and value.lower().startswith(SCAN_ID_PREFIX):
            return fresh.setdefault(value.lower(), f"{base}-{len(fresh)}")
        return value

    if isinstance(parameters, dict):
        return {key: swap(value) for key, value in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        return type(parameters)(swap(value) for value in parameters)
    return parameters


def capture_sql(database: str, work: Work, n: int) -> list[tuple[str, list[tuple[str, object, bool]]]]:
    """The statements each of the first n operations of the mix runs in the app (the same code the server runs),
    to replay them raw: ("here" or "move", statements)."""
    import tempfile

    from sqlalchemy import event

    from tests.conftest import make_app
    from wms.extensions import db

    wave_ids, codes = prepare_waves(database, 3)  # before this app: make_app resets the process's caches
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1/{database}", tempfile.mkdtemp())
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/hh/login", data={"badge": "BADGE-63", "pin": "1234"}, headers={"HX-Request": "true"})
    client.post("/hh/stock/here", data={"scan": work.scans[0]}, headers={"HX-Request": "true"})  # warm the caches
    with app.app_context():
        engine = db.engine
    captured: list[tuple[str, list[tuple[str, object, bool]]]] = []
    current: list[tuple[str, object, bool]] = []

    def keep(_conn, _cursor, statement, parameters, _context, many):
        current.append((statement, parameters, many))

    def post(path: str, form: dict) -> str:
        response = client.post(path, data=form, headers={"HX-Request": "true"})
        assert response.status_code == 200, (form, response.status_code, response.text[:300])
        return response.text

    class InProcess:  # the test client with a Handheld's send()
        def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
            response = client.open(path, method=method, data=form, headers={"HX-Request": "true"})
            return response.status_code, response.text

    waves: queue.SimpleQueue[int] = queue.SimpleQueue()
    for wave_id in wave_ids:
        waves.put(wave_id)
    picker, in_process, ignored = Picker(waves, codes, 99), InProcess(), []

    event.listen(engine, "before_cursor_execute", keep)
    for k in range(n):
        current = []
        operation = work.operation(k)
        if operation[0] == "here":
            post("/hh/stock/here", {"scan": operation[1]})
        elif operation[0] == "pick":
            for _ in range(4):
                assert picker.scan(in_process, work.scan_id(), ignored) == 0, picker.screen[:500]
        else:
            _kind, source, what, target = operation
            fields: dict = {}
            for scan in (source, what, "1", target):
                extra = {"scan_id": work.scan_id()} if scan is target else {}
                fields = hidden_fields(post("/hh/stock/move", {**fields, "scan": scan, **extra}))
        captured.append((operation[0], current))
    event.remove(engine, "before_cursor_execute", keep)
    return captured  # the captured moves went there: the mix's next turn of each brings its unit back


def python_speed() -> float:
    """Milliseconds this machine takes for 3,000,000 additions in pure Python (best of 5): the same code's CPU
    per scan moves with it on a shared virtual machine, so every run prints it beside its figures."""
    best = float("inf")
    for _ in range(5):
        started, total = time.process_time(), 0
        for i in range(3_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return best * 1000


def summary(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(int(len(samples) * 0.99) - 1, 0)]


def together(clients: int, seconds: float, max_scans: int, one, cpu_now=dict) -> tuple[float, tuple]:
    """Run `one(i, k)` (client i's k-th operation, k starting at 7 i) in `clients` threads, started together, for
    `seconds` or `max_scans` operations in all. Answers the seconds it took and `cpu_now()` read just before the
    start and once every thread has stopped."""
    stop_at = [0.0]
    budget = threading.Semaphore(max_scans)
    barrier = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        k = i * 7
        barrier.wait()
        while time.perf_counter() < stop_at[0] and budget.acquire(blocking=False):
            one(i, k)
            k += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = cpu_now()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, (cpu_before, cpu_now())


def http_level(port: int, clients: int, work: Work, waves: list[int], codes: dict[str, str], seconds: float,
               max_scans: int, cpu_now=dict):
    """One level of concurrency: log the handhelds in, then let them scan for `seconds`. `cpu_now()` is read just
    before the scans start and once they have stopped (the logins' password hashing is not counted)."""
    handhelds = [Handheld(port) for _ in range(clients)]
    queued: queue.SimpleQueue[int] = queue.SimpleQueue()
    for wave_id in waves:
        queued.put(wave_id)
    pickers = [Picker(queued, codes, i) for i in range(clients)]
    for n, handheld in enumerate(handhelds):
        handheld.login(n)
    latencies = {kind: [[] for _ in range(clients)] for kind in ("here", "move", "pick")}
    errors = [0] * clients

    def one(i: int, k: int) -> None:
        handheld = handhelds[i]
        operation = work.operation(k)
        if operation[0] == "here":
            t = time.perf_counter()
            status, _text = handheld.send("POST", "/hh/stock/here", {"scan": operation[1]})
            latencies["here"][i].append((time.perf_counter() - t) * 1000)
            errors[i] += status != 200
        elif operation[0] == "pick":
            for _ in range(4):
                errors[i] += pickers[i].scan(handheld, work.scan_id(), latencies["pick"][i])
        else:
            errors[i] += handheld.move(*operation[1:], work.scan_id(), latencies["move"][i])

    elapsed, cpu_used = together(clients, seconds, max_scans, one, cpu_now)
    here, move, pick = ([x for per in latencies[kind] for x in per] for kind in ("here", "move", "pick"))
    return ((len(here) + len(move) + len(pick)) / elapsed, *summary(here + move + pick), *summary(here),
            *summary(move or [0.0]), *summary(pick or [0.0]), len(pick), sum(errors), len(here) + len(move) + len(pick),
            cpu_used)


def raw_level(database: str, clients: int, captured, seconds: float, max_scans: int) -> float:
    """Scans per second of the captured statements replayed by psycopg (a move's or picking's four requests
    count as 4 scans and are rolled back)."""
    import psycopg

    connections = [psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") for _ in range(clients)]
    done = [0] * clients

    def one(i: int, k: int) -> None:
        conn = connections[i]
        kind, statements = captured[k % len(captured)]
        with conn.cursor() as cur:
            fresh, base = {}, f"{SCAN_ID_PREFIX}R{i}-{k}-{time.time_ns()}"
            for statement, captured_parameters, many in statements:
                parameters = fresh_scan_ids(captured_parameters, fresh, base)
                if many:
                    cur.executemany(statement, parameters)
                    continue
                cur.execute(statement, parameters or None)
                if cur.description:
                    cur.fetchall()
        if kind in ("move", "pick"):
            conn.rollback()
            done[i] += 4
        else:
            conn.commit()
            done[i] += 1

    elapsed, _cpu = together(clients, seconds, max_scans, one)
    for conn in connections:
        conn.close()
    return sum(done) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="wms_scale")
    parser.add_argument("--clients", default="1,4,16,32")
    parser.add_argument("--seconds", type=float, default=10.0, help="per level of concurrency")
    parser.add_argument("--max-scans", type=int, default=20_000, help="per level: a bound on the requests sent")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of untimed work first (all workers)")
    parser.add_argument("--mix", choices=("full", "here"), default="full",
                        help="full: What's here? x3 + a move or picking; here: What's here? only (the issue's first measure)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn processes")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    if max(levels) > 64:
        raise SystemExit("at most 64 clients (the users w0..w63 of bench/scale.py)")
    work = Work(scans_from(args.database, 300), moves_from(args.database, 200), args.mix)
    captured = capture_sql(args.database, work, 24)
    here = [len(c) for kind, c in captured if kind == "here"]
    move = [len(c) / 4 for kind, c in captured if kind == "move"]
    pick = [len(c) / 4 for kind, c in captured if kind == "pick"]
    # Enough waves that no handheld runs out: about 3 in 10 scans are picking, about 15 scans a wave, up to
    # 500 scans/s.
    per_level = int(min(args.max_scans, 500 * args.seconds) * 0.3 / 15) + 2
    wave_ids, codes = prepare_waves(args.database, per_level * len(levels) + 2 * args.workers)
    warm_waves, wave_ids = wave_ids[:2 * args.workers], wave_ids[2 * args.workers:]
    waves_per_level = len(wave_ids) // len(levels)
    port = free_port()
    server, worker = start_server(args.database, port, args.workers)
    serving = {server.pid, worker.pid}
    try:
        mix = "What's here? only" if args.mix == "here" else "What's here? ×3 + a move or picking (4 scans)"
        print(f"{mix} through HTTP, gunicorn with {args.workers} workers on "
              f"127.0.0.1, PostgreSQL {args.database}; SQL statements per scan: What's here? "
              f"{statistics.mean(here):.1f}, move {statistics.mean(move or [0]):.1f}, picking {statistics.mean(pick or [0]):.1f}; "
              f"{len(wave_ids)} waves of 4 orders; load before: {os.getloadavg()[0]:.1f}; Python speed reference: "
              f"3M additions in {python_speed():.0f} ms")
        print("| clients | scans/s | p50 ms | p99 ms | What's here? p50 / p99 | move p50 / p99 | picking p50 / p99 "
              "| pick scans | errors | raw floor scans/s | HTTP / raw |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        # Every worker process compiles its templates and loads its translations on first use: warm them all up
        # with the same mix before anything is timed.
        http_level(port, 2 * args.workers, work, warm_waves, codes, args.warmup, args.max_scans)

        def cpu_now():
            return cpu_seconds(serving, args.database)

        cpu: list[tuple[int, dict[str, float]]] = []
        for n, clients in enumerate(levels):
            waves = wave_ids[n * waves_per_level:(n + 1) * waves_per_level]
            rate, p50, p99, h50, h99, m50, m99, k50, k99, picked, errors, scans, (before, after) = http_level(
                port, clients, work, waves, codes, args.seconds, args.max_scans, cpu_now)
            cpu.append((clients, cpu_per_scan(before, after, scans)))
            raw = raw_level(args.database, clients, captured, args.seconds, args.max_scans)
            print(f"| {clients} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {h50:.1f} / {h99:.1f} | {m50:.1f} / {m99:.1f} "
                  f"| {k50:.1f} / {k99:.1f} | {picked} | {errors} | {raw:.0f} | {rate / raw:.0%} |", flush=True)
        print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("CPU ms per scan while the handhelds scanned (from /proc; the logins before are not counted):")
        print("| clients | server (gunicorn + wms worker) | PostgreSQL | load generator | all | bound on 2 cores, scans/s |")
        print("|---:|---:|---:|---:|---:|---:|")
        for clients, per in cpu:
            total = sum(per.values())
            print(f"| {clients} | {per['server']:.1f} | {per['postgres']:.1f} | {per['generator']:.1f} | {total:.1f} "
                  f"| {(os.cpu_count() or 1) * 1000 / total:.0f} |")
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
