"""one head: integration and returns

Revision ID: d0fd4ef3c5a4
Revises: 8cf5f68fd430, c17585ea8db7
Create Date: 2026-12-03 06:54:28.678421

"""


# revision identifiers, used by Alembic.
revision = 'd0fd4ef3c5a4'
down_revision = ('8cf5f68fd430', 'c17585ea8db7')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
