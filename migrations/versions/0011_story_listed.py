"""stories the widget creates on its own stay unlisted until vouched for

Revision ID: 0011_story_listed
Revises: 0010_opinion_group_names
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_story_listed"
down_revision = "0010_opinion_group_names"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_column("listed")
