"""one head: scan receipts per action

Revision ID: 65df0b1b4139
Revises: 2fd828fa360a, a91ec2cbf55f
Create Date: 2026-12-03 07:51:19.936852

"""


# revision identifiers, used by Alembic.
revision = '65df0b1b4139'
down_revision = ('2fd828fa360a', 'a91ec2cbf55f')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
