"""`wms label` and `wms worker` (which drains the print queue) as ops run them."""
import pytest
from sqlalchemy import select

from printers.zpl import render_label
from tests.factories import build_world, receive
from wms.extensions import db
from wms.inventory import services as inventory
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob


@pytest.fixture
def world(app):
    with app.app_context():
        world = build_world()
        lpn = inventory.create_lpn("LPN00000042")
        receive(world, "MED", "A-01-01-2", 12, "L-SOON", lpn=lpn)
        receive(world, "BOTTLE", "A-01-01-2", 5, lpn=lpn)
        db.session.remove()


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def test_label_to_a_named_printer(runner, app, world, printer):
    with app.app_context():
        services.create_printer("ZB-1", printer.url, label_size="100x50")
        db.session.remove()
    result = runner.invoke(args=["label", "location", "A-01-01-1", "--printer", "ZB-1"])
    assert result.exit_code == 0, result.output
    assert "location label A-01-01-1 sent to ZB-1 (job " in result.output
    assert printer.wait_for(1)
    assert printer.jobs == [render_label("location", {"code": "A-01-01-1"}, size="100x50").encode()]


def test_label_straight_to_an_address_makes_no_job(runner, app, world, printer):
    result = runner.invoke(args=["label", "lpn", "LPN00000042", "--printer", printer.url])
    assert result.exit_code == 0, result.output
    assert printer.wait_for(1)
    assert b"LPN00000042" in printer.jobs[0] and b"BOTTLE" in printer.jobs[0] and b"L-SOON" in printer.jobs[0]
    with app.app_context():
        assert db.session.scalar(select(PrintJob.id)) is None


def test_label_to_a_file(runner, app, world, tmp_path):
    out = tmp_path / "p.zpl"
    result = runner.invoke(args=["label", "product", "MED", "--output", str(out), "--size", "50x25"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(PrintJob.id)) is None
    zpl = out.read_text()
    assert zpl.startswith("^XA^CI28^PW400^LL200") and "^BEN," in zpl  # its GTIN-13 as EAN-13
    result = runner.invoke(args=["label", "lot", "MED/L-LATE", "--output", "-"])
    assert result.exit_code == 0 and "(10)L-LATE" in result.output


def test_label_errors_are_one_clear_line(runner, app, world):
    # The command line speaks the warehouse's language (pt_BR), as the screens do by default.
    result = runner.invoke(args=["label", "location", "NOWHERE", "--output", "-"])
    assert result.exit_code == 1 and "O endereço NOWHERE não é conhecido aqui." in result.output
    result = runner.invoke(args=["label", "location", "DOCK"])
    assert result.exit_code == 1
    assert "Nenhuma impressora configurada: peça a um supervisor para cadastrar uma." in result.output
    result = runner.invoke(args=["label", "shipping_correios", "PH297898690BR", "--output", "-"])
    assert result.exit_code != 0 and "--data FILE.json" in result.output


def test_one_worker_pass_drains_the_print_queue(runner, app, world, printer, monkeypatch):
    """`wms worker --once` sends the labels left in the queue; `wms print-worker`, its old name, is the same."""
    monkeypatch.setitem(app.config, "WMS_PRINT_IMMEDIATE", False)
    with app.app_context():
        services.assign_printer("", "", services.create_printer("ZB-1", printer.url, label_size="100x50").id)
        for code in ("A-01-01-1", "A-01-01-2", "DOCK"):
            services.queue_label("location", {"code": code})
        db.session.commit()
        db.session.remove()
    assert printer.jobs == []
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "labels sent 3 retrying 0 failed 0" in result.output
    assert printer.wait_for(3)
    with app.app_context():
        services.queue_label("location", {"code": "A-01-01-1"})
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["print-worker", "--once"])
    assert result.exit_code == 0 and "labels sent 1 retrying 0 failed 0" in result.output
    assert printer.wait_for(4)
    assert runner.invoke(args=["worker", "--once"]).output == ""  # nothing left to do: a quiet pass
