"""documents: badge sheets, certificates and the booklet made by the worker; printed badges

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import symposium.program.models  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('badges', 'badge_sheets', 'certificates', 'booklet', name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('claimed_until', symposium.program.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registration_ids', sa.JSON(), nullable=False),
    sa.Column('file_name', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_document_job_edition_id_edition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_document_job_requested_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_job'))
    )
    op.create_index('ix_document_job_lookup', 'document_job', ['edition_id', 'kind', 'fingerprint'], unique=False)
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_printed_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('badge_printed_at')
    op.drop_index('ix_document_job_lookup', table_name='document_job')
    op.drop_table('document_job')
