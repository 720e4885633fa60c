"""organisers' real use: names sorted the Dutch way (a stored sort key, "de Vries" under
V); rooms per edition, made from the room texts the sessions already have

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-04 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from symposium.text import name_sort_key


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('accessibility', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'name', name='uq_room_edition_name')
    )
    # Every room a session names becomes a room of its edition, its text kept as it is.
    op.execute(
        "INSERT INTO room (edition_id, name, accessibility) "
        "SELECT DISTINCT edition_id, room, '' FROM session WHERE room <> ''"
    )
    with op.batch_alter_table('registration') as batch_op:
        batch_op.add_column(sa.Column('sort_last', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sort_first', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_index('ix_registration_edition_sort', ['edition_id', 'sort_last', 'sort_first'], unique=False)
    registration = sa.table(
        'registration',
        sa.column('id', sa.Integer),
        sa.column('first_name', sa.String),
        sa.column('last_name', sa.String),
        sa.column('sort_last', sa.String),
        sa.column('sort_first', sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(registration.c.id, registration.c.first_name, registration.c.last_name)
    ).all()
    for row in rows:
        last, first = name_sort_key(row.first_name, row.last_name)
        connection.execute(
            registration.update()
            .where(registration.c.id == row.id)
            .values(sort_last=last, sort_first=first)
        )


def downgrade():
    op.drop_table('room')
    with op.batch_alter_table('registration') as batch_op:
        batch_op.drop_index('ix_registration_edition_sort')
        batch_op.drop_column('sort_first')
        batch_op.drop_column('sort_last')
