"""web users: logins, roles and the trusts each user belongs to

Revision ID: 0004
Revises: 0003

`webuser` holds one row per person who logs in to the web app (`savings serve`): an argon2
password hash, a role, an optional region and a disabled flag; `webmembership` lists the trusts
each user belongs to. Rows are added and disabled with `savings user add/disable`; nothing is
deleted, so the names recorded in the audit trail keep pointing at a known user.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webuser",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
        sa.UniqueConstraint("display_name"),
    )
    op.create_table(
        "webmembership",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("trust", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("username", "trust"),
    )


def downgrade() -> None:
    op.drop_table("webmembership")
    op.drop_table("webuser")
