"""one head: board

Revision ID: 88bebea36e1d
Revises: 7d1f2cb4fe32, dd1e276af5a5
Create Date: 2026-12-03 07:29:51.089676

"""


# revision identifiers, used by Alembic.
revision = '88bebea36e1d'
down_revision = ('7d1f2cb4fe32', 'dd1e276af5a5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
