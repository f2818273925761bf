"""one head: tracking

Revision ID: a91ec2cbf55f
Revises: 088eb7398fb2, ff2f75b80b82
Create Date: 2026-12-03 07:50:42.520018

"""


# revision identifiers, used by Alembic.
revision = 'a91ec2cbf55f'
down_revision = ('088eb7398fb2', 'ff2f75b80b82')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
