"""`wms print-worker` and `wms label`: the print queue's sender and the operator's test print."""
from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import click
from flask.cli import with_appcontext

from printers.transports import send
from printers.zpl import SIZES, render_label

from ..errors import DomainError
from ..extensions import db

log = logging.getLogger(__name__)
LABEL_KINDS = ("location", "product", "lot", "lpn", "shipping_correios", "shipping_generic", "return")


@click.command("print-worker")
@click.option("--once", is_flag=True, help="Send every job that is due now, then exit.")
@click.option("--interval", default=2.0, show_default=True, type=float,
              help="Longest sleep between passes, in seconds, when nothing is due.")
@with_appcontext
def print_worker(once: bool, interval: float):
    """Send queued print jobs to their printers, retrying with backoff, until stopped (Ctrl-C / SIGTERM)."""
    from . import sender

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    totals = {"sent": 0, "retrying": 0, "failed": 0}
    while True:
        stale = sender.recover_stale()
        if stale:
            click.echo(f"{stale} job(s) left 'sending' by a stopped sender marked failed", err=True)
        result = sender.drain()
        for key in totals:
            totals[key] += len(getattr(result, key))
        if result.count:
            click.echo(f"sent {len(result.sent)}, waiting to retry {len(result.retrying)}, "
                       f"failed {len(result.failed)}")
        db.session.remove()
        if once or stop.is_set():
            break
        if not result.count:
            stop.wait(sender.next_due_in(interval))
            if stop.is_set():
                break
    click.echo(f"{'done' if once else 'stopped'}: sent {totals['sent']}, waiting to retry {totals['retrying']}, "
               f"failed {totals['failed']}")


@click.command("label")
@click.argument("kind", type=click.Choice(LABEL_KINDS))
@click.argument("ref")
@click.option("--printer", "printer", default=None,
              help="A printer's name, or an address (tcp://host:9100, cups://queue, file:///dir) to try one "
                   "that is not set up yet.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the ZPL to this file ('-' for the screen) instead of printing.")
@click.option("--station", default=None, help="Use this station's printer.")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The label's data as JSON (for shipping and return labels); REF is then only its reference.")
@click.option("--dpi", type=click.Choice(["203", "300"]), default=None, help="With --output or an address.")
@click.option("--size", type=click.Choice(list(SIZES)), default=None, help="With --output or an address.")
@click.option("--copies", default=1, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def label(kind, ref, printer, output, station, data_file, dpi, size, copies):
    """Print (or write) the label of a location, product, lot (id or SKU/LOT) or LPN by its code.

    \b
      wms label location A-01-01-1 --printer ZB-DOCK
      wms label product MED-DIPI-500 --output /tmp/p.zpl --size 100x50
      wms label lpn LPN-000123 --printer tcp://10.0.0.5:9100
    """
    from .. import uow
    from . import queue, sender
    from .printers import choose_printer
    from .sources import label_data

    try:
        if data_file:
            data = json.loads(Path(data_file).read_text(encoding="utf-8"))
        elif kind in ("location", "product", "lot", "lpn"):
            data = label_data(kind, ref)
        else:
            raise click.UsageError(f"The {kind} label needs its data: --data FILE.json")
        direct = printer is not None and "://" in printer
        if output or direct:
            # No job: a file to look at, or a printer that is not in the WMS yet.
            chosen = None
            if not direct and (printer or station):
                chosen = choose_printer(station, kind, printer)
            dpi = dpi or (str(chosen.dpi) if chosen else "203")
            size = size or (chosen.label_size if chosen else _default_size(kind))
            zpl = render_label(kind, data, dpi=int(dpi), size=size)
            payload = zpl.encode("utf-8") * copies
            if output:
                if output == "-":
                    click.echo(zpl, nl=False)
                else:
                    Path(output).write_bytes(payload)
                    click.echo(f"{kind} label {ref} written to {output} ({len(payload)} bytes)")
                return
            send(printer, payload, timeout=float(sender.setting("WMS_PRINT_TIMEOUT", 3.0)))
            click.echo(f"{kind} label {ref} sent to {printer}")
            return
        with uow.unit_of_work():  # committed here; then the job is sent (no request: in this thread)
            job_id = queue.queue_label(kind, data, station=station, printer_name=printer, copies=copies,
                                       reference=ref)
        job = queue.get_job(job_id)
        db.session.refresh(job)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    if job.status == "sent":
        click.echo(f"{kind} label {ref} sent to {job.printer.name} (job {job.id})")
    elif job.status == "queued":
        click.echo(f"job {job.id} for {job.printer.name} is queued: {job.last_error or 'the print worker sends it'}")
    else:
        raise click.ClickException(f"job {job.id} for {job.printer.name} {job.status}: {job.last_error}")


def _default_size(kind: str) -> str:
    from printers.zpl import available_sizes

    sizes = available_sizes(kind)
    return "100x150" if "100x150" in sizes else sizes[0]


def register(app) -> None:
    app.cli.add_command(print_worker)
    app.cli.add_command(label)
