"""one head: shipping

Revision ID: 7d1f2cb4fe32
Revises: 5a8d61f20ea5, d0fd4ef3c5a4
Create Date: 2026-12-03 07:10:27.988099

"""


# revision identifiers, used by Alembic.
revision = '7d1f2cb4fe32'
down_revision = ('5a8d61f20ea5', 'd0fd4ef3c5a4')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
