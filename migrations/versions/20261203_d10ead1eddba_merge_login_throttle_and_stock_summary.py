"""merge login throttle and stock summary

Revision ID: d10ead1eddba
Revises: 5958482c3501, e0ca2688d791
Create Date: 2026-12-03 10:40:00.940270

"""


# revision identifiers, used by Alembic.
revision = 'd10ead1eddba'
down_revision = ('5958482c3501', 'e0ca2688d791')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
