"""wms/sql.py: ids in chunks and `id_in` (an array parameter on PostgreSQL) select what `IN` would; a locked read
answers the row as the lock read it, not as the session loaded it before."""
import gc

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from tests.statements import statements_while
from wms.audit import AuditEvent, record
from wms.extensions import db
from wms.locations import services as locations
from wms.locations.models import Location
from wms.sql import chunks, for_update, id_in, locked


def test_chunks_cover_every_value_once_in_order():
    assert [list(some) for some in chunks(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == []


def test_id_in_selects_the_rows_with_those_ids(ctx):
    for action in ("a", "b", "c", "d"):
        record(action)
    db.session.flush()
    ids = {e.action: e.id for e in db.session.scalars(select(AuditEvent))}
    wanted = [ids["b"], ids["d"], 10**9]
    found = db.session.scalars(select(AuditEvent.action).where(id_in(AuditEvent.id, wanted))
                               .order_by(AuditEvent.id))
    assert list(found) == ["b", "d"]
    assert list(db.session.scalars(select(AuditEvent.id).where(id_in(AuditEvent.id, [])))) == []


def test_a_locked_read_refreshes_the_row_the_session_loaded_before(ctx):
    """As if another worker had committed between the screen's read and the lock: the session's object holds a
    value the row no longer has. A bare `get(with_for_update=True)` keeps it; `locked` and `for_update` do not."""
    event = record("a")
    db.session.flush()
    set_committed_value(event, "action", "stale")
    assert db.session.get(AuditEvent, event.id, with_for_update=True).action == "stale"  # the mistake guarded
    assert locked(AuditEvent, event.id) is event and event.action == "a"
    set_committed_value(event, "action", "stale")
    assert db.session.scalar(for_update(select(AuditEvent).where(AuditEvent.id == event.id))) is event
    assert event.action == "a"
    assert locked(AuditEvent, 10**9) is None


def test_a_locked_read_keeps_the_neighbours_it_still_names_and_follows_a_changed_key(ctx):
    """The screen read a bin and its warehouse; another worker moved the bin to another warehouse before the lock
    (its row changed under the session). The lock follows the new key; a neighbour still named stays loaded, so
    using it costs no statement (nothing else held it: the identity map alone would have let it go)."""
    first, second = locations.create_warehouse("W1", "One"), locations.create_warehouse("W2", "Two")
    moved, staying = (locations.create_location(code, "reserve", warehouse=first) for code in ("B-1", "B-2"))
    ids = {"first": first.id, "second": second.id, "moved": moved.id, "staying": staying.id}
    db.session.commit()
    moved, staying = db.session.get(Location, ids["moved"]), db.session.get(Location, ids["staying"])
    assert moved.warehouse.code == staying.warehouse.code == "W1"
    del first, second
    db.session.connection().execute(update(Location.__table__).where(Location.__table__.c.id == ids["moved"])
                                    .values(warehouse_id=ids["second"]))
    assert locked(Location, ids["moved"]) is moved and moved.warehouse.code == "W2"
    assert locked(Location, ids["staying"]) is staying
    db.session.expunge(moved)
    gc.collect()
    assert len(statements_while(lambda: staying.warehouse.code)) == 0
    assert staying.warehouse.id == ids["first"]
