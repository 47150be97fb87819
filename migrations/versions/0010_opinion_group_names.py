"""opinion group names: an editor's name for an opinion group, kept with its representative statement

Revision ID: 0010_opinion_group_names
Revises: 0009_key_points
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_opinion_group_names"
down_revision = "0009_key_points"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "opinion_group_name",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_opinion_group_name_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["user.id"], name=op.f("fk_opinion_group_name_set_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f("fk_opinion_group_name_story_id_story"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("story_id", "comment_id", name=op.f("pk_opinion_group_name")),
    )


def downgrade():
    op.drop_table("opinion_group_name")
