"""personal data: each edition's privacy statement, erasure and purge, organisers' access log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import symposium.program.models  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('purged_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True))

    op.create_table('access_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=300), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_access_entry_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_access_entry_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_entry'))
    )
    with op.batch_alter_table('access_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_entry_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index('ix_access_entry_target', ['target_type', 'target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_access_entry_target')
        batch_op.drop_index(batch_op.f('ix_access_entry_edition_id'))
        batch_op.drop_index(batch_op.f('ix_access_entry_at'))

    op.drop_table('access_entry')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('privacy_text')
