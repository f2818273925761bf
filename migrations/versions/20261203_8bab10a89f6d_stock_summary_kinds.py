"""stock summary by location kind and product (issue 16: the stock page filtered by kind at 1M items)

Folded from the same deltas as the other levels (wms/inventory/summary.py); no trigger changes. Filled from the
finest level in one statement (the finest level is right: `wms check` compares every level); a partial index
finds a kind's stock with no lot.

Revision ID: 8bab10a89f6d
Revises: d10ead1eddba
Create Date: 2026-12-03 12:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8bab10a89f6d'
down_revision = 'd10ead1eddba'
branch_labels = None
depends_on = None

# A frozen copy of wms.inventory.summary.REBUILD's statement for this level as of this revision. On PostgreSQL
# the pending deltas are folded first (under the summary's advisory lock), so the new level starts from the same
# folded state as the others.
_SELLABLE = "CASE WHEN kind IN ('pick_face', 'reserve') AND open THEN on_hand - reserved ELSE 0 END"
FILL = ("INSERT INTO stock_summary_kinds (kind, product_id, on_hand, reserved, items, sellable) "
        f"SELECT kind, product_id, SUM(on_hand), SUM(reserved), SUM(items), SUM({_SELLABLE}) FROM stock_summary "
        "GROUP BY kind, product_id")


def upgrade():
    op.create_table('stock_summary_kinds',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('on_hand', sa.BigInteger(), nullable=False),
    sa.Column('reserved', sa.BigInteger(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('sellable', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'product_id', name=op.f('pk_stock_summary_kinds'))
    )
    # A kind's stock with no lot, for the stock page by lot filtered by kind (the level's key starts with the
    # product).
    op.create_index('ix_stock_summary_no_lot', 'stock_summary', ['kind', 'product_id'], unique=False,
                    postgresql_where=sa.text('lot_key = 0'), sqlite_where=sa.text('lot_key = 0'))
    if op.get_bind().dialect.name == "postgresql":
        # No compaction runs between the fill and the commit: the new level then holds exactly what the finest
        # level holds (pending deltas are folded into all four levels afterwards).
        op.execute("SELECT pg_advisory_xact_lock(7160016)")
    op.execute(FILL)


def downgrade():
    op.drop_index('ix_stock_summary_no_lot', table_name='stock_summary')
    op.drop_table('stock_summary_kinds')
