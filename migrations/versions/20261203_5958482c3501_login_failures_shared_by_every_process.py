"""login failures: the login throttle's counts, shared by every server process (wms/auth/throttle.py)

Revision ID: 5958482c3501
Revises: 60c68a62c1fb
Create Date: 2026-12-03 09:35:46.016099

"""
import sqlalchemy as sa
from alembic import op

import wms.dbtypes

# revision identifiers, used by Alembic.
revision = '5958482c3501'
down_revision = '60c68a62c1fb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failures',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', wms.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_window_start'), ['window_start'], unique=False)



def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_window_start'))

    op.drop_table('login_failures')
