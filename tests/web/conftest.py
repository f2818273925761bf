"""Fixtures shared by the web tests' modules."""
from types import SimpleNamespace

import pytest

from tests.picking_helpers import stocked_world
from wms.extensions import db


@pytest.fixture
def receiving(app, client, users):
    """For the receiving query-count tests: a stocked warehouse, 7 more products, a worker signed in."""
    from tests.web.test_query_counts_handheld import LARGE, extra_products, login

    with app.app_context():
        stocked_world()
        skus = extra_products("RC", LARGE)
        db.session.remove()
    login(client)
    return SimpleNamespace(skus=skus)
