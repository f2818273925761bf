"""Receiving figures: how many scans a 10-line ASN of GS1-labelled goods takes, and the server time per scan.

    python bench/receiving.py            # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench_rcv python bench/receiving.py   # (the schema is dropped)

Each scenario receives a fresh ASN of 10 lines (48 units each, in cases of 12) by posting to the handheld screens
exactly what a worker's scanner or keypad sends (scans and typed answers go through the one scan field; taps are
the buttons), from the first scan of the ASN or pallet to the closed receipt. "Inputs" counts scans and typed
answers; "taps" counts buttons. Server time is measured in-process with Flask's test client (no network): from
request to response body, what the server adds to every scan.
"""
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import make_app  # noqa: E402
from wms import clock, gs1  # noqa: E402
from wms.cli import upgrade_database  # noqa: E402
from wms.extensions import db  # noqa: E402

HX = {"HX-Request": "true"}
LINES, UNITS, CASE = 10, 48, 12


def gtin(body: str) -> str:
    return body + gs1.check_digit(body)


def sscc(n: int) -> str:
    return gtin(f"37610425{n:09d}")


def setup(app) -> list[dict]:
    from wms.auth import services as auth
    from wms.catalog import services as catalog
    from wms.locations import services as locations

    with app.app_context():
        auth.create_user("bench", role="worker", badge="BADGE-B", pin="1234", password="bench", locale="en")
        warehouse = locations.create_warehouse("W1", "Bench", aisle_length_m=20.0, aisle_pitch_m=3.0, bay_width_m=1.0)
        for code, kind in (("DOCK", "receiving"), ("Q-01", "quarantine"), ("DMG-01", "damaged")):
            locations.create_location(code, kind, warehouse=warehouse)
        locations.create_range("A", (1, 10), (1, 20), (1, 3), pick_face_levels=(1,), warehouse=warehouse)
        products = []
        for i in range(LINES):
            medicine = i < 4  # four Anvisa medicines, six others
            unit, case = gtin(f"789200000{i:03d}"), gtin(f"1789200000{i:03d}")
            catalog.create_product(
                sku=f"P{i:02d}", name=f"Product {i}", category="medicine" if medicine else "other",
                lot_tracked=True, expiry_tracked=True, min_shelf_life_days=90,
                anvisa_registration=f"10553{i:08d}" if medicine else None,
                barcodes=[(unit, "gtin", 1), (case, "case_gtin", CASE)])
            products.append({"sku": f"P{i:02d}", "unit": unit, "case": case,
                             "anvisa": f"10553{i:08d}" if medicine else None})
        db.session.remove()
    return products


class Worker:
    """Posts to the handheld screens like scan.js does, and times every request."""

    def __init__(self, client):
        self.client, self.inputs, self.taps, self.samples, self.cpu = client, 0, 0, [], []
        self.screen, self.state, self.url = "", {}, ""

    def _post(self, url, data):
        start, cpu = time.perf_counter(), time.process_time()
        response = self.client.post(url, data=data, headers=HX)
        html = response.get_data(as_text=True)
        self.samples.append((time.perf_counter() - start) * 1000)
        self.cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (response.status_code, re.findall(r'class="error"[^>]*>([^<]+)', html))
        self.screen = html
        form = re.search(r'<form class="scan".*?</form>', html, re.S)
        self.state = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0))) \
            if form else {}
        found = re.search(r'hx-post="(/hh/receive/\d+)"', html)
        self.url = found.group(1) if found else self.url
        return html

    def start(self, text):
        self.inputs += 1
        return self._post("/hh/receive", {"scan": text})

    def scan(self, text):
        self.inputs += 1
        return self._post(self.url, dict(self.state, scan=text))

    def close(self):
        self.taps += 2  # "Close receipt…" and "Close receipt"
        self.client.get(f"{self.url}/close")
        html = self._post(f"{self.url}/close", {"confirm": "1"})
        assert "is closed" in html


def make_asn(app, reference, products, *, pallets=None, lots=True):
    from wms.receiving import asns

    expires = clock.today() + timedelta(days=400)
    lines = []
    for i, product in enumerate(products):
        line = {"sku": product["sku"], "quantity": UNITS}
        if lots:
            line.update(lot=f"L{reference[-3:]}{i}", expires_on=expires.isoformat())
        if pallets:
            line["sscc"] = pallets[i * len(pallets) // len(products)]
        lines.append(line)
    with app.app_context():
        asns.create_asn({"supplier": "Bench", "reference": reference, "expected_on": clock.today().isoformat(),
                         "lines": lines})
        db.session.remove()
    return expires


def element(**fields) -> str:
    return gs1.element_string(separator="|", **fields)


def scenario_case_labels(app, worker, products, ref):
    """GS1-128 on every case: (01) case GTIN, (17) expiry, (10) lot; the worker types how many cases."""
    expires = make_asn(app, ref, products)
    worker.start(ref)
    for i, p in enumerate(products):
        worker.scan(element(gtin=p["case"], expires_on=expires, lot=f"L{ref[-3:]}{i}"))
        worker.scan(str(UNITS // CASE))


def scenario_pallet_labels(app, worker, products, ref, first):
    """One homogeneous pallet per line, labelled (00) SSCC, (02) case GTIN, (37) cases, (17), (10): one scan."""
    expires = make_asn(app, ref, products)
    worker.start(ref)
    for i, p in enumerate(products):
        worker.scan(element(sscc=sscc(first + i), gtin=p["case"], count=UNITS // CASE, expires_on=expires,
                            lot=f"L{ref[-3:]}{i}"))
    # (02) is not (01): element_string writes (01); the engine takes either as the contained product


def scenario_announced_pallets(app, worker, products, ref, first):
    """The ASN lists its two pallets' SSCCs with lots and expiry: scanning a pallet receives its lines."""
    pallets = [sscc(first), sscc(first + 1)]
    make_asn(app, ref, products, pallets=pallets)
    worker.start(pallets[0])  # the first pallet's scan finds the ASN, opens the receipt and receives it
    worker.scan(pallets[1])


def scenario_serialised_units(app, worker, products, ref):
    """Every box carries a GS1 DataMatrix (SNCM): GTIN, expiry, Anvisa registration, serial, lot. One scan a box."""
    expires = make_asn(app, ref, products)
    worker.start(ref)
    for i, p in enumerate(products):
        for n in range(UNITS):
            worker.scan(element(gtin=p["unit"], expires_on=expires, anvisa_registration=p["anvisa"],
                                serial=f"{ref[-3:]}{i:02d}{n:04d}", lot=f"L{ref[-3:]}{i}"))


def scenario_plain_ean(app, worker, products, ref):
    """No GS1 data: an EAN-13 on the unit, lot and expiry read off the label and typed, then the quantity."""
    expires = make_asn(app, ref, products)
    worker.start(ref)
    for i, p in enumerate(products):
        worker.scan(p["unit"])
        worker.scan(f"L{ref[-3:]}{i}")
        worker.scan(expires.strftime("%d/%m/%Y"))
        worker.scan(str(UNITS))


def _figures(samples: list[float], width: int = 7) -> str:
    ordered = sorted(samples)
    p99 = ordered[max(int(len(ordered) * 0.99) - 1, 0)]
    return f"{statistics.median(ordered):{width}.2f} {p99:{width}.2f}"


def main():
    folder = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = make_app(url, folder, WMS_PRINT_IMMEDIATE=False)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_database()
    products = setup(app)
    client = app.test_client()
    client.post("/hh/login", data={"badge": "BADGE-B", "pin": "1234"}, headers=HX)

    scenarios = [
        ("GS1-128 case label (01)(17)(10) + cases typed", lambda w, r: scenario_case_labels(app, w, products, r)),
        ("pallet label (00)(02/01)(37)(17)(10) per line",
         lambda w, r: scenario_pallet_labels(app, w, products, r, int(r[-3:]) * 100)),
        ("SSCC pallets announced in the ASN (2 pallets)",
         lambda w, r: scenario_announced_pallets(app, w, products, r, int(r[-3:]) * 100 + 50)),
        ("unit DataMatrix with serial, every box (480)", lambda w, r: scenario_serialised_units(app, w, products, r)),
        ("baseline: EAN-13, lot/expiry/quantity typed", lambda w, r: scenario_plain_ean(app, w, products, r)),
    ]
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    print(f"Receiving a {LINES}-line ASN ({LINES * UNITS} units), {'PostgreSQL' if 'postgresql' in url else 'SQLite'}"
          f", {runs} runs each; server time per input in ms")
    print(f"  {'scenario':50} {'inputs':>6} {'taps':>5} {'median':>7} {'p99':>7} {'CPU med':>8} {'CPU p99':>8}")
    every, every_cpu = [], []
    number = 100
    for name, run in scenarios:
        samples, cpu, inputs, taps = [], [], None, None
        for _ in range(runs):
            number += 1
            worker = Worker(client)
            run(worker, f"ASN-{number:03d}")
            worker.close()
            samples += worker.samples[:-1]  # the close is a tap, not a scan
            cpu += worker.cpu[:-1]
            inputs, taps = worker.inputs, worker.taps
        every += samples
        every_cpu += cpu
        print(f"  {name:50} {inputs:6d} {taps:5d} {_figures(samples)} {_figures(cpu, 8)}")
    print(f"  {'all receiving scans (' + str(len(every)) + ')':50} {'':6} {'':5} {_figures(every)} "
          f"{_figures(every_cpu, 8)}")
    with app.app_context():
        from wms.inventory.services import stock_mismatches

        assert stock_mismatches() == []


if __name__ == "__main__":
    main()
