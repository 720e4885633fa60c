"""ranked allocation: the preferences deadline and the allocation's seed per edition

Ranked wishes are choice rows in the new state 'ranked' (the state column is a
non-native enum without a database constraint, so it needs no change here).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 17:46:20.803056

"""
from alembic import op
import sqlalchemy as sa

import symposium.program.models  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferences_close_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('allocation_seed', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    # Older code does not know the state 'ranked': wishes not yet allocated are dropped.
    op.execute("UPDATE choice SET state = 'declined' WHERE state = 'ranked'")
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('allocation_seed')
        batch_op.drop_column('preferences_close_at')
