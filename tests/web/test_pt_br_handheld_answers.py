"""The handheld's answers to scans, in Portuguese: tests/web/test_pt_br_pages.py reads every page a GET shows;
this walks the main flows with the Flask client the way a worker scans them (what's here, move, count, receive,
put-away, pick, pack, returns) in the demo warehouse, with one bad scan in each, and reads every answer with the
same word check: no English word and no "1 <plural>".

One walk for the module: the answers are collected once, the tests read them."""
import re

import pytest
from sqlalchemy import select

from tests.handheld_client import opened, press, scan
from tests.web.test_pt_br_pages import _free_text_data, english_words, plurals_after_one, visible_text
from wms.extensions import db

GOOD, REFUSED = ("ok", "attention"), (404, 409, 422)


class Walk:
    """One worker's handheld: the screen on show, and every answer read so far as (flow, what was done, status,
    sound, visible text)."""

    def __init__(self, client):
        self.client, self.screen, self.flow, self.answers = client, None, "", []

    def _keep(self, done: str, response) -> None:
        self.answers.append((self.flow, done, response.status_code, response.headers.get("X-Scan-Result"),
                             visible_text(response.get_data(as_text=True))))

    def open(self, flow: str, url: str) -> None:
        self.flow = flow
        self.screen = self.client.get(url)
        assert self.screen.status_code == 200, url
        self._keep(f"GET {url}", self.screen)

    def scan(self, code: str, *, bad: bool = False):
        response = scan(self.client, self.screen, code)
        if not response.headers.get("HX-Redirect"):  # else an empty body: the screen it opens is read below
            self._keep(f"scan {code!r}", response)
        sound = response.headers.get("X-Scan-Result")
        if bad:
            assert response.status_code in REFUSED and sound == "bad", (self.flow, code, response.status_code)
            return response
        assert response.status_code == 200 and sound in GOOD, (self.flow, code, self.answers[-1][-1])
        if response.headers.get("HX-Redirect"):
            response = opened(self.client, response)
            self._keep(f"open {response.request.path}", response)
        self.screen = response
        return response

    def press(self, action: str):
        response = press(self.client, self.screen, action)
        assert response.status_code == 200, (self.flow, action)
        self._keep(f"press {action}", response)
        self.screen = response
        return response

    def text(self) -> str:
        return self.answers[-1][-1]


def _setup(app) -> dict:
    """The demo warehouse, a wave of the marketplace order (MLB-2009) to pick and pack, the worker in pt_BR."""
    from wms import demo
    from wms.catalog import services as catalog
    from wms.orders.models import Order
    from wms.picking import waves
    from wms.uow import unit_of_work

    with app.app_context():
        demo.load()
        with unit_of_work():
            order = db.session.scalar(select(Order).where(Order.channel_order_id == "MLB-2009"))
            wave = waves.build_wave(order_ids=[order.id], max_orders=1, user_id=None)
            found = {"wave_id": wave.id, "wave": wave.code, "order_id": order.id}
        found["gtin"] = {sku: catalog.by_sku(sku).barcodes[0].code
                         for sku in ("ACC-GARRAFA", "ACC-CABO-USBC", "SAN-ALCOOL70", "COS-FPS50", "COS-SHAMPOO")}
        db.session.remove()
    return found


def _pick_tasks(app, wave_id):
    from wms.picking import waves

    while True:
        with app.app_context():
            task = waves.next_task(wave_id)
            found = (task.location.code, task.product.barcodes[0].code) if task else None
            db.session.remove()
        if found is None:
            return
        yield found


def _expected_weight(app, order_id) -> int:
    from wms.shipping import boxes, packing

    with app.app_context():
        package = next(p for p in packing.packages_of(order_id) if p.status == "open")
        weight = boxes.expected_weight(package)
        db.session.remove()
    return weight


def _walk(app, hh: Walk, data: dict) -> None:  # noqa: PLR0915 - one walk through the day, flow after flow
    gtin = data["gtin"]

    hh.open("what's here", "/hh/stock/here")
    hh.scan("A-01-01-1")
    hh.scan("NOPE-77", bad=True)
    hh.scan(gtin["SAN-ALCOOL70"])

    hh.open("move", "/hh/stock/move")
    hh.scan("A-02-03-1")
    hh.scan(gtin["COS-FPS50"])
    hh.scan("9999", bad=True)  # more than there is
    hh.scan("0", bad=True)  # no quantity: the range is said as the screen writes numbers
    assert "de 1 a 1.000.000." in hh.text()
    hh.scan("3")
    hh.scan("NOWHERE-1", bad=True)
    hh.scan("A-02-03-3")
    assert "Movido: 3 × COS-FPS50" in hh.text()

    hh.open("count", "/hh/stock/count")
    hh.scan("12", bad=True)  # a number before any location
    hh.scan("A-02-05-1")
    hh.scan(gtin["COS-SHAMPOO"])
    hh.scan("SH2406")
    hh.scan("48")
    hh.scan("FINISH")
    assert "Contagem registrada." in hh.text()

    hh.open("receive", "/hh/receive")
    hh.scan("PC-4501")
    hh.scan("NOPE-77", bad=True)
    hh.scan(gtin["ACC-GARRAFA"])
    hh.scan("30")
    hh.scan("CLOSE")
    hh.scan("CLOSE")
    assert "está fechado" in hh.text()

    hh.open("put-away", "/hh/putaway")
    hh.scan("NOPE-77", bad=True)
    hh.scan(re.search(r"LPN\d{8}", hh.text()).group(0))
    target = re.search(r'id="target">([^<]+)<', hh.screen.get_data(as_text=True)).group(1)
    hh.scan("A-09-09-9", bad=True)
    hh.scan(target)

    hh.open("pick", "/hh/pick/")
    hh.scan("NOPE-77", bad=True)
    hh.scan(data["wave"])
    hh.scan("A-01-01-1", bad=True)  # a location is no tote
    hh.scan("TOTE-P1")
    for location, barcode in _pick_tasks(app, data["wave_id"]):
        hh.scan(location)
        hh.scan(barcode)
        hh.scan("99", bad=True)
        hh.scan("")  # Enter: all of it
        if 'data-step="tote"' in hh.screen.get_data(as_text=True):  # asked only when the picker holds several
            hh.scan("TOTE-P1")
    hh.scan("A-01-01-1", bad=True)  # not a staging place
    hh.scan("STAGE-01")
    assert "concluída" in hh.text()

    hh.open("pack", "/hh/shipping/pack")
    hh.scan("NOPE-77", bad=True)
    hh.scan("TOTE-P1")
    hh.scan(gtin["COS-FPS50"], bad=True)  # not in this order
    hh.scan(gtin["ACC-CABO-USBC"])
    hh.scan(gtin["ACC-CABO-USBC"])
    hh.press("/close")
    hh.scan("abc", bad=True)
    hh.scan(str(_expected_weight(app, data["order_id"])))
    assert hh.text().count("está embalado") == 1  # the heading; the confirmation says where the box goes
    assert "Leve a caixa para a doca." in hh.text()

    hh.open("returns", "/hh/returns/")
    hh.scan("NOPE-77", bad=True)
    hh.scan("LR123456789BR")
    hh.scan(gtin["SAN-ALCOOL70"])  # lot-tracked: it asks the lot
    refused = hh.scan("NOPE-LOT", bad=True)  # a lot never here, without its expiry: the lot is asked again
    assert 'data-step="lot"' in refused.get_data(as_text=True) and "controlado por lote" in hh.text()
    hh.scan("AL2403")
    hh.scan("9", bad=True)  # no such condition
    hh.scan("1")
    hh.press("/close")
    assert "recebida" in hh.text()


@pytest.fixture(scope="module")
def answers(app):
    """[(flow, what was done, status, sound, visible text with the data's own text taken out)]."""
    from tests.conftest import empty_database

    with app.app_context():
        empty_database()
    data = _setup(app)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt-BR"
    assert client.post("/login", data={"username": "worker", "password": "worker"}).status_code == 302
    hh = Walk(client)
    _walk(app, hh, data)
    with app.app_context():
        typed = _free_text_data()
        db.session.remove()
        empty_database()
    found = []
    for flow, done, status, sound, text in hh.answers:
        for value in typed:
            text = text.replace(value, " ")
        found.append((flow, done, status, sound, text))
    return found


def test_the_walk_answers_every_flow_with_a_refusal_in_each(answers):
    flows = {"what's here", "move", "count", "receive", "put-away", "pick", "pack", "returns"}
    assert {flow for flow, *_rest in answers} == flows
    assert {flow for flow, _done, status, _sound, _text in answers if status in REFUSED} == flows
    assert all(text for *_rest, text in answers)


def test_no_english_word_in_a_portuguese_answer(answers):
    leaks = [f"{flow}, {done}: {', '.join(words)}  [{text[:300]}]"
             for flow, done, _status, _sound, text in answers if (words := english_words(text))]
    assert not leaks, f"{len(leaks)} answers with English words:\n" + "\n".join(leaks)


def test_no_plural_after_one_in_an_answer(answers):
    wrong = [f"{flow}, {done}: {found}" for flow, done, _status, _sound, text in answers
             for found in plurals_after_one(text)]
    assert not wrong, f"{len(wrong)} plurals after 1:\n" + "\n".join(wrong)


def test_no_template_leftover_in_an_answer(answers):
    """What a worker must never read: a Jinja object ("<Macro 'message'>" once stood where the returns screen's
    lot question belonged), an empty value, a placeholder left unfilled."""
    leftovers = re.compile(r"<Macro|Undefined|\bNone\b|%\(|\{\{|\{%")
    wrong = [f"{flow}, {done}: {text[:300]}" for flow, done, _status, _sound, text in answers if leftovers.search(text)]
    assert not wrong, "\n".join(wrong)


def test_the_move_refusal_writes_its_quantities_as_the_screen_does(answers):
    text = next(text for flow, done, *_rest, text in answers if (flow, done) == ("move", "scan '9999'"))
    assert "não 9.999" in text
