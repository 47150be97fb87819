"""opinion groups: cached results per story; ids of imported Pol.is statements and participants

Revision ID: 0003_opinions
Revises: 0002_debate_map
"""

from alembic import op
import sqlalchemy as sa

revision = "0003_opinions"
down_revision = "0002_debate_map"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "opinion_result",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_votes", sa.Integer(), nullable=False),
        sa.Column("n_participants", sa.Integer(), nullable=False),
        sa.Column("n_groups", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f("fk_opinion_result_story_id_story"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_opinion_result")),
    )
    op.create_table(
        "polis_comment",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("polis_id", sa.Integer(), nullable=False),
        sa.Column("is_meta", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_polis_comment_comment_id_comment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f("fk_polis_comment_story_id_story"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_polis_comment")),
        sa.UniqueConstraint("story_id", "polis_id", name="uq_polis_comment_story_polis"),
    )
    with op.batch_alter_table("polis_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polis_comment_story_id"), ["story_id"], unique=False)
    op.create_table(
        "polis_participant",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("polis_id", sa.Integer(), nullable=False),
        sa.Column("xid", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f("fk_polis_participant_story_id_story"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_polis_participant_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_polis_participant")),
        sa.UniqueConstraint("story_id", "polis_id", name="uq_polis_participant_story_polis"),
    )
    with op.batch_alter_table("polis_participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polis_participant_story_id"), ["story_id"], unique=False)


def downgrade():
    with op.batch_alter_table("polis_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polis_participant_story_id"))
    op.drop_table("polis_participant")
    with op.batch_alter_table("polis_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polis_comment_story_id"))
    op.drop_table("polis_comment")
    op.drop_table("opinion_result")
