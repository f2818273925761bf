"""Issue 10 item 16: numbers as the user's language writes them, and words that agree with what they describe."""
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from wms.formatting import lazy_number, number, signed_number


@pytest.fixture(scope="module")
def babel_app():
    app = Flask(__name__)
    translations = Path(__file__).resolve().parents[2] / "wms" / "translations"
    Babel(app, default_translation_directories=str(translations))
    with app.app_context():
        yield app


@pytest.mark.parametrize("value, portuguese, english", [
    (1400.4, "1.400,4", "1,400.4"), (Decimal("2.50"), "2,5", "2.5"), (1234567, "1.234.567", "1,234,567"),
    (0, "0", "0"), (-1200, "-1.200", "-1,200"), (None, "", ""), ("—", "—", "—"),
])
def test_numbers_in_portuguese_and_english(babel_app, value, portuguese, english):
    with force_locale("pt_BR"):
        assert number(value) == portuguese
    with force_locale("en"):
        assert number(value) == english


def test_a_cancelled_order_is_masculine_and_a_cancelled_count_feminine(babel_app):
    """"pedido cancelado", "contagem cancelada": the order's word has its own context."""
    from flask_babel import gettext

    from wms.orders.words import STATUS

    with force_locale("pt_BR"):
        assert (str(STATUS["cancelled"]), gettext("cancelled")) == ("cancelado", "cancelada")


def test_order_history_details_are_words(babel_app):
    from wms.orders.words import history_details

    details = {"channel": "site", "channel_order_id": "LOJA-1", "payment": "paid", "note": ""}
    with force_locale("pt_BR"):
        assert history_details(details) == "canal: site; número no canal: LOJA-1; pagamento: pago"
    with force_locale("en"):
        assert history_details(details) == "channel: site; channel's number: LOJA-1; payment: paid"


@pytest.mark.parametrize("locale", ["pt_BR", "en"])
def test_whole_numbers_written_the_quick_way_read_as_babel_writes_them(babel_app, locale):
    """number() groups whole numbers itself (the handheld prints some on every screen): same text as Babel's."""
    from flask_babel import format_decimal

    values = [*range(-2100, 2100, 7), 999, 1000, -999, -1000, 999_999, 1_000_000, 2**31 - 1, -(2**31), 10**15]
    with force_locale(locale):
        assert [number(v) for v in values] == [format_decimal(v) for v in values]


def test_a_quantity_in_a_message_built_in_python_is_written_as_the_reader_writes_numbers(babel_app):
    """The message is built once (a rule raising it needs no request); the number is written when it is read."""
    from flask_babel import lazy_gettext as _l

    message = _l("Only %(free)s of %(sku)s are free here: type %(free)s or less.", free=lazy_number(1400),
                 sku="BOTTLE")
    with force_locale("pt_BR"):
        assert str(message) == "Só 1.400 de BOTTLE estão livres aqui: digite 1.400 ou menos."
    with force_locale("en"):
        assert str(message) == "Only 1,400 of BOTTLE are free here: type 1,400 or less."


@pytest.mark.parametrize("value, portuguese, english", [
    (1180, "+1.180", "+1,180"), (-1180, "-1.180", "-1,180"), (35, "+35", "+35"), (0, "0", "0"),
])
def test_a_difference_says_its_sign(babel_app, value, portuguese, english):
    with force_locale("pt_BR"):
        assert signed_number(value) == portuguese == str(lazy_number(value, signed=True))
    with force_locale("en"):
        assert signed_number(value) == english
