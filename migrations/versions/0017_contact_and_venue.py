"""contact and venue: who organises an edition and how to reach them; where it is;
the program's texts and mail-outs in English too

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = (
    ('organiser_name', 200),
    ('contact_email', 254),
    ('contact_phone', 40),
    ('venue_address', 500),
    ('venue_map_url', 500),
)


#: English texts beside the Dutch ones; empty: the Dutch text is shown
ENGLISH = {
    'edition': (
        ('title_en', sa.String(length=200)),
        ('description_en', sa.Text()),
        ('venue_en', sa.String(length=200)),
        ('venue_details_en', sa.Text()),
    ),
    'round': (('name_en', sa.String(length=100)),),
    'session': (('title_en', sa.String(length=300)), ('abstract_en', sa.Text())),
    'mailout': (('subject_en', sa.String(length=300)), ('body_en', sa.Text())),
}


def upgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default='')
            )
    for table, columns in ENGLISH.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=''))


def downgrade():
    for table, columns in ENGLISH.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in reversed(columns):
                batch_op.drop_column(name)
    with op.batch_alter_table('edition', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
