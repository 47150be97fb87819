"""key point previews: the comments an editor's key point would gather, computed before it is added

Revision ID: 0012_key_point_preview
Revises: 0011_story_listed
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_key_point_preview"
down_revision = "0011_story_listed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_point_preview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["editor_id"], ["user.id"], name=op.f("fk_key_point_preview_editor_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], name=op.f("fk_key_point_preview_story_id_story"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_point_preview")),
    )
    with op.batch_alter_table("key_point_preview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_point_preview_story_id"), ["story_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_point_preview_editor_id"), ["editor_id"], unique=False)


def downgrade():
    op.drop_table("key_point_preview")
