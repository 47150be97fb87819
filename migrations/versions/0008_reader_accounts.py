"""readers' accounts: an optional, unique email address; what a story does with a deleted reader's comments

Revision ID: 0008_reader_accounts
Revises: 0007_session_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_reader_accounts"
down_revision = "0007_session_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_email"), ["email"])
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_comments", sa.String(length=10), server_default="anonymise", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_story_deleted_comments"), "deleted_comments IN ('anonymise', 'remove')"
        )


def downgrade():
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_story_deleted_comments"), type_="check")
        batch_op.drop_column("deleted_comments")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_email"), type_="unique")
        batch_op.drop_column("email")
