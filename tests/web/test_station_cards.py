"""Station cards (the command words and printer names a handheld scans from a card at the station): the desk
page that shows them as Code 128 to print from the browser, sending chosen ones to a Zebra through the print
queue (a real TCP listener on 127.0.0.1), and proof that every card's code is taken by the flow it names."""
import html
import re

import pytest
from sqlalchemy import select

from printers.zpl import render_label
from tests.conftest import make_app
from tests.handheld_client import opened, page, scan
from tests.web.test_printing_desk import background_sender, settled  # noqa: F401  (fixture)
from wms.extensions import db
from wms.printing import cards as station_cards
from wms.printing import services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob

CARDS = "/desk/printing/cards"


@pytest.fixture
def desk(app, auth, printer):
    """A supervisor logged in; ZB-CARDS (the fake printer, 100x50) the default printer."""
    with app.app_context():
        zebra = services.create_printer("ZB-CARDS", printer.url, label_size="100x50", place="DOCK-01")
        services.assign_printer("", "", zebra.id)
        db.session.remove()
    auth.login("supervisor")
    return auth.client


def jobs(app) -> list[tuple]:
    with app.app_context():
        rows = [(job.kind, job.reference, job.status, job.printer.name)
                for job in db.session.scalars(select(PrintJob).order_by(PrintJob.id))]
        db.session.remove()
    return rows


def shown_cards(response) -> dict[str, str]:
    """{code: what the card says it does} of the cards on the page."""
    body = response.get_data(as_text=True)
    return {html.unescape(code): html.unescape(does) for code, does in re.findall(
        r'<article class="card" data-card="([^"]+)".*?<h2>(.*?)</h2>', body, re.S)}


# --- the page ---------------------------------------------------------------------------------------------


def test_only_supervisors_see_the_station_cards(client, auth, users):
    auth.login("worker")
    assert client.get(CARDS).status_code == 403
    assert client.post(CARDS, data={"card": "FINISH"}).status_code == 403


def test_the_page_shows_every_command_card_and_each_active_printer_as_code_128(desk, app):
    with app.app_context():
        off = services.create_printer("ZB-OFF", "tcp://127.0.0.1:9", label_size="100x50")
        services.update_printer(off.id, name="ZB-OFF", url="tcp://127.0.0.1:9", dpi=203, label_size="100x50",
                                place="", active=False)
        db.session.remove()
    response = desk.get(CARDS)
    assert response.status_code == 200
    cards = shown_cards(response)
    assert list(cards) == ["MENU", "CLOSE", "FINISH", "ZB-CARDS"]  # an inactive printer has no card
    assert cards["FINISH"] == "Finishes the count of the location (as scanning it again does)."
    assert cards["ZB-CARDS"] == "Sends the label to printer ZB-CARDS (DOCK-01)."
    body = page(response)
    assert body.count('<div class="barcode" role="img"') == 4 and body.count("<svg") >= 4
    assert 'aria-label="Code 128 barcode of FINISH"' in body
    assert 'aria-current="page">Station cards</a>' in body  # in the printing area's navigation
    assert "@media print" in body and ".topnav, .subnav" in body  # printed without the navigation


def test_the_form_carries_a_csrf_token_and_a_post_without_it_is_refused(database_url, tmp_path, users):
    app = make_app(database_url, str(tmp_path), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post("/login", data={"username": "supervisor", "password": "supervisor", "csrf_token": token})
    body = client.get(CARDS).get_data(as_text=True)
    form = body[body.index('<form method="post" action="/desk/printing/cards"'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(CARDS, data={"card": "MENU"}).status_code == 400
    answer = client.post(CARDS, data={"card": "MENU", "csrf_token": token})
    assert answer.status_code == 302  # past CSRF: refused by the use case (no printer set up), with its message
    with app.app_context():
        assert db.session.scalar(select(PrintJob)) is None


def test_the_page_in_portuguese(desk, app):
    from tests.web.test_pt_br_pages import ALLOWED, ENGLISH, WORD, visible_text

    desk.post("/language", data={"locale": "pt_BR", "next": "/desk"})
    response = desk.get(CARDS)
    cards = shown_cards(response)
    assert cards["FINISH"] == "Termina a contagem do endereço (como lê-lo de novo)."
    assert cards["MENU"] == "Volta ao menu do coletor, de qualquer tela."
    text = visible_text(response.get_data(as_text=True))
    leaks = {w for w in WORD.findall(text) if w.lower() in ENGLISH - ALLOWED and not w.isupper()}
    assert not leaks and "Cartões de estação" in text


# --- sending cards to a Zebra -----------------------------------------------------------------------------


def test_chosen_cards_reach_the_printer_as_zpl(desk, app, printer):
    response = desk.post(CARDS, data={"card": ["FINISH", "ZB-CARDS", "FINISH"], "printer": "ZB-CARDS"})
    assert response.status_code == 302 and "/desk/printing/jobs?" in response.headers["Location"]
    assert "2 cards queued for ZB-CARDS" in page(desk.get(response.headers["Location"]))
    assert printer.wait_for(2)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        cards = {card.code: card for card in station_cards.station_cards()}
        expected = [render_label("station_card", station_cards.card_data(cards[code]), size="100x50").encode()
                    for code in ("FINISH", "ZB-CARDS")]
    assert sorted(printer.jobs) == sorted(expected)
    assert b"^FD>:FINISH^FS" in expected[0]
    assert [row[:2] for row in jobs(app)] == [("station_card", "FINISH"), ("station_card", "ZB-CARDS")]


def test_a_printer_that_is_off_keeps_the_card_and_says_so(desk, app):
    with app.app_context():
        services.create_printer("ZB-OFF", f"tcp://127.0.0.1:{FakePrinter.free_port()}", label_size="100x50")
        db.session.remove()
    response = desk.post(CARDS, data={"card": "CLOSE", "printer": "ZB-OFF"}, follow_redirects=True)
    body = page(settled(desk, response))
    assert "Printer ZB-OFF did not take the label:" in body
    assert "The label is kept and prints when the printer is back." in body
    assert jobs(app) == [("station_card", "CLOSE", "queued", "ZB-OFF")]


def test_a_printer_switched_off_or_a_card_that_is_none_queues_nothing(desk, app):
    with app.app_context():
        off = services.create_printer("ZB-IDLE", "tcp://127.0.0.1:9", label_size="100x50")
        services.update_printer(off.id, name="ZB-IDLE", url="tcp://127.0.0.1:9", dpi=203, label_size="100x50",
                                place="", active=False)
        db.session.remove()
    for data, message in (
        ({"card": "FINISH", "printer": "ZB-IDLE"}, "Printer ZB-IDLE is switched off in the WMS"),
        ({"card": ["FINISH", "^XA-NOPE"]}, "^XA-NOPE is not a station card"),
        ({}, "Choose at least one card to print."),
        ({"card": "FINISH", "copies": "0"}, "Print from 1 to 100 copies."),
    ):
        response = desk.post(CARDS, data=data, follow_redirects=True)
        assert response.request.path == CARDS and message in page(response), (data, page(response)[:3000])
    assert jobs(app) == []


# --- every card is taken by the flow it names --------------------------------------------------------------


@pytest.fixture
def demo_worker(app, client):
    """The demo warehouse, its worker logged in (in English: the assertions read English)."""
    from wms import demo
    from wms.auth.models import User

    with app.app_context():
        demo.load()
        db.session.scalar(select(User).where(User.username == "worker")).locale = "en"
        db.session.commit()
        db.session.remove()
    assert client.post("/login", data={"username": "worker", "password": "worker"}).status_code == 302
    return client


def _gtin(app, sku: str) -> str:
    from wms.catalog import services as catalog

    with app.app_context():
        code = catalog.by_sku(sku).barcodes[0].code
        db.session.remove()
    return code


def _menu(client, app, code):
    answer = scan(client, client.get("/hh/"), code)
    assert answer.status_code == 200 and answer.headers["X-Scan-Result"] == "ok"
    assert "What's here?" in page(answer) and "Print a label" in page(answer)


def _count(client, app, code):
    screen = scan(client, client.get("/hh/stock/count"), "A-04-07-1")
    screen = scan(client, screen, _gtin(app, "ACC-GARRAFA"))
    screen = scan(client, screen, "25")
    assert 'data-step="scan"' in page(screen)
    answer = scan(client, screen, code)
    assert answer.headers["X-Scan-Result"] == "ok" and "Count recorded." in page(answer)


def _receive(client, app, code):
    screen = opened(client, scan(client, client.get("/hh/receive"), "PC-4501"))
    asked = scan(client, screen, code)
    assert asked.headers["X-Scan-Result"] == "ok" and "Close the receipt?" in page(asked)
    answer = scan(client, asked, code)
    assert answer.headers["X-Scan-Result"] == "ok" and "is closed" in page(answer)


def _print(client, app, code):
    screen = scan(client, client.get("/hh/print/"), "A-01-01-1")
    assert 'data-step="printer"' in page(screen)
    answer = scan(client, screen, code)
    assert answer.headers["X-Scan-Result"] == "ok" and 'data-step="copies"' in page(answer)
    assert f"Printer {code}" in page(answer)


FLOWS = {"handheld.menu": _menu, "inventory_hh.count": _count, "receiving_hh.receive": _receive,
         "printing_hh.index": _print}


def test_every_card_on_the_page_is_taken_by_the_flow_it_names(app, demo_worker):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        cards = station_cards.station_cards()
    assert {card.code for card in cards} == {"MENU", "CLOSE", "FINISH", "DEMO-FILE", "DEMO-FILE-SMALL"}
    assert {card.endpoint for card in cards} <= set(FLOWS), "a card whose flow this test does not drive"
    for card in cards:
        FLOWS[card.endpoint](demo_worker, app, card.code)
