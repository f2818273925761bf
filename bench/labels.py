"""Labels: how fast the Correios shipping label renders, and how long from "print" to the bytes at a printer.

    python bench/labels.py                          # SQLite in a temporary folder
    python bench/labels.py --database-url postgresql://postgres@127.0.0.1/wms_bench   # an empty database

1. Rendering: `printers.zpl.render_label("shipping_correios", ...)` in a loop (and the desk's SVG preview of it).
2. Print to printer: `wms.printing.services.queue_label` + `db.session.commit()` (the commit sends the job at
   once, outside the transaction) until the fake printer on 127.0.0.1 has the last byte of the job; and the
   same through the queue: jobs committed with the immediate send off, then `drain()` as `wms worker`
   does it, timed from the commit to each job's arrival.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.zpl import render_label  # noqa: E402

DATA = {
    "service_name": "SEDEX CONTRATO",
    "service_code": "03220",
    "tracking_code": "PH297898690BR",
    "contract": "9912345678",
    "posting_card": "0067599079",
    "invoice": "123456",
    "order": "PED-2026-0001",
    "volume": 1,
    "volume_count": 2,
    "weight_g": 1250,
    "declared_value": 150,
    "additional_services": ["19"],
    "recipient": {"name": "Maria Aparecida dos Santos", "street": "SQS 308 Bloco C", "number": "12",
                  "complement": "Apto 203", "district": "Asa Sul", "city": "Brasília", "state": "DF",
                  "cep": "71010-050", "phone": "(61) 99999-1234"},
    "sender": {"name": "Loja Exemplo Ltda", "street": "Rua Vergueiro", "number": "1000", "district": "Liberdade",
               "city": "São Paulo", "state": "SP", "cep": "05311-000"},
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_render(seconds: float) -> None:
    from wms.printing.preview import zpl_to_svg

    for name, work in (
        ("render_label shipping_correios 203 dpi", lambda: render_label("shipping_correios", DATA)),
        ("render_label shipping_correios 300 dpi", lambda: render_label("shipping_correios", DATA, dpi=300)),
        ("SVG preview of it (parse ZPL + draw)", None),
    ):
        if work is None:
            zpl = render_label("shipping_correios", DATA)
            work = lambda zpl=zpl: zpl_to_svg(zpl)  # noqa: E731
        work()
        count, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
        while time.perf_counter() - wall0 < seconds:
            work()
            count += 1
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"| {name} | {count} | {count / wall:,.0f} | {count / cpu:,.0f} | {wall / count * 1000:.2f} |")


def bench_print(url: str, count: int) -> None:
    from wms import create_app
    from wms.cli import upgrade_database
    from wms.extensions import db
    from wms.printing import services
    from wms.printing.fakes import FakePrinter
    from wms.printing.models import Printer

    instance = tempfile.mkdtemp(prefix="wms-bench-labels-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WMS_LABEL_DIR": os.path.join(instance, "labels"), "WMS_PRINT_TIMEOUT": 3.0})
    with app.app_context(), FakePrinter() as printer:
        upgrade_database()
        if db.session.scalar(db.select(db.func.count()).select_from(Printer)):
            raise SystemExit("bench/labels.py needs an empty database")
        zebra = services.create_printer("BENCH", printer.url)
        services.assign_printer("bench", "", zebra.id)
        for _ in range(20):  # warm up connections and caches
            services.queue_label("shipping_correios", DATA, station="bench")
            db.session.commit()
        printer.wait_for(20)

        latencies = []
        for n in range(count):
            started = time.perf_counter()
            services.queue_label("shipping_correios", DATA, station="bench")
            db.session.commit()
            if not printer.wait_for(21 + n, timeout=10):
                raise SystemExit("the fake printer did not get the job")
            latencies.append((printer.arrivals[-1] - started) * 1000)
        report("queue_label + commit → bytes at the printer (immediate send)", latencies)

        app.config["WMS_PRINT_IMMEDIATE"] = False
        batch, rounds, latencies = 50, max(1, count // 50), []
        for _ in range(rounds):
            already = len(printer.jobs)
            for _ in range(batch):
                services.queue_label("shipping_correios", DATA, station="bench")
            db.session.commit()
            committed = time.perf_counter()
            services.drain()
            printer.wait_for(already + batch)
            latencies += [(arrival - committed) * 1000 for arrival in printer.arrivals[already:]]
        report(f"commit of {batch} jobs → each at the printer (print worker drain)", latencies)
        db.session.remove()


def report(name: str, latencies: list[float]) -> None:
    print(f"| {name} | {len(latencies)} | {statistics.median(latencies):.2f} | "
          f"{percentile(latencies, 99):.2f} | {max(latencies):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per rendering measurement")
    parser.add_argument("--prints", type=int, default=300, help="labels sent to the fake printer")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='wms-bench-labels-')}/bench.sqlite"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, database {url.split(':', 1)[0]}")
    print()
    print("| rendering | labels | per second (wall) | per second (CPU) | ms per label |")
    print("|---|---:|---:|---:|---:|")
    bench_render(args.seconds)
    print()
    print("| print to printer | jobs | median ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    bench_print(url, args.prints)


if __name__ == "__main__":
    main()
