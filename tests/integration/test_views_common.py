"""The handheld screen kit's reader of hidden fields: the one `form_row` every screen uses."""
import pytest
from werkzeug.datastructures import MultiDict

from wms.auth.models import User
from wms.extensions import db
from wms.views_common import StaleScreen, form_row


def test_form_row_reads_the_row_a_hidden_field_names(users, ctx):
    worker = db.session.get(User, users["worker"])
    assert form_row(User, MultiDict({"user_id": str(worker.id)}), "user_id") is worker
    assert form_row(User, MultiDict({"user_id": " "}), "user_id") is None
    assert form_row(User, MultiDict(), "user_id") is None


@pytest.mark.parametrize("text", ["999999", "abc", "-1", "1.5", "9" * 30])
def test_form_row_calls_a_missing_or_garbled_row_a_stale_screen(users, ctx, text):
    with pytest.raises(StaleScreen):
        form_row(User, MultiDict({"user_id": text}), "user_id")
