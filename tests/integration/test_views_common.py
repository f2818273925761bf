"""The handheld screen kit's readers of hidden fields: `form_row` (one row) and `form_rows` (a screen's state, in one statement)."""
import pytest
from werkzeug.datastructures import MultiDict

from wms.auth.models import User
from wms.extensions import db
from wms.views_common import StaleScreen, form_row, form_rows


def test_form_row_reads_the_row_a_hidden_field_names(users, ctx):
    worker = db.session.get(User, users["worker"])
    assert form_row(User, MultiDict({"user_id": str(worker.id)}), "user_id") is worker
    assert form_row(User, MultiDict({"user_id": " "}), "user_id") is None
    assert form_row(User, MultiDict(), "user_id") is None


@pytest.mark.parametrize("text", ["999999", "abc", "-1", "1.5", "9" * 30])
def test_form_row_calls_a_missing_or_garbled_row_a_stale_screen(users, ctx, text):
    with pytest.raises(StaleScreen):
        form_row(User, MultiDict({"user_id": text}), "user_id")


def _form_of(world_ids: dict) -> MultiDict:
    return MultiDict({name: str(row_id) for name, row_id in world_ids.items()})


def test_form_rows_reads_the_rows_the_session_does_not_hold_in_one_statement(users, ctx):
    from tests.factories import build_world
    from tests.statements import statements_while
    from wms.catalog.models import Product
    from wms.locations.models import Location

    world = build_world()
    db.session.commit()
    ids = {"from_id": world.loc["A-01-01-1"].id, "product_id": world.products["BOTTLE"].id,
           "user_id": users["worker"]}
    fields = {"source": (Location, "from_id"), "product": (Product, "product_id"), "person": (User, "user_id"),
              "lpn": (Location, "lpn_id")}
    db.session.expunge_all()
    rows: dict = {}
    sent = statements_while(lambda: rows.update(form_rows(_form_of(ids), **fields)))
    assert len(sent) == 1
    assert (rows["source"].code, rows["product"].sku, rows["person"].id, rows["lpn"]) == \
        ("A-01-01-1", "BOTTLE", users["worker"], None)
    again: dict = {}
    assert statements_while(lambda: again.update(form_rows(_form_of(ids), **fields))) == []  # all held now
    assert again == rows


@pytest.mark.parametrize("text", ["999999", "abc", "-1"])
def test_form_rows_calls_a_missing_or_garbled_row_a_stale_screen(users, ctx, text):
    from wms.catalog.models import Product

    db.session.expunge_all()
    form = MultiDict({"user_id": str(users["worker"]), "product_id": text})
    with pytest.raises(StaleScreen):
        form_rows(form, person=(User, "user_id"), product=(Product, "product_id"))
