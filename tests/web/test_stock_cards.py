"""The handheld's stock cards (wms/inventory/cards.py): what a card says, in the reader's language, escaped."""
from datetime import date

from wms.inventory.cards import lot_line, stock_cards
from wms.inventory.handheld import Card, Coded, LotFacts, ProductFacts

TODAY = date(2026, 12, 3)


def card(*, name="Dipirona 500 mg", lot=("L-1", date(2027, 1, 31), "released"), lpn=None, reserved=0, quantity=1400):
    return Card(1, quantity, reserved, ProductFacts("MED-1", name, "un"), Coded("A-01-01-2"),
                LotFacts(*lot) if lot else None, Coded(lpn) if lpn else None)


def test_a_card_says_place_product_lot_and_units(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = str(stock_cards([card(reserved=1200)], TODAY))
    assert html.startswith('<div class="card stock-item">') and html.endswith("</div>")
    for part in ("<strong>A-01-01-2</strong>", "<strong>MED-1</strong> Dipirona 500 mg", "Lot <strong>L-1</strong>",
                 "exp. 1/31/27", '<span class="badge-status released">released</span>',
                 '<span class="qty">1,400</span> un · 1,200 reserved'):
        assert part in html, part


def test_in_portuguese(app):
    with app.test_request_context(headers={"Accept-Language": "pt-BR"}):
        html = str(stock_cards([card(reserved=1200, lot=("L-1", date(2026, 1, 31), "quarantine"))], TODAY))
    assert '<span class="qty">1.400</span> un · 1.200 reservad' in html
    assert "Lote <strong>L-1</strong>" in html and "31/01/2026" in html
    assert '<span class="badge-status expired">vencido</span>' in html
    assert '<span class="badge-status quarantine">quarentena</span>' in html


def test_what_the_card_leaves_out(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = str(stock_cards([card(lot=None, lpn="LPN00000007")], TODAY, location=False, product=False))
    assert "A-01-01-2" not in html and "MED-1" not in html and "Lot" not in html
    assert "<div>LPN LPN00000007</div>" in html


def test_an_expired_released_lot_shows_expired_only(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = str(lot_line(LotFacts("L-OLD", date(2026, 11, 1), "released"), TODAY))
    assert '<span class="badge-status expired">expired</span>' in html and "released" not in html


def test_text_from_the_catalogue_is_escaped(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = str(stock_cards([card(name='<script>alert("x")</script>', lot=("<b>L</b>", None, "blocked"),
                                     lpn="<i>P</i>")], TODAY))
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<b>L</b>" not in html and "&lt;b&gt;L&lt;/b&gt;" in html and "&lt;i&gt;P&lt;/i&gt;" in html


def test_the_cards_words_are_found_by_the_extraction():
    """`pybabel extract` reads no call inside an f-string: a word only said there would drop out of the catalogue
    at the next update and be shown in English."""
    from tests.unit.test_translations import _extracted

    assert {"expired", "Lot", "exp.", "LPN", "%(qty)s reserved"} <= _extracted()
