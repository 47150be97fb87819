"""per-user session version: signing out, a password, role or status change ends every session

Revision ID: 0007_session_version
Revises: 0006_review
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_session_version"
down_revision = "0006_review"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
