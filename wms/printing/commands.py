"""`wms label`: the operator's test print. (The print queue is drained by `wms worker`, wms/worker.py.)"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from printers.transports import send
from printers.zpl import SIZES, render_label

from ..errors import DomainError
from ..extensions import db

log = logging.getLogger(__name__)
LABEL_KINDS = ("location", "product", "lot", "lpn", "shipping_correios", "shipping_generic", "return")


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
        click.echo(f"job {job.id} for {job.printer.name} is queued: {job.last_error or 'wms worker sends it'}")
    else:
        raise click.ClickException(f"job {job.id} for {job.printer.name} {job.status}: {job.last_error}")


def _default_size(kind: str) -> str:
    from printers.zpl import available_sizes

    sizes = available_sizes(kind)
    return "100x150" if "100x150" in sizes else sizes[0]


def register(app) -> None:
    app.cli.add_command(label)
