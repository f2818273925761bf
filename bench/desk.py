"""Desk pages over the 100,000-stock-item warehouse of bench/stock.py: how long a supervisor waits.

    python bench/desk.py
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/desk.py     # drops that schema
    python bench/desk.py /desk/board/map     # only the pages whose path starts with one of these

Best of 3, in-process (Flask test client), milliseconds: wall clock, and the CPU time of this process (SQLite runs
inside it; PostgreSQL's own work is not in it), which a loaded machine inflates less.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stock as warehouse  # noqa: E402  bench/stock.py: the same seeded warehouse
from common import analyze, fresh_app  # noqa: E402

PAGES = ["/desk", "/desk/stock/", "/desk/stock/?by=location", "/desk/stock/?by=lot", "/desk/stock/?q=SKU00042",
         "/desk/stock/expiry", "/desk/stock/adjustments", "/desk/stock/counts", "/desk/stock/locations/1000/ledger",
         "/desk/locations", "/desk/products", "/desk/orders/", "/desk/waves/", "/desk/receiving/",
         "/desk/stock/export.csv", "/desk/stock/check", "/desk/board/map", "/desk/board/map?mode=expiry&q=SKU00042",
         "/desk/board/map?mode=status", "/desk/board/map/bays/20/25",
         "/desk/reports/movements", "/desk/reports/productivity", "/desk/reports/count-variances",
         "/desk/reports/discrepancies", "/desk/reports/movements.csv"]


def main():
    wanted = sys.argv[1:]
    pages = [p for p in PAGES if not wanted or any(p.startswith(w) for w in wanted)]
    app, database = fresh_app()
    with app.app_context():
        warehouse.seed(warehouse.ITEMS)
        from wms.auth import services

        services.create_user("sup", role="supervisor", password="sup", locale="en")
        analyze()
    client = app.test_client()
    client.post("/login", data={"username": "sup", "password": "sup"})
    print(f"{database}, {warehouse.ITEMS:,} stock items, best of 3 (ms): wall, CPU")
    for path in pages:
        times, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            response.get_data()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        print(f"  {path:40} {min(times):8.1f} {min(cpu):8.1f}")


if __name__ == "__main__":
    main()
