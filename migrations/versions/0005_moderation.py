"""moderation: stories' moderation mode, holds and decisions, flags, banned words, audit log

Revision ID: 0005_moderation
Revises: 0004_widget
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_moderation"
down_revision = "0004_widget"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moderation_mode", sa.String(length=10), server_default="post", nullable=False))

    op.create_table(
        "comment_moderation",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("hold_reason", sa.String(length=20), nullable=True),
        sa.Column("hold_detail", sa.String(length=300), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_comment_moderation_comment_id_comment"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_comment_moderation_decided_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_comment_moderation")),
    )
    with op.batch_alter_table("comment_moderation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_moderation_hold_reason"), ["hold_reason"], unique=False)

    op.create_table(
        "comment_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_comment_flag_comment_id_comment"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_comment_flag_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_flag")),
        sa.UniqueConstraint("comment_id", "user_id", name="uq_comment_flag_comment_user"),
    )
    with op.batch_alter_table("comment_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_flag_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_flag_user_id"), ["user_id"], unique=False)

    op.create_table(
        "banned_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["user.id"], name=op.f("fk_banned_word_added_by_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], name=op.f("fk_banned_word_story_id_story"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banned_word")),
        sa.UniqueConstraint("word", "story_id", name="uq_banned_word_word_story"),
    )
    with op.batch_alter_table("banned_word", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_banned_word_story_id"), ["story_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("comment_text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_audit_entry_actor_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_audit_entry_comment_id_comment"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], name=op.f("fk_audit_entry_story_id_story"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["target_user_id"], ["user.id"], name=op.f("fk_audit_entry_target_user_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_created", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_story_id"), ["story_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_target_user_id"), ["target_user_id"], unique=False)


def downgrade():
    op.drop_table("audit_entry")
    op.drop_table("banned_word")
    op.drop_table("comment_flag")
    op.drop_table("comment_moderation")
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_column("moderation_mode")
