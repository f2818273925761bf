"""wms/sql.py: ids in chunks and `id_in` (an array parameter on PostgreSQL) select what `IN` would."""
from sqlalchemy import select

from wms.audit import AuditEvent, record
from wms.extensions import db
from wms.sql import chunks, id_in


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
