"""viewpoint review and publishing: editors' fields on viewpoints, map versions, published snapshots

Revision ID: 0006_review
Revises: 0005_moderation
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_review"
down_revision = "0005_moderation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("viewpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("editor_headline", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("editor_summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("pinned_quote_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("curated", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("key_point", sa.Text(), nullable=True))
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.add_column(sa.Column("map_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("map_auto_publish", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "published_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["published_by_id"], ["user.id"], name=op.f("fk_published_map_published_by_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], name=op.f("fk_published_map_story_id_story"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_map")),
    )
    with op.batch_alter_table("published_map", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_map_story_id"), ["story_id"], unique=False)


def downgrade():
    with op.batch_alter_table("published_map", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_map_story_id"))
    op.drop_table("published_map")
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_column("map_auto_publish")
        batch_op.drop_column("map_version")
    with op.batch_alter_table("viewpoint", schema=None) as batch_op:
        for column in ("key_point", "curated", "pinned_quote_ids", "hidden", "editor_summary", "editor_headline"):
            batch_op.drop_column(column)
