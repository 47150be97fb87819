"""key points: sentence embeddings, themes, secondary supporters and highlighted quote sentences

Revision ID: 0009_key_points
Revises: 0008_reader_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_key_points"
down_revision = "0008_reader_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sentence_embedding",
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model_name", "text_hash", name=op.f("pk_sentence_embedding")),
    )
    with op.batch_alter_table("viewpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("theme_index", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("secondary_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("quote_sentences", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("viewpoint", schema=None) as batch_op:
        batch_op.drop_column("quote_sentences")
        batch_op.drop_column("secondary_ids")
        batch_op.drop_column("theme_index")
        batch_op.drop_column("theme")
    op.drop_table("sentence_embedding")
