"""publisher sites and widget: sites, their stories, single-sign-on readers, used token ids

Revision ID: 0004_widget
Revises: 0003_opinions
"""

from alembic import op
import sqlalchemy as sa

revision = "0004_widget"
down_revision = "0003_opinions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("auto_create", sa.Boolean(), nullable=False),
        sa.Column("sso_secret", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("key", name=op.f("uq_site_key")),
    )
    op.create_table(
        "site_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_site_story_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f("fk_site_story_story_id_story"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_story")),
        sa.UniqueConstraint("site_id", "url", name="uq_site_story_site_url"),
        sa.UniqueConstraint("site_id", "story_id", name="uq_site_story_site_story"),
    )
    with op.batch_alter_table("site_story", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_story_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_story_story_id"), ["story_id"], unique=False)

    op.create_table(
        "site_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_site_user_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_site_user_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_user")),
        sa.UniqueConstraint("site_id", "external_id", name="uq_site_user_site_external"),
    )
    with op.batch_alter_table("site_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_user_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_user_user_id"), ["user_id"], unique=False)

    op.create_table(
        "used_sso_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_used_sso_token_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_sso_token")),
        sa.UniqueConstraint("site_id", "jti", name="uq_used_sso_token_site_jti"),
    )
    with op.batch_alter_table("used_sso_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_sso_token_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("used_sso_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_sso_token_expires_at"))
    op.drop_table("used_sso_token")
    with op.batch_alter_table("site_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_user_user_id"))
        batch_op.drop_index(batch_op.f("ix_site_user_site_id"))
    op.drop_table("site_user")
    with op.batch_alter_table("site_story", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_story_story_id"))
        batch_op.drop_index(batch_op.f("ix_site_story_site_id"))
    op.drop_table("site_story")
    op.drop_table("site")
