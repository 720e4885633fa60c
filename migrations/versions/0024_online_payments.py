"""online payments: payments through Mollie (iDEAL and cards) and their refunds

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import symposium.program.models  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('open', 'pending', 'authorized', 'paid', 'failed', 'canceled', 'expired', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('mollie_id', sa.String(length=64), nullable=False),
    sa.Column('checkout_url', sa.String(length=500), nullable=True),
    sa.Column('expires_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', symposium.program.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('method', sa.String(length=40), nullable=True),
    sa.Column('created_at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('mollie_id', name=op.f('uq_payment_mollie_id'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reference'), ['reference'], unique=False)

    op.create_table('payment_refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('mollie_id', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', symposium.program.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_refund_payment_id_payment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refund')),
    sa.UniqueConstraint('mollie_id', name=op.f('uq_payment_refund_mollie_id'))
    )
    with op.batch_alter_table('payment_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_refund_payment_id'), ['payment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_refund_payment_id'))
    op.drop_table('payment_refund')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reference'))
    op.drop_table('payment')
