"""carrier cutoffs

Revision ID: dd1e276af5a5
Revises: 8cf5f68fd430
Create Date: 2026-12-03 06:54:50.386552

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'dd1e276af5a5'
down_revision = '8cf5f68fd430'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('carrier_cutoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=40), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Time(), nullable=False),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_carrier_cutoffs_weekday_in_week')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_cutoffs')),
    sa.UniqueConstraint('carrier', 'service', 'weekday', name='uq_carrier_cutoffs_carrier_service_weekday')
    )
    with op.batch_alter_table('carrier_cutoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_cutoffs_carrier'), ['carrier'], unique=False)

    op.create_table('carrier_holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('carrier', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_holidays')),
    sa.UniqueConstraint('on', 'carrier', name='uq_carrier_holidays_on_carrier')
    )
    with op.batch_alter_table('carrier_holidays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_holidays_on'), ['on'], unique=False)


def downgrade():
    with op.batch_alter_table('carrier_holidays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_holidays_on'))
    op.drop_table('carrier_holidays')
    with op.batch_alter_table('carrier_cutoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_cutoffs_carrier'))
    op.drop_table('carrier_cutoffs')
