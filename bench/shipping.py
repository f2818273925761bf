"""Packing figures: the server time of one scan at the packing station, of closing a box (weight check, tracking
number, label and, for the last box, the DANFE/packing slip and the manifest), and how many boxes one station
can close per minute as far as the server is concerned.

    python bench/shipping.py            # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/shipping.py

Set-up (not timed): the test warehouse with the demo carriers and box types, a file printer, and ORDERS orders of
2 × MED + 1 × BOTTLE each picked into their own tote and left in staging. Timed: every request the packer's
handheld sends (Flask test client, in-process: the time the server adds, without the network); each order goes
into one box: scan, scan, scan, close (weight).
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_app  # noqa: E402  (puts the repository on the path)

ORDERS = 40


def percentile(samples, share):
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * share) - 1)]


def main():
    app, database = fresh_app()
    with app.app_context():
        from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN
        from tests.shipping_helpers import picked_order, shipping_world
        from wms.auth import services as auth
        from wms.extensions import db
        from wms.shipping import packing

        shipping_world(tempfile.mkdtemp())
        auth.create_user("packer", role="worker", badge="BADGE-P", pin="1234", password="packer")
        db.session.commit()
        work = []
        for i in range(ORDERS):
            order_id = picked_order([("MED", 2), ("BOTTLE", 1)], tote=f"TOTE-{i}")
            scans = []
            for left in packing.pack_view(order_id).left:
                code = BOTTLE_GTIN if left.product.sku == "BOTTLE" else \
                    f"01{MEDICINE_GTIN.zfill(14)}10{left.lot.code}"
                scans += [code] * left.quantity
            work.append((order_id, scans))
        db.session.remove()

    client = app.test_client()
    client.post("/hh/login", data={"badge": "BADGE-P"})
    client.post("/hh/login", data={"badge": "BADGE-P", "pin": "1234"})
    headers = {"HX-Request": "true"}
    scan_ms, close_ms, total_ms, boxes = [], [], 0.0, 0
    for order_id, scans in work:
        for code in scans:
            start = time.perf_counter()
            response = client.post(f"/hh/shipping/pack/{order_id}", data={"scan": code, "station": "PACK"},
                                   headers=headers)
            response.get_data()
            scan_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        start = time.perf_counter()
        response = client.post(f"/hh/shipping/pack/{order_id}", data={"scan": "1450", "step": "weigh",
                                                                      "station": "PACK"}, headers=headers)
        response.get_data()
        close_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        boxes += 1
    total_ms = sum(scan_ms) + sum(close_ms)
    print(f"{database}: {ORDERS} orders, {len(scan_ms)} unit scans, {boxes} boxes")
    print(f"  unit scan     median {statistics.median(scan_ms):6.2f} ms   p99 {percentile(scan_ms, .99):6.2f} ms")
    print(f"  close box     median {statistics.median(close_ms):6.2f} ms   p99 {percentile(close_ms, .99):6.2f} ms")
    print(f"  server time per box (3 scans + close): {total_ms / boxes:6.1f} ms"
          f" -> {60_000 / (total_ms / boxes):,.0f} boxes per minute at one station (server-bound)")


if __name__ == "__main__":
    main()
