"""Issue 10 item 16: numbers on the screens are written as the user's language writes them."""
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from wms.formatting import number


@pytest.fixture(scope="module")
def babel_app():
    app = Flask(__name__)
    Babel(app)
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
