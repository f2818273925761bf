"""api token scopes, sales channels, stock sync

Revision ID: 2aba767904de
Revises: 8cf5f68fd430
Create Date: 2026-12-03 06:57:11.293560

"""
import sqlalchemy as sa
from alembic import op

import wms.dbtypes

# revision identifiers, used by Alembic.
revision = '2aba767904de'
down_revision = '8cf5f68fd430'
branch_labels = None
depends_on = None

ALL_SCOPES = "orders,stock,products,receiving,shipping,returns,tracking,webhooks"
# The channel codes orders used before channels were rows.
DEFAULT_CHANNELS = [
    {"code": "site", "name": "Loja virtual", "kind": "site"},
    {"code": "marketplace", "name": "Marketplace", "kind": "marketplace"},
    {"code": "shop", "name": "Loja física", "kind": "shop"},
]


def upgrade():
    channels = op.create_table('channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('nfe_required', sa.Boolean(), nullable=False),
    sa.Column('marketplace_label', sa.Boolean(), nullable=False),
    sa.Column('carrier_cutoff', sa.Time(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', wms.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels')),
    sa.UniqueConstraint('code', name=op.f('uq_channels_code'))
    )
    from wms.dbtypes import utcnow

    op.bulk_insert(channels, [dict(row, nfe_required=True, marketplace_label=False, active=True,
                                   created_at=utcnow()) for row in DEFAULT_CHANNELS])

    op.create_table('stock_sync_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', wms.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_sync_marks_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_sync_marks'))
    )
    with op.batch_alter_table('stock_sync_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_sync_marks_marked_at'), ['marked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_sync_marks_product_id'), ['product_id'], unique=False)

    op.create_table('stock_sync_state',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('changed_at', wms.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_sync_state_product_id_products')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_stock_sync_state'))
    )
    with op.batch_alter_table('stock_sync_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_sync_state_changed_at'), ['changed_at'], unique=False)

    # Tokens made before scopes keep working: they get every scope.
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=False, server_default=ALL_SCOPES))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('scopes', server_default=None)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')

    with op.batch_alter_table('stock_sync_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_sync_state_changed_at'))

    op.drop_table('stock_sync_state')
    with op.batch_alter_table('stock_sync_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_sync_marks_product_id'))
        batch_op.drop_index(batch_op.f('ix_stock_sync_marks_marked_at'))

    op.drop_table('stock_sync_marks')
    op.drop_table('channels')
