"""one head: channels and scopes

Revision ID: 088eb7398fb2
Revises: 2aba767904de, 88bebea36e1d
Create Date: 2026-12-03 07:41:59.838641

"""


# revision identifiers, used by Alembic.
revision = '088eb7398fb2'
down_revision = ('2aba767904de', '88bebea36e1d')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
