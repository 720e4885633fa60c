"""account security: session generations that end sessions on the server; a second
factor (TOTP) per organiser and site settings (a second factor required for all); requests
for a mailed link, resolved by the worker; seats held until the e-mail address is confirmed

Revision ID: 0016
Revises: 0018
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import symposium.program.models  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN with constant defaults: on SQLite a batch that recreated `edition`
    # would cascade-delete its sessions, rooms and registrations.
    op.add_column('user', sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    op.add_column('user', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('user', sa.Column('totp_last_step', sa.Integer(), server_default='0', nullable=False))
    op.add_column('edition', sa.Column('confirm_email', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('edition', sa.Column('confirm_hours', sa.Integer(), server_default='2', nullable=False))
    op.add_column('registration', sa.Column('email_confirmed_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True))
    op.create_table('link_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_link_request_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_request'))
    )
    op.create_table('site_setting',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_setting'))
    )


def downgrade():
    op.drop_table('site_setting')
    op.drop_table('link_request')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('confirm_hours')
        batch_op.drop_column('confirm_email')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_generation')
