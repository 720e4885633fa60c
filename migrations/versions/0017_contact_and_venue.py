"""contact and venue: who organises an edition and how to reach them; where it is

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0011'
branch_labels = None
depends_on = None

COLUMNS = (
    ('organiser_name', 200),
    ('contact_email', 254),
    ('contact_phone', 40),
    ('venue_address', 500),
    ('venue_map_url', 500),
)


def upgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default='')
            )


def downgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
