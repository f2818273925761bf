"""stock summary deltas carry their place: location kind and open, set by the triggers when they write them

Issue 16: with tens of thousands of deltas pending, every reader placed each delta by its location (a hash of the
100,000 locations, ~50 ms a statement). The item triggers now read the location by key once, when they write the
delta; readers and the fold read the delta as it is (see wms/inventory/summary.py).

What stays right: everything of a location is in the summary (folded plus pending) under the location's facts of
now. An item's change takes its old units off under its old location's facts and adds the new under its new
location's; a location's change moves ALL its items from the old facts to the new (its pending deltas carry the
old facts now, so none is taken off first). On PostgreSQL the item triggers take a shared advisory lock and a
location's change the exclusive one: a delta is never written with facts that a concurrent location change is
replacing without counting it (the later of the two sees what the other committed).

Revision ID: 5330a366ca41
Revises: 8bab10a89f6d
Create Date: 2026-12-03 15:50:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5330a366ca41'
down_revision = '8bab10a89f6d'
branch_labels = None
depends_on = None

FOLD_KEY, PLACE_KEY = 7160016, 7160017  # wms.inventory.summary.LOCK_KEY, PLACE_KEY

# PostgreSQL. Items: one statement-level trigger per event, with transition tables; the item's place read by key
# (the location's kind and open as of now: see the locks above). A set-based UPDATE of thousands of items writes
# one delta per (product, lot, kind, open).
_ITEM_ROWS = """
    SELECT r.product_id, COALESCE(r.lot_id, 0) AS lot_key, l.kind,
           l.active AND NOT l.blocked AND NOT COALESCE(p.kind = 'tote', FALSE) AS open,
           {sign} r.quantity AS on_hand, {sign} r.reserved AS reserved,
           {sign} (CASE WHEN r.quantity > 0 THEN 1 ELSE 0 END) AS items
    FROM {rows} r JOIN locations l ON l.id = r.location_id LEFT JOIN lpns p ON p.id = r.lpn_id"""
_ITEM_INSERT = """
        INSERT INTO stock_summary_deltas (product_id, lot_key, kind, open, on_hand, reserved, items)
        SELECT product_id, lot_key, kind, open, SUM(on_hand), SUM(reserved), SUM(items)
        FROM ({rows}) c
        GROUP BY product_id, lot_key, kind, open
        HAVING SUM(on_hand) <> 0 OR SUM(reserved) <> 0 OR SUM(items) <> 0;"""
# A location's kind, active or blocked changed: all its items move from the old (kind, open) to the new. (No
# WITH: SQLite triggers refuse it.)
_HERE = """
        SELECT i.product_id, COALESCE(i.lot_id, 0) AS lot_key, {place}.kind AS kind,
               {place}.active AND NOT {place}.blocked AND NOT COALESCE(p.kind = 'tote', FALSE) AS open,
               {sign}i.quantity AS on_hand, {sign}i.reserved AS reserved,
               {sign}(CASE WHEN i.quantity > 0 THEN 1 ELSE 0 END) AS items
        FROM stock_items i LEFT JOIN lpns p ON p.id = i.lpn_id WHERE i.location_id = NEW.id"""
_LOCATION_MOVE = """
    INSERT INTO stock_summary_deltas (product_id, lot_key, kind, open, on_hand, reserved, items)
    SELECT product_id, lot_key, kind, open, SUM(on_hand), SUM(reserved), SUM(items)
    FROM (""" + _HERE.format(place="OLD", sign="-") + "\n        UNION ALL" + _HERE.format(place="NEW", sign="") + """
    ) moved
    GROUP BY product_id, lot_key, kind, open
    HAVING SUM(on_hand) <> 0 OR SUM(reserved) <> 0 OR SUM(items) <> 0;"""

# SQLite: row-level triggers (one writer at a time: no lock needed).
_SQLITE_ROW = """
    INSERT INTO stock_summary_deltas (product_id, lot_key, kind, open, on_hand, reserved, items)
    SELECT {r}.product_id, COALESCE({r}.lot_id, 0), l.kind,
           l.active AND NOT l.blocked AND NOT COALESCE((SELECT kind = 'tote' FROM lpns WHERE id = {r}.lpn_id), FALSE),
           {sign}{r}.quantity, {sign}{r}.reserved, {sign}(CASE WHEN {r}.quantity > 0 THEN 1 ELSE 0 END)
    FROM locations l WHERE l.id = {r}.location_id;"""
SQLITE = [
    "CREATE TRIGGER stock_summary_insert AFTER INSERT ON stock_items "
    "WHEN NEW.quantity <> 0 OR NEW.reserved <> 0 BEGIN" + _SQLITE_ROW.format(r="NEW", sign="") + "\nEND",
    "CREATE TRIGGER stock_summary_update AFTER UPDATE ON stock_items "
    "WHEN OLD.quantity <> NEW.quantity OR OLD.reserved <> NEW.reserved OR OLD.location_id <> NEW.location_id "
    "OR OLD.product_id <> NEW.product_id OR OLD.lot_id IS NOT NEW.lot_id OR OLD.lpn_id IS NOT NEW.lpn_id BEGIN"
    + _SQLITE_ROW.format(r="OLD", sign="-") + _SQLITE_ROW.format(r="NEW", sign="") + "\nEND",
    "CREATE TRIGGER stock_summary_delete AFTER DELETE ON stock_items "
    "WHEN OLD.quantity <> 0 OR OLD.reserved <> 0 BEGIN" + _SQLITE_ROW.format(r="OLD", sign="-") + "\nEND",
    "CREATE TRIGGER stock_summary_location AFTER UPDATE OF kind, active, blocked ON locations "
    "WHEN OLD.kind IS NOT NEW.kind OR OLD.active IS NOT NEW.active OR OLD.blocked IS NOT NEW.blocked BEGIN"
    + _LOCATION_MOVE + "\nEND",
]

POSTGRESQL = [
    """
CREATE FUNCTION stock_summary_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Shared: moves never wait on each other; a location's change (exclusive) waits for them and they for it, and
    -- the next statement (a new snapshot) reads the location's facts as that change committed them.
    PERFORM pg_advisory_xact_lock_shared(""" + str(PLACE_KEY) + """);
    IF TG_OP = 'INSERT' THEN""" + _ITEM_INSERT.format(rows=_ITEM_ROWS.format(sign="", rows="new_items")) + """
    ELSIF TG_OP = 'UPDATE' THEN""" + _ITEM_INSERT.format(
        rows=_ITEM_ROWS.format(sign="", rows="new_items") + "\n    UNION ALL"
        + _ITEM_ROWS.format(sign="-", rows="old_items")) + """
    ELSE""" + _ITEM_INSERT.format(rows=_ITEM_ROWS.format(sign="-", rows="old_items")) + """
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER stock_summary_insert AFTER INSERT ON stock_items REFERENCING NEW TABLE AS new_items "
    "FOR EACH STATEMENT EXECUTE FUNCTION stock_summary_items()",
    "CREATE TRIGGER stock_summary_update AFTER UPDATE ON stock_items "
    "REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION stock_summary_items()",
    "CREATE TRIGGER stock_summary_delete AFTER DELETE ON stock_items REFERENCING OLD TABLE AS old_items "
    "FOR EACH STATEMENT EXECUTE FUNCTION stock_summary_items()",
    # The fold lock keeps `wms rebuild-summary` (which takes it) from recomputing between this change's deltas and
    # its commit; the place lock waits for the item changes in flight (their deltas carry the old facts, and the
    # statement after the lock counts their items) and holds new ones until this commits.
    """
CREATE FUNCTION stock_summary_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(""" + str(FOLD_KEY) + """);
    PERFORM pg_advisory_xact_lock(""" + str(PLACE_KEY) + """);""" + _LOCATION_MOVE + """
    RETURN NULL;
END $$""",
    "CREATE TRIGGER stock_summary_location AFTER UPDATE ON locations FOR EACH ROW "
    "WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.active IS DISTINCT FROM NEW.active "
    "OR OLD.blocked IS DISTINCT FROM NEW.blocked) EXECUTE FUNCTION stock_summary_location()",
]


def _drop_triggers(postgresql: bool) -> None:
    if postgresql:
        for name in ("stock_summary_insert", "stock_summary_update", "stock_summary_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON stock_items")
        op.execute("DROP TRIGGER IF EXISTS stock_summary_location ON locations")
        op.execute("DROP FUNCTION IF EXISTS stock_summary_items()")
        op.execute("DROP FUNCTION IF EXISTS stock_summary_location()")
    else:
        for name in ("stock_summary_insert", "stock_summary_update", "stock_summary_delete",
                     "stock_summary_location"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no item or location change, and no fold, until this commits
        op.execute("LOCK TABLE stock_items, locations IN SHARE MODE")
        op.execute(f"SELECT pg_advisory_xact_lock({FOLD_KEY})")
        op.execute("UPDATE stock_summary_deltas d SET kind = l.kind, open = d.open AND l.active AND NOT l.blocked "
                   "FROM locations l WHERE l.id = d.location_id AND d.kind IS NULL")
    else:
        op.execute("UPDATE stock_summary_deltas SET "
                   "kind = (SELECT kind FROM locations WHERE id = location_id), "
                   "open = open AND (SELECT active AND NOT blocked FROM locations WHERE id = location_id) "
                   "WHERE kind IS NULL")
    _drop_triggers(postgresql)
    with op.batch_alter_table('stock_summary_deltas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_summary_deltas_location_id'))
        batch_op.drop_column('location_id')
        batch_op.alter_column('kind', existing_type=sa.String(length=20), nullable=False)
        # A product's or lot's pending deltas by key: the stock pages probe them for each product or lot they walk.
        batch_op.create_index('ix_stock_summary_deltas_product', ['product_id', 'lot_key'], unique=False)
    for statement in (POSTGRESQL if postgresql else SQLITE):
        op.execute(statement)


def downgrade():
    """The pending deltas stay as they are: the previous triggers read a delta with its kind given (and no
    location) as placed already."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("LOCK TABLE stock_items, locations IN SHARE MODE")
    _drop_triggers(postgresql)
    with op.batch_alter_table('stock_summary_deltas', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_summary_deltas_product')
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.alter_column('kind', existing_type=sa.String(length=20), nullable=True)
        batch_op.create_index(batch_op.f('ix_stock_summary_deltas_location_id'), ['location_id'], unique=False)
    path = Path(__file__).with_name("20261203_e0ca2688d791_stock_summary.py")
    spec = importlib.util.spec_from_file_location("stock_summary_e0ca2688d791", path)
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    for statement in (previous.POSTGRESQL if postgresql else previous.SQLITE):
        op.execute(statement)
